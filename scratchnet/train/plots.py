"""Pictures of training: learning curves, confusion matrices, sample images with their
labels, first-layer filters and the feature maps of one image.

Every function returns its matplotlib ``Figure``, which a notebook shows inline (as the last
expression of a cell, or through ``display(fig)``), and writes a PNG only when given a
``path`` (creating missing folders), as ``fig.savefig`` would.

matplotlib is imported inside the functions, never when scratchnet is imported, so the
framework loads fast and works where matplotlib is broken. Figures are drawn with the
non-interactive Agg canvas directly (``matplotlib.figure.Figure``, not ``pyplot``): no window
is needed, the global pyplot backend of a notebook is left alone, and no figure is kept in
pyplot's registry, so memory is freed as soon as a function returns.

>>> from scratchnet.train.plots import plot_history
>>> history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.9]}
>>> fig = plot_history(history)                  # shown inline in a notebook
>>> fig = plot_history(history, "curves.png")    # and also written to curves.png
>>> import os; os.path.exists("curves.png")
True
"""
import math
import os
import pathlib
from collections.abc import Mapping

import numpy

from .. import backend
from .._figures import inline_figure_class
from ..autograd.tensor import Tensor
from ..autograd.tensor import tensor as _new_tensor  # keeps integer data integer

__all__ = ["plot_history", "plot_confusion_matrix", "plot_samples", "plot_filters",
           "plot_feature_maps"]

