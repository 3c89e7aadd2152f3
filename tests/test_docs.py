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


def _fenced_bash(text):
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_getting_started_gives_the_readme_commands():
    # The site's first page repeats README's two commands; they must not drift apart.
    readme = _fenced_bash((ROOT / "README.md").read_text())
    index = _fenced_bash((ROOT / "docs" / "index.md").read_text())
    assert readme[:2] == index[:2], (readme[:2], index[:2])


def test_reference_page_is_up_to_date():
    # docs/reference.md is generated from the ops' docstrings; an op added or changed
    # without regenerating it would leave the reference wrong.
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "make_reference.py"),
                             "--check"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_reference_page_lists_every_op():
    from scratchnet.autograd.function import Function
    import scratchnet.ops  # noqa: F401 - defines the ops
    text = (ROOT / "docs" / "reference.md").read_text()
    stack, missing = [Function], []
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if (cls.__module__.startswith("scratchnet.ops")
                    and cls.__qualname__ == cls.__name__
                    and f"### {cls.__name__}\n" not in text):
                missing.append(f"{cls.__module__}.{cls.__name__}")
    assert not missing, missing


def test_every_docs_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert [p for p in pages if f": {p}" not in nav] == []


def test_site_builds_without_warnings(tmp_path):
    # mkdocs comes with the dev extra; --strict turns every warning (a broken link, a
    # missing anchor, a page outside the navigation) into a failure.
    pytest.importorskip("mkdocs", reason="mkdocs is installed by the dev and docs extras")
    import subprocess
    import sys
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
