"""Launching ``mpiexec -n 2`` from the test environment.

mpiexec is taken from the directory of the running Python (where ``pip install mpich``,
part of the dev extra, puts it), then from PATH. The tests are skipped, with the reason,
only when mpi4py is absent.
"""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Generous but bounded: the machine running the suite may be loaded.
LAUNCH_TIMEOUT = 240


def find_mpiexec():
    """mpiexec next to this Python (the same environment as mpi4py), else on PATH."""
    for folder in (os.path.dirname(sys.executable),
                   os.path.join(sys.prefix, "bin"), os.path.join(sys.prefix, "Scripts")):
        for name in ("mpiexec", "mpiexec.exe"):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return shutil.which("mpiexec")


def mpi_skip_reason():
    try:
        import mpi4py  # noqa: F401  (only whether it is there)
    except ImportError:
        return "mpi4py is not installed (pip install -e '.[dev]' installs mpi4py and mpich)"
    return None


@pytest.fixture
def mpirun(tmp_path):
    """``mpirun(args, n=2)`` -> CompletedProcess of ``mpiexec -n n python args...``."""
    reason = mpi_skip_reason()
    if reason:
        pytest.skip(reason)
    mpiexec = find_mpiexec()
    assert mpiexec, ("mpi4py is installed but no mpiexec was found next to "
                     f"{sys.executable} nor on PATH: pip install mpich")

    def run(args, n=2, timeout=LAUNCH_TIMEOUT, python=True, env=None):
        cmd = [mpiexec, "-n", str(n)] + ([sys.executable] if python else []) + list(args)
        environ = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
                       OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **(env or {}))
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=tmp_path, env=environ)
    return run
