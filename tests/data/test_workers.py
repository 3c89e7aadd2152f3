"""DataLoader with worker processes: same batches as in-process, errors, clean shutdown."""
import multiprocessing
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from scratchnet.data import ArrayDataset, DataLoader, Dataset, get_worker_info, transforms

ROOT = pathlib.Path(__file__).resolve().parents[2]


def augmented_dataset(n=60):
    images = np.random.default_rng(0).integers(0, 256, (n, 8, 8), dtype=np.uint8)
    aug = transforms.Compose([transforms.RandomCrop(8, padding=2),
                              transforms.RandomHorizontalFlip(), transforms.ToTensor()])
    return ArrayDataset(images, np.arange(n), transform=aug)


def epochs(loader, n=2):
    return [[(x.numpy().copy(), y.numpy().copy()) for x, y in loader] for _ in range(n)]


def assert_same(a, b):
    assert len(a) == len(b)
    for ea, eb in zip(a, b):
        assert len(ea) == len(eb)
        for (xa, ya), (xb, yb) in zip(ea, eb):
            np.testing.assert_array_equal(ya, yb)
            np.testing.assert_array_equal(xa, xb)


def children():
    return set(p.pid for p in multiprocessing.active_children())


@pytest.mark.parametrize("num_workers", [1, 3])
def test_workers_give_the_same_batches_as_the_main_process(num_workers):
    ds = augmented_dataset()
    ref = epochs(DataLoader(ds, batch_size=7, shuffle=True, seed=5))
    got = epochs(DataLoader(ds, batch_size=7, shuffle=True, seed=5, num_workers=num_workers))
    assert_same(ref, got)
    # the augmentation really is random: epochs differ
    assert not np.array_equal(ref[0][0][0], ref[1][0][0])


def test_spawn_workers_give_the_same_batches():
    ds = augmented_dataset(30)
    ref = epochs(DataLoader(ds, batch_size=8, shuffle=True, seed=2), n=1)
    got = epochs(DataLoader(ds, batch_size=8, shuffle=True, seed=2, num_workers=2,
                            multiprocessing_context="spawn"), n=1)
    assert_same(ref, got)


def test_batch_transform_runs_in_workers_identically():
    ds = ArrayDataset(np.arange(48 * 16, dtype=np.float32).reshape(48, 1, 4, 4), np.arange(48))
    aug = transforms.Compose([transforms.BatchRandomCrop(4, padding=1),
                              transforms.BatchRandomVerticalFlip()])
    ref = epochs(DataLoader(ds, batch_size=5, shuffle=True, seed=9, batch_transform=aug))
    got = epochs(DataLoader(ds, batch_size=5, shuffle=True, seed=9, batch_transform=aug,
                            num_workers=2, prefetch=1))
    assert_same(ref, got)


