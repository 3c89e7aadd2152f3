"""Data-parallel training on MPI: LeNet-5 on Fashion-MNIST with 1 and 2 processes, and the
all-reduce against mpi4py's raw Allreduce.

    python benchmarks/bench_distributed.py [--root FOLDER] [--rounds 3] [--write]

The script launches itself under ``mpiexec -n 1`` and ``mpiexec -n 2`` (the mpiexec next to
this Python, as the tests do), each process with one BLAS thread, in interleaved rounds, and
reports medians:

* images/s of LeNet-5 training steps (SGD, global batch 128: 64 per process with 2) and the
  scaling efficiency, (images/s with 2) / (2 x images/s with 1);
* the effect of overlap: the step time when each gradient bucket's all-reduce starts as soon
  as the bucket is full (during backward), over the step time when every bucket waits for
  the end of backward, with buckets small enough that LeNet-5 has several;
* all-reduce time of float32 buffers through ``scratchnet.distributed.all_reduce`` (which
  also checks that the ranks' shapes agree) and through the bucket path DDP uses, each over
  ``comm.Allreduce`` of mpi4py on the same buffers.

``--write`` puts the tables into docs/results.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

GLOBAL_BATCH = 128
TRAIN_IMAGES = 3072          # a slice of the training set: enough steps, a short benchmark
SIZES = (1_000, 100_000, 1_000_000, 4_000_000)


def find_mpiexec():
    folder = os.path.dirname(sys.executable)
    path = os.path.join(folder, "mpiexec")
    if os.path.exists(path):
        return path
    import shutil
    return shutil.which("mpiexec")


# ------------------------------------------------------------------------ worker side
def worker(args):
    import numpy as np

    import scratchnet as sn
    import scratchnet.distributed as dist
    from scratchnet.data.datasets import FashionMNIST
    from scratchnet.models import LeNet5

    dist.init(timeout=300)
    rank, world = dist.rank(), dist.world_size()
    train = FashionMNIST(root=args.root, train=True)
    x = (train.data[:TRAIN_IMAGES].astype(np.float32) / 255 - 0.286) / 0.353
    x = x[:, None]
    y = train.targets[:TRAIN_IMAGES].astype(np.int64)
    sampler = dist.DistributedSampler(range(len(x)), shuffle=True, seed=0)
    per_rank = GLOBAL_BATCH // world
    idx = np.array(list(sampler))
    batches = [idx[i:i + per_rank] for i in range(0, len(idx) - per_rank + 1, per_rank)]

    sn.manual_seed(0)
    result = {"world": world}

    def run_steps(model, opt, steps):
        loss_fn = sn.nn.CrossEntropyLoss()
        dist.barrier()
        start = time.perf_counter()
        for b in batches[:steps]:
            opt.zero_grad()
            loss_fn(model(sn.tensor(x[b])), sn.tensor(y[b])).backward()
            opt.step()
        dist.barrier()
        return time.perf_counter() - start

    # Throughput with DDP's default buckets (25 MB: LeNet-5's 61,706 parameters, one bucket).
    model = dist.DistributedDataParallel(LeNet5())
    opt = sn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    run_steps(model, opt, 3)                                   # warm-up
    steps = len(batches)
    seconds = run_steps(model, opt, steps)
    result["images_per_s"] = steps * GLOBAL_BATCH / seconds

    if world > 1:
        # Overlap: small buckets (several per backward), started early or all at the end.
        small = dist.DistributedDataParallel(LeNet5(), bucket_cap_mb=0.02)
        opt = sn.optim.SGD(small.parameters(), lr=0.05)
        result["buckets"] = len(small._buckets)
        run_steps(small, opt, 3)
        on, off = [], []
        for _ in range(args.blocks):
            for overlap, out in ((True, on), (False, off)):
                small._overlap = overlap
                out.append(run_steps(small, opt, 8) / 8)
        result["step_overlap"] = statistics.median(on)
        result["step_no_overlap"] = statistics.median(off)

        # All-reduce: ours (public, with its shape check; the bucket path) vs raw mpi4py.
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        group = dist.group()
        rows = []
        for size in SIZES:
            buf = np.zeros(size, dtype=np.float32)     # sums stay finite
            t = sn.tensor(buf)
            fns = {"raw": lambda: comm.Allreduce(MPI.IN_PLACE, buf),
                   "public": lambda: dist.all_reduce(t),
                   "bucket": lambda: group.iallreduce(t.array).wait()}
            reps = max(3, min(200, int(2e7 // size)))
            times = {k: [] for k in fns}
            for _ in range(5):
                for name, fn in fns.items():       # interleaved: the load hits all alike
                    comm.Barrier()
                    start = time.perf_counter()
                    for _ in range(reps):
                        fn()
                    times[name].append((time.perf_counter() - start) / reps)
            rows.append({"size": size, **{k: statistics.median(v) for k, v in times.items()}})
        result["allreduce"] = rows
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------------ driver side
def launch(n, args):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONPATH=os.path.dirname(HERE))
    cmd = [find_mpiexec(), "-n", str(n), sys.executable, os.path.abspath(__file__),
           "--worker", "--blocks", str(args.blocks)] + (
        ["--root", args.root] if args.root else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"mpiexec -n {n} failed:\n{done.stdout}\n{done.stderr}")
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="where Fashion-MNIST is")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="write docs/results.md")
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    from _timing import format_seconds, machine_line, table, write_section
    one, two = [], []
    for _ in range(args.rounds):          # interleaved rounds: 1, 2, 1, 2...
        one.append(launch(1, args))
        two.append(launch(2, args))
    ips1 = statistics.median(r["images_per_s"] for r in one)
    ips2 = statistics.median(r["images_per_s"] for r in two)
    on = statistics.median(r["step_overlap"] for r in two)
    off = statistics.median(r["step_no_overlap"] for r in two)
    scaling = table(
        ["processes", "images/s (median)", "speed-up", "scaling efficiency"],
        [[1, f"{ips1:.0f}", "1.00x", "100%"],
         [2, f"{ips2:.0f}", f"{ips2 / ips1:.2f}x", f"{ips2 / ips1 / 2:.0%}"]])
    overlap = table(
        ["gradient buckets", "step, all-reduce during backward", "step, all after backward",
         "ratio"],
        [[two[0]["buckets"], format_seconds(on), format_seconds(off), f"{on / off:.2f}"]])
    rows = []
    for i, size in enumerate(SIZES):
        med = {k: statistics.median(r["allreduce"][i][k] for r in two)
               for k in ("raw", "public", "bucket")}
        gbs = size * 4 / med["raw"] / 1e9
        rows.append([f"{size:,}", format_seconds(med["raw"]), f"{gbs:.2f} GB/s",
                     f"{med['public'] / med['raw']:.2f}", f"{med['bucket'] / med['raw']:.2f}"])
    allreduce = table(["float32 values", "mpi4py Allreduce", "its bandwidth",
                       "all_reduce / raw", "DDP bucket path / raw"], rows)
    body = (
        "Command: `python benchmarks/bench_distributed.py --write`\n\n"
        f"Machine: {machine_line()}; MPICH through mpi4py, both processes on this machine, "
        "each with one BLAS thread. The machine was loaded by other jobs while this ran "
        f"(2 cores shared), so absolute figures are noisy; medians of {args.rounds} "
        "interleaved rounds.\n\n"
        f"LeNet-5 on {TRAIN_IMAGES:,} Fashion-MNIST training images, SGD, global batch "
        f"{GLOBAL_BATCH} (per process: {GLOBAL_BATCH} with 1, {GLOBAL_BATCH // 2} with 2):\n\n"
        f"{scaling}\n\n"
        "Overlap of communication with backward (2 processes, buckets of 0.02 MB so that "
        "LeNet-5's gradients fill several; medians of blocks of 8 steps, alternated):\n\n"
        f"{overlap}\n\n"
        "All-reduce over 2 processes, median time per call, as a ratio over mpi4py's raw "
        "`comm.Allreduce` on the same buffer (1.00 = no overhead):\n\n"
        f"{allreduce}\n")
    print(body)
    if args.write:
        write_section("Data-parallel training (MPI)", body)


if __name__ == "__main__":
    main()
