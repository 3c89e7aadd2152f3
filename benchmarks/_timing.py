"""Timing helpers shared by the benchmark scripts: medians of repeated runs, ratio tables.

Every figure a benchmark prints is a median over several runs, and every speed is given as
a ratio against a reference measured in the same run, so that a busy machine or a slower CPU
moves both sides together.
"""
import os
import platform
import statistics
import time


def median_time(fn, repeat=7, number=None, min_time=0.2):
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls each.

    ``number`` is chosen so that one run lasts about ``min_time`` seconds when not given.
    """
    fn()  # warm-up: first calls pay for caches, allocator growth, lazy imports
    if number is None:
        number, elapsed = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 4 or number >= 1 << 20:
                break
            number *= 2
        number = max(1, round(number * min_time / max(elapsed, 1e-9)))
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def format_seconds(seconds):
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


def table(headers, rows):
    """A Markdown table (printed by the benchmarks and pasted into docs/results.md)."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def machine_line():
    """One line naming the machine and thread settings, printed above every result table."""
    import numpy
    threads = os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, NumPy {numpy.__version__}"
            + (f", BLAS threads {threads}" if threads else ""))


def optional_torch():
    """PyTorch if installed (CPU comparisons only), else None; never a requirement."""
    try:
        import torch
    except ImportError:
        return None
    return torch


RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                       "results.md")


def write_section(title, body, path=RESULTS):
    """Replace section ``## title`` of docs/results.md with ``body`` (add it if missing);
    the other sections, written by other benchmarks, are left as they are."""
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    header = f"## {title}\n"
    section = header + "\n" + body.strip("\n") + "\n"
    start = text.find(header)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(header))
        rest = "\n" + text[end + 1:] if end != -1 else ""
        text = text[:start] + section + rest
    with open(path, "w") as f:
        f.write(text)