class Faulty(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 13:
            raise KeyError(f"sample {i} is broken")
        return np.float32(i), i


def test_worker_errors_reach_the_main_process_with_their_traceback():
    before = children()
    with pytest.raises(KeyError, match=r"(?s)DataLoader worker \d.*sample 13 is broken"):
        list(DataLoader(Faulty(), batch_size=4, num_workers=2))
    time.sleep(0.05)
    assert children() <= before


def test_breaking_out_of_the_loop_stops_the_workers():
    before = children()
    loader = DataLoader(augmented_dataset(), batch_size=4, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert children() <= before


class Pids(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = get_worker_info()
        return os.getpid(), (info.id if info else -1), (info.num_workers if info else 0)


def test_persistent_workers_survive_epochs_and_close():
    before = children()
    loader = DataLoader(Pids(), batch_size=3, num_workers=2, persistent_workers=True)
    first = {int(p) for pids, _, _ in loader for p in pids.numpy()}
    second = {int(p) for pids, _, _ in loader for p in pids.numpy()}
    assert first == second and len(first) == 2 and os.getpid() not in first
    loader.close()
    assert children() <= before


def test_worker_info_inside_and_outside_workers():
    assert get_worker_info() is None
    batches = list(DataLoader(Pids(), batch_size=3, num_workers=2))
    ids = [b[1].tolist() for b in batches]
    # round-robin: batch n is made by worker n % 2
    assert ids == [[0] * 3, [1] * 3, [0] * 3, [1] * 3]
    assert all(b[2].tolist() == [2, 2, 2] for b in batches)


def record_worker_init(worker_id):
    os.environ["SCRATCHNET_TEST_WORKER"] = str(worker_id)


class Env(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return int(os.environ.get("SCRATCHNET_TEST_WORKER", "-1"))


def test_worker_init_fn_runs_in_each_worker():
    out = [b.tolist() for b in DataLoader(Env(), batch_size=1, num_workers=2,
                                          worker_init_fn=record_worker_init)]
    assert out == [[0], [1], [0], [1]]


class Dies(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            os._exit(3)
        return i


def test_a_worker_that_dies_is_reported():
    with pytest.raises(RuntimeError, match="exited unexpectedly with exit code 3"):
        list(DataLoader(Dies(), batch_size=2, num_workers=2))


class Slow(Dataset):
    def __len__(self):
        return 1

    def __getitem__(self, i):
        time.sleep(0.6)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2))


def test_unpicklable_dataset_with_spawn_says_why():
    ds = ArrayDataset(np.zeros(4), transform=lambda v: v)
    with pytest.raises(TypeError, match="picklable"):
        list(DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn"))


def test_interpreter_exits_cleanly_with_live_workers(tmp_path):
    script = tmp_path / "live_workers.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from scratchnet.data import ArrayDataset, DataLoader
        ds = ArrayDataset(np.zeros((100, 4), np.float32))
        persistent = DataLoader(ds, batch_size=10, num_workers=2, persistent_workers=True)
        it = iter(DataLoader(ds, batch_size=10, num_workers=2))
        next(it)
        next(iter(persistent))
        print("exiting", flush=True)
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "exiting" in done.stdout


class FailsOnce(Dataset):
    """Raises on its first read in each process that has not been told to stop failing."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if os.environ.get("SCRATCHNET_TEST_FAIL") == "1":
            raise ValueError("first epoch fails")
        return i


def test_a_persistent_pool_that_failed_is_replaced(monkeypatch):
    monkeypatch.setenv("SCRATCHNET_TEST_FAIL", "1")
    loader = DataLoader(FailsOnce(), batch_size=2, num_workers=1, persistent_workers=True)
    with pytest.raises(ValueError, match="first epoch fails"):
        list(loader)
    assert loader._pool is None
    monkeypatch.setenv("SCRATCHNET_TEST_FAIL", "0")     # new workers inherit the new setting
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    loader.close()


def unpicklable_collate(samples):
    return lambda: samples          # a function cannot be sent between processes


def test_a_batch_that_cannot_be_sent_raises_instead_of_hanging():
    with pytest.raises(TypeError, match="could not be sent to the main process"):
        list(DataLoader(Pids(), batch_size=3, num_workers=1, collate_fn=unpicklable_collate,
                        timeout=20))


def test_exceptions_of_local_classes_still_arrive():
    class LocalError(Exception):
        pass

    class Raises(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise LocalError("made inside a function")

    with pytest.raises(RuntimeError, match="LocalError: made inside a function"):
        list(DataLoader(Raises(), batch_size=1, num_workers=1, timeout=20))


class GlobalRandomDataset(Dataset):
    """Draws from Python's and NumPy's global generators, as many user datasets do."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random
        return np.array([np.random.rand(), random.random()]), get_worker_info().id


def global_draws(loader, n_epochs):
    out = []
    for _ in range(n_epochs):
        epoch = [(x.numpy().copy(), w.numpy().copy()) for x, w in loader]
        out.append(epoch)
    return out


@pytest.mark.parametrize("persistent", [False, True])
def test_global_random_draws_differ_across_workers_and_epochs(persistent):
    # PyTorch seeds each worker's generators (numpy's and random's included) from the
    # epoch's base seed + worker id: forked copies must not repeat each other's draws.
    loader = DataLoader(GlobalRandomDataset(), batch_size=2, num_workers=2, seed=0,
                        persistent_workers=persistent)
    run = global_draws(loader, 2)
    loader.close() if persistent else None
    for epoch in run:
        (x0, w0), (x1, w1) = epoch[0], epoch[1]    # batch 0 from worker 0, batch 1 from 1
        assert w0.tolist() == [0, 0] and w1.tolist() == [1, 1]
        assert not np.any(np.isin(x0, x1)), "two workers drew the same global random numbers"
    first = np.concatenate([x for x, _ in run[0]])
    second = np.concatenate([x for x, _ in run[1]])
    assert not np.any(np.isin(first, second)), "an epoch repeated the last one's draws"
    again = DataLoader(GlobalRandomDataset(), batch_size=2, num_workers=2, seed=0,
                       persistent_workers=persistent)
    run_again = global_draws(again, 2)
    again.close() if persistent else None
    for a, b in zip(run, run_again):                 # the same loader seed repeats them
        for (xa, _), (xb, _) in zip(a, b):
            np.testing.assert_array_equal(xa, xb)


def test_worker_init_fn_may_reseed_the_global_generators():
    def init(worker_id):
        np.random.seed(123)

    loader = DataLoader(GlobalRandomDataset(), batch_size=2, num_workers=2, seed=0,
                        worker_init_fn=init)
    batches = [x.numpy()[:, 0] for x, _ in loader]
    # Both workers were reseeded by the user after scratchnet: their numpy draws coincide.
    np.testing.assert_array_equal(batches[0], batches[1])
