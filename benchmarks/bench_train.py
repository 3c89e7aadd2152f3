"""Real training results on the CPU: accuracy reached, and seconds per epoch against references.

For each model on Fashion-MNIST (60,000 training images, batch 128, Adam lr 1e-3 with a
cosine schedule, inputs standardised with the training set's mean and std):

* scratchnet trains for the issue's number of epochs and reports test accuracy after each;
* seconds per training epoch (median over epochs) are compared, in the same run, with
  PyTorch CPU eager running the *same* model (its twin below, loaded with scratchnet's
  initial weights: the state-dict names and shapes match PyTorch's), the same data, optimizer
  and batch size, when torch is installed; and, for the MLP, with the same training written
  by hand in NumPy (``numpy_mlp_epoch``).

Plus the README's main job: ``scratchnet train`` on the UCI digits shipped in the package.

Epoch speed is then measured again in interleaved rounds (one scratchnet epoch, one PyTorch
epoch, in turn; the ratio is the median of the per-round ratios), idle and beside a
competing training loop (``benchmarks/_load.py``, the "busy" columns; PyTorch under the same
load).

Run: ``python benchmarks/bench_train.py`` (about 40 minutes on a 2-core CPU; ``--models mlp``
for a shorter one; ``--quick`` times only the speed rounds, on 10,240 images, and writes
nothing). Results go to docs/results.md, section "Training (CPU)".
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402
from scratchnet.data import ArrayDataset, DataLoader  # noqa: E402
from scratchnet.data.datasets import FashionMNIST  # noqa: E402

TARGETS = {"mlp": (15, 0.89), "lenet": (15, 0.90), "cnn": (10, 0.92)}
TITLES = {"mlp": "MLP 784-256-128-10", "lenet": "LeNet-5", "cnn": "SimpleCNN (dropout)"}
BATCH = 128


def load_fashion(root=None):
    """Standardised float32 images (N, 1, 28, 28) and int64 labels, train and test.

    Without ``root`` or $SCRATCHNET_DATA, the project's ../shared/datasets copy is used when
    there is one (as bench_data.py does), else the usual search and download."""
    shared = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "shared", "datasets", "fashion-mnist")
    if root is None and not os.environ.get("SCRATCHNET_DATA") and os.path.isdir(shared):
        root = shared
    train, test = FashionMNIST(root=root, train=True), FashionMNIST(root=root, train=False)
    x_train = train.data.astype(np.float32) / 255
    mean, std = float(x_train.mean()), float(x_train.std())
    prep = lambda d: ((d.astype(np.float32) / 255 - mean) / std)[:, None]  # noqa: E731
    return prep(train.data), train.targets, prep(test.data), test.targets


def scratchnet_run(name, data, epochs, seed=0):
    """Train with scratchnet; returns (seconds per epoch list, test accuracy per epoch)."""
    x_train, y_train, x_test, y_test = data
    sn.manual_seed(seed)
    model = sn.models.build_for(name, (1, 28, 28), 10)
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    opt = sn.optim.Adam(model.parameters(), lr=1e-3)
    sched = sn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    train = DataLoader(ArrayDataset(x_train, y_train), batch_size=BATCH, shuffle=True,
                       seed=seed)
    test = DataLoader(ArrayDataset(x_test, y_test), batch_size=1000)
    trainer = sn.train.Trainer(model, sn.nn.CrossEntropyLoss(), opt, scheduler=sched,
                               metrics=["accuracy"], verbose=0)
    seconds, accuracy = [], []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        trainer.train_epoch(train)
        seconds.append(time.perf_counter() - start)
        sched.step()
        accuracy.append(trainer.evaluate(test)["accuracy"])
        print(f"  scratchnet {name} epoch {epoch}: {seconds[-1]:.2f} s, test accuracy "
              f"{accuracy[-1]:.4f}", flush=True)
    return seconds, accuracy, initial


# ------------------------------------------------------------------------------- PyTorch twin
def torch_twin(name, torch):
    """The same architecture in PyTorch, with the same state-dict keys as scratchnet's."""
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    model = nn.Module()
    if name == "lenet":
        model.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(),
                                       nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                                       nn.MaxPool2d(2))
        model.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    elif name == "cnn":
        model.features = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3),
                                       nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25))
        model.classifier = nn.Sequential(nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(),
                                         nn.Dropout(0.5), nn.Linear(128, 10))
    else:
        raise ValueError(name)
    model.forward = lambda x: model.classifier(model.features(x))
    return model


def torch_epochs(name, data, initial, epochs, torch):
    """Seconds per epoch of PyTorch eager on the same model, data, optimizer and batch."""
    epoch = torch_epoch_fn(name, data, initial, torch)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
    return seconds


def torch_epoch_fn(name, data, initial, torch):
    """One PyTorch training epoch per call (same model, weights, optimizer, batch)."""
    x_train, y_train = torch.from_numpy(data[0]), torch.from_numpy(np.asarray(data[1]))
    model = torch_twin(name, torch)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    model.train()

    def epoch():
        order = torch.from_numpy(rng.permutation(len(x_train)))
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    return epoch


