"""The convolution at this commit against the convolution of an earlier commit, in one process.

The earlier ``scratchnet/ops/conv.py`` is read from git (``--base``, default the commit before
the batch-innermost layout, 8c8f1fd) and loaded beside the current one; the rest of
scratchnet is this commit's for both (max pooling's fix included). Interleaved rounds, each
ratio the median of the per-round ratios:

* each convolution of ``bench_layers.py``, forward + backward at batch 128: now, before, and
  its three matrix products alone ("3 GEMMs", as ``bench_layers.py`` times them). Two
  settings: "NCHW", a C-ordered input and output gradient, as ``bench_layers.py`` passes them;
  "in network", the input and the gradient in the memory order a network hands a layer
  (a convolution's output order, batch-last for this commit; the first layer's input stays
  the data's NCHW);
* LeNet-5 and SimpleCNN training epochs (``bench_train.py``'s loop and data) now, before and
  PyTorch (``--torch-threads``), when torch is installed.

Run: ``python benchmarks/bench_conv_layout.py [--rounds 5] [--images 3840]
[--torch-threads 2] [--skip-layers] [--skip-epochs]``. Prints; writes nothing.
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _timing  # noqa: E402
from bench_layers import conv_gemms  # noqa: E402

import scratchnet as sn  # noqa: E402
import scratchnet.nn.conv as nn_conv  # noqa: E402
from scratchnet.ops import conv as current  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [("Conv2d 1->6 5x5 pad 2, 28x28 (LeNet conv1)", 1, 28, 6, 5, 2, False),
         ("Conv2d 6->16 5x5, 14x14 (LeNet conv2)", 6, 14, 16, 5, 0, True),
         ("Conv2d 32->64 3x3, 26x26 (SimpleCNN conv2)", 32, 26, 64, 3, 0, True),
         ("Conv2d 32->64 3x3 pad 1, 28x28", 32, 28, 64, 3, 1, True)]


def load_base(rev):
    """scratchnet/ops/conv.py at ``rev``, loaded as a sibling module of the current one."""
    source = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:scratchnet/ops/conv.py"],
                            check=True, capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(), "conv_base.py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("scratchnet.ops._conv_base", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def batch_last(a):
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def layer_rows(base, rounds, in_network):
    rng = np.random.default_rng(0)
    rows = []
    for name, C, H, O, k, pad, need_dx in CASES:
        x_np = rng.standard_normal((128, C, H, H), dtype=np.float32)
        if in_network and C > 1:
            x_np = batch_last(x_np)
        x = sn.tensor(x_np, requires_grad=need_dx)
        w = sn.tensor(rng.standard_normal((O, C, k, k), dtype=np.float32), requires_grad=True)
        b = sn.tensor(rng.standard_normal(O, dtype=np.float32), requires_grad=True)

        def step(module):
            def run():
                x.grad = w.grad = b.grad = None
                y = module.conv2d(x, w, b, padding=pad)
                g = np.ones_like(y.array) if in_network else np.ones(y.shape, np.float32)
                y.backward(sn.Tensor._make(g))
            return run
        gemms = conv_gemms(x.array, w.array, pad, need_dx)
        fns = [step(current), step(base), gemms]
        times = [[] for _ in fns]
        for _ in range(rounds):
            for i, fn in enumerate(fns):
                times[i].append(_timing.median_time(fn, repeat=3, min_time=0.05))
        med = [statistics.median(t) for t in times]

        def ratio(i, j):
            return statistics.median(a / c for a, c in zip(times[i], times[j]))
        rows.append([name, _timing.format_seconds(med[0]), _timing.format_seconds(med[1]),
                     _timing.format_seconds(med[2]), f"{ratio(0, 2):.2f}x",
                     f"{ratio(1, 2):.2f}x", f"{ratio(0, 1):.2f}"])
        print("  " + " | ".join(rows[-1]), flush=True)
    return _timing.table(["forward + backward, batch 128", "now", "before", "3 GEMMs",
                          "now / GEMMs", "before / GEMMs", "now / before"], rows)


def epoch_rows(base, rounds, images, torch):
    import bench_train
    x_train, y_train, _, _ = bench_train.load_fashion(None)
    data = (x_train[:images], y_train[:images])
    rows = []
    for name in ("lenet", "cnn"):
        ours, initial = bench_train.scratchnet_epoch_fn(name, data)

        def with_conv(module):
            def run():
                nn_conv.conv2d = module.conv2d
                try:
                    ours()
                finally:
                    nn_conv.conv2d = current.conv2d
            return run
        fns = {"now": with_conv(current), "before": with_conv(base)}
        if torch is not None:
            fns["PyTorch"] = bench_train.torch_epoch_fn(name, data, initial, torch)
        times = {k: [] for k in fns}
        for fn in fns.values():
            fn()
        for _ in range(rounds):
            for k, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - start)
            print(f"  {name}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
                  flush=True)

        def ratio(a, b):
            return statistics.median(x / y for x, y in zip(times[a], times[b]))
        row = [bench_train.TITLES[name], f"{statistics.median(times['now']):.2f}",
               f"{statistics.median(times['before']):.2f}"]
        if torch is not None:
            row += [f"{statistics.median(times['PyTorch']):.2f}",
                    f"{ratio('now', 'PyTorch'):.2f}x", f"{ratio('before', 'PyTorch'):.2f}x"]
        else:
            row += ["-", "-", "-"]
        row.append(f"{ratio('now', 'before'):.2f}")
        rows.append(row)
    return _timing.table(["model", "s/epoch now", "s/epoch before", "s/epoch PyTorch",
                          "now / PyTorch", "before / PyTorch", "now / before"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="8c8f1fd", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=3840)
    parser.add_argument("--torch-threads", type=int, default=os.cpu_count())
    parser.add_argument("--skip-layers", action="store_true")
    parser.add_argument("--skip-epochs", action="store_true")
    args = parser.parse_args(argv)
    base = load_base(args.base)
    torch = _timing.optional_torch()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    out = [f"{_timing.machine_line()}; base {args.base}; {args.rounds} interleaved rounds"]
    if not args.skip_layers:
        for in_network in (False, True):
            title = "in network" if in_network else "NCHW"
            print(f"layers, {title}:", flush=True)
            out.append(f"\nLayers, {title}:\n\n" + layer_rows(base, args.rounds, in_network))
    if not args.skip_epochs:
        print("epochs:", flush=True)
        out.append(f"\nEpochs on {args.images:,} Fashion-MNIST images, batch 128, PyTorch "
                   f"with {args.torch_threads} threads:\n\n"
                   + epoch_rows(base, args.rounds, args.images, torch))
    print("\n".join(out))


if __name__ == "__main__":
    main()
