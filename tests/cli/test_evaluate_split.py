"""`scratchnet evaluate` tests on the checkpoint's own test set (issue item 1)."""
import pytest

import scratchnet as sn
from scratchnet.data.presets import Preset, load_preset

from .conftest import make_folder, one_line_error, printed_accuracy, run


def test_evaluate_of_a_folder_data_set_equals_the_test_accuracy_train_printed(
        sandbox, capsys):
    # Random labels: a model can only memorise, so evaluating on training images (the old
    # re-split with seed 0) reports far more than the true test accuracy.
    folder = make_folder(sandbox / "pics")
    code, out, err = run(["train", "--dataset", f"folder:{folder}", "--seed", "3",
                          "--epochs", "15", "--lr", "0.01", "--out", sandbox / "run",
                          "--quiet"], capsys)
    assert code == 0, err
    trained = printed_accuracy(out, "test accuracy ")
    code, out, err = run(["evaluate", sandbox / "run" / "last.npz"], capsys)
    assert code == 0, err
    assert printed_accuracy(out, "accuracy ") == trained


def test_the_checkpoint_records_the_split_and_the_normalisation(sandbox, capsys):
    folder = make_folder(sandbox / "pics")
    code, _, err = run(["train", "--dataset", f"folder:{folder}", "--seed", "5",
                        "--val-split", "0.2", "--epochs", "1", "--out", sandbox / "run",
                        "--quiet"], capsys)
    assert code == 0, err
    meta = sn.load(sandbox / "run" / "last.npz")["meta"]
    assert meta["split"] == {"seed": 5, "val_split": 0.2, "image_size": 32,
                             "train_size": 96, "test_size": 24}
    again = load_preset(f"folder:{folder}", **Preset.split_arguments(meta))
    fresh = load_preset(f"folder:{folder}", seed=5)
    # The same test images in the same order as the run's, and the run's statistics.
    assert (again.test_set.data == fresh.test_set.data).all()
    assert again.mean == meta["mean"] and again.std == meta["std"]
    other = load_preset(f"folder:{folder}", seed=0)
    assert not (other.test_set.data == fresh.test_set.data).all()


def test_given_statistics_replace_the_recomputed_ones():
    data = load_preset("digits", stats=([0.5], [2.0]), batch_size=8)
    x, _ = next(iter(data.test_loader))
    raw = data.test_set.data[:len(x)].astype("float64") / data.max_value
    assert data.mean == [0.5] and data.std == [2.0]
    assert abs(x.numpy()[:, 0] - (raw - 0.5) / 2.0).max() < 1e-6
    with pytest.raises(ValueError, match="stats have 3 means"):
        load_preset("digits", stats=([0.1] * 3, [1.0] * 3))


def test_evaluate_refuses_a_folder_that_changed_since_training(sandbox, capsys):
    folder = make_folder(sandbox / "pics")
    code, _, err = run(["train", "--dataset", f"folder:{folder}", "--epochs", "1",
                        "--out", sandbox / "run", "--quiet"], capsys)
    assert code == 0, err
    make_folder(sandbox / "more", classes=1, per_class=5, seed=1)
    for image in (sandbox / "more" / "class0").iterdir():
        image.rename(sandbox / "pics" / "class0" / ("new-" + image.name))
    code, _, err = run(["evaluate", sandbox / "run" / "last.npz"], capsys)
    assert code == 2 and one_line_error(err, "evaluate")
    assert "has changed since" in err and "96 training and 24 test images then" in err


def test_evaluate_on_digits_with_a_seed_and_split_matches_train(sandbox, capsys):
    code, out, err = run(["train", "--seed", "11", "--val-split", "0.3", "--epochs", "2",
                          "--out", sandbox / "run", "--quiet"], capsys)
    assert code == 0, err
    trained = printed_accuracy(out, "test accuracy ")
    code, out, err = run(["evaluate", sandbox / "run" / "last.npz"], capsys)
    assert code == 0, err
    assert printed_accuracy(out, "accuracy ") == trained


def test_normalisation_statistics_come_from_the_training_part_only():
    # With val_split, the validation images are held out of training; the old code still
    # took the mean and std over them too (a leak of validation data into preprocessing).
    from scratchnet.data.datasets import Digits
    from scratchnet.data.presets import channel_stats
    data = load_preset("digits", val_split=0.25, seed=0, batch_size=8)
    images = Digits(train=True).data
    kept = images[data.train_set.indices]
    assert (data.mean, data.std) == channel_stats(kept, 16)
    assert data.mean != channel_stats(images, 16)[0]
    whole = load_preset("digits", seed=0, batch_size=8)          # no hold-out: all of it
    assert (whole.mean, whole.std) == channel_stats(images, 16)


def test_a_resumed_run_keeps_the_statistics_of_its_checkpoint(sandbox, capsys):
    code, _, err = run(["train", "--dataset", "digits", "--epochs", "1", "--val-split",
                        "0.2", "--out", sandbox / "run", "--quiet"], capsys)
    assert code == 0, err
    state = sn.load(sandbox / "run" / "last.npz")
    state["meta"]["mean"], state["meta"]["std"] = [0.25], [0.5]   # as if computed otherwise
    sn.save(state, sandbox / "run" / "last.npz")
    code, _, err = run(["train", "--resume", "--epochs", "2", "--out", sandbox / "run",
                        "--quiet"], capsys)
    assert code == 0, err
    meta = sn.load(sandbox / "run" / "last.npz")["meta"]
    assert meta["mean"] == [0.25] and meta["std"] == [0.5]
