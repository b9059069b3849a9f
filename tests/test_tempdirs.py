"""crossbuild's temporary directories: removed on the way out, and after SIGKILL by the next run."""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
from pathlib import Path

import pytest

from crossbuild import _tempdirs
from crossbuild._tempdirs import sweep, temporary_directory


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setenv("TMPDIR", str(directory))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile reads TMPDIR again
    monkeypatch.setattr(_tempdirs, "_swept", set())
    return directory


def test_a_temporary_directory_is_named_after_its_process_and_removed(tmpdir_env: Path) -> None:
    with temporary_directory("wheels") as path:
        assert path.parent == tmpdir_env
        assert path.name.startswith(f"crossbuild-{os.getpid():07d}-wheels-")
        descriptor = os.open(path, os.O_RDONLY)
        try:  # locked while it lives
            with pytest.raises(BlockingIOError):
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(descriptor)
        (path / "sub").mkdir()
    assert list(tmpdir_env.iterdir()) == []
    with pytest.raises(KeyboardInterrupt), temporary_directory("build"):
        raise KeyboardInterrupt
    assert list(tmpdir_env.iterdir()) == []


def test_a_temporary_directory_has_the_same_length_whatever_the_pid(
    tmpdir_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dropped run-time search path into it leaves padding of its length in an ELF file:
    builds by processes 7 and 4194304 must leave the same bytes."""
    lengths = set()
    for pid in (7, 4194304):
        monkeypatch.setattr(os, "getpid", lambda pid=pid: pid)
        with temporary_directory("build") as path:
            lengths.add(len(str(path)))
            assert int(path.name.split("-")[1]) == pid
    assert len(lengths) == 1


def test_the_first_temporary_directory_sweeps_what_killed_runs_left(
    tmpdir_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = tmpdir_env / f"crossbuild-{_dead_pid()}-wheels-abcdefgh"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub/x.whl").write_bytes(b"partial")
    alive = tmpdir_env / f"crossbuild-{os.getppid()}-build-abcdefgh"  # pytest's parent lives
    alive.mkdir()
    foreign = [tmpdir_env / "crossbuild-wheels-0tewojrz", tmpdir_env / "crossbuild-probe-x", tmpdir_env / "other"]
    for path in foreign:  # older crossbuild's names, and others': no pid, not ours to judge
        path.mkdir()

    with caplog.at_level(logging.INFO, logger="crossbuild"), temporary_directory("probe"):
        pass

    assert sorted(tmpdir_env.iterdir()) == sorted([alive, *foreign])
    assert caplog.messages == [f"removed {dead}, left by a crossbuild run that was killed"]


def test_a_locked_directory_is_never_swept(tmp_path: Path) -> None:
    # its process is in another pid namespace, say: the pid looks dead, the lock says it is not
    held = tmp_path / f"crossbuild-{_dead_pid()}-build-abcdefgh"
    held.mkdir()
    descriptor = os.open(held, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        sweep(tmp_path)
    finally:
        os.close(descriptor)
    assert held.is_dir()
