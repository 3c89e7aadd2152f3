"""The write path of save/atomic_write: permissions from the umask, stale temp files removed."""
import os
import subprocess
import sys

import pytest

import scratchnet as sn
from scratchnet.serialization import _host_tag, atomic_write, remove_stale_temps, temp_path


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_get_the_umask_permissions_like_any_file(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        sn.save({"w": sn.ones(2)}, tmp_path / "ckpt.npz")
        with open(tmp_path / "plain.txt", "w"):
            pass
    finally:
        os.umask(previous)
    assert (tmp_path / "ckpt.npz").stat().st_mode & 0o777 == mode
    assert (tmp_path / "plain.txt").stat().st_mode & 0o777 == mode


def dead_pid():
    """The pid of a process that has ended (and, just reaped, is not reused yet)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def temp_name(target, pid, host=None, random="deadbeef"):
    """The name ``temp_path`` gives, with a chosen pid, host tag and random part."""
    return f".{target}.tmp-{pid}-{_host_tag() if host is None else host}-{random}"


def test_a_killed_write_leaves_a_temp_file_that_the_next_write_removes(tmp_path):
    target = tmp_path / "ckpt.npz"
    # What a write killed mid-way leaves: a temp file named after a process now gone.
    killed = tmp_path / temp_name("ckpt.npz", dead_pid())
    killed.write_bytes(b"x" * 1000)
    # A live writer's temp file (this test's parent process, same target) must stay.
    live = tmp_path / temp_name("ckpt.npz", os.getppid(), random="cafecafe")
    live.write_bytes(b"partial")
    other = tmp_path / temp_name("other.npz", dead_pid(), random="00000000")
    other.write_bytes(b"y")
    sn.save({"w": sn.ones(2)}, target)
    assert not killed.exists()
    assert live.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ckpt.npz", live.name, other.name])
    assert sn.load(target)["w"].tolist() == [1.0, 1.0]


def test_old_temp_files_go_even_when_their_pid_looks_alive(tmp_path):
    target = tmp_path / "log.csv"
    stale = tmp_path / temp_name("log.csv", os.getppid(), random="11111111")
    legacy = tmp_path / ".log.csv.abc123xy.tmp"        # mkstemp names of earlier versions
    fresh_legacy = tmp_path / ".log.csv.zzz999qq.tmp"
    for p in (stale, legacy, fresh_legacy):
        p.write_bytes(b"z")
    day_ago = os.stat(stale).st_mtime - 2 * 86400
    os.utime(stale, (day_ago, day_ago))
    os.utime(legacy, (day_ago, day_ago))
    removed = remove_stale_temps(target)
    assert sorted(removed) == sorted([str(stale), str(legacy)])
    assert fresh_legacy.exists()


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.bin"
    atomic_write(target, lambda f: f.write(b"old"))

    def fail(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
    assert os.path.basename(temp_path(target)).startswith(
        f".a.bin.tmp-{os.getpid()}-{_host_tag()}-")


def test_a_temp_file_of_another_machine_is_judged_by_age_not_by_pid(tmp_path):
    # A folder shared by two machines (NFS): a pid recorded by the other machine means
    # nothing here, so its temp file stays however dead that pid looks on this machine...
    target = tmp_path / "ckpt.npz"
    elsewhere = "0" * 8 if _host_tag() != "0" * 8 else "1" * 8
    remote = tmp_path / temp_name("ckpt.npz", dead_pid(), host=elsewhere)
    remote.write_bytes(b"another machine is writing this")
    sn.save({"w": sn.ones(2)}, target)
    assert remote.read_bytes() == b"another machine is writing this"
    # ...until it is over a day old: no write takes that long.
    day_ago = os.stat(remote).st_mtime - 2 * 86400
    os.utime(remote, (day_ago, day_ago))
    sn.save({"w": sn.ones(2)}, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


def test_a_temp_name_of_the_previous_version_is_judged_by_its_pid(tmp_path):
    # ``.<name>.tmp-<pid>-<random>`` (before the host was recorded): those versions ran on
    # one machine, so a dead pid means a killed write, as it did then.
    old_style = tmp_path / f".ckpt.npz.tmp-{dead_pid()}-deadbeef"
    old_style.write_bytes(b"x")
    assert remove_stale_temps(tmp_path / "ckpt.npz") == [str(old_style)]
