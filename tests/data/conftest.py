"""Fixtures shared by the data-set tests."""
import pytest

from scratchnet.data.datasets import download


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No $SCRATCHNET_DATA, an empty cache and system folder of our own, no network."""
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    monkeypatch.setenv("SCRATCHNET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(download, "SYSTEM_DIRS", [str(tmp_path / "system")])

    def offline(url, timeout=60):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(download, "fetch", offline)
    return tmp_path
