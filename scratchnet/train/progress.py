"""Progress display for ``fit``: a tqdm bar per epoch on a terminal, one line per epoch
elsewhere (logs, CI, notebooks writing to files), nothing when ``verbose=0``."""
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


class Progress:
    """Shows one epoch's progress; ``verbose``: 0 silent, 1 bar (or line when not a
    terminal), 2 one line per epoch always."""

    def __init__(self, verbose=1, stream=None):
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.bar = None
        self.start = None
        self.use_bar = verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def begin_epoch(self, epoch, epochs, steps):
        self.start = time.perf_counter()
        self.epoch, self.epochs = epoch, epochs
        if self.use_bar:
            from tqdm import tqdm   # imported here: `import scratchnet` stays light
            self.bar = tqdm(total=steps, desc=f"epoch {epoch}/{epochs}", unit="batch",
                            leave=True, file=self.stream, dynamic_ncols=True)

    def update(self, steps, logs):
        if self.bar is not None:
            self.bar.update(steps)
            self.bar.set_postfix_str(format_logs(logs), refresh=False)

    def end_epoch(self, logs):
        seconds = time.perf_counter() - self.start
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs), refresh=True)
            self.bar.close()
            self.bar = None
        elif self.verbose:
            print(f"epoch {self.epoch}/{self.epochs} - {seconds:.1f}s - {format_logs(logs)}",
                  file=self.stream, flush=True)
        return seconds

    def message(self, text):
        if self.bar is not None:
            self.bar.write(text, file=self.stream)   # above the bar, not through it
        elif self.verbose:
            print(text, file=self.stream, flush=True)
