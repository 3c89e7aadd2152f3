"""BLAS threading policy: one thread for small matrix products, the configured number for
large ones.

A matrix product split across threads finishes when its slowest thread does. On an idle
machine that pays off once a product is large enough; when another process holds a core,
each thread of a small product can wait a whole scheduler time slice for its turn, and a
training loop made of thousands of small products stalls (2-5x slower beside another numeric
job, docs/results.md). So every GEMM site in ``scratchnet.ops`` calls ``gemm(m * n * k)``
first, which asks the BLAS for one thread below ``SMALL_GEMM_FLOPS`` and for the configured
number above it (the crossover and how it was measured: docs/performance.md).

The switch goes through threadpoolctl's controller for the loaded BLAS (a well-kept library
for exactly this), found once; the count last set is cached, so a run of products of one kind
costs a single integer comparison each, and a change costs one call into the library (under
a microsecond).

The configured number, in order of precedence:

1. ``set_num_threads(n)`` (PyTorch's name);
2. the environment variable ``SCRATCHNET_NUM_THREADS``;
3. if the user pinned the BLAS with ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
   ``MKL_NUM_THREADS``, ``BLIS_NUM_THREADS`` or ``VECLIB_MAXIMUM_THREADS``: scratchnet leaves
   the BLAS alone entirely (no switching, small products included);
4. otherwise, the count the BLAS started with (normally the number of cores).

DataLoader worker processes use one BLAS thread (``set_worker_threads``), as PyTorch's do:
N workers each starting as many threads as there are cores would fight over them.
"""
import os
import threading

from ._checks import check_int

__all__ = ["set_num_threads", "get_num_threads", "gemm", "SMALL_GEMM_FLOPS"]

# m * n * k below which one thread is asked for (512 x 512 x 512, about 10 ms on one core).
# Measured with benchmarks/bench_threads.py on the 2-core development machine: below it, two
# threads were slower than one in every run, with the machine's usual load and beside a
# competing training loop (by 1.3x to several hundred times: a thread waiting for its core);
# above it a lost time slice is small against the product. Figures and rule:
# docs/performance.md.
SMALL_GEMM_FLOPS = 2 ** 27

ENV_VAR = "SCRATCHNET_NUM_THREADS"
PIN_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS")

# "Not resolved yet": _large holds _UNKNOWN and _current _NOT_SET, two values that differ from
# each other and from every count, so that the first gemm(), small or large, resolves.
_UNKNOWN = -1
_NOT_SET = -2

# The policy's state. _small and _large are the counts asked for each kind of product; both are
# None when scratchnet leaves the BLAS alone (pinned by the user, or no controllable BLAS), and
# _current is then None too so that gemm() never switches.
_small = 1
_large = _UNKNOWN
_current = _NOT_SET
_libs = None         # threadpoolctl's controllers of the loaded BLAS libraries, found once
_owner = None        # the thread that switches (a shared pool must have one master)
_user_count = None   # set_num_threads' value, reported when no BLAS can be controlled
_lock = threading.Lock()


def gemm(flops):
    """Ask the BLAS for the thread count suited to a product of ``flops = m * n * k``.

    Called by the ops right before each matrix product; the common case (same kind as the last
    product) is one comparison.
    """
    want = _small if flops < SMALL_GEMM_FLOPS else _large
    if want != _current:
        _switch(want)


def _switch(want):
    if _large == _UNKNOWN:
        _resolve()
        want = _small if want == 1 else _large
        if want == _current:
            return
    if _owner is not None and _owner != threading.get_ident():
        return   # another thread owns the process-wide pool; leave its setting alone
    _apply(want)


def _apply(n):
    """Set ``n`` threads in every controlled BLAS and remember it (``None``: leave alone)."""
    global _current, _owner
    if n is None or not _libs:
        _current = n
        return
    with _lock:
        _owner = threading.get_ident()
        for lib in _libs:
            lib.set_num_threads(n)
        _current = n


def _load_libs():
    """threadpoolctl's controllers for the BLAS libraries loaded in this process (numpy's)."""
    global _libs
    if _libs is None:
        try:
            import numpy  # noqa: F401  (make sure its BLAS is loaded before looking)
            from threadpoolctl import ThreadpoolController
            _libs = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except Exception:  # no threadpoolctl, or an exotic BLAS it cannot open: leave alone
            _libs = []
    return _libs


def _env_threads(environ):
    """``SCRATCHNET_NUM_THREADS`` as a positive int, None when unset; a clear error if bad."""
    text = environ.get(ENV_VAR, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise ValueError(f"{ENV_VAR} must be a positive integer (a thread count), "
                         f"got {text!r}")
    return value


def _pinned(environ):
    """The name of a BLAS/OpenMP thread variable the user set, or None."""
    for name in PIN_VARS:
        if environ.get(name, "").strip():
            return name
    return None


def _resolve(environ=None):
    """Decide the configured count once, from the environment and the BLAS's own count."""
    global _small, _large, _current, _user_count
    environ = os.environ if environ is None else environ
    libs = _load_libs()
    configured = _env_threads(environ)
    if configured is None and _pinned(environ):
        _small = _large = _current = None
        return
    blas_count = max((lib.get_num_threads() or 1 for lib in libs), default=1)
    _small, _large = 1, configured or blas_count
    if not libs:
        _small = _large = None
        _user_count = _user_count or configured   # nothing to set, but still the answer
    # The BLAS runs blas_count threads until told otherwise.
    _current = blas_count if libs else None


def set_num_threads(num_threads):
    """Use ``num_threads`` BLAS threads for large matrix products (``torch.set_num_threads``).

    Small products still run on one thread, which is faster for them whatever the load. Takes
    precedence over ``SCRATCHNET_NUM_THREADS`` and over ``OMP_NUM_THREADS`` and its kin.

    Raises TypeError for a non-integer, ValueError for a count below 1.

    >>> import scratchnet as sn
    >>> before = sn.get_num_threads()
    >>> sn.set_num_threads(1)
    >>> sn.get_num_threads()
    1
    >>> sn.set_num_threads(before)
    """
    global _small, _large, _user_count
    num_threads = check_int("set_num_threads", "num_threads", num_threads, low=1)
    if _large == _UNKNOWN:
        _resolve()
    libs = _load_libs()
    _small, _large = (1, num_threads) if libs else (None, None)
    _user_count = num_threads
    # Apply now, so that BLAS calls outside the ops (numpy.linalg, user code) see it too.
    _apply(_large)


def get_num_threads():
    """The number of BLAS threads used for large matrix products (``torch.get_num_threads``).

    When the user pinned the BLAS through the environment, that is the BLAS's own count.
    """
    if _large == _UNKNOWN:
        _resolve()
    if _large is not None:
        return _large
    if _user_count is not None:
        return _user_count
    libs = _load_libs()
    return max((lib.get_num_threads() or 1 for lib in libs), default=1)


def set_worker_threads():
    """One BLAS thread in a DataLoader worker process, whatever the parent chose."""
    global _owner
    libs = _load_libs()
    for lib in libs:
        # The fork copied the parent's notion of which thread controls a shared pool; this
        # process's thread is its own master.
        clear = getattr(type(lib), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)
    _owner = None
    set_num_threads(1)
