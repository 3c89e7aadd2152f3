"""Every user mistake ends with one line on stderr and exit code 2, never a traceback."""
import errno
import os

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import cli

from .conftest import make_folder, one_line_error, run


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt")
    assert cli.main(["train", "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    return out / "last.npz"


@pytest.mark.parametrize("option,value,expected", [
    ("--lr", "nan", "argument --lr: must be a finite number > 0.0, got nan"),
    ("--lr", "inf", "got inf"),
    ("--lr", "-0.1", "must be a finite number > 0.0"),
    ("--lr", "0", "must be a finite number > 0.0"),
    ("--momentum", "-0.5", "argument --momentum: must be a finite number >= 0.0 and < 1.0"),
    ("--momentum", "nan", "argument --momentum"),
    ("--momentum", "1", "< 1.0, got 1.0"),
    ("--weight-decay", "-1", "argument --weight-decay: must be a finite number >= 0.0"),
    ("--weight-decay", "inf", "got inf"),
    ("--val-split", "nan", "argument --val-split"),
    ("--val-split", "-0.1", "argument --val-split"),
    ("--seed", "-1", "argument --seed: must be an integer >= 0 and <= 4294967295, got -1"),
    ("--seed", "4294967296", "argument --seed"),
    ("--seed", "1.5", "'1.5' is not an integer"),
    ("--epochs", "-2", "argument --epochs: must be an integer >= 1"),
    ("--epochs", "nan", "is not an integer"),
    ("--batch-size", "0", "argument --batch-size: must be an integer >= 1"),
    ("--workers", "-1", "argument --workers: must be an integer >= 0"),
    ("--lr", "abc", "'abc' is not a number"),
])
def test_numeric_options_refuse_nan_inf_and_out_of_range(option, value, expected, capsys):
    code, _, err = run(["train", option, value], capsys)
    assert code == 2 and one_line_error(err, "train"), err
    assert expected in err


@pytest.mark.parametrize("argv,expected", [
    (["predict", "x.npz", "a.png", "--top", "0"], "argument --top: must be an integer >= 1"),
    (["summary", "mlp", "--num-classes", "-3"], "argument --num-classes"),
    (["summary", "mlp", "--input-shape", "1,0,8"], "1 to 3 sizes from 1 to 2048"),
    (["summary", "mlp", "--input-shape", "3,2048,2048"], "values per sample"),
    (["summary", "lenet", "--input-shape", "1,2,2"], "lenet cannot take inputs of shape"),
])
def test_other_commands_refuse_bad_values_in_one_line(argv, expected, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and one_line_error(err, argv[0]), err
    assert expected in err


def test_out_pointing_at_a_file(sandbox, capsys):
    (sandbox / "taken").write_text("a file")
    code, _, err = run(["train", "--epochs", "1", "--out", "taken", "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train") and "is a file, not a folder" in err
    code, _, err = run(["train", "--epochs", "1", "--out", "taken/run", "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train") and "cannot create the folder" in err


def test_a_bad_image_in_a_folder_data_set_is_named(sandbox, capsys):
    folder = make_folder(sandbox / "pics", classes=2, per_class=5)
    (folder / "class1" / "broken.png").write_text("not an image")
    code, _, err = run(["train", "--dataset", f"folder:{folder}", "--epochs", "1",
                        "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train") and "broken.png" in err


def tamper(checkpoint, path, edit):
    state = sn.load(checkpoint)
    edit(state)
    sn.save(state, path)
    return path


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_foreign_tampered_and_text_checkpoints(sandbox, capsys, checkpoint, command):
    from PIL import Image
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(sandbox / "a.png")
    np.savez(sandbox / "numpy.npz", w=np.zeros(3))
    sn.save({"w": sn.ones(2)}, sandbox / "weights.npz")
    (sandbox / "notes.txt").write_text("epoch 3: 97 %\n")
    cases = {
        "notes.txt": "it is a text file, not an .npz archive",
        "numpy.npz": "not one written by scratchnet.save",
        "weights.npz": "is not a scratchnet training checkpoint",
        str(tamper(checkpoint, sandbox / "shape.npz",
                   lambda s: s["meta"].update(input_shape=[1, 9, 9]))): "wrong shape",
        str(tamper(checkpoint, sandbox / "keys.npz",
                   lambda s: s["model"].popitem())): "missing keys",
        str(tamper(checkpoint, sandbox / "meta.npz",
                   lambda s: s["meta"].update(class_names=["a"]))): "missing or inconsistent",
        str(tamper(checkpoint, sandbox / "model.npz",
                   lambda s: s["meta"].update(model="gpt"))): "missing or inconsistent",
        str(tamper(checkpoint, sandbox / "std.npz",
                   lambda s: s["meta"].update(std=[0.0]))): "missing or inconsistent",
        str(sandbox): "is a folder, not a checkpoint file",
    }
    for path, expected in cases.items():
        argv = [command, path] + (["a.png"] if command == "predict" else [])
        code, _, err = run(argv, capsys)
        assert code == 2 and one_line_error(err, command), (path, err)
        assert expected in err and os.path.basename(path) in err, (path, err)


def test_a_structure_record_naming_missing_arrays_is_a_checkpoint_error(sandbox, checkpoint):
    import zipfile
    from scratchnet.serialization import CheckpointError
    # Rewrite the archive without one of the arrays its structure record names.
    damaged = sandbox / "damaged.npz"
    with zipfile.ZipFile(checkpoint) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            if item.filename != "a0.npy":
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(CheckpointError, match="damaged.npz is damaged"):
        sn.load(damaged)


class RunsCode:
    """Unpickling this creates the file ``marker``: what a malicious pickle could do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import pathlib
        return pathlib.Path.touch, (pathlib.Path(self.marker),)


def pickled_array(marker):
    blob = np.empty(1, dtype=object)
    blob[0] = RunsCode(marker)
    return blob


def test_a_checkpoint_holding_pickled_objects_is_refused_without_running_them(
        sandbox, capsys, checkpoint):
    import io
    import zipfile
    from scratchnet.serialization import CheckpointError
    marker = sandbox / "code_ran"
    # A real checkpoint whose first array is replaced by a pickled object, and a file whose
    # structure record itself is a pickled object.
    swapped = sandbox / "swapped.npz"
    with zipfile.ZipFile(checkpoint) as src, zipfile.ZipFile(swapped, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "a0.npy":
                buffer = io.BytesIO()
                np.save(buffer, pickled_array(marker), allow_pickle=True)
                data = buffer.getvalue()
            dst.writestr(item, data)
    np.savez(sandbox / "structure.npz", __structure__=pickled_array(marker))
    for name in ("swapped.npz", "structure.npz"):
        with pytest.raises(CheckpointError, match=f"{name} holds pickled Python objects"):
            sn.load(sandbox / name)
        code, _, err = run(["evaluate", name], capsys)
        assert code == 2 and one_line_error(err, "evaluate"), err
        assert f"{name} holds pickled Python objects" in err, err
        assert not marker.exists(), f"loading {name} ran code from it"
    # The files are live: NumPy with allow_pickle=True does run their code.
    with np.load(swapped, allow_pickle=True) as npz:
        npz["a0"]
    assert marker.exists()


def test_a_non_image_given_to_predict(sandbox, capsys, checkpoint):
    (sandbox / "notes.txt").write_text("hello")
    (sandbox / "folder").mkdir()
    for path, expected in [("notes.txt", "cannot read notes.txt as an image"),
                           ("folder", "is a folder, not an image file"),
                           ("gone.png", "no such image: gone.png")]:
        code, _, err = run(["predict", checkpoint, path], capsys)
        assert code == 2 and one_line_error(err, "predict") and expected in err, err


def test_a_full_disk_is_one_line_and_the_last_checkpoint_survives(sandbox, capsys,
                                                                  monkeypatch):
    code, _, err = run(["train", "--epochs", "1", "--out", "r", "--quiet"], capsys)
    assert code == 0, err
    before = (sandbox / "r" / "last.npz").read_bytes()
    files_before = sorted(os.listdir(sandbox / "r"))

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    from scratchnet import serialization
    monkeypatch.setattr(serialization.os, "fsync", no_space)
    code, out, err = run(["train", "--epochs", "2", "--out", "r", "--resume", "--quiet"],
                         capsys)
    monkeypatch.undo()
    assert code == 2 and one_line_error(err, "train"), err
    assert "No space left on device" in err and "last.npz holds epoch 1)" in err
    # Nothing lost: the old checkpoint is intact and no temporary file is left behind.
    assert (sandbox / "r" / "last.npz").read_bytes() == before
    assert sn.load(sandbox / "r" / "last.npz")["epoch"] == 1
    # Temporary files are named `.<name>.tmp-<pid>-<host>-<random>` (see temp_path): none
    # remains, and the folder holds exactly what the first run wrote.
    left = sorted(os.listdir(sandbox / "r"))
    assert not [p for p in left if p.startswith(".") and ".tmp" in p], left
    assert left == files_before


def test_a_diverged_run_is_one_line_and_exit_1(sandbox, capsys, monkeypatch):
    # The Trainer marks the History with `nan_stop` when the loss becomes non-finite
    # (TerminateOnNaN); the command must say so instead of reporting a test accuracy.
    from scratchnet.train import Trainer
    fit = Trainer.fit

    def diverging_fit(self, *args, **kwargs):
        history = fit(self, *args, **kwargs)
        history.nan_stop = {"epoch": 1, "batch": 7, "loss": float("nan")}
        return history
    monkeypatch.setattr(Trainer, "fit", diverging_fit)
    code, out, err = run(["train", "--epochs", "1", "--out", "r", "--quiet"], capsys)
    assert code == 1 and "test accuracy" not in out
    assert err == ("scratchnet train: training diverged at epoch 1, batch 7 (loss nan); "
                   "try a lower --lr\n")
    assert not (sandbox / "r" / "report.txt").exists()


def test_a_really_diverging_run_stops_at_the_first_nan_and_exits_1(sandbox, capsys):
    # No monkeypatch: an absurd learning rate makes the loss NaN within the first epoch;
    # the default TerminateOnNaN stops there and the command says so, without warnings.
    code, out, err = run(["train", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3",
                          "--out", "r"], capsys)
    assert code == 1 and "test accuracy" not in out
    assert err.startswith("scratchnet train: training diverged at epoch 1, batch ")
    assert err.endswith("try a lower --lr\n") and err.count("\n") == 1
    assert "RuntimeWarning" not in out + err
    assert not (sandbox / "r" / "report.txt").exists()


def test_a_failed_command_leaves_no_output_folder(sandbox, capsys):
    code, _, err = run(["train", "--model", "lenet", "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train") and "--model lenet cannot take" in err
    code, _, err = run(["train", "--dataset", "folder:nowhere", "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train")
    assert not (sandbox / "runs").exists()


def test_a_new_run_never_overwrites_an_old_one_unasked(sandbox, capsys):
    code, out, err = run(["train", "--epochs", "1", "--quiet"], capsys)
    assert code == 0, err
    first = (sandbox / "runs" / "digits-mlp" / "last.npz").read_bytes()
    code, out, err = run(["train", "--epochs", "2", "--quiet"], capsys)   # the default --out
    assert code == 0, err
    assert "runs/digits-mlp-2" in out
    assert (sandbox / "runs" / "digits-mlp" / "last.npz").read_bytes() == first
    assert (sandbox / "runs" / "digits-mlp-2" / "last.npz").exists()
    code, _, err = run(["train", "--epochs", "1", "--out", "runs/digits-mlp", "--quiet"],
                       capsys)
    assert code == 2 and one_line_error(err, "train") and "--overwrite" in err
    assert (sandbox / "runs" / "digits-mlp" / "last.npz").read_bytes() == first
    code, _, err = run(["train", "--epochs", "1", "--seed", "3", "--out", "runs/digits-mlp",
                        "--overwrite", "--quiet"], capsys)
    assert code == 0, err
    assert (sandbox / "runs" / "digits-mlp" / "last.npz").read_bytes() != first
