"""Engine overhead of a whole training step, as a user writes it: scratchnet against the same
step written by hand in NumPy, and against PyTorch CPU eager, in one run.

The step is the one of every tutorial: ``opt.zero_grad()``, ``loss_fn(model(x), y)``,
``loss.backward()``, ``opt.step()``, with ``nn.Sequential`` of ``Linear``/``ReLU``,
``nn.CrossEntropyLoss`` and ``optim.SGD``; PyTorch runs the same code with its own classes.

Cases and aims (issue "Fast on a real machine", section 2, and section 1's busy aims):

* 784-256-128-10 MLP at batch 128: at most 1.15x the step by hand in NumPy (idle);
* 784-32-10 MLP at batch 1: at most 0.8x PyTorch eager (idle);
* both beside a competing training loop (``benchmarks/_load.py``): faster than PyTorch under
  the same load.

Each figure is a same-run ratio: the cases are timed in interleaved rounds (hand, scratchnet,
PyTorch, again and again), each time a median of several runs, and the report gives the
median over the rounds of the per-round ratio, so that a machine shared with other work
moves both sides of a ratio together. The hand-written NumPy step runs with the BLAS thread
count scratchnet's policy chose for the same products, so that its ratio measures the engine.

    python benchmarks/bench_engine.py                  # idle, then beside a NumPy loop
    python benchmarks/bench_engine.py --load none      # idle only
    python benchmarks/bench_engine.py --steps 2000 --case mlp1 --only scratchnet
        # just run 2000 steps (for cProfile or ``valgrind --tool=callgrind``)
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

import scratchnet as sn  # noqa: E402

CASES = {
    "mlp128": ((784, 256, 128, 10), 128),
    "mlp1": ((784, 32, 10), 1),
}
LR = 0.01


def initial_params(sizes, seed=0):
    """PyTorch-layout weights (out, in) and biases, uniform in +-1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def data(sizes, batch):
    rng = np.random.default_rng(1)
    return (rng.random((batch, sizes[0]), dtype=np.float32),
            rng.integers(0, sizes[-1], batch))


