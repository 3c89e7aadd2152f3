"""The process group: which process this is, how many there are, and the collectives.

Two backends carry the data; scratchnet sends nothing itself:

* ``"mpi"``: MPI through mpi4py, on host (NumPy) arrays. GPU arrays are copied to the host
  and back (no CUDA-aware MPI is assumed).
* ``"nccl"``: NCCL through CuPy (``cupy.cuda.nccl``) on GPU arrays, one GPU per process; MPI
  only hands every process the NCCL id at start and serves ``barrier`` and the small
  Python-object exchanges.

Every collective is started non-blocking and waited with a deadline (``timeout``, 600 s
unless ``init(timeout=...)`` or ``SCRATCHNET_DIST_TIMEOUT`` says otherwise): a rank that died
or hangs makes the others raise ``DistributedError`` naming it, instead of waiting forever.
An exception that nobody catches in a process of a group larger than one ends the whole job
(MPI Abort), after printing which rank failed and why, so no rank is left waiting.
"""
import os
import socket
import sys
import threading
import time

import numpy

from .. import backend

__all__ = ["DistributedError", "ReduceOp", "Work"]

INSTALL = 'pip install "scratchnet[distributed]"'

DEFAULT_TIMEOUT = 600.0


class DistributedError(RuntimeError):
    """A collective that could not complete: a rank died, hangs, or the transport failed."""


class ReduceOp:
    """How ``all_reduce`` combines the ranks' values (PyTorch's ``dist.ReduceOp``)."""
    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    ALL = (SUM, PRODUCT, MIN, MAX, AVG)


