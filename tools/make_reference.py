"""Write docs/reference.md: the math of every op's backward, taken from the ops themselves.

Each op of scratchnet is a ``Function`` whose docstring states its forward and backward
(``y = ...;  gx = ...``). This script collects every Function subclass defined in the
package, groups them by module and writes one page, so the reference can never drift from
the code: ``tests/test_docs.py`` regenerates it and fails when the committed page differs.

Run from the repository root:  python tools/make_reference.py
"""
import importlib
import inspect
import pathlib
import pkgutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference.md"
# The page describes this checkout's ops, not those of another scratchnet installed in
# the environment (an editable install of a second worktree would otherwise win).
sys.path.insert(0, str(ROOT))

HEADER = """\
# Reference: the backward of every op

Every differentiable op of scratchnet is a `Function` with a `forward` and a `backward`
written side by side. This page lists all of them with the math their docstrings state,
grouped by the module that defines them; read the module for the code beside the formula.
It is generated from the code by `python tools/make_reference.py` (a test fails when it is
out of date), so what you read here is what runs.

Notation: `y` is the output, `gy` = dL/dy arrives from above, `gx` (`ga`, `gb`, ...) =
dL/dx goes back to the input of the same name. Binary ops may broadcast: their backward
returns gradients of the broadcast shape and the engine sums them back to each input's
shape (`sum_to`). Every op here is gradient-checked in float64 against central differences
(`tests/ops/`, `scratchnet.autograd.gradcheck`); how to add one is in
[adding_an_op.md](adding_an_op.md).
"""


def _import_all(package="scratchnet"):
    """Import every module of the package so every Function subclass is defined."""
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        name = info.name
        if name.endswith("__main__"):   # importing it would run the command line
            continue
        # Modules that need optional, heavy or absent dependencies are skipped: an op
        # defined there is still found if the package imports it elsewhere.
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional extras (mpi4py, cupy) may be missing
            continue


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def functions():
    """Every Function subclass defined in scratchnet, as (module, class), in a stable order."""
    _import_all()
    from scratchnet.autograd.function import Function
    found = {}
    for cls in _subclasses(Function):
        module = cls.__module__
        if not module.startswith("scratchnet.") or module.startswith("scratchnet.autograd"):
            continue
        if cls.__qualname__ != cls.__name__:   # defined inside a function: not an op
            continue
        found[(module, cls.__name__)] = cls
    return [found[key] for key in sorted(found)]


def render():
    lines = [HEADER]
    current = None
    for cls in functions():
        if cls.__module__ != current:
            current = cls.__module__
            path = current.replace(".", "/") + ".py"
            lines.append(f"\n## `{current}`\n\nSource: `{path}`\n")
        doc = inspect.getdoc(cls) or ""
        if not doc:
            raise SystemExit(f"{cls.__module__}.{cls.__name__} has no docstring stating its math")
        body = "\n".join("    " + line if line else "" for line in doc.splitlines())
        lines.append(f"### {cls.__name__}\n\n{body}\n")
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None):
    text = render()
    if argv and "--check" in argv:
        if PAGE.read_text() != text:
            print(f"{PAGE} is out of date: run python tools/make_reference.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE} ({text.count('### ')} ops)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
