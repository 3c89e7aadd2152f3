"""scratchnet.distributed in one process (no mpiexec): the sampler's sharding, the
install message without mpi4py, a group of one, SyncBatchNorm's math and gradient."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import scratchnet as sn
from scratchnet.autograd import gradcheck
from scratchnet.data import DistributedSampler

from .conftest import ROOT, mpi_skip_reason


# ---------------------------------------------------------------- DistributedSampler
def test_sampler_deals_round_robin_and_pads_from_the_start_as_pytorch():
    # PyTorch: indices += indices[:padding]; rank r takes indices[r:total:R].
    shards = [list(DistributedSampler(range(7), num_replicas=3, rank=r, shuffle=False))
              for r in range(3)]
    assert shards == [[0, 3, 6], [1, 4, 0], [2, 5, 1]]
    shards = [list(DistributedSampler(range(2), num_replicas=5, rank=r, shuffle=False))
              for r in range(5)]
    assert shards == [[0], [1], [0], [1], [0]]     # padding repeats the order as needed


def test_sampler_drop_last_drops_the_tail():
    shards = [list(DistributedSampler(range(7), num_replicas=3, rank=r, shuffle=False,
                                      drop_last=True)) for r in range(3)]
    assert shards == [[0, 3], [1, 4], [2, 5]]


@given(n=st.integers(0, 40), replicas=st.integers(1, 6), epoch=st.integers(0, 3),
       drop_last=st.booleans())
def test_sampler_shards_cover_the_epoch_without_overlap(n, replicas, epoch, drop_last):
    samplers = [DistributedSampler(range(n), num_replicas=replicas, rank=r, seed=5,
                                   drop_last=drop_last) for r in range(replicas)]
    for s in samplers:
        s.set_epoch(epoch)
    shards = [list(s) for s in samplers]
    size = n // replicas if drop_last else -(-n // replicas)
    assert all(len(s) == size == len(sampler) for s, sampler in zip(shards, samplers))
    every = sorted(sum(shards, []))
    if drop_last:
        assert len(set(every)) == len(every)                   # no index twice
    else:
        assert set(every) == set(range(n))                      # all of the data set
        assert len(every) - len(set(every)) == size * replicas - n   # only the padding twice


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    def epoch_order(epoch):
        out = []
        for r in range(2):
            s = DistributedSampler(range(10), num_replicas=2, rank=r, seed=1)
            s.set_epoch(epoch)
            out.append(list(s))
        return out
    first, again, second = epoch_order(0), epoch_order(0), epoch_order(1)
    assert first == again
    assert first != second
    assert sorted(first[0] + first[1]) == list(range(10)) == sorted(second[0] + second[1])


def test_sampler_checks_its_arguments():
    with pytest.raises(ValueError, match="rank must be in 0..1, got 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be an integer >= 1"):
        DistributedSampler(range(4), num_replicas=0, rank=0)


# ---------------------------------------------------------------- without mpi4py
def _python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_without_mpi4py_import_works_and_init_names_the_install_command():
    done = _python(
        "import sys; sys.modules['mpi4py'] = None\n"
        "import scratchnet, scratchnet.distributed as dist\n"
        "assert not dist.is_available()\n"
        "try:\n    dist.init()\nexcept ImportError as e:\n    print(e)\n")
    assert done.returncode == 0, done.stderr
    assert 'pip install "scratchnet[distributed]"' in done.stdout
    assert "mpi4py" in done.stdout


def test_scratchnet_import_does_not_load_mpi4py():
    done = _python("import sys, scratchnet, scratchnet.data, scratchnet.train\n"
                   "print('mpi4py' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr


# ---------------------------------------------------------------- a group of one
@pytest.fixture
def dist():
    reason = mpi_skip_reason()
    if reason:
        pytest.skip(reason)
    import scratchnet.distributed as dist
    dist.init(timeout=30)
    yield dist
    dist.destroy_process_group()


def test_group_of_one(dist):
    assert (dist.rank(), dist.world_size()) == (0, 1)
    t = sn.tensor([1.0, 2.0])
    dist.all_reduce(t)
    dist.broadcast(t, 0)
    parts = [None]
    dist.all_gather(parts, t)
    assert t.tolist() == [1.0, 2.0] and parts[0].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="op must be one of"):
        dist.all_reduce(t, op="mean")
    with pytest.raises(RuntimeError, match="already initialised"):
        dist.init()


def test_use_before_init_says_so():
    import scratchnet.distributed as dist
    if dist.is_initialized():
        pytest.skip("a group is open")
    with pytest.raises(RuntimeError, match=r"call scratchnet.distributed.init\(\) first"):
        dist.rank()


def test_ddp_of_one_rank_trains_as_the_plain_model(dist):
    sn.manual_seed(0)
    a = sn.nn.Sequential(sn.nn.Linear(3, 4), sn.nn.ReLU(), sn.nn.Linear(4, 2))
    b = sn.nn.Sequential(sn.nn.Linear(3, 4), sn.nn.ReLU(), sn.nn.Linear(4, 2))
    b.load_state_dict(a.state_dict())
    ddp = dist.DistributedDataParallel(b)
    x, y = sn.randn(6, 3), sn.tensor([0, 1, 0, 1, 1, 0])
    for model in (a, ddp):
        opt = sn.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(3):
            opt.zero_grad()
            sn.nn.CrossEntropyLoss()(model(x), y).backward()
            opt.step()
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ddp.state_dict()[k].numpy())


# ---------------------------------------------------------------- SyncBatchNorm
@given(n=st.integers(2, 4), c=st.integers(1, 3), hw=st.integers(1, 3))
def test_sync_batchnorm_equals_batchnorm_in_a_group_of_one(dist, n, c, hw):
    """Forward, input and parameter gradients, running statistics: the synchronised
    formula (two collective sums) gives BatchNorm2d's numbers."""
    x = np.random.default_rng(n * 100 + c * 10 + hw).standard_normal((n, c, hw, hw))
    plain = sn.nn.BatchNorm2d(c, dtype="float64")
    sync = dist.SyncBatchNorm.convert_sync_batchnorm(sn.nn.BatchNorm2d(c, dtype="float64"))
    assert isinstance(sync, dist.SyncBatchNorm)
    outs = []
    for bn in (plain, sync):
        xt = sn.tensor(x, dtype="float64", requires_grad=True)
        out = bn(xt)
        (out * sn.tensor(np.arange(out.numel()).reshape(out.shape) % 5)).sum().backward()
        outs.append((out.numpy(), xt.grad.numpy(), bn.weight.grad.numpy(),
                     bn.bias.grad.numpy(), bn.running_mean.numpy(), bn.running_var.numpy()))
    for got, want in zip(outs[1], outs[0]):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@given(n=st.integers(1, 3), c=st.integers(1, 2), length=st.integers(1, 3))
