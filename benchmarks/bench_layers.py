"""Layer speed: forward + backward of Conv2d, MaxPool2d, BatchNorm2d and Linear, each against
the same computation written directly in NumPy, and PyTorch CPU when torch is installed.

Shapes (batch 128, float32): LeNet-5's two convolutions on 28x28 Fashion-MNIST-sized input,
SimpleCNN's second convolution (32->64 3x3 at 26x26), a 3x3 32->64 convolution at 28x28,
2x2 max pooling, batch norm and a 784->256 Linear.

For each convolution, "3 GEMMs alone" times only its three matrix products (output, weight
gradient, input gradient; two for a first layer, which needs no input gradient) on
ready-made column matrices, with the same BLAS thread policy: the floor of an im2col
design, which the whole layer is measured against.

Every column of a row is measured in interleaved rounds (one of each in turn, ``--rounds``
times), and each ratio is the median of the per-round ratios. The busy columns repeat the
rounds beside a competing training loop (``benchmarks/_load.py``; NumPy by default,
``--load torch`` for a PyTorch one), PyTorch measured under the same load.

The NumPy references are what one writes by hand: im2col through ``as_strided`` into an
(N*OH*OW, C*kh*kw) matrix and one GEMM, col2im by kernel-position slice adds (the CS231n
"fast layers" recipe), reshape-max pooling with an argmax mask, batch norm from its formula.

``--changes`` adds a table of what each memory-saving change of docs/performance.md gives,
each against its own "before" in the same run: batch norm against the older six-pass op
(still used by layer norm), the im2col buffer pool on and off, and LeNet-5/SimpleCNN training
steps through ``nn.conv.run_fused`` against the plain ``Sequential``.

Run: ``python benchmarks/bench_layers.py`` (``--torch-threads N`` to match PyTorch's threads;
``--quick`` for a short run that writes nothing).
"""
import argparse
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402
from scratchnet import _threads, nn  # noqa: E402
from scratchnet.ops.conv import im2col  # noqa: E402

RNG = np.random.default_rng(0)


def _randn(*shape):
    return RNG.standard_normal(shape, dtype=np.float32)