def load_mpi():
    """mpi4py's MPI module, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(
            f"scratchnet.distributed needs mpi4py and an MPI library ({exc}); install them "
            f"with: {INSTALL}   (that is: pip install mpi4py mpich), then launch with "
            "mpiexec -n 2 python script.py") from None
    return MPI


def _process_state(pid):
    """'gone', 'dead' (a zombie), 'stopped' or 'running', from /proc (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"
    except OSError:
        return None
    return {"Z": "dead", "X": "dead", "T": "stopped", "t": "stopped"}.get(state, "running")


class Work:
    """A collective in flight (PyTorch's ``Work``): ``wait()`` until done, ``is_completed()``.

    ``wait`` raises ``DistributedError`` after the group's timeout, naming the ranks that
    did not take part (a dead one by its process id when it ran on this host).
    """

    def __init__(self, group, what, test, finish=None, block=None):
        self._group, self._what, self._test, self._finish = group, what, test, finish
        self._block = block           # MPI's blocking wait for this request, if any
        self._done = False

    def is_completed(self):
        if not self._done and self._group._call(self._what, self._test):
            self._complete()
        return self._done

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None

    def wait(self):
        if self._done:
            return True
        group = self._group
        start = time.monotonic()
        deadline = start + group.timeout
        spin_until = start + 0.01
        pause = 0.0
        while not group._call(self._what, self._test):
            if self._block is not None and time.monotonic() > spin_until:
                # The other ranks are late: MPI's own blocking wait (as fast as a blocking
                # collective), watched by a thread that ends the job at the deadline.
                group.watchdog.arm(deadline, self._what)
                try:
                    group._call(self._what, self._block)
                finally:
                    group.watchdog.disarm()
                break
            # Poll without pause for 10 ms: MPI advances a non-blocking collective only
            # inside MPI calls, and a pause between them would stretch every round of a
            # large all-reduce (blocking MPI calls spin the same way). Past that, the other
            # rank is late: sleep between polls, so that it gets the CPU.
            now = time.monotonic()
            if now > spin_until:
                if now > deadline:
                    abort = getattr(self, "_abort", None)
                    if abort is not None:
                        abort()
                    raise DistributedError(group.describe_timeout(self._what))
                pause = min(1e-3, pause * 2 or 2e-5)
                time.sleep(pause)
        self._complete()
        return True


class ProcessGroup:
    """The world of processes started by mpiexec; see ``scratchnet.distributed.init``."""

    def __init__(self, backend_name, timeout):
        MPI = load_mpi()
        self.MPI = MPI
        self.backend = backend_name
        self.comm = MPI.COMM_WORLD
        self.comm.Set_errhandler(MPI.ERRORS_RETURN)   # an MPI failure is an exception
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = float(timeout)
        self.where = self.comm.allgather((socket.gethostname(), os.getpid()))
        self.collectives = 0
        self.watchdog = _Watchdog(self)
        self.nccl = None
        if backend_name == "nccl":
            self.nccl = _NCCL(self)

    # ------------------------------------------------------------------ faults
    def _call(self, what, fn):
        """Run an MPI call; an MPI error becomes a DistributedError that names the ranks."""
        try:
            return fn()
        except self.MPI.Exception as exc:
            raise DistributedError(f"rank {self.rank} of {self.size}: {what} failed "
                                   f"({exc.Get_error_string().strip()}); "
                                   + self._peers_state()) from None

    def _peers_state(self):
        host = socket.gethostname()
        bad, unknown = [], []
        for r, (h, pid) in enumerate(self.where):
            if r == self.rank:
                continue
            state = _process_state(pid) if h == host else None
            if state in ("gone", "dead", "stopped"):
                verb = "stopped" if state == "stopped" else "died"
                bad.append(f"rank {r} (pid {pid}) has {verb}")
            elif state is None:
                unknown.append(f"rank {r} (on {h})")
        if bad:
            return "; ".join(bad)
        others = [str(r) for r in range(self.size) if r != self.rank]
        return (f"rank(s) {', '.join(others)} did not take part: each is alive but stuck "
                "elsewhere or has not reached this collective"
                + (f" (not checked: {', '.join(unknown)})" if unknown else ""))

    def describe_timeout(self, what):
        return (f"rank {self.rank} of {self.size}: {what} did not complete within "
                f"{self.timeout:g} s; {self._peers_state()}")

    # ------------------------------------------------------------------ MPI collectives
    def _mpi_op(self, op):
        MPI = self.MPI
        return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]

    def _name(self, kind):
        self.collectives += 1
        return f"{kind} #{self.collectives}"

    def iallreduce(self, array, op=ReduceOp.SUM):
        """Start reducing ``array`` in place over every rank; returns a ``Work``."""
        what = self._name("all_reduce")
        if self.nccl is not None and backend.device_of(array) != "cpu":
            return self.nccl.iallreduce(array, op, what)
        host, back = _on_host(array)
        req = self._call(what, lambda: self.comm.Iallreduce(self.MPI.IN_PLACE, host,
                                                            op=self._mpi_op(op)))

        def finish():
            if op == ReduceOp.AVG:
                host[...] = host / host.dtype.type(self.size) if host.dtype.kind == "f" \
                    else host // self.size
            back()
        return Work(self, what, req.Test, finish, req.Wait)

    def ibroadcast(self, array, src=0):
        what = self._name(f"broadcast from rank {src}")
        if self.nccl is not None and backend.device_of(array) != "cpu":
            return self.nccl.ibroadcast(array, src, what)
        host, back = _on_host(array)
        req = self._call(what, lambda: self.comm.Ibcast(host, root=src))
        return Work(self, what, req.Test, back, req.Wait)

    def iallgather(self, array):
        """Start gathering ``array`` from every rank into a new (size, *shape) array."""
        what = self._name("all_gather")
        if self.nccl is not None and backend.device_of(array) != "cpu":
            return self.nccl.iallgather(array, what)
        host, _ = _on_host(array)
        host = numpy.ascontiguousarray(host)
        out = numpy.empty((self.size,) + host.shape, dtype=host.dtype)
        req = self._call(what, lambda: self.comm.Iallgather(host, out))
        work = Work(self, what, req.Test, block=req.Wait)
        work.result = out
        return work

    def barrier(self):
        what = self._name("barrier")
        req = self._call(what, self.comm.Ibarrier)
        Work(self, what, req.Test, block=req.Wait).wait()

    def allgather_object(self, obj):
        """Every rank's picklable ``obj``, as a list indexed by rank (small objects)."""
        import pickle
        data = numpy.frombuffer(pickle.dumps(obj), dtype=numpy.uint8)
        sizes = self.iallgather(numpy.array([data.size], dtype=numpy.int64))
        sizes.wait()
        sizes = sizes.result[:, 0]
        out = numpy.empty(int(sizes.sum()), dtype=numpy.uint8)
        what = self._name("all_gather of objects")
        counts = [int(s) for s in sizes]
        displs = [int(d) for d in numpy.concatenate([[0], numpy.cumsum(sizes)[:-1]])]
        req = self._call(what, lambda: self.comm.Iallgatherv(
            data, [out, counts, displs, self.MPI.BYTE]))
        Work(self, what, req.Test, block=req.Wait).wait()
        return [pickle.loads(out[d:d + c].tobytes()) for d, c in zip(displs, counts)]


