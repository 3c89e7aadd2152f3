"""Layer speed: forward + backward of Conv2d, MaxPool2d, BatchNorm2d and Linear, each against
the same computation written directly in NumPy, and PyTorch CPU when torch is installed.

Shapes (batch 128, float32): LeNet-5's two convolutions on 28x28 Fashion-MNIST-sized input,
a 3x3 32->64 convolution at 28x28, 2x2 max pooling, batch norm and a 784->256 Linear.

The NumPy references are what one writes by hand: im2col through ``as_strided`` into an
(N*OH*OW, C*kh*kw) matrix and one GEMM, col2im by kernel-position slice adds (the CS231n
"fast layers" recipe), reshape-max pooling with an argmax mask, batch norm from its formula.

Run: ``python benchmarks/bench_layers.py`` (``--torch-threads N`` to match PyTorch's threads).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402
from scratchnet import nn  # noqa: E402

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
                    ("conv", x_np, w_np, b_np, pad, need_dx)))

    conv_case("Conv2d 1->6 5x5 pad 2, 28x28 (LeNet conv1)", 128, 1, 28, 6, 5, 2, False)
    conv_case("Conv2d 6->16 5x5, 14x14 (LeNet conv2)", 128, 6, 14, 16, 5, 0, True)
    conv_case("Conv2d 32->64 3x3 pad 1, 28x28", 128, 32, 28, 64, 3, 1, True)

    x_np = _randn(128, 32, 28, 28)
    x = sn.tensor(x_np, requires_grad=True)

    def pool():
        x.grad = None
        y = sn.max_pool2d(x, 2)
        y.backward(sn.ones(y.shape))
    out.append(("MaxPool2d 2x2, 32x28x28", lambda: numpy_maxpool_fb(x_np), pool,
                ("maxpool", x_np)))

    bn = nn.BatchNorm2d(32)
    g_np, b_np = np.ones(32, np.float32), np.zeros(32, np.float32)

    def batchnorm():
        x.grad = None
        bn.zero_grad()
        y = bn(x)
        y.backward(sn.ones(y.shape))
    out.append(("BatchNorm2d 32 ch, 28x28 (train)", lambda: numpy_batchnorm_fb(x_np, g_np, b_np),
                batchnorm, ("bn", x_np)))

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
                ("linear", xl_np, wl_np, bl_np)))
    return out


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--torch-threads", type=int, default=os.cpu_count())
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    args = parser.parse_args(argv)
    torch = _timing.optional_torch()
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    rows = []
    for name, ref, ours, spec in cases():
        t_ref = _timing.median_time(ref, repeat=args.repeat)
        t_ours = _timing.median_time(ours, repeat=args.repeat)
        row = [name, _timing.format_seconds(t_ref), _timing.format_seconds(t_ours),
               f"{t_ours / t_ref:.2f}x"]
        if torch is not None:
            t_torch = _timing.median_time(torch_step(spec, torch), repeat=args.repeat)
            row += [_timing.format_seconds(t_torch), f"{t_ours / t_torch:.2f}x"]
        rows.append(row)
    headers = ["forward + backward, batch 128", "NumPy by hand", "scratchnet", "vs NumPy"]
    if torch is not None:
        headers += [f"PyTorch CPU ({args.torch_threads} threads)", "vs PyTorch"]
    table = _timing.table(headers, rows)
    print(_timing.machine_line())
    print(table)
    note = "" if torch is not None else (
        "PyTorch is not installed: its columns are skipped (pip install torch==2.13.0 adds "
        "them).")
    if note:
        print("\n" + note)
    if not args.no_write:
        _timing.write_section("Layers (CPU)", (
            f"Command: `python benchmarks/bench_layers.py`\n\nMachine: "
            f"{_timing.machine_line()}. Forward + backward at batch 128, float32, median of "
            f"{args.repeat} runs; ratios divide by the reference measured in the same run.\n\n"
            f"{table}\n" + (f"\n{note}\n" if note else "")))


if __name__ == "__main__":
    main()
