"""Progress display for ``fit``: a live bar during each epoch, then one summary line.

* in a terminal: a tqdm bar that fits the terminal's width; when the epoch ends the bar is
  erased and the epoch's summary ("epoch 2/10 - 1.3s - loss ... - val_accuracy ...") is
  printed on its own line, so the validation metrics are never cut at the terminal's width
  (tqdm trims a bar, and whatever follows it, to the width);
* in a Jupyter kernel: the same, with ``tqdm.auto``'s bar (a widget when ipywidgets is
  installed, a text bar otherwise, without tqdm's warning that ipywidgets is missing);
* elsewhere (logs, CI, output sent to a file): one summary line per epoch;
* nothing with ``verbose=0``.
"""
import sys
import time

__all__ = ["Progress", "format_logs"]


def format_logs(logs):
    """"loss 0.3121 - accuracy 0.8870 - val_loss ..." with learning rates in short form."""
    parts = []
    for name, value in logs.items():
        if name == "time":
            continue
        if name == "lr":
            parts.append(f"lr {value:.3g}")
        else:
            parts.append(f"{name} {value:.4f}")
    return " - ".join(parts)


def _in_notebook():
    """True inside a Jupyter kernel (the test tqdm.auto makes), never importing IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
        return shell is not None and "IPKernelApp" in shell.config
    except Exception:          # an IPython too old or too odd to answer: no widget
        return False


class Progress:
    """Shows one epoch's progress; ``verbose``: 0 silent, 1 live bar (on a terminal or in a
    Jupyter kernel, one line per epoch elsewhere), 2 one line per epoch always."""

    def __init__(self, verbose=1, stream=None):
        self.verbose = verbose
        self.notebook = stream is None and verbose == 1 and _in_notebook()
        self.stream = stream or sys.stdout
        self.bar = None
        self.start = None
        terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.use_bar = verbose == 1 and (terminal or self.notebook)

    def begin_epoch(self, epoch, epochs, steps):
        self.start = time.perf_counter()
        self.epoch, self.epochs = epoch, epochs
        if self.use_bar:
            # Imported here: `import scratchnet` stays light.
            if self.notebook:
                import warnings

                from tqdm import TqdmWarning
                # Without ipywidgets, tqdm.auto draws a text bar (fine) but first warns
                # "IProgress not found. Please update jupyter and ipywidgets" in red under
                # the cell, which reads to a learner as if something were broken.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", TqdmWarning)
                    from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            # leave=False: the bar goes when the epoch ends and the summary line takes its
            # place, one line per epoch as in a log.
            self.bar = tqdm(total=steps, desc=f"epoch {epoch}/{epochs}", unit="batch",
                            leave=False, file=self.stream, dynamic_ncols=True)

    def update(self, steps, logs):
        if self.bar is not None:
            self.bar.update(steps)
            # Live training values only; tqdm may trim them at the width, the summary not.
            self.bar.set_postfix_str(format_logs(logs), refresh=False)

    def end_epoch(self, logs):
        seconds = time.perf_counter() - self.start
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.verbose:
            # A plain print: a long line wraps on the screen, it is never cut.
            print(f"epoch {self.epoch}/{self.epochs} - {seconds:.1f}s - {format_logs(logs)}",
                  file=self.stream, flush=True)
        return seconds

    def message(self, text):
        if self.bar is not None:
            self.bar.write(text, file=self.stream)   # above the bar, not through it
        elif self.verbose:
            print(text, file=self.stream, flush=True)
