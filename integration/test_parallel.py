"""``install -j``: independent sdists are cross-built at the same time, with the result of
``-j 1``, and a Ctrl-C stops every build and leaves nothing behind.

The two sdists (``c_ext`` and ``cpp_ext``, made at test time) meet in their ``setup.py``:
with the meeting on, each one writes ``NAME.started`` and then waits until the other's
exists.  Built one after the other, the first would wait for ever (the test fails after
:data:`BOUND` seconds); that ``-j 2`` succeeds proves the builds overlapped, without
timing anything.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PACKAGES, link_copy, run_crossbuild
from helpers.fakehost import snapshot
from helpers.signals import stop_signals_default

from crossbuild._tempdirs import process_alive

BOUND = 240
"""Seconds the test waits for something that must happen (a build to start, a run to end)."""

MEETING = """\
import os, pathlib, time
MEETING = pathlib.Path({directory!r})
if (MEETING / "on").exists():
    (MEETING / "{name}.pid").write_text(str(os.getpid()))
    (MEETING / "{name}.started").touch()
    deadline = time.monotonic() + {bound}
    while not (MEETING / "{other}.started").exists() or (MEETING / "hold").exists():
        assert time.monotonic() < deadline, "{name}: {other} never started while this build ran"
        time.sleep(0.05)
"""
RECORD_JOBS = """
_command = _distribution.get_command_obj("build_ext")
_command.ensure_finalized()
(MEETING / "{name}.parallel").write_text(repr(_command.parallel))
"""


def _make_sdist(directory: Path, meeting: Path, package: str, name: str, other: str) -> Path:
    """An sdist of ``tests/packages/PACKAGE`` whose ``setup.py`` meets ``other`` first, and
    records the ``build_ext --parallel`` setuptools was given (none: ``-j`` is how many
    sdists are built at once, not how many extensions)."""
    source = PACKAGES / package
    files = {p.relative_to(source).as_posix(): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    setup = files["setup.py"].decode().replace("setup(ext_modules", "_distribution = setup(ext_modules")
    meeting_code = MEETING.format(directory=str(meeting), name=name, other=other, bound=BOUND)
    files["setup.py"] = (meeting_code + setup + RECORD_JOBS.format(name=name)).encode()
    top = f"{name}-1.0"
    path = directory / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for relative, content in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{relative}")
            info.size = len(content)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return path


@dataclass(frozen=True)
class Parallel:
    sdists: tuple[Path, Path]
    meeting: Path
    cache: Path
    tmpdir: Path

    def argv(self, root: Path, jobs: int) -> list[str]:
        return [
            "install",
            *map(str, self.sdists),
            "--host",
            str(root / "usr/bin/python3.11"),
            "--root",
            str(root),
            "--cache-dir",
            str(self.cache),
            "-j",
            str(jobs),
        ]

    def env(self, fault: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "CROSSBUILD_FAULT"}
        env["TMPDIR"] = str(self.tmpdir)
        if fault is not None:
            env["CROSSBUILD_FAULT"] = fault
        return env

    def fresh(self) -> None:
        """No wheel built before (the build environment stays), no meeting left over."""
        shutil.rmtree(self.cache / "built", ignore_errors=True)
        for path in self.meeting.iterdir():
            path.unlink()


@pytest.fixture
def parallel(tmp_path: Path) -> Parallel:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    sdists = tmp_path / "sdists"
    sdists.mkdir()
    pair = (
        _make_sdist(sdists, meeting, "c_ext", "cext", "cppext"),
        _make_sdist(sdists, meeting, "cpp_ext", "cppext", "cext"),
    )
    return Parallel(pair, meeting, tmp_path / "cache", tmpdir)


def _built(stdout: str) -> list[str]:
    """``NAME VERSION`` of the lines ``installed   NAME VERSION   SIZE  (built)`` of the summary."""
    return sorted(" ".join(line.split()[1:3]) for line in stdout.splitlines() if line.endswith("(built)"))


def _installed(root: Path) -> dict[str, tuple[str, int, str]]:
    return snapshot(root / "usr/local/lib/python3.11")


def test_two_jobs_build_both_sdists_at_once_as_one_job_does(parallel: Parallel, sysroot: Path, tmp_path: Path) -> None:
    serial_root = link_copy(sysroot, tmp_path / "serial")
    serial = run_crossbuild(*parallel.argv(serial_root, 1), env=parallel.env())
    assert serial.returncode == 0, serial.stderr
    assert _built(serial.stdout) == ["cext 1.0", "cppext 1.0"]
    assert (parallel.meeting / "cext.parallel").read_text() == "None"  # one job: setuptools as it is

    parallel.fresh()
    (parallel.meeting / "on").touch()  # each build now waits for the other to start
    parallel_root = link_copy(sysroot, tmp_path / "parallel")
    both = run_crossbuild(*parallel.argv(parallel_root, 2), env=parallel.env())
    assert both.returncode == 0, both.stderr
    assert _built(both.stdout) == ["cext 1.0", "cppext 1.0"]
    assert {p.name for p in parallel.meeting.glob("*.started")} == {"cext.started", "cppext.started"}
    assert (parallel.meeting / "cext.parallel").read_text() == "None"  # -j is sdists at once, not extensions
    assert _installed(parallel_root) == _installed(serial_root)  # the same files, modes and bytes
    assert list(parallel.tmpdir.iterdir()) == []


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + BOUND
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_parallel_builds_stops_them_all(
    how: signal.Signals, parallel: Parallel, sysroot: Path, tmp_path: Path
) -> None:
    root = link_copy(sysroot, tmp_path / "root")
    before = _installed(root) if (root / "usr/local/lib/python3.11").exists() else None
    work_dirs = sorted(p.name for p in root.glob(".crossbuild-*"))  # the sysroot's own marker
    (parallel.meeting / "on").touch()
    (parallel.meeting / "hold").touch()  # both builds start, meet, and hold there
    process = subprocess.Popen(
        [sys.executable, "-m", "crossbuild", *parallel.argv(root, 2)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=parallel.env(),
        preexec_fn=stop_signals_default,  # it is sent SIGINT: not ignored, however the tests were started
    )
    try:
        for name in ("cext", "cppext"):
            _wait_for(parallel.meeting / f"{name}.started", process)
        backends = [int((parallel.meeting / f"{name}.pid").read_text()) for name in ("cext", "cppext")]
        process.send_signal(how)  # to crossbuild only: the backends run in their own sessions
        _, stderr = process.communicate(timeout=BOUND)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + how, stderr
    assert [process_alive(pid) for pid in backends] == [False, False]
    assert list(parallel.tmpdir.iterdir()) == []
    assert sorted(p.name for p in root.glob(".crossbuild-*")) == work_dirs
    after = _installed(root) if (root / "usr/local/lib/python3.11").exists() else None
    assert after == before
    assert "Traceback" not in stderr
