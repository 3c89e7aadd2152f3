"""A competing numeric process for the benchmarks' "busy" columns.

``competing_load(kind)`` starts another Python process running a small training loop with
its own threads (NumPy's BLAS at its default thread count, or PyTorch's intra-op pool), waits
until it is running, and stops it (terminate, then kill) when the ``with`` block ends, also
on an error or Ctrl-C. It stands for what shares a workstation in practice: a second
experiment, a notebook, a test suite.
"""
import contextlib
import os
import subprocess
import sys
import time

# Both loops: a 256-512-256-10 MLP at batch 128, forward, backward and SGD, forever. They print
# one line when their first step is done, so the benchmark starts timing under real load.
_NUMPY_LOOP = r"""
import sys, numpy as np
rng = np.random.default_rng(0)
x = rng.random((128, 256), dtype=np.float32)
Ws = [rng.standard_normal((a, b), dtype=np.float32) * 0.05
      for a, b in ((256, 512), (512, 256), (256, 10))]
first = True
while True:
    acts = [x]
    for W in Ws:
        acts.append(np.maximum(acts[-1] @ W, 0))
    g = acts[-1] - 0.1
    for i in reversed(range(len(Ws))):
        gW = acts[i].T @ g
        g = (g @ Ws[i].T) * (acts[i] > 0)
        Ws[i] -= 1e-4 * gW
    if first:
        print("ready", flush=True)
        first = False
"""

_TORCH_LOOP = r"""
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(),
                            torch.nn.Linear(512, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=1e-3)
x, y = torch.rand(128, 256), torch.randint(0, 10, (128,))
first = True
while True:
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    if first:
        print("ready", flush=True)
        first = False
"""

LOOPS = {"numpy": _NUMPY_LOOP, "torch": _TORCH_LOOP}


def clean_env(**extra):
    """This process's environment without the thread pins a benchmark sets for itself, so the
    competitor runs with its library's default threads."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "SCRATCHNET_NUM_THREADS")}
    env.update(extra)
    return env


@contextlib.contextmanager
def competing_load(kind):
    """Run the ``kind`` loop ("numpy" or "torch") in another process for the block's length;
    ``kind=None`` runs nothing (the idle column)."""
    if kind is None:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", LOOPS[kind]], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=clean_env(), text=True)
    try:
        line = proc.stdout.readline()   # blocks until the first step ran (or it died)
        if line.strip() != "ready":
            raise RuntimeError(f"the competing {kind} loop did not start "
                               f"(exit code {proc.poll()})")
        time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