class _Watchdog:
    """A daemon thread that ends the whole job (MPI Abort) when a blocking wait passes its
    deadline, after printing which collective and which ranks (``describe_timeout``):
    inside MPI's wait, no exception can be raised. mpi4py releases the GIL during the wait
    and asks MPI for full thread support, so the thread runs and may call Abort."""

    def __init__(self, group):
        self.group = group
        self.deadline = None
        self.what = None
        self.thread = None
        self.lock = threading.Lock()

    def arm(self, deadline, what):
        with self.lock:
            self.deadline, self.what = deadline, what
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, daemon=True,
                                               name="scratchnet.distributed watchdog")
                self.thread.start()

    def disarm(self):
        with self.lock:
            self.deadline = None

    def _watch(self):
        while True:
            time.sleep(0.05)
            with self.lock:
                late = self.deadline is not None and time.monotonic() > self.deadline
                what = self.what
            if late:
                abort_job(self.group.comm, self.group.describe_timeout(what))
                return


# How long a failing rank waits between printing why and calling MPI Abort. MPICH's
# launcher forwards each rank's stderr through a pipe; on Abort it tears the job down and
# may drop what it had not read yet (seen: about 1 run in 4 lost the whole message).
ABORT_GRACE_SECONDS = 0.5


def abort_job(comm, message):
    """Print ``scratchnet.distributed: <message>; stopping every rank (MPI Abort)`` on
    stderr, give the launcher ``ABORT_GRACE_SECONDS`` to forward it, then end every rank."""
    sys.stdout.flush()
    sys.stderr.write(f"scratchnet.distributed: {message}; stopping every rank (MPI Abort)\n")
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_SECONDS)
    comm.Abort(1)


def _on_host(array):
    """(a contiguous host array to communicate, a function that writes it back)."""
    if backend.device_of(array) == "cpu":
        if array.flags.c_contiguous and array.flags.writeable:
            return array, lambda: None
        host = numpy.ascontiguousarray(array)

        def back():
            array[...] = host
        return host, back
    host = backend.to_device(array, "cpu")
    host = numpy.ascontiguousarray(host)

    def back_to_device():
        array[...] = backend.to_device(host, backend.device_of(array))
    return host, back_to_device


