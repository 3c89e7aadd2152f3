"""`scratchnet train --resume`: the same run, or a one-line refusal (issue items 4 and 5)."""
import json
import shutil

import numpy as np
import pytest

import scratchnet as sn
import scratchnet.cli  # noqa: F401  (sn.cli)

from .conftest import one_line_error, run

SGD = ["--optimizer", "sgd", "--lr", "0.3", "--quiet"]


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory):
    """One epoch with --seed 5 --val-split 0.2, trained once for the refusal tests."""
    out = tmp_path_factory.mktemp("seeded") / "r"
    assert sn.cli.main(["train", "--epochs", "1", "--seed", "5", "--val-split", "0.2",
                        "--out", str(out), "--quiet"]) == 0
    return out


def test_best_npz_after_resume_equals_the_uninterrupted_runs(sandbox, capsys):
    # With SGD at lr 0.3 the validation accuracy peaks at epoch 5 and dips at epoch 6 (0.92
    # then 0.74, with statistics from the training part only): a resumed run that forgot
    # its best value would write epoch 6 into best.npz.
    code, _, err = run(["train", "--epochs", "6", "--out", "a"] + SGD, capsys)
    assert code == 0, err
    code, _, err = run(["train", "--epochs", "5", "--out", "b"] + SGD, capsys)
    assert code == 0, err
    code, out, err = run(["train", "--epochs", "6", "--out", "b", "--resume"] + SGD, capsys)
    assert code == 0, err
    a, b = sn.load(sandbox / "a" / "best.npz"), sn.load(sandbox / "b" / "best.npz")
    assert a["epoch"] == b["epoch"] == 5
    assert all(np.array_equal(a["model"][k].numpy(), b["model"][k].numpy())
               for k in a["model"])
    resumed = json.loads((sandbox / "b" / "history.json").read_text())
    whole = json.loads((sandbox / "a" / "history.json").read_text())
    assert resumed["epoch"] == whole["epoch"] == [1, 2, 3, 4, 5, 6]
    for key in whole["history"]:
        if key != "time":
            assert resumed["history"][key] == whole["history"][key], key


@pytest.mark.parametrize("change,expected", [
    (["--seed", "1"], "--seed 5, not 1"),
    (["--optimizer", "sgd"], "--optimizer adam, not sgd"),
    (["--val-split", "0.3"], "--val-split 0.2, not 0.3"),
    (["--batch-size", "32"], "--batch-size 64, not 32"),
    (["--model", "cnn"], "is a mlp trained on digits, not a cnn"),
    (["--weight-decay", "0.1"], "--weight-decay 0.0, not 0.1"),
    (["--augment"], "--augment False, not True"),
    (["--dataset", "mnist"], "is a mlp trained on digits, not a mlp on mnist"),
    (["--momentum", "0.5"], "--momentum 0.9, not 0.5"),
    (["--scheduler", "plateau"], "--scheduler none, not plateau"),
])
def test_a_change_of_what_the_run_is_is_refused(sandbox, capsys, change, expected, seeded_run):
    shutil.copytree(seeded_run, sandbox / "r")
    before = (sandbox / "r" / "last.npz").read_bytes()
    code, _, err = run(["train", "--epochs", "2", "--out", "r", "--resume", "--quiet"]
                       + change, capsys)
    assert code == 2 and one_line_error(err, "train") and expected in err, err
    assert (sandbox / "r" / "last.npz").read_bytes() == before


def test_resume_without_options_continues_the_checkpoints_run(sandbox, capsys):
    code, out, err = run(["train", "--epochs", "1", "--seed", "5", "--val-split", "0.2",
                          "--optimizer", "sgd", "--out", "r", "--quiet"], capsys)
    assert code == 0, err
    assert "1,149 training images, 288 for validation" in out
    code, out, err = run(["train", "--epochs", "2", "--out", "r", "--resume", "--quiet"],
                         capsys)
    assert code == 0, err
    # The seed and split of the run, not the defaults (seed 0, 10 %), and SGD's settings.
    assert "1,149 training images, 288 for validation" in out and "sgd lr 0.05" in out
    assert sn.load(sandbox / "r" / "last.npz")["meta"]["args"]["seed"] == 5


def test_a_new_lr_on_resume_is_applied_and_said(sandbox, capsys):
    code, _, err = run(["train", "--epochs", "2", "--optimizer", "sgd", "--lr", "0.05",
                        "--out", "r", "--quiet"], capsys)
    assert code == 0, err
    code, out, err = run(["train", "--epochs", "4", "--optimizer", "sgd", "--lr", "0.01",
                          "--out", "r", "--resume", "--quiet"], capsys)
    assert code == 0, err
    history = json.loads((sandbox / "r" / "history.json").read_text())["history"]
    assert history["lr"] == [0.05, 0.05, 0.01, 0.01]      # used, not only printed
    assert "--lr 0.01 replaces the checkpoint's 0.05 from epoch 3" in out
    state = sn.load(sandbox / "r" / "last.npz")
    assert state["optimizer"]["param_groups"][0]["lr"] == 0.01
    assert state["meta"]["args"]["lr"] == 0.01


def test_more_epochs_under_an_epoch_schedule_are_refused(sandbox, capsys):
    code, _, err = run(["train", "--epochs", "2", "--scheduler", "cosine", "--out", "r",
                        "--quiet"], capsys)
    assert code == 0, err
    code, _, err = run(["train", "--epochs", "4", "--out", "r", "--resume", "--quiet"],
                       capsys)
    assert code == 2 and one_line_error(err, "train")
    assert "--scheduler cosine was laid out over 2 epochs" in err
    # ...and so is a new --lr: the schedule computes every epoch's lr from the first one.
    code, _, err = run(["train", "--lr", "0.1", "--out", "r", "--resume", "--quiet"], capsys)
    assert code == 2 and one_line_error(err, "train")
    assert "--scheduler cosine sets the learning rate of every epoch" in err
    # Without a schedule that depends on it, more epochs is what --resume is for.
    code, _, err = run(["train", "--epochs", "1", "--out", "p", "--quiet"], capsys)
    code, out, err = run(["train", "--epochs", "2", "--out", "p", "--resume", "--quiet"],
                         capsys)
    assert code == 0 and "after epoch 1" in out, err


def test_optimizer_load_state_dict_refuses_another_class(capsys):
    p = sn.nn.Parameter(sn.zeros(2))
    saved = sn.optim.Adam([p], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="SGD.load_state_dict: the saved state is that of "
                                         "Adam, not of SGD"):
        sn.optim.SGD([p], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="the saved state is that of Adam, not of AdamW"):
        sn.optim.AdamW([p], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="the saved state is that of AdamW, not of Adam"):
        sn.optim.Adam([p], lr=0.1).load_state_dict(sn.optim.AdamW([p]).state_dict())
    with pytest.raises(ValueError, match="that of RMSprop, not of Adagrad"):
        sn.optim.Adagrad([p]).load_state_dict(sn.optim.RMSprop([p]).state_dict())
    # Same class, other settings: loaded as before (PyTorch's rule: the saved options win).
    opt = sn.optim.Adam([p], lr=0.5)
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.1
