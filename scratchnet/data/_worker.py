"""Worker processes for ``DataLoader(num_workers=N)``.

How it works, and why it keeps the order of ``num_workers=0``:

* The main process owns the sampler. It cuts the epoch into batches of indices, numbers
  them 0, 1, 2, ... and hands batch ``n`` to worker ``n % N`` through that worker's own
  queue, together with the batch's random seed.
* Each worker runs the same ``fetch(indices, seed)`` that the single-process loader runs,
  and puts ``(n, batch)`` on one shared result queue.
* The main process keeps at most ``prefetch`` batches per worker in flight, parks results
  that arrive early, and yields batch ``n`` only after batch ``n - 1``.

Same indices, same seeds, same function: the batches equal those of ``num_workers=0``.

A Dataset that draws from Python's ``random`` or NumPy's global ``numpy.random`` would get
the same draws in every worker (forked copies of one state) and every epoch (each epoch forks
afresh). So each worker seeds both global generators, and scratchnet's own, from its worker
seed (the epoch's seed plus its id, PyTorch's rule) when it starts, before
``worker_init_fn``, and again at each new epoch when the workers persist. Such draws then
differ between workers and epochs and repeat for a fixed loader seed; they are not the
draws of ``num_workers=0``, which leaves the main process's global generators alone
(scratchnet's random transforms draw from the per-batch generator instead, and so are the
same whatever the number of workers).

Shutting down: workers are daemonic processes; the pool sends each a ``None`` (stop), joins
it, and terminates any that do not stop in time, so no zombie or orphan stays behind when a
loop breaks early, an error is raised, or the interpreter exits. A worker whose parent died
notices within a second and exits.
"""
import os
import queue
import random
import weakref

import numpy

from .. import _threads, backend

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool"]

# How often blocked queue reads wake up to check that the other side is alive (seconds).
_POLL = 0.5


