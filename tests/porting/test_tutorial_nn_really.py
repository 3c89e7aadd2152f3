"""In the style of PyTorch's "What is torch.nn really?": logistic regression from raw tensors,
then refactored step by step with F.cross_entropy, nn.Module, nn.Parameter, nn.Linear, optim,
TensorDataset, DataLoader, a CNN with a Lambda layer, on the UCI digits shipped with
scratchnet (8x8 images). Written for scratchnet; only the import lines are scratchnet's."""
import math

import numpy as np

import scratchnet as torch
import scratchnet.nn.functional as F
from scratchnet import nn, optim
from scratchnet.utils.data import DataLoader, TensorDataset
from scratchnet.data import datasets


def get_arrays():
    train, valid = datasets.Digits(train=True), datasets.Digits(train=False)
    x_train = (train.data.reshape(len(train), -1) / 16.0).astype(np.float32)
    x_valid = (valid.data.reshape(len(valid), -1) / 16.0).astype(np.float32)
    return x_train, np.asarray(train.targets), x_valid, np.asarray(valid.targets)


def test_from_scratch_then_refactored():
    torch.manual_seed(0)
    x_train, y_train, x_valid, y_valid = map(torch.tensor, get_arrays())
    n, c = x_train.shape
    assert (n, c) == (len(y_train), 64)

    weights = torch.randn(64, 10) / math.sqrt(64)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    bs, lr, epochs = 64, 0.5, 3
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    assert accuracy(model(x_valid), y_valid).item() > 0.9
    # F.cross_entropy is log_softmax + nll in one
    assert torch.allclose(F.cross_entropy(xb @ weights + bias, yb), nll(model(xb), yb),
                          atol=1e-5)

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(64, 10)

        def forward(self, xb):
            return self.lin(xb)

    train_ds = TensorDataset(x_train, y_train)
    xb, yb = train_ds[0:bs]
    assert xb.shape == (bs, 64) and yb.shape == (bs,)
    train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
    valid_ds = TensorDataset(x_valid, y_valid)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

    model = Mnist_Logistic()
    opt = optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            valid_loss = sum(F.cross_entropy(model(xb), yb) for xb, yb in valid_dl)
    assert (valid_loss / len(valid_dl)).item() < 0.7
    with torch.no_grad():
        assert accuracy(model(x_valid), y_valid).item() > 0.85


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
    return val_loss


def test_cnn_with_lambda_layers_on_a_device():
    torch.manual_seed(0)
    x_train, y_train, x_valid, y_valid = map(torch.tensor, get_arrays())
    dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")

    def preprocess(x, y):
        return x.view(-1, 1, 8, 8).to(dev), y.to(dev)

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl = dl
            self.func = func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield (self.func(*b))

    train_dl = WrappedDataLoader(DataLoader(TensorDataset(x_train, y_train), batch_size=32,
                                            shuffle=True), preprocess)
    valid_dl = WrappedDataLoader(DataLoader(TensorDataset(x_valid, y_valid), batch_size=64),
                                 preprocess)
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=1, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    model.to(dev)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    val_loss = fit(4, model, F.cross_entropy, opt, train_dl, valid_dl)
    assert val_loss < 0.6, val_loss
