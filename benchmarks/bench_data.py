"""How fast does scratchnet.data feed a model? One epoch of each loading path, timed.

    python benchmarks/bench_data.py            # prints a table, updates docs/results.md
    python benchmarks/bench_data.py --quick    # fewer repeats, no file written
    python benchmarks/bench_data.py --load torch   # busy columns beside a PyTorch loop

Every row is the median of several epochs, and is compared with a reference measured in the
same run on the same arrays: a bare NumPy loop ``x[perm[i:i + 128]]`` that gathers each
shuffled batch and does nothing else (the floor for any in-memory loader).

* Fashion-MNIST train (60,000 x 28 x 28 uint8; the real files from $SCRATCHNET_DATA or
  ../shared/datasets, else synthetic arrays of the same shape, said so in the table),
  batches of 128: the fast path (one fancy index per batch), the fast path plus
  ``BatchToTensor`` (float32 NCHW in [0, 1]), the per-sample path (``ToTensor`` on every
  image, then stacking), and that path in 2 worker processes; a heavier per-sample transform
  (bilinear rotation) on 10,000 images in 0 and 2 workers.
* CIFAR-style augmentation on 50,000 x 3 x 32 x 32 synthetic uint8: random crop with padding
  4 and horizontal flip, batched (``BatchRandomCrop`` + ``BatchRandomHorizontalFlip``) and per
  sample (``RandomCrop`` + ``RandomHorizontalFlip`` on every image; timed on 5,000 images and
  scaled to 50,000, as marked).

The "busy" columns run every row again beside a competing training loop in another process
(``benchmarks/_load.py``; a NumPy one by default), the reference gather loop included, so
that each busy ratio is still a same-load ratio. (No PyTorch row: the reference here is the
bare NumPy loop, which any loader, PyTorch's included, can only add to.)
"""
import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import _load  # noqa: E402

from scratchnet.data import ArrayDataset, DataLoader, transforms as T  # noqa: E402
from scratchnet.data.datasets import FashionMNIST  # noqa: E402

BATCH = 128


def _busy(n=2_000_000):
    total = 0
    for i in range(n):
        total += i
    return total


def parallel_capacity():
    """How many CPUs two processes really get: 2.0 on two free cores, 1.0 when they share one
    (a CPU quota, or other work on the machine). Worker-process rows depend on it."""
    import multiprocessing

    start = time.perf_counter()
    _busy()
    _busy()
    serial = time.perf_counter() - start
    start = time.perf_counter()
    procs = [multiprocessing.Process(target=_busy) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return serial / (time.perf_counter() - start)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_reference(x, y, seed=0):
    """The floor: gather each shuffled batch with NumPy, nothing else."""
    rng = np.random.default_rng(seed)

    def epoch():
        perm = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            x[idx], y[idx]

    return epoch


def loader_epoch(loader):
    def epoch():
        for _ in loader:
            pass

    return epoch


def fashion_mnist():
    """The real training set if it can be found without a download, else synthetic data."""
    env = os.environ.get("SCRATCHNET_DATA")
    roots = [pathlib.Path(env) / "fashion-mnist"] if env else []
    roots.append(ROOT.parent / "shared" / "datasets" / "fashion-mnist")
    for root in roots:
        if root.is_dir():
            ds = FashionMNIST(root=root, train=True, download=False)
            return ds.data, ds.targets, "Fashion-MNIST train (real files)"
    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, 60000), "synthetic 60,000x28x28 uint8 (Fashion-MNIST not found)")