class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()`` inside a worker):
    ``id`` (0 .. num_workers-1), ``num_workers``, ``seed`` and its copy of the ``dataset``.

    >>> from scratchnet.data import WorkerInfo
    >>> WorkerInfo(id=1, num_workers=4, seed=7, dataset=None)
    WorkerInfo(id=1, num_workers=4, seed=7)
    """

    def __init__(self, id, num_workers, seed, dataset):
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker_info = None


def _seed_worker_generators(seed):
    """Seed Python's ``random``, NumPy's global generator and scratchnet's from one worker
    seed; SeedSequence spreads neighbouring seeds (base + 0, base + 1) far apart."""
    state = numpy.random.SeedSequence(seed).generate_state(4)
    numpy.random.seed(int(state[0]))
    random.seed(int.from_bytes(state.tobytes(), "little"))
    backend.manual_seed(seed % 2**32)


def get_worker_info():
    """Inside a DataLoader worker: its ``WorkerInfo``; in the main process: None.

    >>> from scratchnet.data import get_worker_info
    >>> get_worker_info() is None
    True
    """
    return _worker_info


class _RemoteError:
    """An exception raised in a worker, carried to the main process as its traceback text."""

    def __init__(self, worker_id, exc):
        import pickle
        import traceback

        self.exc_type = type(exc)
        try:  # a class defined inside a function cannot travel; its traceback text still does
            pickle.dumps(self.exc_type)
        except Exception:
            self.exc_type = RuntimeError
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.worker_id = worker_id

    def reraise(self):
        message = (f"raised in DataLoader worker {self.worker_id}; its traceback:\n"
                   f"{self.text}")
        try:
            error = self.exc_type(message)
        except Exception:  # some exception classes need other constructor arguments
            error = RuntimeError(message)
        raise error


def _worker_loop(payload, index_queue, result_queue, worker_id, num_workers, seed,
                 parent_pid):
    """The body of one worker process (module level so that 'spawn' can import it).

    ``payload`` is ``(fetch, dataset, init_fn)``, or None when it comes as the first message
    on ``index_queue`` (pickled bytes; see ``WorkerPool``).
    """
    global _worker_info
    # Anything still unsent when the worker stops may be dropped: the main process no
    # longer wants it, and waiting on a full pipe would hang the exit.
    result_queue.cancel_join_thread()
    try:
        if payload is None:
            import pickle

            payload = pickle.loads(index_queue.get())
        fetch, dataset, init_fn = payload
        # N workers each running as many BLAS threads as cores would fight over them
        _threads.set_worker_threads()
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        _seed_worker_generators(seed)
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as exc:
        result_queue.put((None, None, _RemoteError(worker_id, exc)))
        return
    epoch = None
    try:
        while True:
            try:
                task = index_queue.get(timeout=_POLL)
            except queue.Empty:
                if os.getppid() != parent_pid:  # parent gone: do not linger as an orphan
                    return
                continue
            if task is None:
                return
            task_id, indices, batch_seed = task
            if isinstance(task_id, tuple):
                if epoch is not None and task_id[0] != epoch:
                    # A persistent worker starting a new epoch: reseed as a fresh one would be.
                    seed = batch_seed[0] % 2**62 + worker_id
                    _worker_info.seed = seed
                    _seed_worker_generators(seed)
                epoch = task_id[0]
            try:
                batch = fetch(indices, batch_seed)
            except Exception as exc:
                result_queue.put((task_id, None, _RemoteError(worker_id, exc)))
            else:
                result_queue.put((task_id, batch, None))
    except KeyboardInterrupt:
        # Ctrl-C reaches the whole process group; the main process deals with it.
        return


class WorkerPool:
    """``num_workers`` processes that run ``fetch(indices, seed)`` for the main process."""

    def __init__(self, fetch, num_workers, dataset, base_seed, init_fn=None, context=None):
        import multiprocessing

        if context is None or isinstance(context, str):
            context = multiprocessing.get_context(context)
        payload, blob = (fetch, dataset, init_fn), None
        self.start_method = context.get_start_method()
        if self.start_method != "fork":
            # A forked worker inherits the dataset for free. Any other start method pickles the
            # Process arguments into a pipe that CPython closes only after the child has read
            # them all: if the child dies while starting (a script without the
            # `if __name__ == "__main__":` guard), a payload bigger than the pipe hangs the
            # parent for ever. So the dataset goes as the first message of the task queue,
            # pickled here, where an unpicklable transform raises a clear error.
            blob = _pickle_payload(payload, context.get_start_method())
            payload = None
        from ._worker_queue import ResultQueue

        self.num_workers = num_workers
        self.result_queue = ResultQueue(context)
        self.index_queues = []
        self.workers = []
        # Runs on close(), on garbage collection, or at interpreter exit, whichever is first;
        # made before the first start so that a failure halfway still stops the started ones.
        self._finalizer = weakref.finalize(self, _shutdown, self.workers, self.index_queues,
                                           self.result_queue)
        try:
            for worker_id in range(num_workers):
                index_queue = context.Queue()
                # The main process may stop while tasks are still queued: do not wait on them.
                index_queue.cancel_join_thread()
                worker = context.Process(
                    target=_worker_loop, daemon=True,
                    name=f"scratchnet-DataLoader-{worker_id}",
                    args=(payload, index_queue, self.result_queue, worker_id, num_workers,
                          base_seed + worker_id, os.getpid()),
                )
                worker.start()
                self.index_queues.append(index_queue)
                self.workers.append(worker)
                if blob is not None:
                    index_queue.put(blob)
        except BaseException:
            self.close()
            raise

    def submit(self, task_id, indices, seed, worker_id):
        self.index_queues[worker_id].put((task_id, indices, seed))

    def get(self, timeout=None):
        """The next ``(task_id, batch)`` from any worker; re-raises a worker's exception."""
        poll = min(_POLL, timeout) if timeout else _POLL
        waited = 0.0
        while True:
            try:
                task_id, batch, error = self.result_queue.get(timeout=poll)
                break
            except queue.Empty:
                waited += poll
                self._check_alive()
                if timeout and waited >= timeout:
                    raise RuntimeError(f"DataLoader timed out after {timeout} s waiting for a "
                                       "batch from its workers") from None
        if error is not None:
            error.reraise()
        return task_id, batch

    def _check_alive(self):
        for i, w in enumerate(self.workers):
            if not w.is_alive():
                hint = ""
                if self.start_method != "fork" and w.exitcode == 1:
                    hint = (f" With the {self.start_method!r} start method, a script must start "
                            "its loops under `if __name__ == \"__main__\":`.")
                raise RuntimeError(
                    f"DataLoader worker {i} (pid {w.pid}) exited unexpectedly with exit code "
                    f"{w.exitcode}; a negative code is the signal that killed it (-9: out of "
                    f"memory?). Try num_workers=0 to see the error in the main process.{hint}"
                )

    @property
    def alive(self):
        return self._finalizer.alive

    def close(self):
        self._finalizer()


def _pickle_payload(payload, method):
    import pickle

    try:
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise TypeError(
            f"DataLoader workers started with {method!r} need a picklable dataset, "
            f"transforms, collate_fn and batch_transform (no lambdas or local functions); "
            f"pickling failed: {type(exc).__name__}: {exc}"
        ) from None


def _shutdown(workers, index_queues, result_queue):
    """Stop the workers: ask politely, wait a little, then terminate; reap every process."""
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):  # queue already closed
            pass
    for w in workers:
        w.join(timeout=2.0)
    for w in workers:
        if w.is_alive():
            w.terminate()
            w.join(timeout=2.0)
    for q in index_queues + [result_queue]:
        try:
            q.cancel_join_thread()
            q.close()
        except (OSError, ValueError):
            pass
