"""Data-parallel training over several processes: MPI on CPUs, NCCL on GPUs.

Launch one process per CPU core group (or per GPU) with MPI's launcher; each runs the same
script on its own share of the data, and the gradients are averaged across processes after
every backward pass, so every process holds the same model (PyTorch's
DistributedDataParallel, ChainerMN)::

    mpiexec -n 2 python train.py              # or: mpiexec -n 2 scratchnet train --distributed

    import scratchnet as sn
    import scratchnet.distributed as dist
    dist.init()                               # backend="mpi" (CPU) or "nccl" (GPUs)
    model = dist.DistributedDataParallel(model)
    sampler = dist.DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=global_batch // dist.world_size(), sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)              # a new shuffle, the same on every rank
        ...

The transport is MPI through mpi4py (``pip install "scratchnet[distributed]"``, which
installs mpi4py and the MPICH wheel, mpiexec included), or NCCL through CuPy. Importing this
module never needs them: ``init`` does, and says how to install them when they are missing.
See docs/distributed.md.
"""
import os
import sys
import traceback

import numpy

from .. import backend
from .process_group import DistributedError, ReduceOp, Work, abort_job, load_mpi, INSTALL

__all__ = [
    "init", "init_process_group", "is_available", "is_initialized", "destroy_process_group",
    "rank", "world_size", "get_rank", "get_world_size", "barrier", "all_reduce", "broadcast",
    "all_gather", "all_gather_object", "manual_seed", "ReduceOp", "Work", "DistributedError",
    "DistributedDataParallel", "SyncBatchNorm", "DistributedSampler", "INSTALL",
]

_group = None
_previous_excepthook = None


def is_available():
    """True when mpi4py (and so MPI) can be imported."""
    try:
        load_mpi()
    except ImportError:
        return False
    return True


def init(backend="mpi", timeout=None):
    """Join the group of processes started by ``mpiexec`` (PyTorch's ``init_process_group``).

    Args:
        backend: "mpi" (host arrays, through mpi4py) or "nccl" (GPU arrays through
            ``cupy.cuda.nccl``, one GPU per process; MPI hands out the NCCL id).
        timeout: seconds a collective may wait for the other ranks before raising
            ``DistributedError`` (default: ``SCRATCHNET_DIST_TIMEOUT`` or 600).

    Run as a single process (``python script.py``), the group has one rank and every
    collective returns its input. Raises ImportError naming the install command without
    mpi4py, ValueError for an unknown backend, RuntimeError when called twice.

    From then on an exception that nobody catches, in a group of more than one process,
    prints which rank failed and stops every rank (MPI Abort): none is left waiting.
    """
    global _group, _previous_excepthook
    if backend not in ("mpi", "nccl"):
        raise ValueError(f"init(): backend must be 'mpi' or 'nccl', got {backend!r}")
    if _group is not None:
        raise RuntimeError("init(): the process group is already initialised "
                           f"(backend {_group.backend!r}); call it once per process")
    if timeout is None:
        timeout = float(os.environ.get("SCRATCHNET_DIST_TIMEOUT", 600))
    if not timeout > 0:
        raise ValueError(f"init(): timeout must be a positive number of seconds, got {timeout}")
    from .process_group import ProcessGroup
    _group = ProcessGroup(backend, timeout)
    if _group.size > 1 and _previous_excepthook is None:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_exception
    return _group


init_process_group = init


def _abort_on_exception(kind, value, tb):
    """An uncaught exception on one rank stops them all, saying which rank and why."""
    group = _group
    traceback.print_exception(kind, value, tb)
    if group is None:
        return
    abort_job(group.comm, f"rank {group.rank} of {group.size} failed "
                          f"({kind.__name__}: {value})")


def destroy_process_group():
    """Leave the group (the processes may go on alone); ``init`` may be called again."""
    global _group, _previous_excepthook
    if _previous_excepthook is not None:
        sys.excepthook = _previous_excepthook
        _previous_excepthook = None
    _group = None


def is_initialized():
    return _group is not None


def _need():
    if _group is None:
        raise RuntimeError("scratchnet.distributed: call scratchnet.distributed.init() first "
                           "(in every process started by mpiexec)")
    return _group


def group():
    """The process group (its ``rank``, ``size``, ``backend``, ``timeout``)."""
    return _need()


def rank():
    """This process' number, 0 .. world_size() - 1 (rank 0 writes files, prints)."""
    return _need().rank


def world_size():
    """How many processes train together."""
    return _need().size


get_rank, get_world_size = rank, world_size


def barrier():
    """Wait until every rank has reached this line."""
    g = _need()
    if g.size > 1:
        g.barrier()


