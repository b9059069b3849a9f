"""Steps in parallel (``install -j``): they overlap, and a failure or a signal stops every
program any of them has under way."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from crossbuild import _pool, _subprocess
from crossbuild._exceptions import CommandError
from crossbuild._pool import default_jobs, in_parallel
from crossbuild._signals import signals_raise
from crossbuild._subprocess import run
from crossbuild._tempdirs import process_alive

BOUND = 20.0
"""Seconds a test waits for an event that must come (it fails, not hangs, when it does not)."""


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + BOUND
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def _long_program(tmp_path: Path, name: str) -> tuple[list[str], Path]:
    """A program that writes its pid to ``NAME.pid`` (atomically) and then runs for long."""
    pid_file = tmp_path / f"{name}.pid"
    script = f"echo $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file} && exec sleep {BOUND * 3}"
    return ["sh", "-c", script], pid_file


def test_steps_overlap_with_two_jobs() -> None:
    meeting = threading.Barrier(2, timeout=BOUND)  # passes only if both steps run at once
    assert in_parallel([lambda: meeting.wait() * 0 + 1, lambda: meeting.wait() * 0 + 2], 2) == [1, 2]


def test_one_job_runs_the_steps_one_after_the_other_in_this_thread() -> None:
    threads: list[threading.Thread] = []
    order: list[int] = []

    def step(number: int) -> int:
        threads.append(threading.current_thread())
        order.append(number)
        return number * 10

    assert in_parallel([lambda: step(1), lambda: step(2), lambda: step(3)], 1) == [10, 20, 30]
    assert order == [1, 2, 3]
    assert threads == [threading.main_thread()] * 3


def test_a_failure_stops_the_programs_of_the_other_steps(tmp_path: Path) -> None:
    argv, pid_file = _long_program(tmp_path, "build")

    def failing() -> None:
        _wait_for(pid_file)
        raise ValueError("the first build failed")

    started = time.monotonic()
    with pytest.raises(ValueError, match="the first build failed"):
        in_parallel([lambda: run(argv, what="a long build"), failing], 2)
    assert time.monotonic() - started < BOUND  # the long program was killed, not waited for
    assert not process_alive(int(pid_file.read_text()))
    run(["true"], what="a later program")  # the next stretch runs programs again


@pytest.mark.usefixtures("stop_signals_raise")
def test_ctrl_c_in_the_main_thread_stops_every_worker(tmp_path: Path) -> None:
    programs = [_long_program(tmp_path, name) for name in ("first", "second")]
    before = threading.active_count()

    def interrupt() -> None:
        for _, pid_file in programs:
            _wait_for(pid_file)
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the main thread, waiting for the steps

    steps = [lambda argv=argv: run(argv, what="a build") for argv, _ in programs]
    with signals_raise(), pytest.raises(KeyboardInterrupt):
        in_parallel([*steps, interrupt], 3)
    assert [process_alive(int(pid_file.read_text())) for _, pid_file in programs] == [False, False]
    assert threading.active_count() == before  # every worker ended


def test_a_program_started_while_stopping_does_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = tmp_path / "ran"
    stopped = threading.Event()
    late_error: list[BaseException] = []

    def stop_all() -> None:
        _subprocess.stop_all()
        stopped.set()

    monkeypatch.setattr(_pool, "stop_all", stop_all)

    late_started = threading.Event()

    def failing() -> None:
        assert late_started.wait(BOUND)
        raise ValueError("failed")

    def late() -> None:
        late_started.set()
        assert stopped.wait(BOUND)
        try:
            run(["touch", str(ran)], what="a late program")
        except CommandError as error:
            late_error.append(error)

    with pytest.raises(ValueError, match="failed"):
        in_parallel([failing, late], 2)
    assert not ran.exists()
    assert str(late_error[0]) == "a late program failed (exit code -9): not started: the run is stopping"
    run(["touch", str(ran)], what="a program after the parallel stretch")
    assert ran.exists()


def test_default_jobs_is_the_cores_we_may_use() -> None:
    assert default_jobs() == len(os.sched_getaffinity(0))
