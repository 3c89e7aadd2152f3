"""Scenarios run under ``mpiexec -n W python tests/distributed/worker.py SCENARIO OUT``
(and, for the one-process reference, imported by the tests).

The equivalence check (scenario "train"): W ranks, each with B samples a step, train an MLP
and a CNN (Conv2d -> SyncBatchNorm -> ReLU -> Dropout -> Linear) in float64 for K steps;
rank 0 saves the parameters and buffers. The test computes the same K steps in one process
with batches of W*B and compares.

Dropout: each rank seeds its generators with ``seed + rank`` (``dist.manual_seed``), so each
rank draws its own masks. The reference reproduces them exactly: its ``RankDropout`` cuts the
global batch into the W ranks' parts and draws part r's mask from a generator in rank r's
state, so the masks (not only their distribution) are the same and the parameters must agree
to float64 rounding.
"""
import os
import sys
import time

import numpy as np

import scratchnet as sn
from scratchnet import backend, nn
from scratchnet.data import DistributedSampler

B, K, SEED, DROP_SEED = 4, 3, 100, 7
N = 2 * B * K + 3            # not a multiple of 2B: the sampler pads


def data(kind):
    rng = np.random.default_rng(0)
    shape = (N, 5) if kind == "mlp" else (N, 2, 5, 5)
    x = rng.standard_normal(shape)
    y = rng.integers(0, 3, N)
    return x, y


def build(kind, dropout):
    if kind == "mlp":
        return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), dropout, nn.Linear(16, 3))
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), dropout,
                         nn.Flatten(), nn.Linear(4 * 3 * 3, 3))


class RankDropout(nn.Module):
    """Dropout whose batch is W ranks' parts, part r masked from rank r's generator."""

    def __init__(self, p, world):
        super().__init__()
        self.p, self.world = p, world
        self.states = []
        for r in range(world):
            backend.manual_seed(DROP_SEED + r)
            backend.generator()              # created now, so that its state exists
            self.states.append(backend.get_rng_state())

    def forward(self, x):
        parts = []
        size = x.shape[0] // self.world
        for r in range(self.world):
            backend.set_rng_state(self.states[r])
            parts.append(nn.functional.dropout(x[r * size:(r + 1) * size], self.p, True))
            self.states[r] = backend.get_rng_state()
        return sn.cat(parts, 0)


def batches(world, rank, epoch_steps):
    """Rank ``rank``'s index batches for the K steps (one epoch of DistributedSampler)."""
    sampler = DistributedSampler(range(N), num_replicas=world, rank=rank, shuffle=True,
                                 seed=3)
    sampler.set_epoch(1)
    idx = np.array(list(sampler))
    return [idx[t * B:(t + 1) * B] for t in range(epoch_steps)]


def train_steps(model, x, y, index_batches, weight_decay=0.0):
    opt = sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    for idx in index_batches:
        opt.zero_grad()
        loss = loss_fn(model(sn.tensor(x[idx])), sn.tensor(y[idx]))
        loss.backward()
        opt.step()


