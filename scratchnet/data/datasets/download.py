"""Finding a data set's files, and downloading them safely when they are nowhere.

Where data comes from, in this order (the first place that has every needed file wins):

1. the ``root`` argument (the folder itself, or its ``<name>/`` subfolder);
2. ``$SCRATCHNET_DATA/<name>``;
3. the cache, ``~/.cache/scratchnet/<name>`` (``$SCRATCHNET_CACHE`` or ``$XDG_CACHE_HOME``
   move it);
4. system dataset folders, e.g. Debian's ``/usr/share/datasets/<name>`` (``SYSTEM_DIRS``);
5. a download from the official URLs, then mirrors, into ``root`` if given, else the cache.

A download is written to a temporary file in the target folder, checked against the published
MD5, and only then renamed to its real name (atomic on one file system). A failed or corrupt
download therefore never leaves a file under the real name. Offline, the error lists every
place looked and the URLs to fetch by hand.

Files:

* temporary files are named ``.<name>.tmp-<pid>-<host>-<random>``; those of a killed
  download (its process gone, on this machine) are removed by the next download of the same
  file;
* each attempt has a total ``deadline`` (600 s by default) besides the per-read ``timeout``,
  so a server that trickles bytes cannot hold a download for ever;
* a file in the *cache* that fails verification when read (truncated, corrupt, wrong
  checksum) is moved aside to ``<name>.corrupt`` so the next call downloads it again; files
  in a user's own folders (``root``, ``$SCRATCHNET_DATA``, system folders) are never touched.

``fetch`` is the one function that touches the network; tests replace it
(``monkeypatch.setattr(download, "fetch", fake)``).

>>> from scratchnet.data.datasets import download
>>> [str(p) for p in download.candidate_dirs("mnist", root="/data")][:2]
['/data', '/data/mnist']
"""
import contextlib
import os
import pathlib
import time

from ...serialization import remove_stale_temps, temp_path

__all__ = [
    "DatasetNotFoundError", "CorruptFileError", "DownloadError", "RemoteFile", "SYSTEM_DIRS",
    "cache_dir", "candidate_dirs", "locate", "fetch", "download_file", "md5sum",
    "DownloadTimeout", "DEFAULT_DEADLINE", "set_aside_corrupt_cache",
]

# The longest one download attempt may take, all of it (seconds); the per-read timeout alone
# never fires on a server that sends a byte now and then.
DEFAULT_DEADLINE = 600.0

# System-wide dataset folders (Debian packages such as dataset-fashion-mnist install here).
SYSTEM_DIRS = ["/usr/share/datasets"]


class DatasetNotFoundError(FileNotFoundError):
    """The data set is in none of the places looked, and could not be downloaded."""


class CorruptFileError(ValueError):
    """A data file is truncated, corrupt or not in the expected format (the message names it)."""


class DownloadError(OSError):
    """Every URL of a file failed (network error or checksum mismatch)."""


class DownloadTimeout(DownloadError):
    """A download ran past its total deadline."""


class RemoteFile:
    """A file to download: its name, its URLs (official first, then mirrors), its MD5."""

    def __init__(self, filename, urls, md5=None):
        self.filename = filename
        self.urls = list(urls)
        self.md5 = md5

    def __repr__(self):
        return f"RemoteFile({self.filename!r}, md5={self.md5!r})"


def cache_dir():
    """The cache folder: ``$SCRATCHNET_CACHE``, else ``$XDG_CACHE_HOME/scratchnet``, else
    ``~/.cache/scratchnet``."""
    env = os.environ.get("SCRATCHNET_CACHE")
    if env:
        return pathlib.Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return pathlib.Path(base).expanduser() / "scratchnet"


def candidate_dirs(name, root=None):
    """The folders to look in for data set ``name``, in order (see the module docstring)."""
    dirs = []
    if root is not None:
        root = pathlib.Path(root).expanduser()
        dirs += [root, root / name]
    env = os.environ.get("SCRATCHNET_DATA")
    if env:
        dirs.append(pathlib.Path(env).expanduser() / name)
    dirs.append(cache_dir() / name)
    dirs += [pathlib.Path(d) / name for d in SYSTEM_DIRS]
    return dirs


def locate(name, find, root=None):
    """The first ``find(folder)`` result that is not None over ``candidate_dirs``.

    Returns ``(result, looked)`` where ``looked`` lists every folder tried, with a note, for
    error messages; ``result`` is None when no folder had the files.
    """
    looked = []
    if root is None:
        looked.append("root argument: not given")
    if not os.environ.get("SCRATCHNET_DATA"):
        looked.append("$SCRATCHNET_DATA: not set")
    for folder in candidate_dirs(name, root):
        if folder.is_dir():
            result = find(folder)
            if result is not None:
                return result, looked
            looked.append(f"{folder}: no (complete) set of files")
        else:
            looked.append(f"{folder}: no such folder")
    return None, looked


def md5sum(path, chunk=1 << 20):
    """The MD5 of a file, as hex."""
    digest = _md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _md5():
    import hashlib

    try:
        return hashlib.md5(usedforsecurity=False)  # a checksum, not security: FIPS-safe
    except TypeError:  # Python < 3.9 has no usedforsecurity
        return hashlib.md5()


