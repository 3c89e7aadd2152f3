"""Two `scratchnet train` runs with the same seed are the same run, bit for bit."""
import json

import numpy as np

import scratchnet as sn

from .conftest import run


def arrays(node, prefix=""):
    """{path: array} of every tensor and array in a loaded checkpoint."""
    if isinstance(node, dict):
        return {k: v for key, value in node.items()
                for k, v in arrays(value, f"{prefix}/{key}").items()}
    if isinstance(node, (list, tuple)):
        return {k: v for i, value in enumerate(node)
                for k, v in arrays(value, f"{prefix}/{i}").items()}
    if isinstance(node, sn.Tensor):
        return {prefix: node.numpy()}
    if isinstance(node, np.ndarray):
        return {prefix: node}
    return {}


def test_two_runs_with_the_same_seed_give_the_same_checkpoint_and_history(sandbox, capsys):
    argv = ["train", "--epochs", "2", "--seed", "7", "--val-split", "0.2", "--optimizer",
            "sgd", "--quiet"]
    code, first_out, err = run(argv + ["--out", "a"], capsys)
    assert code == 0, err
    sn.rand(100)            # the global stream moved on between the runs: it must not matter
    code, second_out, err = run(argv + ["--out", "b"], capsys)
    assert code == 0, err
    for name in ("last.npz", "best.npz"):
        a, b = sn.load(sandbox / "a" / name), sn.load(sandbox / "b" / name)
        a_arrays, b_arrays = arrays(a), arrays(b)
        assert sorted(a_arrays) == sorted(b_arrays) and any("/model/" in k for k in a_arrays)
        for key in a_arrays:
            np.testing.assert_array_equal(a_arrays[key], b_arrays[key],
                                          err_msg=f"{name} {key}")
        assert a["epoch"] == b["epoch"] and a["rng"] == b["rng"]
        assert a["train_loader"] == b["train_loader"]
    history_a = json.loads((sandbox / "a" / "history.json").read_text())
    history_b = json.loads((sandbox / "b" / "history.json").read_text())
    assert history_a["epoch"] == history_b["epoch"] == [1, 2]
    for key in history_a["history"]:
        if key != "time":
            assert history_a["history"][key] == history_b["history"][key], key
    # ...and the test accuracy printed is the same.
    assert first_out.split("test accuracy ")[1].split(" after")[0] == \
        second_out.split("test accuracy ")[1].split(" after")[0]
