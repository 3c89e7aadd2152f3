"""Data-parallel training under ``mpiexec -n 2`` (see worker.py for the scenarios)."""
import time

import numpy as np
import pytest

from . import worker
from .conftest import HERE

WORKER = str(HERE / "worker.py")


def test_two_processes_train_as_one_with_the_global_batch(mpirun, tmp_path):
    """K steps of SGD on 2 ranks x B samples == K steps on 1 process x 2B samples, for an
    MLP with dropout and a CNN with SyncBatchNorm and dropout (float64; dropout masks
    reproduced per rank), parameters and BatchNorm running statistics alike."""
    done = mpirun([WORKER, "train", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    for kind in ("mlp", "cnn"):
        got = np.load(tmp_path / f"{kind}.npz")
        assert int(got["buckets"]) > 1          # several buckets were averaged
        expected = worker.reference(kind, 2)
        for name, value in expected.items():
            for rank in (0, 1):
                np.testing.assert_allclose(got[f"{rank}/{name}"], value, rtol=1e-10,
                                           atol=1e-12, err_msg=f"{kind} {name} rank {rank}")
        # Training moved the weights (the equality is not that of untouched weights).
        first = worker.initial(kind)
        assert all(np.abs(expected[k] - first[k]).max() > 1e-3 for k in first
                   if k.endswith("weight"))


def test_shared_and_unused_parameters_are_averaged_right(mpirun, tmp_path):
    """A layer used twice gets its gradient in two parts, after its bucket may have been
    sent: it is sent again at the end. A layer no rank used keeps grad None on every rank,
    as in one process, so SGD's weight decay leaves it alone. Both ranks equal the
    one-process run."""
    done = mpirun([WORKER, "shared", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    got = np.load(tmp_path / "shared.npz")
    assert int(got["buckets"]) == 6 and bool(got["unused_none"])
    expected = worker.reference_shared(2)
    for name, value in expected.items():
        for rank in (0, 1):
            np.testing.assert_allclose(got[f"{rank}/{name}"], value, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} rank {rank}")


def test_local_batchnorm_differs_from_the_global_batch(mpirun, tmp_path):
    """Without SyncBatchNorm each rank normalises with its own B samples (DDP's default):
    the result is NOT the one-process result, and the ranks' parameters still agree (the
    running statistics are each rank's own until the next forward copies rank 0's)."""
    done = mpirun([WORKER, "train-local-bn", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    got = np.load(tmp_path / "cnn.npz")
    expected = worker.reference("cnn", 2)
    for name in expected:
        if name.endswith(("weight", "bias")):
            np.testing.assert_array_equal(got[f"0/{name}"], got[f"1/{name}"])
    assert np.abs(got["0/0.weight"] - expected["0.weight"]).max() > 1e-6


def _check_stopped(done, seconds, bound, *texts):
    assert done.returncode != 0
    assert seconds < bound, f"the job took {seconds:.0f} s to stop"
    output = done.stdout + done.stderr
    for text in texts:
        assert text in output, output[-3000:]
    assert "the loop ended normally" not in output


def test_fit_scores_a_sharded_validation_loader_on_the_whole_set(mpirun, tmp_path):
    """A validation loader with a DistributedSampler gives each rank half the data; the
    logged val_loss and val_accuracy are those of the whole validation set, the same on
    every rank (each rank's own half would make the ranks' EarlyStopping disagree)."""
    done = mpirun([WORKER, "sharded-validation", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    for rank in (0, 1):
        got = np.load(tmp_path / f"val{rank}.npz")
        scores, y = got["scores"].astype(np.float64), got["y"]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        np.testing.assert_allclose(float(got["loss"]), -log_p[np.arange(len(y)), y].mean(),
                                   rtol=1e-5)
        assert float(got["accuracy"]) == pytest.approx((scores.argmax(1) == y).mean())


def test_fit_refuses_loaders_with_different_numbers_of_batches(mpirun, tmp_path):
    """Unequal shares would pair one rank's gradient all-reduce with another's gather: fit
    names the ranks' batch counts before training (it failed with a NumPy error about
    negative dimensions, from the mixed-up messages)."""
    done = mpirun([WORKER, "uneven-loaders", str(tmp_path)], timeout=120)
    assert done.returncode != 0
    assert ("training loaders give different numbers of batches per epoch on the ranks "
            "(rank 0: 3, rank 1: 2)") in done.stderr, done.stderr[-3000:]


def test_a_rank_that_raises_stops_every_rank_naming_it(mpirun, tmp_path):
    start = time.monotonic()
    done = mpirun([WORKER, "raise", str(tmp_path)])
    _check_stopped(done, time.monotonic() - start, 120,
                   "rank 1 of 2 failed (RuntimeError: the data file went missing)")


def test_a_hung_rank_makes_the_other_stop_after_the_timeout(mpirun, tmp_path):
    """Rank 1 sleeps for an hour; rank 0's next collective gives up after 5 s."""
    start = time.monotonic()
    done = mpirun([WORKER, "hang", str(tmp_path)])
    _check_stopped(done, time.monotonic() - start, 120, "rank 0 of 2:", "did not complete "
                   "within 5 s; rank(s) 1 did not take part")


def test_a_killed_rank_ends_the_job_at_once(mpirun, tmp_path):
    """SIGKILL leaves rank 1 no time to speak; MPICH's launcher then ends every rank and
    names the killed process, whose rank the worker wrote at start (pid -> rank)."""
    start = time.monotonic()
    done = mpirun([WORKER, "kill", str(tmp_path)])
    pid = (tmp_path / "pids.txt").read_text().split()[1]
    _check_stopped(done, time.monotonic() - start, 120, f"PID {pid}")


def test_different_models_on_the_ranks_are_refused_at_start(mpirun, tmp_path):
    done = mpirun([WORKER, "mismatch", str(tmp_path)])
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert ("rank(s) 1 built a different model than rank 0 (first difference: ('param', "
            "'0.weight', (16, 5), 'float32') on rank 0, ('param', '0.weight', (17, 5), "
            "'float32') on rank 1)") in output, output[-3000:]


@pytest.mark.slow
def test_cli_trains_on_two_processes_and_resumes(mpirun, tmp_path):
    """`mpiexec -n 2 scratchnet train --distributed`: one run, rank 0 prints and writes the
    files once, and --resume continues from its last.npz."""
    args = ["-m", "scratchnet", "train", "--distributed", "--quiet", "--out", "run",
            "--batch-size", "64"]
    done = mpirun(args + ["--epochs", "1"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("training mlp") == 1           # rank 0 alone prints
    assert "on 2 processes of batch 32 each" in done.stdout
    run = tmp_path / "run"
    for name in ("last.npz", "best.npz", "history.json", "history.csv", "report.txt",
                 "curves.png"):
        assert (run / name).exists(), name
    done = mpirun(args + ["--epochs", "2", "--resume"])
    assert done.returncode == 0, done.stderr
    assert "resuming from run/last.npz after epoch 1" in done.stdout
    import json
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == [1, 2]
    assert all(np.isfinite(history["history"]["loss"]))
    # No stray folder from rank 1 (it would have picked runs/... or run-2).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.slow
def test_cli_interrupted_and_resumed_run_equals_the_uninterrupted_one(mpirun, tmp_path):
    """Each rank draws its own random numbers (dropout masks of the CNN, random crops of
    its share under --augment): a run stopped after epoch 1 and resumed to epoch 2 must end
    with the very weights of a run of 2 epochs, so each rank resumes its own streams (the
    checkpoint once gave every rank rank 0's)."""
    base = ["-m", "scratchnet", "train", "--distributed", "--quiet", "--model", "cnn",
            "--augment", "--batch-size", "64", "--seed", "3"]
    whole = mpirun(base + ["--out", "whole", "--epochs", "2"])
    assert whole.returncode == 0, whole.stderr
    part = mpirun(base + ["--out", "part", "--epochs", "1"])
    assert part.returncode == 0, part.stderr
    resumed = mpirun(base + ["--out", "part", "--epochs", "2", "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    from scratchnet.serialization import load
    got, want = load(tmp_path / "part" / "last.npz"), load(tmp_path / "whole" / "last.npz")
    assert int(got["epoch"]) == int(want["epoch"]) == 2
    assert len(got["ranks"]) == 2
    # The ranks' streams do differ (else this test could not see a mix-up).
    assert got["ranks"][0]["train_loader"] != got["ranks"][1]["train_loader"]
    assert got["ranks"][0]["rng"] != got["ranks"][1]["rng"]
    for name, value in want["model"].items():
        np.testing.assert_array_equal(np.asarray(got["model"][name]), np.asarray(value),
                                      err_msg=name)
    for key, values in want["history"]["history"].items():
        if key != "time":
            assert got["history"]["history"][key] == values, key


def test_cli_global_batch_must_divide(mpirun, tmp_path):
    done = mpirun(["-m", "scratchnet", "train", "--distributed", "--quiet", "--epochs", "1",
                   "--batch-size", "33"])
    assert done.returncode != 0
    assert ("--batch-size 33 is the global batch: it must be a multiple of the 2 processes"
            in done.stderr)


def _gpus():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:      # no CuPy, no driver, no device: all mean "no GPU here"
        return 0


@pytest.mark.skipif(_gpus() < 2, reason="the NCCL backend needs CuPy and 2 GPUs (NCCL "
                                        "refuses two ranks on one GPU)")
def test_nccl_backend_on_two_gpus(mpirun, tmp_path):
    done = mpirun([WORKER, "nccl", str(tmp_path)])
    assert done.returncode == 0, done.stderr
    assert "nccl ok" in done.stdout