def fetch(url, timeout=60):
    """Open ``url``; return ``(size_in_bytes_or_None, iterator_of_byte_chunks)``."""
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise DownloadError(f"refusing to download from {url!r}: only http(s) URLs")
    request = urllib.request.Request(url, headers={"User-Agent": "scratchnet"})
    response = urllib.request.urlopen(request, timeout=timeout)
    size = response.headers.get("Content-Length")

    def chunks():
        with response:
            while True:
                # read1 returns what has arrived (at most 64 KiB) instead of waiting for all
                # 64 KiB, so the caller sees each trickle and can check its deadline.
                block = response.read1(1 << 16)
                if not block:
                    return
                yield block

    return (int(size) if size else None), chunks()


def _progress(total, desc, enabled):
    from tqdm import tqdm  # the plain bar: tqdm.auto warns in notebooks without ipywidgets

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not enabled, leave=False)


def download_file(remote, folder, progress=True, deadline=DEFAULT_DEADLINE, timeout=60):
    """Download ``remote`` into ``folder``: temp file, MD5 check, then rename.

    Tries each URL in turn. Each attempt must finish within ``deadline`` seconds in all
    (checked as each piece arrives; a silent server is cut off by the per-read ``timeout``,
    so an attempt ends at the latest ``timeout`` seconds past its deadline). Raises
    ``DownloadError`` listing what went wrong with each URL; a file that arrived with the
    wrong checksum is deleted, never kept. Temp files of earlier, killed downloads of the same
    file are removed first.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    remove_stale_temps(target)
    problems = []
    for url in remote.urls:
        temp = pathlib.Path(temp_path(target))
        start = time.monotonic()
        try:
            digest = _md5()
            size, chunks = fetch(url, timeout=min(timeout, deadline))
            done = 0
            with open(temp, "wb") as out, _progress(size, remote.filename, progress) as bar:
                for block in chunks:
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
                    done += len(block)
                    if time.monotonic() - start > deadline:
                        of = f" of {size}" if size else ""
                        raise DownloadTimeout(f"the download took longer than its deadline "
                                              f"of {deadline} s ({done}{of} bytes arrived)")
            got = digest.hexdigest()
            if remote.md5 is not None and got != remote.md5:
                problems.append(f"{url}: checksum mismatch (expected MD5 {remote.md5}, got "
                                f"{got}); the file was deleted")
                continue
            os.replace(temp, target)
            return target
        except Exception as exc:  # network errors come in many types (URLError, timeouts...)
            problems.append(f"{url}: {type(exc).__name__}: {exc}")
        finally:
            if temp.exists():
                temp.unlink()
    raise DownloadError(f"could not download {remote.filename}:\n  " + "\n  ".join(problems))


@contextlib.contextmanager
def set_aside_corrupt_cache(paths):
    """Around reading/verifying ``paths``: on ``CorruptFileError``, move those of them that
    lie in the cache aside (``<name>.corrupt``, replacing an older one) so that the next call
    downloads them again, and say so in the error. Files outside the cache are the user's and
    stay as they are. Only the files the error names are moved (all cached ones when it
    names none)."""
    try:
        yield
    except CorruptFileError as exc:
        text = str(exc)
        paths = [pathlib.Path(p) for p in paths]
        named = [p for p in paths if str(p) in text] or paths
        cache = cache_dir().expanduser().resolve()
        moved = []
        for path in named:
            try:
                real = path.resolve()
                if cache not in real.parents or not real.is_file():
                    continue
                aside = real.with_name(real.name + ".corrupt")
                os.replace(real, aside)
            except OSError:
                continue
            moved.append(aside)
        if not moved:
            raise
        raise CorruptFileError(
            f"{text}\nThe cached file was moved aside to " + ", ".join(map(str, moved))
            + "; the next call downloads it again.") from None


def not_found_message(title, name, looked, remotes, download_note, target):
    """The error text for a data set found nowhere: places looked, URLs to fetch by hand."""
    lines = [f"{title} not found. Looked in:"]
    lines += [f"  - {entry}" for entry in looked]
    lines.append(download_note)
    lines.append(f"To install it by hand, download these files into {target} "
                 f"(or any folder above, e.g. $SCRATCHNET_DATA/{name}):")
    for remote in remotes:
        md5 = f"  (MD5 {remote.md5})" if remote.md5 else ""
        lines.append(f"  - {remote.urls[0]}{md5}")
        lines += [f"      mirror: {u}" for u in remote.urls[1:]]
    return "\n".join(lines)


def find_or_download(title, name, find, remotes, root=None, download=True, progress=True):
    """Locate a data set with ``find`` or download ``remotes``; raise a helpful error otherwise.

    ``find(folder)`` returns what the reader needs (e.g. file paths) or None. ``remotes`` are
    the files that make ``find`` succeed once downloaded.
    """
    found, looked = locate(name, find, root)
    if found is not None:
        return found
    target = pathlib.Path(root).expanduser() if root is not None else cache_dir() / name
    if not download:
        note = "Downloading was not allowed (download=False)."
        raise DatasetNotFoundError(not_found_message(title, name, looked, remotes, note,
                                                     target))
    try:
        for remote in remotes:
            if not (target / remote.filename).exists():
                download_file(remote, target, progress)
    except DownloadError as exc:
        mismatch = "checksum mismatch" in str(exc)
        if mismatch:
            raise CorruptFileError(f"{title}: a download arrived corrupt and was deleted.\n"
                                   f"{exc}") from None
        note = f"Downloading failed (offline?):\n{exc}"
        raise DatasetNotFoundError(not_found_message(title, name, looked, remotes, note,
                                                     target)) from None
    found = find(target)
    if found is None:
        raise CorruptFileError(f"{title}: downloaded into {target} but the files there are "
                               "still incomplete")
    return found
