"""Training speed on a GPU: scratchnet on CuPy against PyTorch CUDA, same models, data,
optimizer and batch.

Models: MLP 784-256-128-10, LeNet-5 and SimpleCNN on Fashion-MNIST (60,000 images 1x28x28,
batch 128), and ResNet-20 on CIFAR-shaped data (random 3x32x32 images, 10 classes, 10,000 of
them; speed does not depend on the pixels) at batch 128 and 512. Adam lr 1e-3 everywhere.
Both frameworks start from scratchnet's initial weights where the state-dict keys match
(MLP, LeNet-5, SimpleCNN; ResNet-20 uses each framework's own initialisation). The whole data
set is put on the GPU first, for both, so that the epoch times compare the training steps,
not the host-to-device copies.

For each: seconds per epoch (median over the timed epochs, after one warm-up epoch), images
per second, peak GPU memory (scratchnet: CuPy's memory pool, an upper bound of the peak;
PyTorch: ``torch.cuda.max_memory_allocated``) and the ratio scratchnet / PyTorch.

Run: ``python benchmarks/bench_gpu.py`` (``--models mlp --epochs 1`` for a quick one).
On a machine without a GPU it prints one line saying so and exits 0.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scratchnet as sn  # noqa: E402

SETUPS = {  # name: (title, data, batch sizes)
    "mlp": ("MLP 784-256-128-10", "fashion", (128,)),
    "lenet": ("LeNet-5", "fashion", (128,)),
    "cnn": ("SimpleCNN", "fashion", (128,)),
    "resnet20": ("ResNet-20", "cifar", (128, 512)),
}
HEADERS = ["model", "batch", "scratchnet s/epoch", "PyTorch s/epoch", "ratio",
           "scratchnet img/s", "PyTorch img/s", "scratchnet peak MiB", "PyTorch peak MiB"]


def no_gpu_reason():
    """None when CuPy sees a GPU, else the one-line reason."""
    try:
        sn.backend._load_cupy()
    except sn.DeviceError as exc:
        return str(exc)
    return None


def load_data(kind, root=None):
    if kind == "fashion":
        from bench_train import load_fashion
        x, y, _, _ = load_fashion(root)
        return x, y.astype(np.int64)
    rng = np.random.default_rng(0)
    return (rng.standard_normal((10_000, 3, 32, 32), dtype=np.float32),
            rng.integers(0, 10, 10_000))


def build(name):
    if name == "resnet20":
        return sn.models.resnet20(num_classes=10)
    return sn.models.build_for(name, (1, 28, 28), 10)


def torch_model(name, torch):
    if name == "resnet20":
        return torch_resnet20(torch)
    from bench_train import torch_twin
    return torch_twin(name, torch)


def torch_resnet20(torch):
    """ResNet-20 (He et al. 2016, CIFAR variant, option-B 1x1 projection shortcuts as in
    scratchnet's BasicBlock) in PyTorch."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for i, width in enumerate((16, 32, 64)):
        for j in range(3):
            layers.append(Block(cin, width, 2 if (i > 0 and j == 0) else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def scratchnet_epochs(name, x, y, batch, epochs):
    """Seconds per epoch, peak pool bytes and the initial weights (host arrays)."""
    sn.manual_seed(0)
    model = build(name)
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to("cuda")
    opt = sn.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = sn.nn.CrossEntropyLoss()
    xd, yd = sn.tensor(x, device="cuda"), sn.tensor(y, device="cuda")
    rng = np.random.default_rng(0)
    seconds = []
    sn.cuda.empty_cache()
    for _ in range(epochs + 1):             # the first epoch warms CuPy's kernel cache
        order = sn.tensor(rng.permutation(len(x)), device="cuda")
        sn.cuda.synchronize()
        start = time.perf_counter()
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(xd[idx]), yd[idx]).backward()
            opt.step()
        sn.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds[1:], sn.cuda.max_memory_allocated(), initial


def torch_epochs(name, x, y, batch, epochs, initial, torch):
    model = torch_model(name, torch)
    try:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})
    except (RuntimeError, KeyError):
        pass                                  # ResNet-20: each framework's own init
    model = model.cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xd, yd = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
    rng = np.random.default_rng(0)
    seconds = []
    torch.cuda.reset_peak_memory_stats()
    for _ in range(epochs + 1):
        order = torch.from_numpy(rng.permutation(len(x))).cuda()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(xd[idx]), yd[idx]).backward()
            opt.step()
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds[1:], torch.cuda.max_memory_allocated()


def optional_torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="mlp,lenet,cnn,resnet20")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model")
    parser.add_argument("--root", default=None, help="where Fashion-MNIST is")
    args = parser.parse_args(argv)
    reason = no_gpu_reason()
    if reason is not None:
        print(f"bench_gpu: no GPU to measure on ({reason.split(';')[0]}); nothing done.")
        return 0
    torch = optional_torch_cuda()
    mib = 1 << 20
    rows, data = [], {}
    print(f"GPU: {sn.cuda.get_device_name()}; PyTorch "
          f"{getattr(torch, '__version__', 'absent or without CUDA')}", flush=True)
    for name in [n for n in args.models.split(",") if n]:
        title, kind, batches = SETUPS[name]
        if kind not in data:
            data[kind] = load_data(kind, args.root)
        x, y = data[kind]
        for batch in batches:
            ours, peak, initial = scratchnet_epochs(name, x, y, batch, args.epochs)
            s = statistics.median(ours)
            row = [title, batch, f"{s:.2f}", "-", "-", f"{len(x) / s:,.0f}", "-",
                   f"{peak / mib:.0f}", "-"]
            if torch is not None:
                theirs, tpeak = torch_epochs(name, x, y, batch, args.epochs, initial, torch)
                t = statistics.median(theirs)
                row[3], row[4], row[6], row[8] = (f"{t:.2f}", f"{s / t:.2f}x",
                                                  f"{len(x) / t:,.0f}", f"{tpeak / mib:.0f}")
            rows.append(row)
            print(table(HEADERS, [row]), flush=True)
    print(table(HEADERS, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