def hand_step(sizes, batch):
    """The step with no framework: forward, softmax cross-entropy (mean), backward, SGD."""
    params = initial_params(sizes)
    x, y = data(sizes, batch)
    rows = np.arange(batch)
    n_layers = len(sizes) - 1

    def step():
        # forward, keeping each layer's input and pre-activation
        inputs, pre = [], []
        a = x
        for i in range(n_layers):
            W, b = params[2 * i], params[2 * i + 1]
            inputs.append(a)
            h = a @ W.T
            h += b
            pre.append(h)
            a = np.maximum(h, 0) if i < n_layers - 1 else h
        z = a - a.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s[:, 0]).mean() - z[rows, y].mean()
        # backward: (softmax - one-hot) / N, then each layer's three products
        g = e / s
        g[rows, y] -= 1
        g /= batch
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            W = params[2 * i]
            grads[2 * i] = g.T @ inputs[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i:
                g = (g @ W) * (pre[i - 1] > 0)
        for p, gp in zip(params, grads):
            p -= LR * gp
        return loss

    return step


def scratchnet_step(sizes, batch):
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(sn.nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(sn.nn.ReLU())
    model = sn.nn.Sequential(*layers)
    with sn.no_grad():
        for p, value in zip(model.parameters(), initial_params(sizes)):
            p.copy_(value)
    opt = sn.optim.SGD(model.parameters(), lr=LR)
    loss_fn = sn.nn.CrossEntropyLoss()
    x_np, y_np = data(sizes, batch)
    x, y = sn.tensor(x_np), sn.tensor(y_np)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch_step(sizes, batch):
    torch = _timing.optional_torch()
    if torch is None:
        return None
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for p, value in zip(model.parameters(), initial_params(sizes)):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_np, y_np = data(sizes, batch)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def check_same_losses(sizes, batch, steps=3):
    """The three steps must compute the same thing: compare their losses over a few steps."""
    fns = [hand_step(sizes, batch), scratchnet_step(sizes, batch), torch_step(sizes, batch)]
    losses = [[_value(fn()) for _ in range(steps)] for fn in fns if fn is not None]
    for other in losses[1:]:
        if not np.allclose(losses[0], other, rtol=1e-4, atol=1e-5):
            raise RuntimeError(f"the steps disagree: losses {losses}")


def _value(loss):
    """A loss of any of the three steps as a Python float."""
    return float(loss.detach()) if hasattr(loss, "detach") else float(loss)


def rounds(steps, n_rounds, repeat):
    """Time ``steps`` (name -> fn) in ``n_rounds`` interleaved rounds; return name -> list of
    per-round median seconds. The hand-written step runs at the BLAS thread count the
    scratchnet step just left (its products have the same sizes)."""
    times = {name: [] for name in steps}
    for _ in range(n_rounds):
        for name, fn in steps.items():
            times[name].append(_timing.median_time(fn, repeat=repeat, min_time=0.1))
    return times


def ratio(times, a, b):
    """Median over rounds of the per-round ratio a / b."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def measure(load, n_rounds, repeat):
    rows = []
    with _load.competing_load(load):
        for case, (sizes, batch) in CASES.items():
            steps = {"hand": hand_step(sizes, batch), "scratchnet": scratchnet_step(sizes, batch)}
            t = torch_step(sizes, batch)
            if t is not None:
                steps["torch"] = t
            steps["scratchnet"]()       # sets the BLAS thread count for these products
            times = rounds(steps, n_rounds, repeat)
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append([
                load or "idle", "-".join(map(str, sizes)), batch,
                _timing.format_seconds(med["hand"]), _timing.format_seconds(med["scratchnet"]),
                _timing.format_seconds(med["torch"]) if "torch" in med else "-",
                f"{ratio(times, 'scratchnet', 'hand'):.2f}x",
                f"{ratio(times, 'scratchnet', 'torch'):.2f}x" if "torch" in med else "-",
            ])
            print(rows[-1], flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--repeat", type=int, default=5, help="runs per median")
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy rows: numpy, torch or none")
    parser.add_argument("--steps", type=int, default=0,
                        help="only run this many steps of --case/--only (for profilers)")
    parser.add_argument("--case", default="mlp1", choices=sorted(CASES))
    parser.add_argument("--only", default="scratchnet", choices=("hand", "scratchnet", "torch"))
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    args = parser.parse_args(argv)
    if args.steps:
        sizes, batch = CASES[args.case]
        fn = {"hand": hand_step, "scratchnet": scratchnet_step,
              "torch": torch_step}[args.only](sizes, batch)
        start = time.perf_counter()
        for _ in range(args.steps):
            fn()
        print(f"{args.steps} steps of {args.only} {args.case}: "
              f"{(time.perf_counter() - start) / args.steps * 1e6:.1f} us per step")
        return
    for sizes, batch in CASES.values():
        check_same_losses(sizes, batch)
    rows = measure(None, args.rounds, args.repeat)
    if args.load != "none":
        rows += measure(args.load, args.rounds, args.repeat)
    table = _timing.table(["competing process", "MLP", "batch", "NumPy by hand", "scratchnet",
                           "PyTorch", "scratchnet / hand", "scratchnet / PyTorch"], rows)
    print(_timing.machine_line())
    print(table)
    if not args.no_write:
        _timing.write_section("Training step overhead", (
            f"Command: `python benchmarks/bench_engine.py`\n\nMachine: "
            f"{_timing.machine_line()}. The step a user writes (zero_grad, Sequential of "
            f"Linear/ReLU, CrossEntropyLoss, backward, SGD step) in scratchnet and PyTorch "
            f"eager, and by hand in NumPy. {args.rounds} interleaved rounds, each a median of "
            f"{args.repeat} runs; the ratios are medians of the per-round ratios. Aims: "
            f"batch 128 <= 1.15x by hand, batch 1 <= 0.8x PyTorch idle, both < 1x PyTorch "
            f"under load.\n\n{table}\n"))


if __name__ == "__main__":
    main()