def test_sync_batchnorm_gradcheck(dist, n, c, length):
    if n * length < 2:
        n = 2                     # one value per channel: refused (tested below)
    bn = dist.SyncBatchNorm(c, dtype="float64")
    x = sn.tensor(np.random.default_rng(n + 7 * c + 31 * length).standard_normal(
        (n, c, length)), requires_grad=True)
    assert gradcheck(lambda t: bn(t) * sn.tensor(np.linspace(-1, 2, x.numel()).reshape(
        x.shape)), [x])


def test_sync_batchnorm_refuses_one_value_per_channel(dist):
    with pytest.raises(ValueError, match="more than 1 value per channel over all ranks"):
        dist.SyncBatchNorm(3)(sn.randn(1, 3))


def test_a_checkpoint_gives_each_rank_its_own_random_state_or_refuses():
    from types import SimpleNamespace

    from scratchnet.train.trainer import _own_entry
    state = {"rng": "r0", "train_loader": "l0",
             "ranks": [{"rng": "r0", "train_loader": "l0"},
                       {"rng": "r1", "train_loader": "l1"}]}
    assert _own_entry(state, SimpleNamespace(rank=1, size=2)) == {"rng": "r1",
                                                                  "train_loader": "l1"}
    assert _own_entry(state, None) == {"rng": "r0", "train_loader": "l0"}   # one process
    with pytest.raises(ValueError, match="random states of 2 processes, and is resumed on 3"):
        _own_entry(state, SimpleNamespace(rank=0, size=3))
    with pytest.raises(ValueError, match="one process's random state .* resumed on 2"):
        _own_entry({"rng": "r0", "train_loader": "l0"}, SimpleNamespace(rank=1, size=2))
