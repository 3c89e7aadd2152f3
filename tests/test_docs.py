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


def test_every_test_named_in_the_docs_exists():
    # docs/reliability.md backs each guarantee with a test name; a renamed or deleted test
    # would leave a guarantee that nothing checks, so the names themselves are checked.
    cited = re.compile(r"(tests/[\w/]+\.py)::(?:(\w+)::)?(\w+)")
    missing = []
    for page in PAGES:
        for path, cls, name in cited.findall(page.read_text()):
            source = ROOT / path
            text = source.read_text() if source.exists() else ""
            if f"def {name}(" not in text or (cls and f"class {cls}" not in text):
                missing.append(f"{page.name}: {path}::{(cls + '::') if cls else ''}{name}")
    assert not missing, "tests named in the docs but not found:\n" + "\n".join(missing)