def _check_same(g, where, tensor):
    """Refuse a collective whose tensors differ in shape or dtype across ranks (MPI would
    read past a buffer or mix types silently)."""
    import zlib
    mine = (tuple(tensor.shape), str(tensor.dtype))
    # One small collective of a digest; the full descriptions only to explain a mismatch.
    work = g.iallgather(numpy.array([zlib.crc32(repr(mine).encode())], dtype=numpy.int64))
    work.wait()
    if (work.result == work.result[0]).all():
        return
    every = g.allgather_object(mine)
    if any(e != every[0] for e in every):
        listing = ", ".join(f"rank {r}: {s} {d}" for r, (s, d) in enumerate(every))
        raise ValueError(f"{where}: the tensors differ across ranks ({listing}); every rank "
                         "must pass a tensor of the same shape and dtype")


def _tensor_array(where, tensor):
    from ..autograd.tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where} expects a scratchnet Tensor, got {type(tensor).__name__}")
    return tensor.array


def all_reduce(tensor, op=ReduceOp.SUM, async_op=False):
    """Combine ``tensor`` over every rank, in place: afterwards each rank holds the sum (or
    ``op``: "sum", "avg", "product", "min", "max") of all ranks' values (PyTorch's
    ``dist.all_reduce``). Not differentiable (``SyncBatchNorm`` has its own).

    Returns None, or a ``Work`` to ``wait()`` on with ``async_op=True``. Raises ValueError
    when the ranks' tensors differ in shape or dtype, or for an unknown op.
    """
    g = _need()
    array = _tensor_array("all_reduce", tensor)
    if op not in ReduceOp.ALL:
        raise ValueError(f"all_reduce: op must be one of {ReduceOp.ALL}, got {op!r}")
    if g.size == 1:
        return _done(g, async_op)
    _check_same(g, "all_reduce", tensor)
    work = g.iallreduce(array, op)
    tensor._bump_version()
    return _finish(work, async_op)


def broadcast(tensor, src=0, async_op=False):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``, in place."""
    g = _need()
    array = _tensor_array("broadcast", tensor)
    if not 0 <= int(src) < g.size:
        raise ValueError(f"broadcast: src must be a rank in 0..{g.size - 1}, got {src}")
    if g.size == 1:
        return _done(g, async_op)
    _check_same(g, "broadcast", tensor)
    work = g.ibroadcast(array, int(src))
    tensor._bump_version()
    return _finish(work, async_op)


def all_gather(tensor_list, tensor, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank (PyTorch's
    ``dist.all_gather``); ``tensor_list`` holds ``world_size()`` tensors shaped like
    ``tensor`` (a list of None is filled with new tensors)."""
    from ..autograd.tensor import Tensor
    g = _need()
    array = _tensor_array("all_gather", tensor)
    if len(tensor_list) != g.size:
        raise ValueError(f"all_gather: tensor_list needs world_size() = {g.size} entries, "
                         f"got {len(tensor_list)}")
    if g.size > 1:
        _check_same(g, "all_gather", tensor)
        work = g.iallgather(array)
    else:
        work = _done(g, True)
        work.result = array[None]

    def fill():
        for r in range(g.size):
            part = work.result[r]
            if tensor_list[r] is None:
                tensor_list[r] = Tensor._make(part.copy())
            else:
                if tuple(tensor_list[r].shape) != tuple(part.shape):
                    raise ValueError(f"all_gather: tensor_list[{r}] has shape "
                                     f"{tuple(tensor_list[r].shape)}, the tensor {part.shape}")
                tensor_list[r].array[...] = backend.to_device(
                    part, backend.device_of(tensor_list[r].array))
                tensor_list[r]._bump_version()
    if async_op:
        inner = work._finish
        work._finish = (lambda: (inner and inner(), fill())) if inner else fill
        if work._done:
            fill()
        return work
    work.wait()
    fill()
    return None


def all_gather_object(obj):
    """Every rank's picklable ``obj`` as a list indexed by rank."""
    g = _need()
    return [obj] if g.size == 1 else g.allgather_object(obj)


def _done(g, async_op):
    work = Work(g, "nothing", lambda: True)
    work._done = True
    return work if async_op else None


def _finish(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


def manual_seed(seed):
    """Seed this rank's generators with ``seed + rank()``: dropout masks (and any other
    random draw) then differ across ranks, as they would for different samples of one
    batch in one process, and a run repeats. A one-process run reproduces rank r's draws by
    seeding with ``seed + r`` (what tests/distributed does to check exact equivalence)."""
    backend.manual_seed(int(seed) + (rank() if _group is not None else 0))


from .ddp import DistributedDataParallel  # noqa: E402
from .sync_batchnorm import SyncBatchNorm  # noqa: E402
from ..data.sampler import DistributedSampler  # noqa: E402