def state(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def float64(fn):
    """Run ``fn`` with float64 as the default dtype, restoring the caller's after."""
    def run(*args):
        before = sn.get_default_dtype()
        sn.set_default_dtype("float64")
        try:
            return fn(*args)
        finally:
            sn.set_default_dtype(before)
    return run


@float64
def initial(kind):
    sn.manual_seed(SEED)
    return state(build(kind, nn.Dropout(0.3)))


@float64
def reference(kind, world):
    """One process, batches of world * B: rank 0's rows, then rank 1's..."""
    x, y = data(kind)
    sn.manual_seed(SEED)                 # rank 0's initial weights (DDP broadcasts them)
    model = build(kind, nn.Dropout(0.3))
    # Replaced after the layers are built: its seeding must not change their weights.
    position = 2 if kind == "mlp" else 3
    model = nn.Sequential(*[RankDropout(0.3, world) if i == position else m
                            for i, m in enumerate(model)])
    per_rank = [batches(world, r, K) for r in range(world)]
    train_steps(model, x, y, [np.concatenate([p[t] for p in per_rank]) for t in range(K)])
    return state(model)


def scenario_train(out, sync=True):
    import scratchnet.distributed as dist
    sn.set_default_dtype("float64")
    dist.init(timeout=60)
    r, w = dist.rank(), dist.world_size()
    for kind in ("mlp", "cnn") if sync else ("cnn",):
        x, y = data(kind)
        sn.manual_seed(SEED + r)          # ranks start different: DDP must broadcast rank 0's
        model = build(kind, nn.Dropout(0.3))
        if sync:
            model = dist.SyncBatchNorm.convert_sync_batchnorm(model)
        ddp = dist.DistributedDataParallel(model, bucket_cap_mb=0.0005)   # several buckets
        dist.manual_seed(DROP_SEED)
        train_steps(ddp, x, y, batches(w, r, K))
        every = dist.all_gather_object(state(model))
        if r == 0:
            np.savez(os.path.join(out, f"{kind}.npz"), buckets=len(ddp._buckets),
                     **{f"{rank}/{k}": v for rank, s in enumerate(every) for k, v in s.items()})


class Shared(nn.Module):
    """A layer used twice (its gradient arrives in two parts, the first possibly after its
    bucket was sent) and one never used (no gradient on any rank)."""

    def __init__(self):
        super().__init__()
        # Buckets go from the last parameter to the first and start in that order, so the
        # unused layer comes first: it must not hold back the buckets of 'twice'.
        self.unused = nn.Linear(5, 5)
        self.twice = nn.Linear(5, 5)
        self.out = nn.Linear(5, 3)

    def forward(self, x):
        return self.out(self.twice(self.twice(x).tanh()))


@float64
def reference_shared(world):
    x, y = data("mlp")
    sn.manual_seed(SEED)
    model = Shared()
    per_rank = [batches(world, r, K) for r in range(world)]
    # Weight decay: a parameter without a gradient is skipped by the optimizer, so the
    # unused layer keeps its initial weights (a zero gradient would decay them).
    train_steps(model, x, y, [np.concatenate([p[t] for p in per_rank]) for t in range(K)],
                weight_decay=0.1)
    return state(model)


def scenario_shared(out):
    import scratchnet.distributed as dist
    sn.set_default_dtype("float64")
    dist.init(timeout=60)
    r, w = dist.rank(), dist.world_size()
    x, y = data("mlp")
    sn.manual_seed(SEED + r)
    model = Shared()
    # One parameter per bucket: 'twice' fills its buckets at its first use, then gets more.
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-6)
    train_steps(ddp, x, y, batches(w, r, K), weight_decay=0.1)
    grads_unused = [p.grad is None for p in model.unused.parameters()]
    every = dist.all_gather_object(state(model))
    if r == 0:
        np.savez(os.path.join(out, "shared.npz"), buckets=len(ddp._buckets),
                 unused_none=all(grads_unused),
                 **{f"{rank}/{k}": v for rank, s in enumerate(every) for k, v in s.items()})


def scenario_die(out, how):
    """Rank 1 fails (raises, is killed, or hangs) in the middle of training."""
    import signal
    import scratchnet.distributed as dist
    dist.init(timeout=5)
    r = dist.rank()
    if r == 0:
        for rank, (_, pid) in enumerate(dist.group().where):
            print(f"rank {rank} pid {pid}", flush=True)
        # Also in a file: the launcher may end the job before it forwards the lines above.
        with open(os.path.join(out, "pids.txt"), "w") as f:
            f.write(" ".join(str(pid) for _, pid in dist.group().where))
    x, y = data("mlp")
    model = dist.DistributedDataParallel(build("mlp", nn.Identity()))
    opt = sn.optim.SGD(model.parameters(), lr=0.1)
    for step in range(1000):
        if step == 2 and r == 1:
            if how == "raise":
                raise RuntimeError("the data file went missing")
            if how == "kill":
                time.sleep(0.5)          # let mpiexec forward rank 0's lines first
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "hang":
                time.sleep(3600)
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(sn.tensor(x[:B], dtype="float32")), sn.tensor(y[:B])
                              ).backward()
        opt.step()
    print("the loop ended normally", flush=True)


def scenario_mismatch(out):
    import scratchnet.distributed as dist
    dist.init(timeout=30)
    hidden = 16 if dist.rank() == 0 else 17
    dist.DistributedDataParallel(nn.Sequential(nn.Linear(5, hidden), nn.Linear(hidden, 3)))


