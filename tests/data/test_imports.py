"""Importing scratchnet.data stays cheap: Pillow, matplotlib, tqdm, CuPy and multiprocessing
are imported only by the functions that need them."""
import subprocess
import sys


def test_heavy_modules_are_not_imported():
    code = ("import sys, scratchnet.data; "
            "print(sorted(m for m in ('PIL', 'matplotlib', 'tqdm', 'cupy', 'multiprocessing', "
            "'urllib.request', 'tarfile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"