# ----------------------------------------------------------------------------- NumPy references
def numpy_conv_fb(x, w, b, pad, need_dx):
    """Forward and backward of a stride-1 convolution, NHWC-style im2col by hand."""
    B, C, H, W = x.shape
    O, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = H + 2 * pad - kh + 1, W + 2 * pad - kw + 1
    sB, sC, sH, sW = xp.strides
    win = np.lib.stride_tricks.as_strided(xp, (B, oh, ow, C, kh, kw), (sB, sH, sW, sC, sH, sW))
    cols = win.reshape(B * oh * ow, C * kh * kw)            # copies
    y = cols @ w.reshape(O, -1).T + b                        # (B*oh*ow, O)
    out = y.reshape(B, oh, ow, O).transpose(0, 3, 1, 2)
    gy = np.ones_like(out).transpose(0, 2, 3, 1).reshape(-1, O)
    gw = (gy.T @ cols).reshape(w.shape)
    gb = gy.sum(axis=0)
    if need_dx:
        dcols = (gy @ w.reshape(O, -1)).reshape(B, oh, ow, C, kh, kw)
        dxp = np.zeros_like(xp)
        for i in range(kh):
            for j in range(kw):
                dxp[:, :, i:i + oh, j:j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return out, gw, gb, dxp[:, :, pad:pad + H, pad:pad + W]
    return out, gw, gb


def numpy_maxpool_fb(x):
    B, C, H, W = x.shape
    r = x.reshape(B, C, H // 2, 2, W // 2, 2)
    y = r.max(axis=(3, 5))
    mask = r == y[:, :, :, None, :, None]
    dx = (mask * np.ones_like(y)[:, :, :, None, :, None]).reshape(x.shape)
    return y, dx


def numpy_batchnorm_fb(x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(var + eps)
    xhat = (x - mu) * inv
    y = gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1)
    gy = np.ones_like(y)
    gg = (gy * xhat).sum(axis=axes)
    gb = gy.sum(axis=axes)
    dx = gamma.reshape(1, -1, 1, 1) * inv * (gy - gy.mean(axis=axes, keepdims=True)
                                              - xhat * (gy * xhat).mean(axis=axes, keepdims=True))
    return y, gg, gb, dx


def numpy_linear_fb(x, w, b):
    y = x @ w.T + b
    gy = np.ones_like(y)
    return y, gy.T @ x, gy.sum(axis=0), gy @ w


# ----------------------------------------------------------------------------- cases
def cases():
    out = []

    def conv_case(name, B, C, H, O, k, pad, need_dx):
        x_np, w_np, b_np = _randn(B, C, H, H), _randn(O, C, k, k), _randn(O)
        layer = nn.Conv2d(C, O, k, padding=pad)
        layer.weight.array[...] = w_np
        layer.bias.array[...] = b_np
        x = sn.tensor(x_np, requires_grad=need_dx)

        def ours():
            layer.zero_grad()
            x.grad = None
            y = layer(x)
            y.backward(sn.ones(y.shape))
        out.append((name, lambda: numpy_conv_fb(x_np, w_np, b_np, pad, need_dx), ours,
                    ("conv", x_np, w_np, b_np, pad, need_dx),
                    conv_gemms(x_np, w_np, pad, need_dx)))

    conv_case("Conv2d 1->6 5x5 pad 2, 28x28 (LeNet conv1)", 128, 1, 28, 6, 5, 2, False)
    conv_case("Conv2d 6->16 5x5, 14x14 (LeNet conv2)", 128, 6, 14, 16, 5, 0, True)
    conv_case("Conv2d 32->64 3x3, 26x26 (SimpleCNN conv2)", 128, 32, 26, 64, 3, 0, True)
    conv_case("Conv2d 32->64 3x3 pad 1, 28x28", 128, 32, 28, 64, 3, 1, True)

    x_np = _randn(128, 32, 28, 28)
    x = sn.tensor(x_np, requires_grad=True)

    def pool():
        x.grad = None
        y = sn.max_pool2d(x, 2)
        y.backward(sn.ones(y.shape))
    out.append(("MaxPool2d 2x2, 32x28x28", lambda: numpy_maxpool_fb(x_np), pool,
                ("maxpool", x_np), None))

    bn = nn.BatchNorm2d(32)
    g_np, b_np = np.ones(32, np.float32), np.zeros(32, np.float32)

    def batchnorm():
        x.grad = None
        bn.zero_grad()
        y = bn(x)
        y.backward(sn.ones(y.shape))
    out.append(("BatchNorm2d 32 ch, 28x28 (train)", lambda: numpy_batchnorm_fb(x_np, g_np, b_np),
                batchnorm, ("bn", x_np), None))

    xl_np, wl_np, bl_np = _randn(128, 784), _randn(256, 784), _randn(256)
    lin = nn.Linear(784, 256)
    lin.weight.array[...] = wl_np
    xl = sn.tensor(xl_np, requires_grad=True)

    def linear():
        lin.zero_grad()
        xl.grad = None
        y = lin(xl)
        y.backward(sn.ones(y.shape))
    out.append(("Linear 784->256", lambda: numpy_linear_fb(xl_np, wl_np, bl_np), linear,
                ("linear", xl_np, wl_np, bl_np), None))
    return out


def conv_gemms(x_np, w_np, pad, need_dx):
    """The conv layer's matrix products alone, as scratchnet.ops.conv runs them (same
    orientation, same thread policy), on column matrices made beforehand."""
    O = w_np.shape[0]
    k = w_np.shape[2:]
    cols, _ = im2col(x_np, k, (1, 1), ((pad, pad), (pad, pad)), (1, 1))
    cols = cols.copy()      # its own memory, out of scratchnet's buffer pool
    w = w_np.reshape(O, -1)
    gy = RNG.standard_normal((O, cols.shape[1]), dtype=np.float32)
    flops = w.size * cols.shape[1]

    def gemms():
        _threads.gemm(flops)
        w @ cols
        _threads.gemm(flops)
        (cols @ gy.T).T
        if need_dx:
            _threads.gemm(flops)
            w.T @ gy
    return gemms


def torch_step(spec, torch):
    kind = spec[0]
    F = torch.nn.functional
    if kind == "conv":
        _, x_np, w_np, b_np, pad, need_dx = spec
        x = torch.tensor(x_np, requires_grad=need_dx)
        w, b = torch.tensor(w_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
        return lambda: F.conv2d(x, w, b, padding=pad).backward(
            torch.ones(x_np.shape[0], w_np.shape[0], x_np.shape[2] + 2 * pad - w_np.shape[2] + 1,
                       x_np.shape[3] + 2 * pad - w_np.shape[3] + 1))
    if kind == "maxpool":
        x = torch.tensor(spec[1], requires_grad=True)
        return lambda: F.max_pool2d(x, 2).sum().backward()
    if kind == "bn":
        x = torch.tensor(spec[1], requires_grad=True)
        layer = torch.nn.BatchNorm2d(spec[1].shape[1])
        return lambda: layer(x).sum().backward()
    if kind == "linear":
        _, x_np, w_np, b_np = spec
        x = torch.tensor(x_np, requires_grad=True)
        w, b = torch.tensor(w_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
        return lambda: F.linear(x, w, b).sum().backward()
    raise ValueError(kind)


def measure(fns, rounds, min_time):
    """Interleaved rounds: each round times every function once (median of 3 runs); returns
    the median time of each, and the median per-round ratio of each to the first."""
    times = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            times[i].append(_timing.median_time(fn, repeat=3, min_time=min_time))
    medians = [statistics.median(t) for t in times]
    ratios = [statistics.median(a / b for a, b in zip(t, times[0])) for t in times]
    return medians, ratios


def run(all_cases, torch, rounds, min_time):
    """Per case: [ours, NumPy, (torch), (gemms)] medians and ratios to ours."""
    out = []
    for name, ref, ours, spec, gemms in all_cases:
        fns = [ours, ref]
        if torch is not None:
            fns.append(torch_step(spec, torch))
        if gemms is not None:
            fns.append(gemms)
        medians, ratios = measure(fns, rounds, min_time)
        # ratios[i] = t_i / t_ours per round; turn into t_ours / t_i.
        out.append((name, medians, [1 / r for r in ratios]))
    return out


def changes_table(rounds, min_time):
    """Each memory-saving change against its "before", interleaved rounds in this run."""
    from scratchnet import _buffers
    from scratchnet.ops.norm import Normalize
    rows = []

    def ab(name, new, old):
        (t_new, t_old), (_, ratio) = measure([new, old], rounds, min_time)
        rows.append([name, _timing.format_seconds(t_new), _timing.format_seconds(t_old),
                     f"{1 / ratio:.2f}"])

    x = sn.tensor(_randn(128, 32, 28, 28), requires_grad=True)
    w, b = sn.ones(32, requires_grad=True), sn.zeros(32, requires_grad=True)
    g = sn.ones(x.shape)

    def bn(op):
        def step():
            x.grad = w.grad = b.grad = None
            op()(x, w, b).backward(g)
        return step
    ab("BatchNorm2d 32 ch 28x28 fwd+bwd: few-pass op / six-pass Normalize",
       bn(lambda: lambda *a: sn.batch_norm(a[0], None, None, a[1], a[2], training=True)),
       bn(lambda: Normalize((0, 2, 3), (1, 32, 1, 1), (0, 2, 3), 1e-5)))
    for C, H, O, k in ((32, 26, 64, 3), (6, 14, 16, 5)):
        conv = nn.Conv2d(C, O, k)
        xc = sn.tensor(_randn(128, C, H, H), requires_grad=True)

        def step(min_bytes, conv=conv, xc=xc):
            def run():
                _buffers.MIN_BYTES = min_bytes
                conv.zero_grad()
                xc.grad = None
                y = conv(xc)
                y.backward(sn.ones(y.shape))
            return run
        default = _buffers.MIN_BYTES
        ab(f"Conv2d {C}->{O} {k}x{k} {H}x{H} fwd+bwd: buffer pool on / off",
           step(default), step(1 << 62))
        _buffers.MIN_BYTES = default
    for name in ("lenet", "cnn"):
        sn.manual_seed(0)
        model = sn.models.build_for(name, (1, 28, 28), 10)
        model.eval()    # no dropout: both paths compute the same thing
        opt = sn.optim.Adam(model.parameters(), lr=1e-3)
        xm, ym = sn.tensor(_randn(128, 1, 28, 28)), sn.tensor(RNG.integers(0, 10, 128))
        loss = sn.nn.CrossEntropyLoss()

        def train(forward, opt=opt, xm=xm, ym=ym, loss=loss):
            def run():
                opt.zero_grad()
                loss(forward(xm), ym).backward()
                opt.step()
            return run
        ab(f"{name} train step, batch 128: run_fused / plain Sequential", train(model),
           train(lambda t, m=model: m.classifier(m.features(t))))
    return _timing.table(["change", "with it", "before", "with / before"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--torch-threads", type=int, default=os.cpu_count())
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy columns: numpy, torch or none")
    parser.add_argument("--quick", action="store_true",
                        help="3 short rounds, no busy columns, nothing written")
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    parser.add_argument("--changes", action="store_true",
                        help="also measure each memory-saving change against its before")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.load, args.no_write = 3, "none", True
    min_time = 0.05 if args.quick else 0.2
    torch = _timing.optional_torch()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    load = None if args.load == "none" else args.load
    if load == "torch" and torch is None:
        parser.error("--load torch needs PyTorch (pip install torch==2.13.0)")
    all_cases = cases()
    idle = run(all_cases, torch, args.rounds, min_time)
    busy = None
    if load is not None:
        with _load.competing_load(load):
            busy = run(all_cases, torch, args.rounds, min_time)
    fmt = _timing.format_seconds
    headers = ["forward + backward, batch 128", "scratchnet", "vs NumPy by hand"]
    if torch is not None:
        headers += [f"PyTorch ({args.torch_threads} threads)", "vs PyTorch"]
    headers += ["3 GEMMs alone", "vs GEMMs"]
    if busy is not None:
        headers += [f"busy ({load} loop): scratchnet", "busy: vs NumPy"]
        if torch is not None:
            headers += ["busy: PyTorch", "busy: vs PyTorch"]
    rows = []
    for i, (name, medians, ratios) in enumerate(idle):
        gemm_at = 3 if torch is not None else 2
        row = [name, fmt(medians[0]), f"{ratios[1]:.2f}x"]
        if torch is not None:
            row += [fmt(medians[2]), f"{ratios[2]:.2f}x"]
        has_gemms = len(medians) > gemm_at
        row += [fmt(medians[gemm_at]), f"{ratios[gemm_at]:.2f}x"] if has_gemms else ["-", "-"]
        if busy is not None:
            _, b_med, b_rat = busy[i]
            row += [fmt(b_med[0]), f"{b_rat[1]:.2f}x"]
            if torch is not None:
                row += [fmt(b_med[2]), f"{b_rat[2]:.2f}x"]
        rows.append(row)
    table = _timing.table(headers, rows)
    print(_timing.machine_line())
    print(table)
    note = "" if torch is not None else (
        "PyTorch is not installed: its columns are skipped (pip install torch==2.13.0 adds "
        "them).")
    if note:
        print("\n" + note)
    changes = changes_table(args.rounds, min_time) if args.changes else None
    if changes:
        print("\n" + changes)
    if not args.no_write:
        _timing.write_section("Layers (CPU)", (
            f"Command: `python benchmarks/bench_layers.py`\n\nMachine: "
            f"{_timing.machine_line()}; PyTorch {getattr(torch, '__version__', 'absent')}. "
            f"Forward + backward at batch 128, float32. {args.rounds} interleaved rounds "
            f"(each function once per round, median of 3 runs); a ratio is the median of the "
            f"per-round ratios, scratchnet's time over the other's. \"3 GEMMs alone\": the "
            f"conv layer's matrix products only, the floor of an im2col design. Busy: the "
            f"same rounds beside a competing {load} training loop "
            f"(`benchmarks/_load.py`).\n\n{table}\n" + (f"\n{note}\n" if note else "")
            + (f"\nEach memory-saving change against its before, same rounds "
               f"(`--changes`):\n\n{changes}\n" if changes else "")))


if __name__ == "__main__":
    main()
