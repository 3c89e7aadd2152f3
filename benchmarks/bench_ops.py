"""Engine overhead: scratchnet against raw NumPy doing the same arithmetic, in one run.

Cases (forward + backward unless noted):
* elementwise add on 10 and on 1,000,000 float32 elements, ``(a + b).backward(g)``;
* 256 x 256 matmul, ``(a @ b).backward(g)``;
* a 784-32-10 MLP training step at batch 1 (forward, softmax cross-entropy, backward, SGD
  update), against the same step written by hand in NumPy, and PyTorch CPU eager when torch
  is installed.

Aims (issue 2): at most 1.2x raw NumPy on the large cases; the batch-1 MLP step at most 2.5x
the hand-written one. Run: ``python benchmarks/bench_ops.py``.

Busy columns (issue "Training stalls when another numeric process shares the CPU"): every case
again beside a competing training loop started and stopped by this script
(``benchmarks/_load.py``: NumPy's, and PyTorch's when torch is installed), and the 784-32-10
MLP step at batch 1 and 128 against PyTorch under the same load. Aim: scratchnet's steps
under load faster than PyTorch's under load.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402


def bench_add(n):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(n, dtype=np.float32)
    b_np = rng.standard_normal(n, dtype=np.float32)
    g_np = np.ones(n, dtype=np.float32)

    def raw():
        y = a_np + b_np
        ga, gb = g_np, g_np  # d(a+b)/da = d(a+b)/db = 1
        return y, ga, gb

    a = sn.tensor(a_np, requires_grad=True)
    b = sn.tensor(b_np, requires_grad=True)
    g = sn.tensor(g_np)

    def ours():
        a.grad = b.grad = None
        (a + b).backward(g)

    return raw, ours


def bench_matmul(n):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((n, n), dtype=np.float32)
    b_np = rng.standard_normal((n, n), dtype=np.float32)
    g_np = rng.standard_normal((n, n), dtype=np.float32)

    def raw():
        y = a_np @ b_np
        return y, g_np @ b_np.T, a_np.T @ g_np

    a = sn.tensor(a_np, requires_grad=True)
    b = sn.tensor(b_np, requires_grad=True)
    g = sn.tensor(g_np)

    def ours():
        a.grad = b.grad = None
        (a @ b).backward(g)

    return raw, ours


def mlp_params(sizes=(784, 32, 10), seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def default_blas_threads():
    """A context in which the BLAS runs its default thread count, as plain NumPy code does
    (scratchnet's policy may have left the shared BLAS at one thread); the count scratchnet
    set is put back on exit. Only for timing code that makes no scratchnet products."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas").limit(limits=sn.get_num_threads())


def time_reference(fn, repeat):
    with default_blas_threads():
        return _timing.median_time(fn, repeat=repeat)


def same_threads(ref, mine, repeat):
    """Median times of ``ref`` and ``mine`` with the BLAS at the thread count scratchnet's
    policy picks for this case (one call of ``mine`` sets it; ``ref`` makes products of the
    same sizes), so that the ratio measures the engine, not the threading."""
    mine()
    t_ref = _timing.median_time(ref, repeat=repeat)
    return t_ref, _timing.median_time(mine, repeat=repeat)


def busy_mlp_table(repeat, loads):
    """The MLP steps (hand NumPy, scratchnet, PyTorch) idle and under each load."""
    steps = {batch: bench_mlp_step(batch) for batch in (1, 128)}
    rows = []
    for load in loads:
        with _load.competing_load(load):
            for batch, (hand, ours, torch_step) in steps.items():
                t_hand = time_reference(hand, repeat)
                t_ours = _timing.median_time(ours, repeat=repeat)
                t_torch = (_timing.median_time(torch_step, repeat=repeat)
                           if torch_step is not None else None)
                rows.append([load or "idle", f"batch {batch}", _timing.format_seconds(t_hand),
                             _timing.format_seconds(t_ours),
                             _timing.format_seconds(t_torch) if t_torch else "-",
                             f"{t_ours / t_torch:.2f}x" if t_torch else "-"])
                print(rows[-1], flush=True)
    return _timing.table(["competing process", "784-32-10 MLP step", "NumPy by hand",
                          "scratchnet", "PyTorch", "scratchnet / PyTorch (aim < 1 under load)"],
                         rows)


