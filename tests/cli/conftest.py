"""Fixtures for the command-line tests: no network, no files outside tmp_path."""
import numpy as np
import pytest

from scratchnet import cli
from scratchnet.data.datasets import download


@pytest.fixture
def sandbox(monkeypatch, tmp_path):
    """Run in tmp_path with no network, an empty data cache and HOME inside tmp_path."""
    def refuse(url, timeout=60):
        raise download.DownloadError(f"offline (test): {url}")
    monkeypatch.setattr(download, "fetch", refuse)
    monkeypatch.setenv("SCRATCHNET_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv, capsys):
    """(exit code, stdout, stderr) of `scratchnet ARGV`, argparse's SystemExit included."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err, command):
    """True if stderr is exactly one line starting with the command's error prefix."""
    return err.startswith(f"scratchnet {command}: error:") and err.count("\n") == 1 \
        and "Traceback" not in err


def make_folder(root, classes=3, per_class=40, size=8, seed=0):
    """An image folder root/<class>/<i>.png of random RGB noise (labels carry no signal)."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    for c in range(classes):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i:03d}.png")
    return root


def printed_accuracy(out, marker):
    """The percentage printed after ``marker`` ("test accuracy " or "accuracy ")."""
    return out.split(marker, 1)[1].split("%")[0]