def scratchnet_epoch_fn(name, data, seed=0):
    """One scratchnet training epoch per call, as ``scratchnet_run`` trains; also returns the
    initial weights (for PyTorch's twin)."""
    sn.manual_seed(seed)
    model = sn.models.build_for(name, (1, 28, 28), 10)
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    opt = sn.optim.Adam(model.parameters(), lr=1e-3)
    train = DataLoader(ArrayDataset(data[0], data[1]), batch_size=BATCH, shuffle=True,
                       seed=seed)
    trainer = sn.train.Trainer(model, sn.nn.CrossEntropyLoss(), opt, verbose=0)
    return (lambda: trainer.train_epoch(train)), initial


def speed_rounds(name, data, rounds, torch):
    """Interleaved epochs: [(scratchnet seconds, PyTorch seconds or None)] per round."""
    ours, initial = scratchnet_epoch_fn(name, data)
    theirs = torch_epoch_fn(name, data, initial, torch) if torch is not None else None
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        ours()
        t_ours = time.perf_counter() - start
        t_theirs = None
        if theirs is not None:
            start = time.perf_counter()
            theirs()
            t_theirs = time.perf_counter() - start
        out.append((t_ours, t_theirs))
        print(f"    scratchnet {t_ours:.2f} s, PyTorch "
              f"{'-' if t_theirs is None else f'{t_theirs:.2f} s'}", flush=True)
    return out


def speed_table(names, data, rounds, torch, load):
    """Markdown table of epoch times, idle and beside ``load`` (None: idle only)."""
    results = {None: {}, load: {}}
    for kind in ([None, load] if load else [None]):
        with _load.competing_load(kind):
            for name in names:
                print(f"  speed rounds: {name}, {'idle' if kind is None else kind + ' load'}",
                      flush=True)
                results[kind][name] = speed_rounds(name, data, rounds, torch)
    headers = ["model", "s/epoch scratchnet", "s/epoch PyTorch", "vs PyTorch"]
    if load:
        headers += [f"busy ({load} loop): scratchnet", "busy: PyTorch", "busy: vs PyTorch"]
    rows = []
    for name in names:
        row = [TITLES[name]]
        for kind in ([None, load] if load else [None]):
            r = results[kind][name]
            ours = statistics.median(a for a, _ in r)
            if torch is None:
                row += [f"{ours:.2f}", "-", "-"]
            else:
                theirs = statistics.median(b for _, b in r)
                ratio = statistics.median(a / b for a, b in r)
                row += [f"{ours:.2f}", f"{theirs:.2f}", f"{ratio:.2f}x"]
        rows.append(row)
    return _timing.table(headers, rows)