def bench_mlp_step(batch=1, lr=0.01):
    rng = np.random.default_rng(1)
    x_np = rng.random((batch, 784), dtype=np.float32)
    y_np = rng.integers(0, 10, batch)
    hand_params = mlp_params()
    rows = np.arange(batch)

    def hand():
        W1, b1, W2, b2 = hand_params
        # Forward
        h = x_np @ W1.T + b1
        a = np.maximum(h, 0)
        z = a @ W2.T + b2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s[:, 0]).mean() - z[rows, y_np].mean()
        # Backward: softmax minus one-hot, averaged over the batch
        dz = e / s
        dz[rows, y_np] -= 1
        dz /= batch
        dW2 = dz.T @ a
        db2 = dz.sum(axis=0)
        dh = (dz @ W2) * (h > 0)
        dW1 = dh.T @ x_np
        db1 = dh.sum(axis=0)
        # SGD update, in place
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return loss

    params = [sn.tensor(p, requires_grad=True) for p in mlp_params()]
    x = sn.tensor(x_np)
    y = sn.tensor(y_np)

    def ours():
        w1, c1, w2, c2 = params
        for p in params:
            p.grad = None
        logits = sn.linear(sn.relu(sn.linear(x, w1, c1)), w2, c2)
        loss = sn.cross_entropy(logits, y)
        loss.backward()
        with sn.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss

    torch_step = None
    torch = _timing.optional_torch()
    if torch is not None:
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
        tparams = [torch.tensor(p, requires_grad=True) for p in mlp_params()]
        tx, ty = torch.tensor(x_np), torch.tensor(y_np)

        def torch_step():
            w1, c1, w2, c2 = tparams
            for p in tparams:
                p.grad = None
            logits = torch.nn.functional.linear(
                torch.relu(torch.nn.functional.linear(tx, w1, c1)), w2, c2)
            loss = torch.nn.functional.cross_entropy(logits, ty)
            loss.backward()
            with torch.no_grad():
                for p in tparams:
                    p -= lr * p.grad
            return loss

    return hand, ours, torch_step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy columns: numpy or torch")
    args = parser.parse_args(argv)
    if args.load == "torch" and _timing.optional_torch() is None:
        parser.error("--load torch needs PyTorch (pip install torch==2.13.0)")
    rows = []
    cases = [
        ("add fwd+bwd, 10 elements", *bench_add(10), None),
        ("add fwd+bwd, 1,000,000 elements", *bench_add(1_000_000), 1.2),
        ("matmul fwd+bwd, 256x256", *bench_matmul(256), 1.2),
    ]
    hand, ours, torch_step = bench_mlp_step()
    cases.append(("MLP 784-32-10 train step, batch 1", hand, ours, 2.5))
    for name, ref, mine, aim in cases:
        t_ref, t_mine = same_threads(ref, mine, args.repeat)
        rows.append([name, _timing.format_seconds(t_ref), _timing.format_seconds(t_mine),
                     f"{t_mine / t_ref:.2f}x", f"<= {aim}x" if aim else "-"])
    with _load.competing_load(args.load):
        for row, (name, ref, mine, aim) in zip(rows, cases):
            t_ref, t_mine = same_threads(ref, mine, args.repeat)
            row[4:4] = [_timing.format_seconds(t_mine), f"{t_mine / t_ref:.2f}x"]
    table = _timing.table(["case", "NumPy (reference)", "scratchnet", "ratio",
                           f"scratchnet, busy ({args.load} loop)", "busy ratio", "aim"], rows)
    print(_timing.machine_line())
    print(table)
    if torch_step is not None:
        t_torch = _timing.median_time(torch_step, repeat=args.repeat)
        t_hand = _timing.median_time(hand, repeat=args.repeat)
        t_ours = _timing.median_time(ours, repeat=args.repeat)
        note = (f"MLP batch-1 step, same run: hand NumPy {_timing.format_seconds(t_hand)}, "
                f"scratchnet {_timing.format_seconds(t_ours)}, PyTorch CPU eager "
                f"{_timing.format_seconds(t_torch)} (scratchnet/PyTorch = "
                f"{t_ours / t_torch:.2f}x).")
    else:
        note = ("PyTorch is not installed: the optional PyTorch comparison is skipped "
                "(pip install torch==2.13.0 adds it).")
    print("\n" + note)
    loads = [None, "numpy"] + (["torch"] if torch_step is not None else [])
    busy = busy_mlp_table(args.repeat, loads)
    print(busy)
    if not args.no_write:
        _timing.write_section("MLP steps under load", (
            f"Command: `python benchmarks/bench_ops.py`\n\nMachine: {_timing.machine_line()}. "
            f"Median of {args.repeat} runs each, all columns of a row measured beside the same "
            f"competing process (`benchmarks/_load.py`); NumPy by hand and PyTorch run with "
            f"their libraries' default threads, scratchnet with its defaults.\n\n{busy}\n"))
        _timing.write_section("Engine overhead", (
            f"Command: `python benchmarks/bench_ops.py`\n\nMachine: {_timing.machine_line()}. "
            f"Median of {args.repeat} runs each; the ratio divides by raw NumPy doing the same "
            f"arithmetic with the same BLAS thread count in the same run; the busy columns "
            f"measure both again beside a {args.load} training loop (`benchmarks/_load.py`).\n\n{table}\n\n{note}\n"))


if __name__ == "__main__":
    main()
