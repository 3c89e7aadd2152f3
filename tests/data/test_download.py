"""Downloads, with a fake network: temp file then rename, checksums, mirrors, errors."""
import gzip
import hashlib
import os

import pytest

from scratchnet.data.datasets import MNIST, CorruptFileError, DatasetNotFoundError, download
from scratchnet.data.datasets.download import DownloadError, RemoteFile, download_file

from .formats import idx_bytes, make_mnist_arrays


def md5(data):
    return hashlib.md5(data).hexdigest()


class FakeNetwork:
    """Serves bytes by URL; records requests; can fail or corrupt some URLs; can check that
    nothing appears under the final name while a download is in flight."""

    def __init__(self, files, watch=None):
        self.files = dict(files)
        self.requests = []
        self.watch = watch

    def __call__(self, url, timeout=60):
        self.requests.append(url)
        if url not in self.files:
            raise OSError(f"404 for {url}")
        data = self.files[url]

        def chunks():
            for i in range(0, len(data), 7):
                if self.watch is not None:
                    assert not self.watch.exists(), "final name exists before the download ended"
                yield data[i:i + 7]

        return len(data), chunks()


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    monkeypatch.setenv("SCRATCHNET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(download, "SYSTEM_DIRS", [str(tmp_path / "system")])
    return tmp_path


def test_download_writes_a_temp_file_then_renames(tmp_path, monkeypatch):
    data = b"some bytes of a data set" * 10
    target = tmp_path / "dl" / "file.gz"
    net = FakeNetwork({"https://a/file.gz": data}, watch=target)
    monkeypatch.setattr(download, "fetch", net)
    path = download_file(RemoteFile("file.gz", ["https://a/file.gz"], md5(data)), tmp_path / "dl",
                         progress=False)
    assert path == target and path.read_bytes() == data
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.gz"]   # no temp left


def test_checksum_mismatch_leaves_no_file_and_tries_the_mirror(tmp_path, monkeypatch):
    good = b"the real file"
    net = FakeNetwork({"https://official/f": b"the real fil", "https://mirror/f": good})
    monkeypatch.setattr(download, "fetch", net)
    remote = RemoteFile("f", ["https://official/f", "https://mirror/f"], md5(good))
    path = download_file(remote, tmp_path, progress=False)
    assert path.read_bytes() == good and net.requests == ["https://official/f",
                                                          "https://mirror/f"]
    only_bad = RemoteFile("g", ["https://official/f"], md5(good))
    with pytest.raises(DownloadError, match="checksum mismatch.*deleted"):
        download_file(only_bad, tmp_path / "other", progress=False)
    assert list((tmp_path / "other").iterdir()) == []


def test_broken_connection_leaves_no_file(tmp_path, monkeypatch):
    def dies(url, timeout=60):
        def chunks():
            yield b"partial"
            raise ConnectionResetError("connection reset (test)")
        return 100, chunks()

    monkeypatch.setattr(download, "fetch", dies)
    with pytest.raises(DownloadError, match="connection reset"):
        download_file(RemoteFile("x", ["https://a/x"], None), tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def mnist_server(n=12):
    """Fake official MNIST URLs serving small but valid IDX files, and their MD5s."""
    served, md5s = {}, {}
    for prefix, seed in (("train", 0), ("t10k", 1)):
        images, labels = make_mnist_arrays(n, seed)
        for stem, array in ((f"{prefix}-images-idx3-ubyte", images),
                            (f"{prefix}-labels-idx1-ubyte", labels)):
            blob = gzip.compress(idx_bytes(array))
            served[MNIST.mirrors[0] + stem + ".gz"] = blob
            md5s[stem] = md5(blob)
    return served, md5s


def test_dataset_downloads_into_the_cache_then_finds_it(isolated, monkeypatch):
    served, md5s = mnist_server()
    net = FakeNetwork(served)
    monkeypatch.setattr(download, "fetch", net)
    monkeypatch.setattr(MNIST, "md5s", md5s)
    train = MNIST(train=True, progress=False)
    assert len(train) == 12 and len(net.requests) == 2
    cached = sorted(p.name for p in (isolated / "cache" / "mnist").iterdir())
    assert cached == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    MNIST(train=True)                                   # found in the cache: no new request
    assert len(net.requests) == 2
    root = MNIST(root=isolated / "mine", train=False, progress=False)   # into root if given
    assert len(root) == 12 and (isolated / "mine" / "t10k-images-idx3-ubyte.gz").is_file()


def test_corrupt_download_raises_and_leaves_nothing_in_the_cache(isolated, monkeypatch):
    served, md5s = mnist_server()
    url = MNIST.mirrors[0] + "train-images-idx3-ubyte.gz"
    served[url] = served[url][:-10]
    monkeypatch.setattr(download, "fetch", FakeNetwork(served))
    monkeypatch.setattr(MNIST, "md5s", md5s)
    with pytest.raises(CorruptFileError, match="train-images-idx3-ubyte.gz.*checksum mismatch"):
        MNIST(train=True, progress=False)
    folder = isolated / "cache" / "mnist"
    assert not (folder / "train-images-idx3-ubyte.gz").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_offline_error_lists_every_mirror(isolated, monkeypatch):
    monkeypatch.setattr(download, "fetch", FakeNetwork({}))
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(train=False, progress=False)
    text = str(info.value)
    for mirror in MNIST.mirrors:
        assert mirror + "t10k-images-idx3-ubyte.gz" in text
    assert "404" in text and "root argument: not given" in text
    assert not any(p.is_file() for p in isolated.rglob("*"))


def test_real_fetch_refuses_other_schemes():
    with pytest.raises(DownloadError, match="only http"):
        download.fetch("file:///etc/passwd")


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNET_CACHE", str(tmp_path / "c"))
    assert download.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SCRATCHNET_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.cache_dir() == tmp_path / "xdg" / "scratchnet"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert download.cache_dir() == download.pathlib.Path(os.path.expanduser("~")) / ".cache" / \
        "scratchnet"


def test_md5sum(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert download.md5sum(tmp_path / "f") == "900150983cd24fb0d6963f7d28e17f72"


# ------------------------------------------------------------- deadlines and stale files
def test_a_trickling_download_stops_at_its_total_deadline(tmp_path, monkeypatch):
    import itertools
    import time

    def trickle(url, timeout=60):
        def chunks():                         # a byte every few ms, for ever: no read times out
            for _ in itertools.count():
                time.sleep(0.002)
                yield b"x"
        return 10**9, chunks()

    monkeypatch.setattr(download, "fetch", trickle)
    with pytest.raises(DownloadError, match="deadline of 0.05 s") as info:
        download_file(RemoteFile("slow.gz", ["https://slow/slow.gz"], None), tmp_path,
                      progress=False, deadline=0.05)
    assert "of 1000000000 bytes arrived" in str(info.value)
    assert list(tmp_path.iterdir()) == []               # no temp file left


def test_the_default_deadline_is_finite():
    import inspect

    default = inspect.signature(download_file).parameters["deadline"].default
    assert default == download.DEFAULT_DEADLINE and 0 < default < float("inf")


def test_fetch_hands_over_each_piece_as_it_arrives():
    # A local server that sends 5 pieces with pauses: fetch must yield them as they come
    # (so the deadline is checked), not wait to fill 64 KiB blocks.
    import http.server
    import threading
    import time

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "50")
            self.end_headers()
            for _ in range(5):
                self.wfile.write(b"y" * 10)
                self.wfile.flush()
                time.sleep(0.1)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        size, chunks = download.fetch(f"http://127.0.0.1:{server.server_port}/f", timeout=10)
        pieces = list(chunks)
    finally:
        server.shutdown()
        server.server_close()
    assert size == 50 and b"".join(pieces) == b"y" * 50
    assert len(pieces) > 1


def test_temp_files_of_a_killed_download_are_removed_by_the_next(tmp_path, monkeypatch):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    leftover = tmp_path / f".file.gz.tmp-{child.pid}-0badf00d"
    leftover.write_bytes(b"half a download")
    data = b"the whole file"
    monkeypatch.setattr(download, "fetch", FakeNetwork({"https://a/file.gz": data}))
    download_file(RemoteFile("file.gz", ["https://a/file.gz"], md5(data)), tmp_path,
                  progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.gz"]


def put_mnist(folder, served):
    folder.mkdir(parents=True, exist_ok=True)
    for url, blob in served.items():
        if "train" in url:
            (folder / url.rsplit("/", 1)[1]).write_bytes(blob)


def test_a_corrupt_cached_file_is_moved_aside_and_downloaded_again(isolated, monkeypatch):
    served, md5s = mnist_server()
    monkeypatch.setattr(MNIST, "md5s", md5s)
    cache = isolated / "cache" / "mnist"
    put_mnist(cache, served)
    bad = cache / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-12])               # damaged after the download
    with pytest.raises(CorruptFileError, match="moved aside.*next call downloads it again"):
        MNIST(train=True, progress=False)
    assert not bad.exists() and (cache / (bad.name + ".corrupt")).exists()
    assert (cache / "train-images-idx3-ubyte.gz").exists()       # the good one stays
    net = FakeNetwork(served)
    monkeypatch.setattr(download, "fetch", net)
    assert len(MNIST(train=True, progress=False)) == 12
    assert net.requests == [MNIST.mirrors[0] + bad.name]


def test_a_corrupt_file_in_the_users_folder_is_never_moved(isolated, monkeypatch):
    served, md5s = mnist_server()
    monkeypatch.setattr(MNIST, "md5s", md5s)
    mine = isolated / "mine"
    put_mnist(mine, served)
    bad = mine / "train-labels-idx1-ubyte.gz"
    damaged = bad.read_bytes()[:-12]
    bad.write_bytes(damaged)
    with pytest.raises(CorruptFileError) as info:
        MNIST(root=mine, train=True, progress=False)
    assert "moved aside" not in str(info.value) and str(bad) in str(info.value)
    assert bad.read_bytes() == damaged
    assert sorted(p.name for p in mine.iterdir()) == ["train-images-idx3-ubyte.gz",
                                                      "train-labels-idx1-ubyte.gz"]


def test_a_cached_file_failing_verify_is_moved_aside(isolated, monkeypatch):
    served, md5s = mnist_server()
    cache = isolated / "cache" / "mnist"
    put_mnist(cache, served)
    wrong = dict(md5s, **{"train-images-idx3-ubyte": "0" * 32})
    monkeypatch.setattr(MNIST, "md5s", wrong)
    with pytest.raises(CorruptFileError, match="(?s)MD5.*moved aside"):
        MNIST(train=True, progress=False, verify=True)
    assert (cache / "train-images-idx3-ubyte.gz.corrupt").exists()
    assert (cache / "train-labels-idx1-ubyte.gz").exists()
