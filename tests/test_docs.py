"""Every ```python block in README.md and docs/*.md runs (docs that lie are bugs).

The blocks of one page run in order in one namespace, like cells of a notebook, so a page
may define something in one block and use it in the next.
"""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # blocks that write files write them here
    namespace = {"__name__": "__doc_page__"}
    for i, match in enumerate(BLOCK.finditer(page.read_text())):
        code = compile(match.group(1), f"<{page.name} block {i}>", "exec")
        exec(code, namespace)


def test_readme_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "<!-- ci:main -->" in text and "<!-- ci:test -->" in text