def scenario_nccl(out):
    """NCCL on GPUs: the collectives on CuPy arrays, and DDP keeping the ranks equal."""
    import scratchnet.distributed as dist
    dist.init(backend="nccl", timeout=120)
    r, w = dist.rank(), dist.world_size()
    t = sn.tensor([float(r + 1)] * 3, device="cuda")
    dist.all_reduce(t)
    assert t.tolist() == [w * (w + 1) / 2] * 3, t.tolist()
    # A strided tensor (a convolution's output is stored batch-innermost) goes through a
    # contiguous copy and is written back.
    strided = (sn.arange(6, dtype="float32", device="cuda").reshape(2, 3) + r).T
    dist.all_reduce(strided)
    want = sum(np.arange(6, dtype=np.float32).reshape(2, 3).T + k for k in range(w))
    assert np.array_equal(strided.numpy(), want), strided.numpy()
    parts = [None] * w
    dist.all_gather(parts, sn.tensor([float(r)], device="cuda"))
    assert [p.item() for p in parts] == list(range(w))
    x, y = data("cnn")
    sn.manual_seed(SEED + r)
    model = dist.SyncBatchNorm.convert_sync_batchnorm(build("cnn", nn.Dropout(0.3))).to("cuda")
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=0.0005)
    opt = sn.optim.SGD(ddp.parameters(), lr=0.1)
    for idx in batches(w, r, K):
        opt.zero_grad()
        nn.CrossEntropyLoss()(ddp(sn.tensor(x[idx], dtype="float32", device="cuda")),
                              sn.tensor(y[idx], device="cuda")).backward()
        opt.step()
    every = dist.all_gather_object({k: v.numpy() for k, v in model.state_dict().items()
                                    if k.endswith(("weight", "bias"))})
    for k in every[0]:
        assert np.array_equal(every[0][k], every[-1][k]), k
    if r == 0:
        print("nccl ok", flush=True)


def scenario_sharded_validation(out):
    """fit with a validation loader sharded by a DistributedSampler: each rank saves its
    logged validation loss and accuracy and the model's outputs on the whole validation set."""
    import scratchnet.distributed as dist
    dist.init()
    sn.manual_seed(0)
    model = dist.DistributedDataParallel(nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                                                       nn.Linear(8, 2)))
    x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    train, val = sn.data.ArrayDataset(x[:40], y[:40]), sn.data.ArrayDataset(x[40:], y[40:])
    train_loader = sn.data.DataLoader(train, batch_size=8,
                                      sampler=DistributedSampler(train, seed=0))
    val_loader = sn.data.DataLoader(val, batch_size=8,
                                    sampler=DistributedSampler(val, shuffle=False))
    history = sn.train.fit(model, nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(),
                           lr=0.1), train_loader, epochs=2, val_loader=val_loader, verbose=0)
    model.eval()
    with sn.no_grad():
        scores = model(sn.tensor(x[40:])).numpy()
    np.savez(os.path.join(out, f"val{dist.rank()}.npz"), scores=scores, y=y[40:],
             loss=history.history["val_loss"][-1],
             accuracy=history.history["val_accuracy"][-1])


def scenario_uneven_loaders(out):
    """A user's own split gives rank 0 three batches and rank 1 two: fit must refuse at the
    start of the epoch (rank 0's third step would pair its gradient all-reduce with rank 1's
    end-of-epoch gather)."""
    import scratchnet.distributed as dist
    dist.init(timeout=30)
    r = dist.rank()
    sn.manual_seed(0)
    model = dist.DistributedDataParallel(nn.Linear(4, 2))
    n = 24 if r == 0 else 16
    x = np.random.default_rng(r).standard_normal((n, 4)).astype("float32")
    loader = sn.data.DataLoader(sn.data.ArrayDataset(x, (x[:, 0] > 0).astype("int64")),
                                batch_size=8)
    sn.train.fit(model, nn.CrossEntropyLoss(), sn.optim.SGD(model.parameters(), lr=0.1),
                 loader, epochs=1, verbose=0)


if __name__ == "__main__":
    name, out = sys.argv[1], sys.argv[2]
    if name == "train":
        scenario_train(out)
    elif name == "train-local-bn":
        scenario_train(out, sync=False)
    elif name == "shared":
        scenario_shared(out)
    elif name == "nccl":
        scenario_nccl(out)
    elif name == "uneven-loaders":
        scenario_uneven_loaders(out)
    elif name == "sharded-validation":
        scenario_sharded_validation(out)
    elif name == "mismatch":
        scenario_mismatch(out)
    else:
        scenario_die(out, name)
