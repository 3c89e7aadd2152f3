"""Plots: each writes a valid PNG whose size follows the layout, colours that carry meaning
(wrong predictions in red, RGB filters, dark diagonal cells) are checked in the pixels, and
importing scratchnet does not import matplotlib.
"""
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import scratchnet as sn
from scratchnet.train import plots as P

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [1.1, 0.8, 0.7, 0.9],
    "accuracy": [0.5, 0.7, 0.8, 0.9], "val_accuracy": [0.4, 0.6, 0.7, 0.65],
    "lr": [0.1, 0.1, 0.01, 0.001], "time": [2.1, 1.9, 2.0, 2.0],
}


def png(fig):
    """The figure's inline picture (what a notebook shows) as an (H, W, 3) uint8 array, after
    checking it is a real PNG."""
    from matplotlib.figure import Figure
    assert isinstance(fig, Figure)
    with Image.open(io.BytesIO(fig._repr_png_())) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"          # what the Agg canvas writes
        assert image.width > 100 and image.height > 100
        return np.asarray(image.convert("RGB"))


def red_pixels(pixels):
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    return int(np.sum((r > 200) & (g < 80) & (b < 80)))


def colourful_pixels(pixels):
    channels = pixels.astype(int)
    return int(np.sum(channels.max(axis=-1) - channels.min(axis=-1) > 60))