def run(repeats):
    rows = []

    # ---------------------------------------------------------------- Fashion-MNIST epochs
    x, y, what = fashion_mnist()
    n = len(x)
    ref = median_time(numpy_reference(x, y), repeats)
    rows.append((what, "NumPy x[perm[i:i+128]] loop (reference)", n, ref, ref))
    fast = DataLoader(ArrayDataset(x, y), batch_size=BATCH, shuffle=True, seed=0)
    rows.append((what, "DataLoader fast path, uint8 batches", n,
                 median_time(loader_epoch(fast), repeats), ref))
    to_float = DataLoader(ArrayDataset(x, y), batch_size=BATCH, shuffle=True, seed=0,
                          batch_transform=T.BatchToTensor())
    rows.append((what, "fast path + BatchToTensor (float32 NCHW)", n,
                 median_time(loader_epoch(to_float), repeats), ref))
    per_sample = ArrayDataset(x, y, transform=T.ToTensor())
    slow = DataLoader(per_sample, batch_size=BATCH, shuffle=True, seed=0)
    rows.append((what, "per-sample ToTensor + stack", n,
                 median_time(loader_epoch(slow), max(1, repeats // 3)), ref))
    workers = DataLoader(per_sample, batch_size=BATCH, shuffle=True, seed=0, num_workers=2,
                         persistent_workers=True)
    loader_epoch(workers)()  # start the workers outside the timing
    rows.append((what, "per-sample ToTensor, 2 worker processes", n,
                 median_time(loader_epoch(workers), max(1, repeats // 3)), ref))
    workers.close()
    # Workers pay off only when per-sample work outweighs sending batches between processes:
    # a bilinear rotation per image, on the first 10,000 images, in 0 and 2 workers.
    heavy = ArrayDataset(x[:10000], y[:10000], transform=T.Compose([
        T.RandomRotation(15, interpolation="bilinear"), T.ToTensor()]))
    for count in (0, 2):
        loader = DataLoader(heavy, batch_size=BATCH, shuffle=True, seed=0, num_workers=count,
                            persistent_workers=count > 0)
        loader_epoch(loader)()
        rows.append((what, f"per-sample RandomRotation + ToTensor, {count} workers", 10000,
                     median_time(loader_epoch(loader), max(1, repeats // 3)),
                     ref * 10000 / n))
        loader.close()

    # ---------------------------------------------------------------- CIFAR-style augmentation
    rng = np.random.default_rng(1)
    cx = rng.integers(0, 256, (50000, 3, 32, 32), dtype=np.uint8)
    cy = rng.integers(0, 10, 50000)
    what = "synthetic 50,000x3x32x32 uint8"
    ref = median_time(numpy_reference(cx, cy), repeats)
    rows.append((what, "NumPy x[perm[i:i+128]] loop (reference)", 50000, ref, ref))
    crop_flip = T.Compose([T.BatchRandomCrop(32, padding=4), T.BatchRandomHorizontalFlip()])
    batched = DataLoader(ArrayDataset(cx, cy), batch_size=BATCH, shuffle=True, seed=0,
                         batch_transform=crop_flip)
    rows.append((what, "batched crop(pad 4) + flip, uint8", 50000,
                 median_time(loader_epoch(batched), repeats), ref))
    # The order the docs recommend: augment while still uint8, then convert and normalize.
    full = T.Compose([T.BatchRandomCrop(32, padding=4), T.BatchRandomHorizontalFlip(),
                      T.BatchToTensor(channels_last=False),
                      T.BatchNormalize([0.491, 0.482, 0.447], [0.247, 0.243, 0.262])])
    pipeline = DataLoader(ArrayDataset(cx, cy), batch_size=BATCH, shuffle=True, seed=0,
                          batch_transform=full)
    rows.append((what, "batched crop + flip, then to float32 + normalize", 50000,
                 median_time(loader_epoch(pipeline), repeats), ref))
    # Per-sample transforms see CHW Tensors here; 5,000 images, scaled by 10.
    per_image = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])
    sub = ArrayDataset(np.ascontiguousarray(cx[:5000].transpose(0, 2, 3, 1)), cy[:5000],
                       transform=per_image)
    slow = DataLoader(sub, batch_size=BATCH, shuffle=True, seed=0)
    rows.append((what, "per-sample crop + flip (5,000 images x 10)", 50000,
                 10 * median_time(loader_epoch(slow), 1), ref))
    return rows


def table(rows, busy=None, load=None):
    head = "| data | path | samples | epoch (s) | samples/s | x reference |"
    rule = "| --- | --- | ---: | ---: | ---: | ---: |"
    if busy is not None:
        head += f" busy ({load} loop): epoch (s) | busy: x reference |"
        rule += " ---: | ---: |"
    lines = [head, rule]
    for i, (what, path, n, seconds, ref) in enumerate(rows):
        line = (f"| {what} | {path} | {n:,} | {seconds:.4f} | {n / seconds:,.0f} | "
                f"{seconds / ref:.2f} |")
        if busy is not None:
            _, _, _, b_seconds, b_ref = busy[i]
            line += f" {b_seconds:.4f} | {b_seconds / b_ref:.2f} |"
        lines.append(line)
    return "\n".join(lines)


def write_results(text, command, capacity):
    path = ROOT / "docs" / "results.md"
    section = ("## Data pipeline\n\n"
               f"Command: `{command}` (from the repository root)\n\n"
               f"Machine: {platform.machine()}, {os.cpu_count()} CPUs reported, of which two "
               f"busy processes really got {capacity:.1f} (worker-process rows can only gain "
               f"when this is near 2); Python {platform.python_version()}, NumPy "
               f"{np.__version__}. Each epoch time is the median of several epochs; "
               "\"x reference\" divides by the bare NumPy gather loop timed in the same run on "
               "the same arrays; the busy columns repeat every row, reference included, beside "
               "a competing training loop (`benchmarks/_load.py`).\n\n" + text + "\n")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find("## Data pipeline")
    if start == -1:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + section + (old[end + 1:] if end != -1 else "")
    path.write_text(new)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, do not write docs")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy columns: numpy, torch or none")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    load = None if args.load == "none" else args.load
    capacity = parallel_capacity()
    idle = run(repeats)
    busy = None
    if load is not None:
        with _load.competing_load(load):
            busy = run(repeats)
    text = table(idle, busy, load)
    print(f"parallel capacity for 2 processes: {capacity:.2f} CPUs\n")
    print(text)
    if not args.quick:
        command = "python benchmarks/bench_data.py" + (
            f" --repeats {args.repeats}" if args.repeats != 7 else "")
        print(f"\nwritten to {write_results(text, command, capacity)}")


if __name__ == "__main__":
    main()