_LR_KEYS = ("lr", "learning_rate")
# Bookkeeping a trainer may log per epoch; drawn only when asked for by name.
_NOT_CURVES = ("time", "epoch")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _figure(width, height, constrained=True):
    """A figure bound to the Agg canvas (a raster renderer that needs no screen)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = inline_figure_class()(figsize=(width, height),
                                layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path, dpi=100):
    """Write ``fig`` as a PNG when a path is given; return the figure either way."""
    if path is not None:
        path = pathlib.Path(os.fspath(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=dpi)
    return fig


def _to_numpy(x, what, fn):
    """A host NumPy array from a Tensor, a NumPy / CuPy array or a list."""
    array = x.numpy() if isinstance(x, Tensor) else backend.to_device(x, "cpu")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: {what} must hold numbers, got dtype {array.dtype}")
    return array


def _minmax(array, axes):
    """Scale to [0, 1] over ``axes`` (one image, one filter); constant slices become 0."""
    array = array.astype(numpy.float64)
    low = array.min(axis=axes, keepdims=True)
    span = array.max(axis=axes, keepdims=True) - low
    out = numpy.zeros_like(array)
    numpy.divide(array - low, span, out=out, where=span > 0)
    return out


def _display_images(images, fn, vmin=None, vmax=None):
    """(N, H, W) grey or (N, H, W, 3) RGB float images in [0, 1], from NCHW / NHW / NHWC.

    The window [vmin, vmax] is mapped onto [0, 1] (black to white); a bound not given is the
    batch's own minimum / maximum over all its images and channels (non-finite pixels left
    out), so that one scale serves the whole grid, whatever the data's range (0..1, 0..16
    digits, 0..255 uint8, standardised values), and nothing inside the data range is
    clipped. Pixels outside a window given by the caller are clipped to it, as matplotlib's
    ``imshow(vmin=, vmax=)`` does. A constant batch is drawn at its place between 0 and its
    dtype's usual white (255 for integers, 1 otherwise).
    """
    from .._checks import check_number

    a = _to_numpy(images, "images", fn)
    if a.ndim == 4:
        if a.shape[1] in (1, 3):            # scratchnet's own layout comes first: NCHW
            a = a.transpose(0, 2, 3, 1)
        elif a.shape[-1] not in (1, 3):
            raise ValueError(f"{fn}: images of shape {a.shape} have neither 1 nor 3 channels; "
                             "expected (N, C, H, W) or (N, H, W, C) with C = 1 or 3")
        if a.shape[-1] == 1:
            a = a[..., 0]
    elif a.ndim != 3:
        raise ValueError(f"{fn}: expected images of shape (N, C, H, W), (N, H, W) or "
                         f"(N, H, W, C), got {a.shape}")
    if len(a) == 0:
        raise ValueError(f"{fn}: no images to plot (shape {a.shape})")
    white = 255.0 if a.dtype.kind in "iu" else 1.0
    a = a.astype(numpy.float64)
    low = check_number(fn, "vmin", vmin, allow_none=True)
    high = check_number(fn, "vmax", vmax, allow_none=True)
    finite = a[numpy.isfinite(a)]
    data_low, data_high = ((float(finite.min()), float(finite.max())) if finite.size
                           else (0.0, white))
    if vmin is None and vmax is None and data_low == data_high:
        # A constant batch has no range to stretch: place it between 0 and white.
        data_low, data_high = min(data_low, 0.0), max(data_high, white)
    low = data_low if low is None else low
    high = data_high if high is None else high
    if not low < high:
        said = ", ".join(f"{k}={v:g}" + ("" if given is not None else " (the data's)")
                         for k, v, given in (("vmin", low, vmin), ("vmax", high, vmax)))
        raise ValueError(f"{fn}: vmin must be below vmax, got {said}")
    out = (a - low) / (high - low)
    if vmin is not None or vmax is not None:
        out = numpy.clip(out, 0.0, 1.0)          # outside the caller's window: its ends
    return out


def _labels(values, n, what, fn):
    """Class indices (N,) from labels or from scores (N, C), whose argmax is taken."""
    if values is None:
        return None
    a = _to_numpy(values, what, fn)
    if a.ndim == 2:
        a = a.argmax(axis=1)
    if a.ndim != 1 or len(a) < n:
        raise ValueError(f"{fn}: {what} must hold one label per image ({n} images), got shape "
                         f"{a.shape}")
    return a[:n].astype(numpy.int64)


def _class_name(label, class_names, fn):
    if class_names is None:
        return str(label)
    if not 0 <= label < len(class_names):
        raise ValueError(f"{fn}: label {label} has no entry in class_names "
                         f"({len(class_names)} names)")
    return str(class_names[label])


# ---------------------------------------------------------------------------------------------
# Learning curves
# ---------------------------------------------------------------------------------------------
def _series(values):
    """Per-epoch values as float64 (Tensors, NumPy scalars and None, as NaN, allowed)."""
    return numpy.array([numpy.nan if v is None else float(v) for v in values],
                       dtype=numpy.float64)


def _history_logs(history, fn):
    """(logs, epochs) from a mapping or an object with ``.history``.

    ``epochs`` is the epoch number (counted from 1) of each entry of a full-length series,
    or None when the history does not record them. scratchnet's ``History`` records them in
    ``.epoch``, Keras' (and ``scratchnet.keras``') from 0; a saved ``History.to_json`` file
    holds ``{"epoch": [...], "history": {...}}``, a CSV read back has an "epoch" column.
    """
    logs = getattr(history, "history", history)
    epochs = getattr(history, "epoch", None) if logs is not history else None
    if (isinstance(logs, Mapping) and set(logs) == {"epoch", "history"}
            and isinstance(logs["history"], Mapping)):
        epochs, logs = logs["epoch"], logs["history"]
    if not isinstance(logs, Mapping):
        raise TypeError(f"{fn}: expected a mapping name -> per-epoch values (or an object "
                        f"with a .history mapping), got {type(history).__name__}")
    if epochs is None and "epoch" in logs:
        epochs = logs["epoch"]
    elif epochs is not None and hasattr(history, "trainer_history"):
        epochs = [e + 1 for e in epochs]      # Keras counts epochs from 0
    if epochs is not None:
        epochs = [int(e) for e in epochs]
    return logs, epochs


def _series_epochs(name, values, epochs, given, fn):
    """The epoch of each entry of series ``name`` (``given`` first, then the history's own
    epochs); a series shorter than the others, without its epochs, is refused: drawn from
    epoch 1 it would put each value at the wrong epoch."""
    if isinstance(given, Mapping):
        where = given.get(name)
    else:
        where = given
    if where is not None:
        where = numpy.asarray([int(e) for e in where], dtype=numpy.int64)
        if len(where) == len(values):
            return where
        if isinstance(given, Mapping):
            raise ValueError(f"{fn}: epochs[{name!r}] has {len(where)} entries for "
                             f"{len(values)} values of {name!r}")
    if epochs is not None and len(epochs) == len(values):
        return numpy.asarray(epochs, dtype=numpy.int64)
    if where is None and epochs is None:
        return None           # the caller checks that every series has one length
    have = len(epochs) if epochs is not None else len(where)
    raise ValueError(
        f"{fn}: {name!r} has {len(values)} values but the history records {have} epochs, "
        f"so at which epochs {name!r} was measured is unknown; pad it with None (NaN) at the "
        "epochs without a value, or pass epochs={" + repr(name) + ": [...]}")


def _best_epoch(name, values):
    """(index, value) of the best finite entry of metric ``name``, or None if unknowable.

    The first best epoch wins, as a checkpoint that saves on strict improvement keeps it.
    """
    from .metrics import metric_mode

    try:
        mode = metric_mode(name)
    except ValueError:
        return None          # a custom metric whose direction we do not know: mark nothing
    finite = numpy.isfinite(values)
    if not finite.any():
        return None
    if mode == "max":
        index = int(numpy.argmax(numpy.where(finite, values, -numpy.inf)))
    else:
        index = int(numpy.argmin(numpy.where(finite, values, numpy.inf)))
    return index, float(values[index])


def _history_panels(logs, metrics, fn):
    names = []
    for key in logs:
        base = key.removeprefix("val_")
        if base not in _LR_KEYS and base not in names:
            names.append(base)
    names.sort(key=lambda name: name != "loss")        # the loss first, then as recorded
    lr_key = next((k for k in _LR_KEYS if k in logs), None)
    if metrics is None:
        return [name for name in names if name not in _NOT_CURVES], lr_key
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    known = names + ([lr_key] if lr_key else [])
    unknown = [m for m in metrics if m not in known and m.removeprefix("val_") not in known]
    if unknown:
        raise ValueError(f"{fn}: no {', '.join(map(repr, unknown))} in the history; it holds "
                         f"{', '.join(known) or 'nothing'}")
    chosen = []
    for m in metrics:
        m = m.removeprefix("val_")
        if m not in _LR_KEYS and m not in chosen:
            chosen.append(m)
    return chosen, (lr_key if any(m in _LR_KEYS for m in metrics) else None)


def plot_history(history, path=None, metrics=None, epochs=None):
    """Training vs validation curves, one panel per metric, plus the learning rate if logged.

    ``history`` maps a name to per-epoch values, like Keras' ``History.history``:
    ``{"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...],
    "lr": [...]}``; any object with such a ``.history`` attribute works too (scratchnet's
    and Keras' ``History``, whose ``.epoch`` gives the epoch numbers), as does the
    ``{"epoch": [...], "history": {...}}`` that ``History.to_json`` writes. ``metrics``
    picks the panels (e.g. ``["loss"]``, or ``["accuracy", "lr"]``); by default every metric
    (bookkeeping entries such as "time" only when named).
    The best validation epoch is starred (lowest loss / error, highest accuracy / F1 / R2).

    Each value is drawn at the epoch it was recorded at: the x axis is the epoch number
    (from 1), taken from the history's own epochs (``History.epoch``, an "epoch" entry) or
    from ``epochs``: one list for every series, or a mapping name -> list for some, e.g.
    ``epochs={"val_loss": [2, 4, 6]}`` for validation every second epoch. Missing values
    (None or NaN, as ``History`` pads a quantity absent at some epochs) are skipped, and the
    points around them joined. Without recorded epochs every series must have the same
    length (then epoch i is entry i); a shorter one raises ``ValueError``, since starting it
    at epoch 1 would show each of its values at the wrong epoch.

    How to read it: training and validation both improving and close together is a good fit;
    validation getting worse while training keeps improving is overfitting (stop at the star);
    both staying poor is underfitting (a bigger model, more epochs or a larger learning rate).

    Returns the ``Figure`` (shown inline by a notebook); writes a PNG only if ``path`` is
    given.

    >>> fig = plot_history({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.7, 0.8]})
    >>> [ax.get_title() for ax in fig.axes]
    ['Loss: training vs validation']
    >>> fig = plot_history({"loss": [0.9, 0.5, 0.3, 0.2], "val_loss": [0.7, 0.6]},
    ...                    epochs={"val_loss": [2, 4]})        # validated every 2nd epoch
    >>> fig.axes[0].lines[1].get_xdata().tolist()
    [2, 4]
    """
    fn = "plot_history"
    logs, recorded = _history_logs(history, fn)
    names, lr_key = _history_panels(logs, metrics, fn)
    panels = names + ([lr_key] if lr_key else [])
    if not panels or not any(len(v) for k, v in logs.items() if k != "epoch"):
        raise ValueError(f"{fn}: the history holds no values to plot: {dict(logs)!r}")
    if epochs is not None and not isinstance(epochs, Mapping):
        epochs = list(epochs)

    drawn = {}
    for name in panels:
        for key in ((name,) if name == lr_key else (name, "val_" + name)):
            if key in logs and len(logs[key]):      # an empty series: nothing to place
                values = _series(logs[key])
                drawn[key] = (_series_epochs(key, values, recorded, epochs, fn), values)
    lengths = {key: len(values) for key, (at, values) in drawn.items() if at is None}
    if len(set(lengths.values())) > 1:
        longest = max(lengths.values())
        short = next(k for k, n in lengths.items() if n < longest)
        raise ValueError(
            f"{fn}: {short!r} has {lengths[short]} values but other series have {longest} "
            f"({', '.join(f'{k}: {n}' for k, n in lengths.items())}), so at which epochs "
            f"{short!r} was measured is unknown; pad it with None (NaN) at the epochs "
            "without a value, or pass epochs={" + repr(short) + ": [...]} (or give a "
            "History, which records them)")
    for key, (at, values) in drawn.items():
        if at is None:
            at = numpy.arange(1, len(values) + 1)
        keep = numpy.isfinite(values)
        drawn[key] = (at[keep], values[keep])

    from matplotlib.ticker import MaxNLocator

    ncols = min(len(panels), 3)
    nrows = math.ceil(len(panels) / ncols)
    fig = _figure(5.0 * ncols, 3.6 * nrows + 0.7)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, name in zip(axes, panels):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if name == lr_key:
            at, lr = drawn[name]
            ax.plot(at, lr, "o-", ms=3, color="tab:purple")
            if len(lr) and numpy.all(lr > 0) and lr.max() > 10 * lr.min():
                ax.set_yscale("log")
            ax.set_title("Learning rate (the schedule)")
            ax.set_ylabel(name)
            continue
        train = drawn.get(name)
        val = drawn.get("val_" + name)
        if train is not None:
            ax.plot(*train, "o-", ms=3, label="training")
        if val is not None:
            at, values = val
            ax.plot(at, values, "o-", ms=3, label="validation")
            best = _best_epoch(name, values)
            if best is not None:
                index, value = best
                epoch = int(at[index])
                ax.axvline(epoch, color="gray", ls=":", lw=1)
                ax.plot([epoch], [value], "*", ms=14, color="tab:red",
                        label=f"best validation: {value:.4g} (epoch {epoch})")
        title = name.replace("_", " ").capitalize()
        ax.set_title(f"{title}: training vs validation" if val is not None and
                     train is not None else title)
        ax.set_ylabel(name)
        ax.legend(fontsize="small")
    fig.suptitle("Learning curves: validation getting worse while training improves = "
                 "overfitting;\nboth staying poor = underfitting", fontsize="medium")
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# Confusion matrix
# ---------------------------------------------------------------------------------------------
def plot_confusion_matrix(cm, path=None, class_names=None, normalize=False):
    """A heat map of a confusion matrix (rows = true class, columns = predicted class).

    Each cell shows its count, or with ``normalize=True`` its share of the true class's row,
    so the diagonal reads as each class's recall and off-diagonal cells show which classes
    are mistaken for which. Get ``cm`` from ``scratchnet.train.metrics.confusion_matrix``.

    >>> from scratchnet.train.metrics import confusion_matrix
    >>> cm = confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    >>> fig = plot_confusion_matrix(cm, class_names=["cat", "dog", "fox"])
    >>> fig = plot_confusion_matrix(cm, "cm.png")    # also written to cm.png
    """
    fn = "plot_confusion_matrix"
    m = _to_numpy(cm, "cm", fn).astype(numpy.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"{fn}: expected a square (K, K) matrix, got shape {m.shape}")
    if not numpy.all(numpy.isfinite(m)) or m.min() < 0:
        raise ValueError(f"{fn}: a confusion matrix holds counts >= 0; got values from "
                         f"{m.min()} to {m.max()}")
    k = len(m)
    if class_names is not None and len(class_names) != k:
        raise ValueError(f"{fn}: {len(class_names)} class_names given for a {k} x {k} matrix")
    if normalize:
        rows = m.sum(axis=1, keepdims=True)
        shown = numpy.zeros_like(m)
        numpy.divide(m, rows, out=shown, where=rows > 0)    # a class absent from the data: 0
    else:
        shown = m

    side = min(max(4.5, 0.55 * k + 3.0), 20.0)
    fig = _figure(side + 1.2, side)
    ax = fig.subplots()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(m.max(), 1))
    fig.colorbar(image, ax=ax, label="fraction of the true class" if normalize else "count")
    if k <= 30:     # beyond that the numbers would be too small to read
        threshold = (1 if normalize else max(m.max(), 1)) / 2
        whole = not normalize and numpy.all(m == numpy.round(m))
        for i, j in numpy.ndindex(k, k):
            value = shown[i, j]
            text = f"{value:.2f}" if normalize else (f"{int(value)}" if whole else f"{value:.3g}")
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="white" if value > threshold else "black")
    names = [str(c) for c in range(k)] if class_names is None else [str(c) for c in class_names]
    if k <= 50:
        ax.set_xticks(range(k), names, rotation=45 if class_names is not None else 0,
                      ha="right" if class_names is not None else "center")
        ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if normalize:
        ax.set_title("Confusion matrix, each row divided by its total\n"
                     "(diagonal = recall of each class)")
    else:
        ax.set_title("Confusion matrix: rows = true class, columns = predicted\n"
                     f"(diagonal = correct: {int(numpy.trace(m))} of {int(m.sum())})")
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------
def plot_samples(images, path=None, true=None, pred=None, class_names=None, ncols=8,
                 max_images=64, vmin=None, vmax=None):
    """A grid of images titled "true / predicted", with wrong predictions in red.

    ``images``: (N, C, H, W), (N, H, W) or (N, H, W, C), grey (C = 1) or RGB (C = 3), of any
    numeric dtype and range. ``true`` and ``pred`` are labels (N,); ``pred`` may be scores
    (N, C), whose argmax is used. Only the first ``max_images`` images are drawn.

    Brightness: ``vmin`` is drawn black and ``vmax`` white (matplotlib's ``imshow`` names).
    By default they are the minimum and maximum of the whole batch given (all images and
    channels, one scale for the grid, so images stay comparable), whatever the range: 0..1
    floats, UCI digits' 0..16, uint8's 0..255 or standardised values all fill black to white,
    and nothing is clipped. Give ``vmin=0, vmax=255`` (or ``1``) to see the values on their
    absolute scale; values outside a window given are drawn at its ends. A constant batch is
    drawn between 0 and its dtype's white (255 for integers, else 1).

    >>> import numpy as np
    >>> images = np.random.rand(16, 1, 28, 28)
    >>> fig = plot_samples(images, true=[3] * 16, pred=[3] * 15 + [5])
    >>> fig.get_suptitle()
    'true / predicted (wrong in red: 1 of 16)'
    """
    fn = "plot_samples"
    if ncols < 1 or max_images < 1:
        raise ValueError(f"{fn}: ncols and max_images must be >= 1, got {ncols} and "
                         f"{max_images}")
    shown = _display_images(images, fn, vmin, vmax)[:max_images]
    n = len(shown)
    true = _labels(true, n, "true", fn)
    pred = _labels(pred, n, "pred", fn)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    titled = true is not None or pred is not None
    fig = _figure(1.4 * ncols, (1.4 + 0.3 * titled) * nrows + 0.5, constrained=False)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    wrong = 0
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        grey = shown[i].ndim == 2
        ax.imshow(shown[i], cmap="gray" if grey else None, vmin=0, vmax=1,
                  interpolation="nearest")
        parts = [_class_name(int(labels[i]), class_names, fn)
                 for labels in (true, pred) if labels is not None]
        mistaken = true is not None and pred is not None and true[i] != pred[i]
        wrong += mistaken
        if parts:
            ax.set_title(" / ".join(parts), fontsize="small",
                         color="red" if mistaken else "black")
    if true is not None and pred is not None:
        heading = f"true / predicted (wrong in red: {wrong} of {n})"
    elif titled:
        heading = "true labels" if true is not None else "predicted labels"
    else:
        heading = f"{n} samples"
    fig.suptitle(heading, fontsize="medium")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / fig.get_figheight(),
                        wspace=0.1, hspace=0.35 if titled else 0.1)
    return _save(fig, path)


def plot_filters(weight, path=None, max_filters=64):
    """The first conv layer's filters as small images: the patterns each filter detects.

    ``weight`` is the layer's weight (out_channels, in_channels, kh, kw), as a Tensor /
    Parameter / array, or the Conv2d itself. Each filter is min-max scaled on its own (dark =
    its most negative weight, bright = its most positive). With 3 input channels a filter is
    drawn as one RGB tile; otherwise each input channel is a grey tile, one row per filter.

    >>> import scratchnet as sn
    >>> conv = sn.nn.Conv2d(3, 16, kernel_size=5)
    >>> fig = plot_filters(conv.weight)
    """
    fn = "plot_filters"
    from ..nn.module import Module

    if isinstance(weight, Module):
        weight = getattr(weight, "weight", None)
        if weight is None:
            raise TypeError(f"{fn}: the module has no .weight; pass a conv layer or its weight")
    w = _to_numpy(weight, "weight", fn)
    if w.ndim != 4:
        raise ValueError(f"{fn}: expected a conv weight (out_channels, in_channels, kh, kw), "
                         f"got shape {w.shape}")
    out_channels, in_channels, kh, kw = w.shape
    w = _minmax(w[:max_filters], (1, 2, 3))
    count = len(w)
    if in_channels == 3:
        tiles, ncols, rgb = w.transpose(0, 2, 3, 1), min(8, count), True
    elif in_channels == 1:
        tiles, ncols, rgb = w[:, 0], min(8, count), False
    else:
        # One row per filter, one grey tile per input channel it reads.
        tiles, ncols, rgb = w.reshape(count * in_channels, kh, kw), in_channels, False
    nrows = math.ceil(len(tiles) / ncols)
    fig = _figure(max(1.0 * ncols, 6.5), 1.0 * nrows + 0.8, constrained=False)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, tile in zip(axes, tiles):
        ax.imshow(tile, cmap=None if rgb else "gray", vmin=0, vmax=1, interpolation="nearest")
    for ax in axes:
        ax.axis("off")
    layout = "RGB" if rgb else ("grey" if in_channels == 1 else "one row per filter, grey")
    fig.suptitle(f"First-layer filters: {count} of {out_channels}, each "
                 f"{in_channels}x{kh}x{kw} ({layout})\nscaled per filter: dark = negative, "
                 "bright = positive weight", fontsize="medium")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.7 / fig.get_figheight(),
                        wspace=0.1, hspace=0.1)
    return _save(fig, path)


def _chosen_layers(model, layers, fn):
    """[(name, module)] from names / modules, or every Conv2d when ``layers`` is None."""
    from ..nn.conv import Conv2d
    from ..nn.module import Module

    named = list(model.named_modules())
    if layers is None:
        chosen = [(name, m) for name, m in named if isinstance(m, Conv2d)]
        if not chosen:
            raise ValueError(f"{fn}: {type(model).__name__} has no Conv2d layer; pass "
                             "layers=[...] with names from model.named_modules()")
        return chosen
    by_name = dict(named)
    chosen = []
    for layer in ([layers] if isinstance(layers, (str, Module)) else layers):
        if isinstance(layer, Module):
            name = next((n for n, m in named if m is layer), None)
            if name is None:
                raise ValueError(f"{fn}: {type(layer).__name__} is not part of the model")
            chosen.append((name, layer))
        elif layer in by_name:
            chosen.append((layer, by_name[layer]))
        else:
            raise ValueError(f"{fn}: no layer named {layer!r}; the model has "
                             f"{', '.join(repr(n) for n, _ in named if n)}")
    return chosen


def plot_feature_maps(model, image, path=None, layers=None, max_maps=16):
    """What the layers of a CNN see in one image: each chosen layer's output channels.

    ``image`` is one input as the model expects it (after its transforms), (C, H, W) or
    (1, C, H, W). It runs through the model in eval mode without recording a graph, with a
    forward hook on each layer in ``layers`` (names from ``model.named_modules()`` or the
    modules themselves; by default every Conv2d). The first row shows the image; then one row
    per layer with up to ``max_maps`` of its channels, each colour-scaled on its own
    (bright = strong response). The model's train / eval mode is restored afterwards.

    >>> import scratchnet as sn
    >>> model = sn.nn.Sequential(sn.nn.Conv2d(1, 4, 3), sn.nn.ReLU(), sn.nn.Conv2d(4, 8, 3))
    >>> fig = plot_feature_maps(model, sn.rand(1, 28, 28))
    """
    fn = "plot_feature_maps"
    if max_maps < 1:
        raise ValueError(f"{fn}: max_maps must be >= 1, got {max_maps}")
    chosen = _chosen_layers(model, layers, fn)
    x = _to_numpy(image, "image", fn)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"{fn}: expected one image (C, H, W) or (1, C, H, W), got shape "
                         f"{x.shape}")
    first = next(model.parameters(), None)
    dtype = first.dtype if first is not None else backend.get_default_dtype()
    inputs = _new_tensor(x, dtype=dtype, device=model.device)

    from ..nn.summary import layer_outputs
    outputs = layer_outputs(model, inputs, chosen)

    rows = []
    for name, module in chosen:
        out = outputs.get(id(module))
        if out is None:
            raise ValueError(f"{fn}: layer {name!r} did not run during the forward pass")
        if not isinstance(out, Tensor) or out.ndim != 4:
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ValueError(f"{fn}: layer {name!r} ({type(module).__name__}) gives {shape}; "
                             "feature maps need an output of shape (1, C, H, W)")
        rows.append((name, module, out.numpy()[0]))

    ncols = min(max_maps, max(len(maps) for _, _, maps in rows))
    fig = _figure(1.2 * ncols + 1.0, 1.3 * (len(rows) + 1) + 0.6, constrained=False)
    axes = fig.subplots(len(rows) + 1, ncols, squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    # Inputs with other than 1 or 3 channels: show the first channel in grey.
    picture = _display_images(x if x.shape[1] in (1, 3) else x[:, :1], fn)[0]
    axes[0, 0].imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0, vmax=1)
    axes[0, 0].set_ylabel("input", fontsize="small")
    for ax in axes[0, 1:]:
        ax.set_visible(False)
    for r, (name, module, maps) in enumerate(rows, start=1):
        channels, height, width = maps.shape
        for c, ax in enumerate(axes[r]):
            if c >= min(channels, max_maps):
                ax.set_visible(False)
                continue
            ax.imshow(maps[c], cmap="viridis", interpolation="nearest")
            ax.set_title(f"ch {c}", fontsize="x-small")
        axes[r, 0].set_ylabel(f"{name}\n{type(module).__name__}\n{channels}x{height}x{width}",
                              fontsize="small")
    fig.suptitle(f"Feature maps of one image (up to {ncols} channels per layer; each map "
                 "scaled on its own, bright = strong response)", fontsize="medium")
    fig.subplots_adjust(left=1.0 / fig.get_figwidth(), right=0.99, bottom=0.02,
                        top=1 - 0.6 / fig.get_figheight(), wspace=0.1, hspace=0.4)
    return _save(fig, path)