class _NCCL:
    """NCCL collectives on GPU arrays via ``cupy.cuda.nccl``: one GPU per process, the
    NCCL id broadcast by MPI. Calls are queued on a dedicated stream, so they overlap with
    the computation on the default stream; ``Work.wait`` polls that stream with the group's
    deadline and aborts the NCCL communicator when it passes (NCCL's own way out)."""

    def __init__(self, group):
        cupy = backend._load_cupy()
        if cupy is None:
            raise ImportError("init(backend='nccl') needs CuPy with NCCL: pip install "
                              "cupy-cuda12x (scratchnet[gpu]); use backend='mpi' without GPUs")
        from cupy.cuda import nccl
        self.cupy, self.nccl, self.group = cupy, nccl, group
        n_gpus = cupy.cuda.runtime.getDeviceCount()
        if n_gpus == 0:
            raise RuntimeError("init(backend='nccl'): this machine has no GPU")
        # Processes on one host take GPUs in turn: local rank = rank among same-host ranks.
        host = group.where[group.rank][0]
        local_rank = [h for h, _ in group.where[:group.rank]].count(host)
        self.device = local_rank % n_gpus
        cupy.cuda.Device(self.device).use()
        uid = nccl.get_unique_id() if group.rank == 0 else None
        uid = group.comm.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(group.size, uid, group.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self.types = {numpy.dtype("float16"): nccl.NCCL_FLOAT16,
                      numpy.dtype("float32"): nccl.NCCL_FLOAT32,
                      numpy.dtype("float64"): nccl.NCCL_FLOAT64,
                      numpy.dtype("int32"): nccl.NCCL_INT32,
                      numpy.dtype("int64"): nccl.NCCL_INT64,
                      numpy.dtype("uint8"): nccl.NCCL_UINT8,
                      numpy.dtype("int8"): nccl.NCCL_INT8}
        self.ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM,
                    ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MIN: nccl.NCCL_MIN,
                    ReduceOp.MAX: nccl.NCCL_MAX}

    def _type(self, array, what):
        try:
            return self.types[array.dtype]
        except KeyError:
            raise TypeError(f"{what}: NCCL cannot carry {array.dtype} arrays") from None

    def _work(self, what, finish=None):
        # The stream waits for the computation that produced the data (default stream).
        event = self.stream.record()

        def test():
            return event.done

        def abort_then_raise():
            self.comm.abort()
        work = Work(self.group, what, test, finish)
        work._abort = abort_then_raise
        return work

    def _ready(self, array):
        if not array.flags.c_contiguous:
            raise ValueError("NCCL collectives need contiguous arrays")
        self.stream.wait_event(self.cupy.cuda.get_current_stream().record())

    def _staged(self, array):
        """(a C-contiguous array NCCL can work on in place, a function that writes it back
        into ``array``, or None). NCCL takes a pointer and a count, so a strided array (a
        convolution's output is stored batch-innermost, docs/performance.md) goes through
        a contiguous copy, as the MPI path does through ``_on_host``."""
        if array.flags.c_contiguous:
            return array, None
        staged = self.cupy.ascontiguousarray(array)

        def back():
            self.stream.synchronize()
            array[...] = staged
        return staged, back

    def iallreduce(self, array, op, what):
        buf, back = self._staged(array)
        self._ready(buf)
        with self.cupy.cuda.Device(self.device):
            self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size,
                                self._type(buf, what), self.ops[op], self.stream.ptr)

        def finish():
            if op == ReduceOp.AVG:
                self.stream.synchronize()
                buf[...] = buf / buf.dtype.type(self.group.size)
            if back is not None:
                back()
        return self._work(what, finish if op == ReduceOp.AVG or back else None)

    def ibroadcast(self, array, src, what):
        buf, back = self._staged(array)
        self._ready(buf)
        self.comm.bcast(buf.data.ptr, buf.size, self._type(buf, what), src,
                        self.stream.ptr)
        return self._work(what, back)

    def iallgather(self, array, what):
        array = self.cupy.ascontiguousarray(array)
        self._ready(array)
        out = self.cupy.empty((self.group.size,) + array.shape, dtype=array.dtype)
        self.comm.allGather(array.data.ptr, out.data.ptr, array.size,
                            self._type(array, what), self.stream.ptr)
        work = self._work(what)
        work.result = out
        return work