# ------------------------------------------------------------------------------- NumPy by hand
def numpy_mlp_epoch(params, state, x, y, rng, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One epoch of the MLP written directly in NumPy: forward, softmax cross-entropy,
    backward and Adam, with no framework at all (the reference for the engine's overhead)."""
    W1, b1, W2, b2, W3, b3 = params
    order = rng.permutation(len(x))
    flat = x.reshape(len(x), -1)
    for i in range(0, len(order), BATCH):
        idx = order[i:i + BATCH]
        xb, yb = flat[idx], y[idx]
        n = len(idx)
        h1 = xb @ W1.T + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2.T + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3.T + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(n), yb] -= 1
        dz = p / n
        grads = [None] * 6
        grads[4], grads[5] = dz.T @ a2, dz.sum(axis=0)
        da2 = (dz @ W3) * (h2 > 0)
        grads[2], grads[3] = da2.T @ a1, da2.sum(axis=0)
        da1 = (da2 @ W2) * (h1 > 0)
        grads[0], grads[1] = da1.T @ xb, da1.sum(axis=0)
        state["t"] += 1
        t = state["t"]
        c1, c2 = 1 - betas[0] ** t, 1 - betas[1] ** t
        for p_, g, m, v in zip(params, grads, state["m"], state["v"]):
            m *= betas[0]
            m += (1 - betas[0]) * g
            v *= betas[1]
            v += (1 - betas[1]) * g * g
            p_ -= (lr / c1) * m / (np.sqrt(v / c2) + eps)


def numpy_epochs(data, initial, epochs):
    params = [initial[k].copy() for k in ("1.weight", "1.bias", "3.weight", "3.bias",
                                         "5.weight", "5.bias")]
    state = {"t": 0, "m": [np.zeros_like(p) for p in params],
             "v": [np.zeros_like(p) for p in params]}
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        numpy_mlp_epoch(params, state, data[0], data[1], rng)
        seconds.append(time.perf_counter() - start)
    return seconds


def digits_main_job():
    """`scratchnet train` (the README's main job): wall time and its last line."""
    import tempfile
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--quiet",
                                 "--out", out], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    return wall, result.stdout.strip().splitlines()[-1].split("; results in")[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="mlp,lenet,cnn")
    parser.add_argument("--epochs", default=None,
                        help="override the epochs per model, e.g. 2,2,1 (default 15,15,10)")
    parser.add_argument("--timing-epochs", type=int, default=3,
                        help="epochs timed for PyTorch and hand-written NumPy")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="PyTorch threads (default: all cores, as NumPy's BLAS uses)")
    parser.add_argument("--root", default=None, help="where Fashion-MNIST is")
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved scratchnet/PyTorch epochs per model, idle and busy")
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy columns: numpy, torch or none")
    parser.add_argument("--quick", action="store_true",
                        help="speed rounds only (LeNet-5 and SimpleCNN, --images images, 2 "
                             "rounds), nothing written")
    parser.add_argument("--images", type=int, default=10240,
                        help="training images per speed round with --quick")
    args = parser.parse_args(argv)
    load = None if args.load == "none" else args.load
    if args.quick:
        torch = _timing.optional_torch()
        if torch is not None:
            torch.set_num_threads(args.threads)
        names = [n for n in args.models.split(",") if n] if args.models != "mlp,lenet,cnn" \
            else ["lenet", "cnn"]
        x_train, y_train, _, _ = load_fashion(args.root)
        n = args.images
        table = speed_table(names, (x_train[:n], y_train[:n]), 2, torch, load)
        print(_timing.machine_line() + f"; PyTorch {getattr(torch, '__version__', 'absent')}"
              f" with {args.threads} threads; {n:,} images a round")
        print(table)
        return
    names = [n for n in args.models.split(",") if n]
    epochs = dict(zip(names, map(int, args.epochs.split(",")))) if args.epochs else {}
    torch = _timing.optional_torch()
    if torch is not None:
        torch.set_num_threads(args.threads)
    data = load_fashion(args.root)
    rows, notes = [], []
    wall, line = digits_main_job()
    digits_row = f"`scratchnet train` (UCI digits, MLP 64-256-128-10): {line}; wall time " \
                 f"of the whole command {wall:.1f} s"
    print(digits_row, flush=True)
    for name in names:
        n_epochs, target = TARGETS[name]
        n_epochs = epochs.get(name, n_epochs)
        print(f"{TITLES[name]}: {n_epochs} epochs", flush=True)
        seconds, accuracy, initial = scratchnet_run(name, data, n_epochs)
        ours = statistics.median(seconds)
        row = [TITLES[name], f"{accuracy[-1]:.2%} after {n_epochs}",
               f"{max(accuracy):.2%} (epoch {int(np.argmax(accuracy)) + 1})",
               f">= {target:.0%} in {TARGETS[name][0]}", f"{ours:.2f}"]
        if torch is not None:
            t = statistics.median(torch_epochs(name, data, initial, args.timing_epochs, torch))
            row += [f"{t:.2f}", f"{ours / t:.2f}x"]
        else:
            row += ["-", "-"]
        if name == "mlp":
            h = statistics.median(numpy_epochs(data, initial, args.timing_epochs))
            row += [f"{h:.2f}", f"{ours / h:.2f}x"]
        else:
            row += ["-", "-"]
        rows.append(row)
        print(_timing.table(HEADERS, [row]), flush=True)
    table = _timing.table(HEADERS, rows)
    print(_timing.machine_line())
    print(table)
    if torch is None:
        notes.append("PyTorch is not installed, so its columns are empty "
                     "(pip install torch==2.13.0 adds them).")
    speed = speed_table(names, data[:2], args.rounds, torch, load)
    print(speed)
    if not args.no_write:
        command = " ".join(["python benchmarks/bench_train.py", *(argv or sys.argv[1:])])
        body = (f"Command: `{command}`"
                f"\n\nMachine: {_timing.machine_line()}; PyTorch "
                f"{getattr(torch, '__version__', 'absent')} with {args.threads} threads.\n\n"
                f"{digits_row}.\n\nFashion-MNIST, batch {BATCH}, Adam lr 1e-3, cosine schedule, "
                "standardised inputs. Test accuracy is reported after the last epoch (the best "
                "epoch is shown too, but no choice was made on the test set). Seconds per "
                "epoch are training only, median over epochs; PyTorch and NumPy run the same "
                "model from the same initial weights in the same process.\n\n"
                + table + ("\n\n" + " ".join(notes) if notes else "")
                + f"\n\nEpoch speed in {args.rounds} interleaved rounds (one scratchnet epoch, "
                "one PyTorch epoch, in turn; the ratio is the median of the per-round ratios), "
                f"idle and beside a competing {load} training loop (`benchmarks/_load.py`):"
                f"\n\n{speed}\n")
        _timing.write_section("Training (CPU)", body)


HEADERS = ["model", "test accuracy", "best epoch", "aim", "s/epoch scratchnet",
           "s/epoch PyTorch", "vs PyTorch", "s/epoch NumPy by hand", "vs NumPy"]


if __name__ == "__main__":
    main()