def test_importing_scratchnet_does_not_import_matplotlib():
    code = ("import sys, scratchnet, scratchnet.train.metrics, scratchnet.train.plots; "
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------------------- history
def test_plot_history_panels_follow_the_metrics(tmp_path):
    everything = png(P.plot_history(HISTORY, tmp_path / "all.png"))   # loss, acc, lr; no time
    timing = png(P.plot_history(HISTORY, tmp_path / "time.png", metrics=["time"]))
    loss_only = png(P.plot_history(HISTORY, tmp_path / "loss.png", metrics=["loss"]))
    with_lr = png(P.plot_history(HISTORY, tmp_path / "lr.png", metrics=["val_loss", "lr"]))
    assert everything.shape[1] == pytest.approx(3 * loss_only.shape[1], rel=0.02)
    assert with_lr.shape[1] == pytest.approx(2 * loss_only.shape[1], rel=0.02)
    assert timing.shape == loss_only.shape


def test_plot_history_accepts_an_object_with_history_and_odd_values(tmp_path):
    class History:
        def __init__(self):
            self.history = {"loss": [sn.tensor(0.9), np.float32(0.5), 0.4],
                            "val_loss": [1.0, None, 0.8], "val_mae": [3.0, 2.0, 2.5]}
    fig = P.plot_history(History(), tmp_path / "sub" / "h.png")       # folder is created
    assert (tmp_path / "sub" / "h.png").is_file()
    assert png(fig).shape[1] == pytest.approx(2 * 500, rel=0.02)      # loss and mae panels


def test_plot_history_errors(tmp_path):
    with pytest.raises(ValueError,
                       match="no 'f1' in the history; it holds loss, accuracy, time, lr"):
        P.plot_history(HISTORY, tmp_path / "h.png", metrics=["f1"])
    with pytest.raises(ValueError, match="holds no values"):
        P.plot_history({"loss": []}, tmp_path / "h.png")
    with pytest.raises(TypeError, match="expected a mapping"):
        P.plot_history([0.5, 0.4], tmp_path / "h.png")


def test_best_validation_epoch_follows_the_metric_direction():
    assert P._best_epoch("loss", np.array([1.1, 0.8, 0.7, 0.9])) == (2, 0.7)
    assert P._best_epoch("accuracy", np.array([0.4, 0.7, 0.6, 0.7])) == (1, 0.7)   # first best
    assert P._best_epoch("mse", np.array([np.nan, 3.0, 2.0])) == (2, 2.0)
    assert P._best_epoch("loss", np.array([np.nan, np.nan])) is None
    assert P._best_epoch("speed", np.array([1.0, 2.0])) is None     # direction unknown


# ------------------------------------------------------------------------------- confusion matrix
def test_plot_confusion_matrix_counts_and_normalised(tmp_path):
    # Class 0 has 50 samples, class 1 one: in counts only cell (0, 0) is dark; normalised per
    # row both diagonal cells are 1.0, so about twice as many dark-blue pixels.
    cm = np.array([[50, 0], [0, 1]])
    counts = png(P.plot_confusion_matrix(cm, tmp_path / "c.png", class_names=["big", "small"]))
    rows = png(P.plot_confusion_matrix(sn.tensor(cm), tmp_path / "n.png", normalize=True))

    def dark_blue(pixels):
        r, g, b = (pixels[..., i].astype(int) for i in range(3))
        return int(np.sum((r < 40) & (g < 80) & (b > 80)))
    assert dark_blue(rows) > 1.5 * dark_blue(counts) > 0


def test_plot_confusion_matrix_large_and_rows_without_samples(tmp_path):
    cm = np.random.default_rng(0).integers(0, 5, (40, 40))
    cm[3] = 0                                                # a class absent from the data
    png(P.plot_confusion_matrix(cm, tmp_path / "big.png", normalize=True))


def test_plot_confusion_matrix_errors(tmp_path):
    with pytest.raises(ValueError, match=r"square \(K, K\) matrix, got shape \(2, 3\)"):
        P.plot_confusion_matrix(np.zeros((2, 3)), tmp_path / "c.png")
    with pytest.raises(ValueError, match="3 class_names given for a 2 x 2 matrix"):
        P.plot_confusion_matrix(np.eye(2), tmp_path / "c.png", class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="counts >= 0"):
        P.plot_confusion_matrix(-np.eye(2), tmp_path / "c.png")


# ------------------------------------------------------------------------------- samples
@pytest.mark.parametrize("images", [
    np.random.default_rng(0).random((10, 1, 12, 12)),                           # NCHW grey
    np.random.default_rng(0).integers(0, 256, (10, 12, 12)).astype(np.uint8),    # NHW uint8
    np.random.default_rng(0).random((10, 3, 12, 12)).astype(np.float32),         # NCHW RGB
    np.random.default_rng(0).integers(0, 256, (10, 12, 12, 3)).astype(np.uint8),  # NHWC RGB
    np.random.default_rng(0).normal(size=(10, 12, 12, 1)),                       # normalised
], ids=["nchw-grey", "nhw-uint8", "nchw-rgb", "nhwc-rgb-uint8", "nhwc-normalised"])
def test_plot_samples_layouts(images, tmp_path):
    pixels = png(P.plot_samples(images, tmp_path / "s.png", true=np.arange(10) % 3))
    is_rgb = images.ndim == 4 and 3 in (images.shape[1], images.shape[-1])
    assert (colourful_pixels(pixels) > 100) == is_rgb


def test_plot_samples_marks_wrong_predictions_in_red(tmp_path):
    images = sn.rand(8, 1, 16, 16)                   # grey: the only colour is the titles'
    true = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    right = png(P.plot_samples(images, tmp_path / "r.png", true=true, pred=true,
                               class_names=["cat", "dog", "fox"]))
    wrong_pred = true.copy()
    wrong_pred[3] = 2
    wrong = png(P.plot_samples(images, tmp_path / "w.png", true=true,
                               pred=np.eye(3)[wrong_pred],          # scores: argmax taken
                               class_names=["cat", "dog", "fox"]))
    assert red_pixels(right) == 0
    assert red_pixels(wrong) > 20


def test_plot_samples_grid_follows_ncols_and_max_images(tmp_path):
    images = np.random.default_rng(0).random((16, 8, 8))
    one_row = png(P.plot_samples(images, tmp_path / "a.png", ncols=16))
    four_rows = png(P.plot_samples(images, tmp_path / "b.png", ncols=4))
    capped = png(P.plot_samples(images, tmp_path / "c.png", ncols=4, max_images=4))
    assert one_row.shape[1] > 3 * four_rows.shape[1]
    assert four_rows.shape[0] > 3 * capped.shape[0] * 0.8
    assert capped.shape[1] == four_rows.shape[1]


def test_plot_samples_errors(tmp_path):
    images = np.zeros((4, 8, 8))
    with pytest.raises(ValueError,
                       match=r"images of shape \(4, 5, 8, 8\) have neither 1 nor 3 channels"):
        P.plot_samples(np.zeros((4, 5, 8, 8)), tmp_path / "s.png")
    with pytest.raises(ValueError, match=r"one label per image \(4 images\), got shape \(2,\)"):
        P.plot_samples(images, tmp_path / "s.png", true=[0, 1])
    with pytest.raises(ValueError, match="label 7 has no entry in class_names"):
        P.plot_samples(images, tmp_path / "s.png", true=[0, 1, 7, 0], class_names=["a", "b"])


def test_plot_samples_takes_tensors_on_any_device(device, tmp_path):
    images = sn.rand(4, 3, 8, 8, device=device)
    labels = sn.tensor([0, 1, 0, 1], device=device)
    png(P.plot_samples(images, tmp_path / "s.png", true=labels, pred=labels))


# ------------------------------------------------------------------------------- filters
def test_plot_filters_rgb_filters_show_colour(tmp_path):
    weight = np.zeros((4, 3, 5, 5))
    weight[:, 0] = 1.0           # red channel high, green and blue low: pure red tiles
    weight[1, 0, 2, 2] = 3.0     # a bright centre in one filter
    pixels = png(P.plot_filters(weight, tmp_path / "f.png"))
    assert red_pixels(pixels) > 500


def test_plot_filters_grey_filters_stay_grey(tmp_path):
    conv = sn.nn.Conv2d(1, 10, kernel_size=5)
    pixels = png(P.plot_filters(conv, tmp_path / "f.png"))         # the layer itself works
    assert colourful_pixels(pixels) == 0


def test_plot_filters_many_input_channels_one_row_per_filter(tmp_path):
    weight = sn.nn.Conv2d(4, 6, kernel_size=3).weight
    tall = png(P.plot_filters(weight, tmp_path / "a.png"))
    short = png(P.plot_filters(weight, tmp_path / "b.png", max_filters=2))
    assert tall.shape[0] > 2 * short.shape[0]


def test_plot_filters_constant_filter_and_errors(tmp_path):
    png(P.plot_filters(np.ones((2, 1, 3, 3)), tmp_path / "f.png"))   # no 0/0 warning
    with pytest.raises(ValueError, match=r"\(out_channels, in_channels, kh, kw\), got shape "
                                         r"\(6, 5\)"):
        P.plot_filters(np.zeros((6, 5)), tmp_path / "f.png")


# ------------------------------------------------------------------------------- feature maps
def small_cnn():
    return sn.nn.Sequential(
        sn.nn.Conv2d(1, 4, 3), sn.nn.BatchNorm2d(4), sn.nn.ReLU(),
        sn.nn.Conv2d(4, 6, 3), sn.nn.ReLU(), sn.nn.Flatten(), sn.nn.Linear(6 * 8 * 8, 3),
    )


def test_plot_feature_maps_runs_in_eval_mode_without_a_graph(tmp_path):
    model = small_cnn()
    seen = []
    model[0].register_forward_hook(
        lambda m, args, out: seen.append((m.training, sn.is_grad_enabled())))
    running_mean = model[1].running_mean.numpy().copy()
    pixels = png(P.plot_feature_maps(model, sn.rand(1, 12, 12), tmp_path / "m.png"))
    assert seen == [(False, False)]
    assert model.training                                    # the mode is restored
    np.testing.assert_array_equal(model[1].running_mean.numpy(), running_mean)
    assert [len(m._forward_hooks) for m in model.modules()] == [0, 1, 0, 0, 0, 0, 0, 0]
    assert colourful_pixels(pixels) > 1000                   # viridis maps are coloured


def test_plot_feature_maps_rows_follow_the_layers(tmp_path):
    model = small_cnn().eval()
    image = np.random.default_rng(0).random((1, 1, 12, 12))
    both = png(P.plot_feature_maps(model, image, tmp_path / "a.png"))      # every Conv2d
    first = png(P.plot_feature_maps(model, image[0], tmp_path / "b.png", layers=["0"]))
    by_module = png(P.plot_feature_maps(model, image, tmp_path / "c.png",
                                        layers=[model[3]], max_maps=2))
    assert both.shape[0] > first.shape[0] == by_module.shape[0]
    assert by_module.shape[1] < first.shape[1]
    assert not model.training


def test_plot_feature_maps_errors(tmp_path):
    model = small_cnn()
    image = sn.rand(1, 12, 12)
    with pytest.raises(ValueError, match="no layer named 'conv1'; the model has '0', '1'"):
        P.plot_feature_maps(model, image, tmp_path / "m.png", layers=["conv1"])
    with pytest.raises(ValueError, match=r"layer '6' \(Linear\) gives \(1, 3\)"):
        P.plot_feature_maps(model, image, tmp_path / "m.png", layers=["6"])
    with pytest.raises(ValueError, match=r"one image \(C, H, W\) or \(1, C, H, W\), got shape "
                                         r"\(2, 1, 12, 12\)"):
        P.plot_feature_maps(model, sn.rand(2, 1, 12, 12), tmp_path / "m.png")
    mlp = sn.nn.Sequential(sn.nn.Flatten(), sn.nn.Linear(4, 2))
    with pytest.raises(ValueError, match="Sequential has no Conv2d layer"):
        P.plot_feature_maps(mlp, sn.rand(1, 2, 2), tmp_path / "m.png")

    class Skipping(sn.nn.Module):            # owns a layer that its forward never calls
        def __init__(self):
            super().__init__()
            self.used, self.spare = sn.nn.Conv2d(1, 2, 3), sn.nn.Conv2d(1, 2, 3)

        def forward(self, x):
            return self.used(x)
    skipping = Skipping()
    with pytest.raises(ValueError, match="layer 'spare' did not run"):
        P.plot_feature_maps(skipping, image, tmp_path / "m.png", layers=[skipping.spare])
    assert not skipping.spare._forward_hooks and not skipping.used._forward_hooks


def _every_plot(tmp_path, path_of):
    """Each plot_* function called once, with ``path_of(name)`` as its path argument."""
    model = sn.nn.Sequential(sn.nn.Conv2d(1, 4, 3), sn.nn.ReLU())
    return {
        "plot_history": P.plot_history(HISTORY, path_of("h")),
        "plot_confusion_matrix": P.plot_confusion_matrix(np.eye(3), path_of("c")),
        "plot_samples": P.plot_samples(np.random.rand(4, 1, 8, 8), path_of("s")),
        "plot_filters": P.plot_filters(model[0].weight, path_of("f")),
        "plot_feature_maps": P.plot_feature_maps(model, sn.rand(1, 10, 10), path_of("m")),
    }


def test_every_plot_is_covered_here():
    # A new plot_* function must join _every_plot (and so the two tests below).
    assert sorted(n for n in dir(P) if n.startswith("plot_")) == sorted(P.__all__) == sorted(
        ["plot_history", "plot_confusion_matrix", "plot_samples", "plot_filters",
         "plot_feature_maps"])


def test_plots_return_their_figure_and_save_nothing_without_a_path(tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    monkeypatch.chdir(tmp_path)
    figures = _every_plot(tmp_path, lambda name: None)
    assert list(tmp_path.iterdir()) == []                      # nothing written anywhere
    for name, fig in figures.items():
        assert isinstance(fig, Figure), name
        assert fig.axes, name                                  # drawn, not cleared
        # What IPython shows inline: the figure's PNG, rendered on request.
        assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_plots_save_a_png_when_given_a_path(tmp_path):
    figures = _every_plot(tmp_path, lambda name: tmp_path / "out" / f"{name}.png")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "c.png", "f.png", "h.png", "m.png", "s.png"]
    for name, fig in figures.items():
        stem = {"plot_history": "h", "plot_confusion_matrix": "c", "plot_samples": "s",
                "plot_filters": "f", "plot_feature_maps": "m"}[name]
        with Image.open(tmp_path / "out" / f"{stem}.png") as image:
            saved = np.asarray(image.convert("RGB"))
        assert saved.shape == png(fig).shape, name             # the same picture as inline


def test_plot_figures_are_not_kept_by_pyplot():
    # Not in pyplot's registry: a notebook's inline backend does not show them a second time,
    # and they are freed when dropped.
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    P.plot_confusion_matrix(np.eye(2))
    assert plt.get_fignums() == before


# ------------------------------------------------------- history: the epochs of each series
def _lines(ax):
    """{label: (x, y)} of the lines of one panel."""
    return {line.get_label(): (np.asarray(line.get_xdata()).tolist(),
                               np.asarray(line.get_ydata()).tolist())
            for line in ax.lines}


def _star(ax):
    return next((x, y) for label, (x, y) in _lines(ax).items()
                if label.startswith("best validation"))


def test_validation_every_other_epoch_is_drawn_at_its_epochs():
    logs = {"loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3], "val_loss": [0.9, 0.5, 0.7]}
    fig = P.plot_history(logs, epochs={"val_loss": [2, 4, 6]})
    lines = _lines(fig.axes[0])
    assert lines["training"] == ([1, 2, 3, 4, 5, 6], logs["loss"])
    assert lines["validation"] == ([2, 4, 6], [0.9, 0.5, 0.7])
    assert _star(fig.axes[0]) == ([4], [0.5])                  # the best: epoch 4, not 2
    # One list for every series of its length, the others by name.
    fig = P.plot_history(logs, epochs={"val_loss": [2, 4, 6], "loss": range(11, 17)})
    assert _lines(fig.axes[0])["training"][0] == list(range(11, 17))


def test_a_shorter_series_without_its_epochs_is_refused():
    with pytest.raises(ValueError, match=r"'val_loss' has 3 values but other series have 6 "
                                         r".*pad it with None .*epochs=\{'val_loss'"):
        P.plot_history({"loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3], "val_loss": [0.9, 0.5, 0.7]})
    # An empty series has no epochs to get wrong: the panel shows the training curve.
    fig = P.plot_history({"loss": [1.0, 0.8], "val_loss": []})
    assert list(_lines(fig.axes[0])) == ["training"]
    with pytest.raises(ValueError, match=r"epochs\['val_loss'\] has 2 entries for 3 values"):
        P.plot_history({"loss": [1.0] * 6, "val_loss": [0.9, 0.5, 0.7]},
                       epochs={"val_loss": [2, 4]})
    with pytest.raises(ValueError, match=r"'val_loss' has 2 values but the history records "
                                         r"3 epochs"):
        P.plot_history({"epoch": [1, 2, 3], "loss": [1.0, 0.9, 0.8], "val_loss": [0.9, 0.5]})


def test_a_history_is_drawn_at_the_epochs_it_recorded(tmp_path):
    from scratchnet.train import History
    history = History()
    for epoch, loss in zip((1, 2, 3, 4), (1.0, 0.8, 0.6, 0.5)):
        logs = {"loss": loss}
        if epoch >= 3:                      # validation added when the run was resumed
            logs["val_loss"] = {3: 0.7, 4: 0.65}[epoch]
        history.append(epoch, logs)
    for source in (history, history.state_dict()):
        lines = _lines(P.plot_history(source).axes[0])
        assert lines["validation"] == ([3, 4], [0.7, 0.65])
        assert lines["training"] == ([1, 2, 3, 4], [1.0, 0.8, 0.6, 0.5])
    # A History that does not start at epoch 1 (a later part of a run).
    later = History()
    later.append(5, {"loss": 0.4, "val_loss": 0.5})
    later.append(6, {"loss": 0.3, "val_loss": 0.45})
    fig = P.plot_history(later)
    assert _lines(fig.axes[0])["validation"] == ([5, 6], [0.5, 0.45])
    assert _star(fig.axes[0]) == ([6], [0.45])
    # A CSV read back has an "epoch" column, which is not drawn as a panel.
    fig = P.plot_history({"epoch": [5, 6], "loss": [0.4, 0.3], "val_loss": [0.5, 0.45]})
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1
    assert _lines(fig.axes[0])["training"][0] == [5, 6]


def test_a_keras_history_of_a_second_fit_is_drawn_at_its_epochs():
    from scratchnet.keras.callbacks import History as KerasHistory
    from scratchnet.train import History
    run = History()
    for epoch in (1, 2, 3, 4):
        run.append(epoch, {"loss": 1.0 / epoch, "val_loss": 1.2 / epoch, "lr": 0.1})
    second = KerasHistory(run, first_epoch=2)       # fit(initial_epoch=2, epochs=4)
    assert second.epoch == [2, 3]                   # Keras counts from 0
    fig = P.plot_history(second)
    assert _lines(fig.axes[0])["training"] == ([3, 4], [1 / 3, 1 / 4])
    assert _star(fig.axes[0]) == ([4], [0.3])


# ------------------------------------------------------- samples: brightness from the data
def _shown(fig):
    """The arrays the image axes of a figure show, in order."""
    return [np.asarray(ax.images[0].get_array(), dtype=np.float64)
            for ax in fig.axes if ax.images]


def test_plot_samples_scales_by_the_range_of_the_whole_batch():
    # UCI digits: integers 0..16. Dividing by 255 drew them almost black (16/255 = 0.06).
    digits = np.zeros((2, 8, 8), dtype=np.int64)
    digits[0, 2:6, 3] = 16
    digits[1, 2:6, 3] = 8                      # a fainter digit stays fainter than the first
    first, second = _shown(P.plot_samples(digits))
    assert first.max() == 1.0 and second.max() == 0.5 and first.min() == 0.0
    # uint8 whose brightest pixel is 200: 200 is white, 100 mid-grey.
    pixels = np.array([[[0, 100], [200, 50]]], dtype=np.uint8)
    np.testing.assert_allclose(_shown(P.plot_samples(pixels))[0], [[0, 0.5], [1.0, 0.25]])
    # Values beyond [0, 1] are not clipped: 1.5 and 2.0 stay apart (they were both white).
    floats = np.array([[[-1.0, 0.5], [1.5, 2.0]]])
    np.testing.assert_allclose(_shown(P.plot_samples(floats))[0], [[0, 0.5], [2.5 / 3, 1.0]])
    # One scale for the grid: an image with a smaller range is not stretched on its own.
    pair = np.stack([np.full((4, 4), 0.2), np.linspace(0, 1, 16).reshape(4, 4)])
    dim, ramp = _shown(P.plot_samples(pair))
    np.testing.assert_allclose(dim, 0.2)
    assert ramp.min() == 0 and ramp.max() == 1
    # RGB NCHW: the batch range over every channel.
    rgb = np.zeros((1, 3, 2, 2), dtype=np.float32)
    rgb[0, 0] = 4.0
    rgb[0, 2, 0, 0] = 2.0
    picture = _shown(P.plot_samples(rgb))[0]
    assert picture.shape == (2, 2, 3)
    np.testing.assert_allclose(picture[..., 0], 1.0)
    np.testing.assert_allclose(picture[0, 0, 2], 0.5)


def test_plot_samples_vmin_vmax_set_the_window():
    pixels = np.array([[[0, 100], [200, 50]]], dtype=np.uint8)
    np.testing.assert_allclose(_shown(P.plot_samples(pixels, vmin=0, vmax=255))[0],
                               np.array([[0, 100], [200, 50]]) / 255)
    np.testing.assert_allclose(_shown(P.plot_samples(pixels, vmin=100))[0],   # vmax: data's
                               [[0, 0], [1.0, 0]])
    np.testing.assert_allclose(_shown(P.plot_samples(pixels, vmax=100))[0],   # vmin: data's
                               [[0, 1.0], [1.0, 0.5]])
    with pytest.raises(ValueError, match=r"vmin must be below vmax, got vmin=5, vmax=5"):
        P.plot_samples(pixels, vmin=5, vmax=5)
    with pytest.raises(ValueError, match=r"vmin=300, vmax=200 \(the data's\)"):
        P.plot_samples(pixels, vmin=300)
    with pytest.raises(ValueError, match="vmin"):
        P.plot_samples(pixels, vmin=float("nan"))


def test_plot_samples_constant_batches_keep_their_place():
    assert _shown(P.plot_samples(np.zeros((1, 3, 3))))[0].max() == 0.0
    np.testing.assert_allclose(_shown(P.plot_samples(np.full((1, 3, 3), 0.5)))[0], 0.5)
    np.testing.assert_allclose(_shown(P.plot_samples(np.full((1, 3, 3), 255, np.uint8)))[0],
                               1.0)
    np.testing.assert_allclose(_shown(P.plot_samples(np.full((1, 3, 3), 64, np.uint8)))[0],
                               64 / 255)
