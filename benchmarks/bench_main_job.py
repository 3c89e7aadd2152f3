"""The main job, ``scratchnet train`` (the UCI digits MLP, 30 epochs), timed as a whole
command: idle and beside a competing training loop (NumPy's, and PyTorch's when torch is
installed; ``_load.py`` starts and stops it), each with

* default settings (scratchnet's BLAS threading policy),
* ``OPENBLAS_NUM_THREADS=1`` (and ``OMP_NUM_THREADS=1``): one BLAS thread throughout,
* ``OPENBLAS_NUM_THREADS=<cores>``: the BLAS pinned to all cores, which turns the policy off
  and so behaves as scratchnet did before it (every product of OpenBLAS's own choosing split
  across all cores).

Aim (issue: "Training stalls when another numeric process shares the CPU"): beside a
competing process, default settings within 1.25x of the one-thread time; idle not slower.
The three settings are interleaved within each round so that drifting background load hits
all of them alike; each figure is the median of ``--repeat`` rounds.
Run: ``python benchmarks/bench_main_job.py``.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _load  # noqa: E402
import _timing  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORES = os.cpu_count() or 1
SETTINGS = {
    "default": {},
    "1 thread": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    "pinned, policy off": {"OPENBLAS_NUM_THREADS": str(CORES)},
}


def run_once(extra_env, out):
    env = _load.clean_env(**extra_env)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    # --overwrite: every repetition trains into the same temporary folder.
    subprocess.run([sys.executable, "-m", "scratchnet", "train", "--quiet", "--overwrite",
                    "--out", out],
                   check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def measure(load, repeat):
    times = {name: [] for name in SETTINGS}
    with tempfile.TemporaryDirectory() as out, _load.competing_load(load):
        for _ in range(repeat):
            for name, env in SETTINGS.items():
                times[name].append(run_once(env, out))
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loads", default="idle,numpy,torch",
                        help="comma-separated: idle, numpy, torch (default: all three)")
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    args = parser.parse_args(argv)
    loads = [s.strip() for s in args.loads.split(",")]
    if "torch" in loads and _timing.optional_torch() is None:
        print("PyTorch is not installed: the PyTorch-loop column is skipped "
              "(pip install torch==2.13.0 adds it).")
        loads.remove("torch")
    rows = []
    for load in loads:
        t = measure(None if load == "idle" else load, args.repeat)
        label = {"idle": "idle", "numpy": "beside a NumPy training loop",
                 "torch": "beside a PyTorch training loop"}[load]
        rows.append([label, f"{t['default']:.2f} s", f"{t['1 thread']:.2f} s",
                     f"{t['pinned, policy off']:.2f} s",
                     f"{t['default'] / t['1 thread']:.2f}x",
                     f"{t['pinned, policy off'] / t['1 thread']:.2f}x"])
        print(rows[-1], flush=True)
    table = _timing.table(["load", "default", "1 BLAS thread",
                           f"{CORES} BLAS threads (policy off, as before)",
                           "default / 1 thread (aim <= 1.25x)", "before / 1 thread"], rows)
    line = f"{_timing.machine_line()}, load average before the run {os.getloadavg()[0]:.1f}"
    print(line)
    print(table)
    if not args.no_write:
        _timing.write_section("Main job under load", (
            f"Command: `python benchmarks/bench_main_job.py`\n\nMachine: {line}. Wall time "
            f"of the whole `scratchnet train` command (UCI digits MLP, 30 epochs), median of "
            f"{args.repeat} interleaved rounds; the competing loops are those of "
            f"`benchmarks/_load.py`.\n\n{table}\n"))


if __name__ == "__main__":
    main()
