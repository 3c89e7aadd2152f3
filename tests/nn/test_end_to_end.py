"""Small end-to-end training runs: the layers, losses and optimizers learn together."""
import numpy as np

import scratchnet as sn
from scratchnet import nn


def test_mlp_learns_xor(device):
    sn.manual_seed(0)
    x = sn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32", device=device)
    y = sn.tensor([0, 1, 1, 0], device=device)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)).to(device)
    opt = sn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert model(x).argmax(axis=1).tolist() == [0, 1, 1, 0]


def test_small_cnn_overfits_64_images(device):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    images = sn.tensor(rng.random((64, 1, 12, 12)), device=device)
    labels = sn.tensor(rng.integers(0, 10, 64), device=device)   # random labels: memorise
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10),
    ).to(device)
    opt = sn.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(images), labels)
        loss.backward()
        opt.step()
    model.eval()
    with sn.no_grad():
        accuracy = (model(images).argmax(axis=1).numpy() == labels.numpy()).mean()
    assert accuracy == 1.0, f"accuracy {accuracy}"


def test_frozen_parameters_do_not_change_after_a_step(device):
    sn.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).to(device)
    model[0].requires_grad_(False)
    frozen = [p.numpy().copy() for p in model[0].parameters()]
    head = model[2].weight.numpy().copy()
    opt = sn.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.1)
    loss = model(sn.randn(5, 3, device=device)).sum()
    loss.backward()
    opt.step()
    for before, p in zip(frozen, model[0].parameters()):
        np.testing.assert_array_equal(before, p.numpy())
    assert not np.array_equal(head, model[2].weight.numpy())
