"""In the style of the MNIST example of pytorch/examples (a small convnet, Adadelta, StepLR,
train/test functions), scaled down to run in seconds on Fashion-MNIST (real data, found by
scratchnet's data look-up). Written for scratchnet; only the import lines are scratchnet's."""
import scratchnet as torch
import scratchnet.nn as nn
import scratchnet.nn.functional as F
import scratchnet.optim as optim
from scratchnet.vision import datasets, transforms
from scratchnet.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(2304, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
    return loss.item()


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return test_loss, correct / len(test_loader.dataset)


train.__test__ = test.__test__ = False      # the tutorial's names, not pytest tests


def test_mnist_example_trains(tmp_path):
    use_accel = torch.accelerator.is_available()
    torch.manual_seed(1)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    dataset1 = datasets.FashionMNIST(None, train=True, download=False, transform=transform)
    dataset2 = datasets.FashionMNIST(None, train=False, download=False, transform=transform)
    dataset1 = torch.utils.data.Subset(dataset1, range(2000))
    dataset2 = torch.utils.data.Subset(dataset2, range(500))
    train_loader = torch.utils.data.DataLoader(dataset1, batch_size=64, shuffle=True)
    test_loader = torch.utils.data.DataLoader(dataset2, batch_size=500)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, 3):
        train(model, device, train_loader, optimizer, epoch)
        test_loss, accuracy = test(model, device, test_loader)
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 1.0 * 0.7 ** 2
    assert accuracy > 0.65, accuracy
    torch.save(model.state_dict(), tmp_path / "mnist_cnn.pt")
    again = Net().to(device)   # the data goes to `device` in test()
    again.load_state_dict(torch.load(tmp_path / "mnist_cnn.pt", weights_only=True))
    assert test(again, device, test_loader)[1] == accuracy
