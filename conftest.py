"""Repository-level pytest setup, shared by tests/ and the doctests in scratchnet/.

Real data sets live beside the checkout in ../shared/datasets (see its README); when
SCRATCHNET_DATA is not set and that folder exists, point scratchnet's data look-up there,
so that doctests and tests find Fashion-MNIST the way a user with SCRATCHNET_DATA would.
"""
import os
import pathlib

_shared = pathlib.Path(__file__).resolve().parent.parent / "shared" / "datasets"
if "SCRATCHNET_DATA" not in os.environ and _shared.is_dir():
    os.environ["SCRATCHNET_DATA"] = str(_shared)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctests_in_a_temporary_folder(request, tmp_path, monkeypatch):
    """Docstring examples that save files (plots, checkpoints) write them in a temporary
    folder, not in the repository."""
    if type(request.node).__name__ == "DoctestItem":
        monkeypatch.chdir(tmp_path)
