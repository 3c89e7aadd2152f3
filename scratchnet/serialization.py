"""``save`` and ``load``: nested dicts of tensors and numbers in one ``.npz`` file.

The format is plain NumPy ``.npz`` (a zip of ``.npy`` arrays) plus one JSON string that
records the structure (dict keys, lists, numbers, strings, None): no pickle, so loading a
file never runs code from it. Writing goes to a temporary file in the same folder that is
renamed over the target only once complete, so a crash never leaves half a checkpoint.

>>> import scratchnet as sn, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> sn.save({"epoch": 3, "weights": {"w": sn.ones(2)}}, path)
>>> sn.load(path)["weights"]["w"]
tensor([1., 1.])
"""
import io
import json
import os
import zipfile

import numpy

from . import backend
from .autograd.tensor import Tensor

__all__ = ["save", "load", "atomic_write", "CheckpointError"]

_STRUCTURE_KEY = "__structure__"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A file that ``load`` cannot read as a scratchnet file: not an .npz archive (a text
    file, a truncated download), an .npz from elsewhere (``numpy.savez``, a PyTorch file),
    or one whose structure record was altered. The message names the file. A subclass of
    ``ValueError``, so ``except ValueError`` keeps working."""


def _encode(obj, arrays):
    """Turn ``obj`` into JSON-able structure; arrays go into ``arrays`` by reference."""
    if isinstance(obj, Tensor) or isinstance(obj, numpy.ndarray) or (
            hasattr(obj, "__cuda_array_interface__")):
        key = f"a{len(arrays)}"
        is_tensor = isinstance(obj, Tensor)
        data = obj.array if is_tensor else obj
        arrays[key] = backend.to_device(data, "cpu")
        return {"__array__": key, "tensor": is_tensor}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, str):
                raise TypeError(f"save: dict keys must be strings, got {k!r}")
        return {"__dict__": {k: _encode(v, arrays) for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_encode(v, arrays) for v in obj], "tuple": isinstance(obj, tuple)}
    if isinstance(obj, numpy.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"save: cannot store a {type(obj).__name__}; only tensors, arrays, numbers, strings, "
        "None, and dicts/lists of them are saved (no pickled objects)"
    )


def _decode(node, arrays, device):
    if isinstance(node, dict):
        if "__array__" in node:
            array = arrays[node["__array__"]]
            if node.get("tensor"):
                return Tensor._make(backend.to_device(array, device))
            return array
        if "__dict__" in node:
            return {k: _decode(v, arrays, device) for k, v in node["__dict__"].items()}
        if "__list__" in node:
            items = [_decode(v, arrays, device) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
        raise ValueError(f"unknown node in the saved structure: {sorted(node)}")
    return node


# Temporary files are named ``.<target>.tmp-<pid>-<host>-<random>`` so that a later write to
# the same target can tell its own leftovers (from a killed process) from another writer's
# live file. A pid can be checked on this machine only, so the name also records the machine
# (``<host>``: 8 hex digits of a hash of its name): a temp file written on another machine
# sharing the folder (NFS) is never judged by its pid, only by its age.
_TEMP_MARK = ".tmp-"
# A temp file of a live writer, or of another machine, is left alone unless it is this old:
# no write of a checkpoint or a data set takes a day.
STALE_TEMP_SECONDS = 24 * 3600


def _pid_alive(pid):
    """Whether process ``pid`` exists on this machine (``os.kill`` sees no other)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):   # exists but is not ours (or cannot tell): alive
        return True
    return True


def _host_tag():
    """8 hex digits naming this machine in temp file names (a hash: host names can be long
    and hold characters a file name should not)."""
    import socket
    import zlib
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"


