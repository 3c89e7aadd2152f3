"""Progress display: a live bar in a terminal whose epoch summary is never cut at the
terminal's width, a live bar through ``tqdm.auto`` in a Jupyter kernel, and plain lines
elsewhere."""
import fcntl
import io
import os
import pty
import re
import struct
import sys
import termios

import pytest

from scratchnet.train import progress as progress_module
from scratchnet.train.progress import Progress

LOGS = {"loss": 0.3333, "accuracy": 0.9, "val_loss": 0.4102, "val_accuracy": 0.8512,
        "lr": 0.01}
SUMMARY = ["loss 0.3333", "accuracy 0.9000", "val_loss 0.4102", "val_accuracy 0.8512",
           "lr 0.01"]


class FakeTerminal(io.StringIO):
    """Text goes to a string; the terminal size is read from a real pseudo-terminal set to
    ``columns`` x 24, as tqdm reads it (os.get_terminal_size on ``fileno()``)."""

    def __init__(self, columns):
        super().__init__()
        self._master, self._slave = pty.openpty()
        fcntl.ioctl(self._slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

    def isatty(self):
        return True

    def fileno(self):
        return self._slave

    def close(self):
        os.close(self._master)
        os.close(self._slave)
        super().close()


@pytest.fixture
def terminal80():
    stream = FakeTerminal(80)
    assert os.get_terminal_size(stream.fileno()).columns == 80
    yield stream
    stream.close()


def screen_lines(text):
    """What stays on screen: each line's last carriage-return-separated rewrite."""
    lines = []
    for line in text.split("\n"):
        shown = [part for part in line.split("\r") if part.strip()]
        if shown:
            lines.append(shown[-1])
    return lines


def run_epoch(progress, logs=LOGS, steps=5):
    progress.begin_epoch(1, 3, steps=steps)
    for step in range(steps):
        progress.update(1, {"loss": 1.0 / (step + 1), "accuracy": 0.5})
    return progress.end_epoch(logs)


def test_the_final_line_of_an_epoch_on_an_80_column_terminal_holds_every_metric(terminal80):
    progress = Progress(verbose=1, stream=terminal80)
    assert progress.use_bar
    run_epoch(progress)
    lines = screen_lines(terminal80.getvalue())
    assert lines, "nothing was shown"
    final = lines[-1]
    for metric in SUMMARY:
        assert metric in final, (metric, final)
    assert final.startswith("epoch 1/3")


def test_the_live_bar_fits_the_terminal_width(terminal80):
    progress = Progress(verbose=1, stream=terminal80)
    progress.begin_epoch(1, 3, steps=5)
    progress.update(2, LOGS)
    progress.bar.refresh()
    drawn = [part for part in terminal80.getvalue().replace("\n", "\r").split("\r")
             if part.strip()]
    assert drawn and all(len(part) <= 80 for part in drawn), drawn
    assert any("epoch 1/3" in part and "2/5" in part for part in drawn)
    progress.end_epoch(LOGS)


def test_messages_go_above_the_bar(terminal80):
    progress = Progress(verbose=1, stream=terminal80)
    progress.begin_epoch(1, 1, steps=2)
    progress.message("Epoch 1: val_loss improved")
    progress.update(2, {"loss": 0.5})
    progress.end_epoch({"loss": 0.5})
    lines = screen_lines(terminal80.getvalue())
    assert "Epoch 1: val_loss improved" in lines[0] and "loss 0.5000" in lines[-1]


def test_not_a_terminal_prints_one_line_per_epoch():
    stream = io.StringIO()
    progress = Progress(verbose=1, stream=stream)
    assert not progress.use_bar
    run_epoch(progress)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and all(metric in lines[0] for metric in SUMMARY)
    assert re.match(r"epoch 1/3 - \d+\.\ds - loss", lines[0])


def test_verbose_0_is_silent(terminal80):
    progress = Progress(verbose=0, stream=terminal80)
    run_epoch(progress)
    progress.message("hidden")
    assert terminal80.getvalue() == ""


def test_in_a_jupyter_kernel_the_bar_comes_from_tqdm_auto(monkeypatch):
    import tqdm.auto

    made = []

    class RecordingBar(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    monkeypatch.setattr(progress_module, "_in_notebook", lambda: True)
    stream = io.StringIO()                    # a kernel's stdout is no terminal
    monkeypatch.setattr(sys, "stdout", stream)
    progress = Progress(verbose=1)
    assert progress.use_bar
    run_epoch(progress)
    assert len(made) == 1 and made[0]["total"] == 5
    final = screen_lines(stream.getvalue())[-1]
    assert all(metric in final for metric in SUMMARY)


def test_in_notebook_is_false_outside_a_kernel():
    assert progress_module._in_notebook() is False
