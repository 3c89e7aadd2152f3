"""Random values for every argument of every sub-command: exit 0 or 2, never a traceback.

Each sub-command's options are drawn from pools of good and bad values (NaN, infinities,
negatives, words, out-of-range sizes, missing and foreign files). A traceback fails the
test by itself, since the command runs in this process. Training stays on the shipped
digits for one or two epochs; everything is written under tmp_path.
"""
import itertools
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchnet import cli

from .conftest import make_folder, run

BAD_NUMBERS = ["nan", "-nan", "inf", "-inf", "-1", "abc", "", "1e999"]
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared_files(tmp_path_factory):
    """A good checkpoint, foreign files, an image folder with a broken image, a picture
    (made once: training the good checkpoint takes seconds)."""
    from PIL import Image
    root = tmp_path_factory.mktemp("fuzz-files")
    assert cli.main(["train", "--epochs", "1", "--out", str(root / "good"), "--quiet"]) == 0
    (root / "text.txt").write_text("not a checkpoint\n")
    np.savez(root / "numpy.npz", a=np.zeros(2))
    Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(root / "digit.png")
    make_folder(root / "pics", classes=2, per_class=15)
    make_folder(root / "broken", classes=2, per_class=6)
    (root / "broken" / "class0" / "x.png").write_text("not an image")
    return root


@pytest.fixture
def files(sandbox, shared_files, capsys):
    """The shared files, copied into this test's sandbox (its working folder)."""
    capsys.readouterr()
    shutil.copytree(shared_files, sandbox, dirs_exist_ok=True)
    return sandbox


def options(good, bad=None):
    """A random subset of the options with good (or odd but valid) values, and at most one
    option with a bad value: one mistake at a time reaches past argparse, into the code."""
    def pick(name, pool):
        if pool is None:                                   # a flag
            return st.just([name])
        return st.sampled_from(pool).map(lambda v: [name, v])
    # Each good option is given one time in three, so that most runs get to train.
    drawn = [st.one_of(st.just([]), st.just([]), pick(name, pool))
             for name, pool in good.items()]
    fine = st.tuples(*drawn).map(lambda parts: list(itertools.chain(*parts)))
    if not bad:
        return fine
    mistake = st.one_of(st.just([]), *[pick(name, pool) for name, pool in bad.items()])
    # The mistake comes last: argparse keeps the last value of a repeated option.
    return st.tuples(fine, mistake).map(lambda parts: parts[0] + parts[1])


def check(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.count("\n") == 1 and "error:" in err, (argv, err)
    return code


counter = itertools.count()

TRAIN_GOOD = {
    "--dataset": ["digits", "folder:pics"],
    "--model": ["mlp", "cnn"],
    "--epochs": ["1", "2"],
    "--batch-size": ["100", "256", "5000"],
    "--optimizer": ["sgd", "adam", "adamw", "rmsprop", "adagrad"],
    "--lr": ["0.01", "1e-300", "0.5"],
    "--momentum": ["0", "0.5", "0.99"],
    "--weight-decay": ["0", "0.01"],
    "--scheduler": ["none", "step", "cosine", "plateau", "warmup-cosine"],
    "--augment": None,
    "--val-split": ["0", "0.2", "0.999", "0.0001"],
    "--seed": ["0", "7", "4294967295"],
    "--device": ["cpu"],
    "--resume": ["good/last.npz"],
    "--data-root": ["nowhere"],
    "--workers": ["0"],
}
TRAIN_BAD = {
    "--dataset": ["imagenet", "folder:", "folder:nowhere", "folder:broken", "mnist",
                  "folder:text.txt"],
    "--model": ["lenet", "vgg", "gpt"],
    "--epochs": ["0", "1.5"] + BAD_NUMBERS,
    "--batch-size": ["0", "1.5"] + BAD_NUMBERS,
    "--optimizer": ["lbfgs"],
    "--lr": ["0"] + BAD_NUMBERS,
    "--momentum": ["1", "1.5"] + BAD_NUMBERS,
    "--weight-decay": BAD_NUMBERS,
    "--scheduler": ["exp"],
    "--val-split": ["1"] + BAD_NUMBERS,
    "--seed": ["4294967296", "1.5"] + BAD_NUMBERS,
    "--device": ["tpu", "cuda:x", "cuda:-1"],
    "--resume": ["text.txt", "numpy.npz", "missing.npz", "pics"],
    "--data-root": ["text.txt"],
    "--workers": ["x", "-1", "1000"],
    "--out": ["text.txt", "text.txt/run"],
}


@pytest.mark.slow
@settings(FUZZ, max_examples=30)
@given(argv=options(TRAIN_GOOD, TRAIN_BAD))
def test_train_never_shows_a_traceback(files, capsys, argv):
    # Each example writes to a folder of its own (a --resume of good/last.npz included).
    check(["train", "--quiet", "--epochs", "1", "--out", f"out{next(counter)}"] + argv, capsys)


@settings(FUZZ, max_examples=30)
@given(checkpoint=st.sampled_from(["good/last.npz", "good/best.npz", "text.txt",
                                   "numpy.npz", "missing.npz", "pics", ""]),
       argv=options({"--dataset": ["digits", "mnist", "folder:pics", "folder:nowhere",
                                   "imagenet", "folder:broken"],
                     "--data-root": ["nowhere", "text.txt"],
                     "--device": ["cpu", "tpu", "cuda:x"]}))
def test_evaluate_never_shows_a_traceback(files, capsys, checkpoint, argv):
    check(["evaluate", checkpoint] + argv, capsys)


@settings(FUZZ, max_examples=30)
@given(checkpoint=st.sampled_from(["good/last.npz", "text.txt", "numpy.npz", "missing.npz",
                                   "pics"]),
       images=st.lists(st.sampled_from(["digit.png", "text.txt", "missing.png", "pics",
                                        "broken/class0/x.png", "good/curves.png"]),
                       min_size=1, max_size=3),
       argv=options({"--top": ["1", "3", "100000", "100001", "0"] + BAD_NUMBERS}))
def test_predict_never_shows_a_traceback(files, capsys, checkpoint, images, argv):
    check(["predict", checkpoint] + images + argv, capsys)


@settings(FUZZ, max_examples=40)
@given(model=st.sampled_from(["mlp", "lenet", "cnn", "resnet20", "vgg", "rnn",
                              "autoencoder", "gpt"]),
       argv=options({"--dataset": ["digits", "mnist", "cifar100", "folder:x", "imagenet"],
                     "--input-shape": ["1,28,28", "3,8,8", "1,2,2", "64", "8,8", "0,1,1",
                                       "1,1,1,1", "a,b", "", "2049,1,1", "3,1024,1024"],
                     "--num-classes": ["1", "10", "100001"] + BAD_NUMBERS}))
def test_summary_never_shows_a_traceback(sandbox, capsys, model, argv):
    check(["summary", model] + argv, capsys)
