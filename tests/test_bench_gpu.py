"""benchmarks/bench_gpu.py on a machine without a GPU: one line saying so, exit code 0."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _real_gpu():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver: CuPy raises its own error types
        return False


@pytest.mark.skipif(_real_gpu(), reason="a GPU is visible: the benchmark would run in full")
def test_bench_gpu_without_a_gpu_says_so_in_one_line_and_exits_0():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_gpu.py")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bench_gpu: no GPU"), done.stdout
    assert done.stderr == ""
