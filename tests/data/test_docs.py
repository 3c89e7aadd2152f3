"""The examples must run: every docstring example in scratchnet.data and every code block of
docs/data.md (in order, in one namespace)."""
import doctest
import importlib
import pathlib
import pkgutil
import re

import pytest

import scratchnet.data

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data.md"


def data_modules():
    names = ["scratchnet.data"]
    for info in pkgutil.walk_packages(scratchnet.data.__path__, "scratchnet.data."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", data_modules())
def test_docstring_examples(name, monkeypatch, datasets_dir):
    # Examples that read Fashion-MNIST find it through $SCRATCHNET_DATA, as a user would.
    monkeypatch.setenv("SCRATCHNET_DATA", str(datasets_dir))
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_api_has_docstrings_with_examples():
    missing = []
    for name in scratchnet.data.__all__:
        obj = getattr(scratchnet.data, name)
        if callable(obj) and not (obj.__doc__ and ">>>" in obj.__doc__):
            missing.append(name)
    for name in scratchnet.data.transforms.__all__:
        obj = getattr(scratchnet.data.transforms, name)
        if isinstance(obj, type) and not name.endswith(("Transform",)) and not (
                obj.__doc__ and ">>>" in obj.__doc__):
            missing.append(f"transforms.{name}")
    assert missing == []


def code_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)


def test_docs_code_blocks_run(monkeypatch, datasets_dir):
    monkeypatch.setenv("SCRATCHNET_DATA", str(datasets_dir))
    blocks = code_blocks(DOC.read_text())
    assert len(blocks) >= 10
    namespace = {"__name__": "docs_data"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{DOC}:block{i + 1}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"docs/data.md code block {i + 1} failed: {exc!r}\n{block}") \
                from exc