def temp_path(path):
    """A fresh temporary name next to ``path``: ``.<name>.tmp-<pid>-<host>-<random>``."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}{_TEMP_MARK}{os.getpid()}-{_host_tag()}-"
                                f"{os.urandom(4).hex()}")


def remove_stale_temps(path, max_age=STALE_TEMP_SECONDS):
    """Delete temporary files that killed writes to ``path`` left behind; returns them.

    A temp file is stale when it was written on this machine (the host in its name is this
    one's) by a process that has ended, or when it is older than ``max_age`` seconds. Files
    of live writers, files of other machines sharing the folder (their pids cannot be checked
    from here) and anything not named by ``temp_path`` stay until that age. Names of earlier
    versions: ``.<name>.tmp-<pid>-<random>`` (no host; those versions assumed one machine) is
    judged by its pid here, ``.<name>.XXXXXXXX.tmp`` by age only.
    """
    import time

    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    prefix = f".{name}{_TEMP_MARK}"
    removed = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    host = _host_tag()
    for entry in entries:
        legacy = entry.startswith(f".{name}.") and entry.endswith(".tmp")
        if not (entry.startswith(prefix) or legacy):
            continue
        full = os.path.join(folder, entry)
        try:
            old = now - os.stat(full).st_mtime > max_age
        except OSError:
            continue
        dead = False
        if entry.startswith(prefix):
            fields = entry[len(prefix):].split("-")
            pid = fields[0]
            here = len(fields) == 2 or (len(fields) == 3 and fields[1] == host)
            dead = here and pid.isdigit() and int(pid) != os.getpid() and \
                not _pid_alive(int(pid))
        if dead or old:
            try:
                os.remove(full)
                removed.append(full)
            except OSError:
                pass
    return removed


def atomic_write(path, write):
    """Call ``write(file_object)`` on a temporary file, then rename it to ``path``.

    The rename is atomic on POSIX and Windows, so readers see the old file or the new one,
    never a partial one; on any error the temporary file is removed and the old file stays.
    A process killed mid-write cannot remove its temporary file, so each write first removes
    the stale ones of earlier writes to the same path (see ``remove_stale_temps``). The file
    gets the permissions of any new file, 0666 less the process umask (not mkstemp's 0600).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temps(path)
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(obj, path):
    """Save tensors (and nested dicts/lists of them, numbers, strings) to ``path`` (.npz)."""
    arrays = {}
    structure = {"format": "scratchnet", "version": FORMAT_VERSION,
                 "root": _encode(obj, arrays)}
    arrays[_STRUCTURE_KEY] = numpy.array(json.dumps(structure))

    def write(f):
        buffer = io.BytesIO()
        numpy.savez(buffer, **arrays)
        f.write(buffer.getvalue())

    atomic_write(path, write)


def _looks_like_text(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def load(path, map_location="cpu", weights_only=True):
    """Load what ``save`` wrote; tensors are put on ``map_location`` ("cpu", "cuda"...).

    ``weights_only`` is accepted for PyTorch's ``torch.load(PATH, weights_only=True)``:
    scratchnet files never hold code (no pickle is ever read), so loading is always
    weights-only and ``weights_only=False`` changes nothing.

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError`` (a
    ``ValueError``) naming the file for anything that is not an intact scratchnet file,
    among them an archive holding pickled objects: NumPy reads with ``allow_pickle=False``,
    so they are refused, never unpickled (unpickling can run code).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    if os.path.isdir(path):
        raise CheckpointError(f"load: {path} is a folder, not a checkpoint file")
    with open(path, "rb") as f:
        head = f.read(512)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        # Not a zip archive at all: say so plainly instead of NumPy's advice about pickles.
        kind = "an empty file" if not head else (
            "a text file" if _looks_like_text(head) else "a binary file of another kind")
        raise CheckpointError(f"load: {path} is not a scratchnet checkpoint: it is {kind}, "
                              "not an .npz archive")
    try:
        npz = numpy.load(path, allow_pickle=False)
        if not isinstance(npz, numpy.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an .npz archive")
        with npz:
            files = npz.files
            structure = json.loads(str(npz[_STRUCTURE_KEY])) if _STRUCTURE_KEY in files \
                else None
            arrays = {k: npz[k] for k in files if k != _STRUCTURE_KEY}
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise CheckpointError(f"load: {path} is not a readable .npz file ({exc}); it may "
                                  "be truncated or not a scratchnet checkpoint") from None
        # NumPy refused an object array: unpickling it could run any code the file holds.
        raise CheckpointError(f"load: {path} holds pickled Python objects, which are never "
                              "loaded (unpickling can run code from the file); it was not "
                              "written by scratchnet.save") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, UnicodeDecodeError) as exc:
        # NumPy reads a non-zip file as a pickle it refuses: one message for all such cases.
        raise CheckpointError(f"load: {path} is not a readable .npz file ({exc}); it may be "
                              "truncated or not a scratchnet checkpoint") from None
    if structure is None:
        raise CheckpointError(f"load: {path} is an .npz file but not one written by "
                              "scratchnet.save (no structure record)")
    if not isinstance(structure, dict) or structure.get("format") != "scratchnet":
        raise CheckpointError(f"load: {path} was not written by scratchnet.save")
    device = backend.normalize_device(map_location)
    try:
        return _decode(structure["root"], arrays, device)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # A structure record that names arrays the archive lacks: an edited or mixed file.
        raise CheckpointError(f"load: {path} is damaged: its structure record does not match "
                              f"its arrays ({type(exc).__name__}: {exc})") from None
