"""The `scratchnet` command: train / evaluate / predict / summary, and its error handling.

Fixtures (``sandbox``: offline, files in tmp_path) and ``run`` come from conftest.py."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from scratchnet import cli

from .conftest import run


def test_train_on_digits_writes_everything_and_resumes(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(["train", "--epochs", "3", "--out", str(out_dir), "--quiet"], capsys)
    assert code == 0, err
    assert "test accuracy" in out and str(out_dir) in out
    for name in ("last.npz", "best.npz", "history.json", "history.csv", "curves.png",
                 "confusion_matrix.png", "samples.png", "report.txt"):
        assert (out_dir / name).is_file(), name
    history = json.loads((out_dir / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3]
    # Resume to 5 epochs: continues at epoch 4 with the same history.
    code, out, err = run(["train", "--epochs", "5", "--out", str(out_dir), "--quiet",
                          "--resume"], capsys)
    assert code == 0, err
    assert "resuming from" in out and "after epoch 3" in out
    resumed = json.loads((out_dir / "history.json").read_text())
    assert resumed["epoch"] == [1, 2, 3, 4, 5]
    assert resumed["history"]["loss"][:3] == history["history"]["loss"]

    code, out, err = run(["evaluate", str(out_dir / "best.npz")], capsys)
    assert code == 0, err
    assert "accuracy" in out and "precision" in out

    from PIL import Image
    picture = tmp_path / "seven.png"
    Image.fromarray(np.eye(8, dtype=np.uint8)[::-1] * 255).save(picture)
    code, out, err = run(["predict", str(out_dir / "best.npz"), str(picture), "--top", "2"],
                         capsys)
    assert code == 0, err
    assert out.startswith(str(picture) + ": ") and out.count("%") == 2


def test_a_conv_model_also_writes_filters_and_feature_maps(tmp_path, capsys):
    code, out, err = run(["train", "--model", "cnn", "--epochs", "1", "--out",
                          str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    assert (tmp_path / "filters.png").is_file() and (tmp_path / "feature_maps.png").is_file()


def test_resume_with_a_checkpoint_of_another_model_is_refused(tmp_path, capsys):
    run(["train", "--epochs", "1", "--out", str(tmp_path), "--quiet"], capsys)
    code, out, err = run(["train", "--model", "cnn", "--epochs", "2", "--quiet",
                          "--resume", str(tmp_path / "last.npz"), "--out",
                          str(tmp_path / "other")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "is a mlp trained on digits, not a cnn" in err
    code, out, err = run(["train", "--model", "lenet", "--quiet"], capsys)
    assert code == 2 and "--model lenet cannot take digits" in err


@pytest.mark.parametrize("argv,expected", [
    (["train", "--epochs", "0"], "argument --epochs: must be an integer >= 1"),
    (["train", "--dataset", "imagenet"], "unknown data set"),
    (["train", "--model", "gpt"], "invalid choice"),
    (["train", "--val-split", "1.5"], "must be a finite number >= 0.0 and < 1.0, got 1.5"),
])
def test_bad_arguments_exit_2_with_one_message(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert expected in capsys.readouterr().err


def test_missing_data_is_one_line_and_exit_2(sandbox, capsys):
    code, out, err = run(["train", "--dataset", "fashion-mnist", "--quiet"], capsys)
    assert code == 2
    assert err.startswith("scratchnet train: error:") and err.count("\n") == 1
    assert "Fashion-MNIST" in err or "fashion-mnist" in err


def test_missing_or_bad_checkpoint_and_image(tmp_path, capsys):
    code, _, err = run(["evaluate", str(tmp_path / "nope.npz")], capsys)
    assert code == 2 and "no checkpoint" in err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    code, _, err = run(["evaluate", str(bad)], capsys)
    assert code == 2 and "bad.npz" in err and err.count("\n") == 1
    run(["train", "--epochs", "1", "--out", str(tmp_path / "r"), "--quiet"], capsys)
    code, _, err = run(["predict", str(tmp_path / "r" / "last.npz"),
                        str(tmp_path / "missing.png")], capsys)
    assert code == 2 and "no such image" in err


def test_cuda_without_cupy_is_one_line(monkeypatch, capsys):
    from scratchnet import backend
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setitem(sys.modules, "cupy", None)
    code, _, err = run(["train", "--device", "cuda", "--quiet"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "CuPy is not installed" in err and "pip install" in err


def test_summary(capsys):
    code, out, _ = run(["summary", "lenet"], capsys)
    assert code == 0 and "Total params: 61,706" in out
    code, out, _ = run(["summary", "resnet20", "--dataset", "cifar10"], capsys)
    assert code == 0 and "Total params: 272,474" in out
    with pytest.raises(SystemExit) as info:
        cli.main(["summary", "mlp", "--input-shape", "a,b"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "comma-separated" in err and err.count("\n") == 1


def test_python_dash_m_and_no_command(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scratchnet"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 2 and "train" in result.stdout


@pytest.mark.slow
def test_default_main_job_reaches_97_percent(tmp_path):
    """README's main job: `scratchnet train` on the shipped digits, >= 97 % test accuracy."""
    result = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--out",
                             str(tmp_path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    accuracy = float(last.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 97.0, last
