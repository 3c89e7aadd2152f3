"""Where more BLAS threads start to pay: float32 GEMMs of growing size, 1 thread against the
BLAS's default count, idle and beside a competing training loop (``_load.py``).

The ratio column is (time with N threads) / (time with 1 thread), measured in the same run:
below 1, the threads help. The smallest m*n*k where they help on the idle machine, and do not
hurt much beside the competitor, sets ``scratchnet._threads.SMALL_GEMM_FLOPS``.
Run: ``python benchmarks/bench_threads.py`` (``--quick``: every other shape, 3 runs each,
nothing written; ``--load none`` for the idle column alone).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

SHAPES = [(64, 64, 64), (64, 64, 128), (64, 128, 128), (128, 128, 128), (128, 256, 128),
          (128, 256, 256), (256, 256, 256), (256, 512, 256), (512, 512, 256), (512, 512, 512),
          (768, 768, 768), (1024, 1024, 1024)]


def measure(repeat, shapes=SHAPES):
    from threadpoolctl import ThreadpoolController
    blas = ThreadpoolController().select(user_api="blas")
    n_default = max(lib.num_threads for lib in blas.lib_controllers)
    rng = np.random.default_rng(0)
    out = []
    for n, k, m in shapes:
        a = rng.random((n, k), dtype=np.float32)
        b = rng.random((k, m), dtype=np.float32)
        times = {}
        for threads in (1, n_default):
            with blas.limit(limits=threads):
                times[threads] = _timing.median_time(lambda: a @ b, repeat=repeat,
                                                     min_time=0.05)
        out.append(((n, k, m), times[1], times[n_default]))
    return n_default, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    parser.add_argument("--load", default="numpy",
                        help="competing process for the busy columns: numpy, torch or none")
    parser.add_argument("--quick", action="store_true",
                        help="every other shape, 3 runs each, nothing written")
    args = parser.parse_args(argv)
    shapes = SHAPES[::2] if args.quick else SHAPES
    if args.quick:
        args.repeat, args.no_write = 3, True
    load = None if args.load == "none" else args.load
    results = {}
    for kind in ([None, load] if load else [None]):
        with _load.competing_load(kind):
            n_default, results[kind] = measure(args.repeat, shapes)
    rows = []
    for i, (shape, t1i, tni) in enumerate(results[None]):
        row = [" x ".join(map(str, shape)), f"{np.prod(shape) / 1e6:.2f}",
               _timing.format_seconds(t1i), f"{tni / t1i:.2f}"]
        if load:
            _, t1b, tnb = results[load][i]
            row += [_timing.format_seconds(t1b), f"{tnb / t1b:.2f}"]
        rows.append(row)
    headers = ["m x k x n", "m*k*n (M)", "idle, 1 thread", f"idle, {n_default} / 1 thread"]
    if load:
        headers += [f"busy ({load} loop), 1 thread", f"busy, {n_default} / 1 thread"]
    table = _timing.table(headers, rows)
    print(_timing.machine_line())
    print(table)
    if not args.no_write:
        _timing.write_section("BLAS threads: where more than one pays", (
            f"Command: `python benchmarks/bench_threads.py`\n\nMachine: "
            f"{_timing.machine_line()}. float32 `a @ b`, median of {args.repeat} runs; "
            f"\"busy\": beside a {load} training loop with its own threads "
            f"(`benchmarks/_load.py`). A ratio below 1: {n_default} threads are faster.\n\n"
            f"{table}\n"))


if __name__ == "__main__":
    main()
