"""Every ```python block in README.md and docs/*.md runs (docs that lie are bugs)."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, match in enumerate(BLOCK.finditer(path.read_text())):
            yield pytest.param(match.group(1), id=f"{path.name}-block{i}")


@pytest.mark.parametrize("code", list(_blocks()))
def test_code_block_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # blocks that write files write them here
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__doc_block__"})


def test_readme_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "<!-- ci:main -->" in text and "<!-- ci:test -->" in text
