"""The one place crossbuild runs other programs.

:func:`run` is for steps that must succeed: output is read line by line, goes to the
``crossbuild.output`` logger (shown with ``-v``) and to the build's log file if there is
one, never into memory whole; its last lines and its first real failure (a compiler's
``error:`` line) are kept, so a failure can show what went wrong.  :func:`probe` is for
questions whose answer may be "no".

Builds run in worker threads (``install -j``) while signals arrive in the main thread:
:func:`stop_all` kills every program :func:`run` has under way, in whatever thread, and
makes later calls fail at once, so that a Ctrl-C stops every build, not only the
main thread's.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ._buildlog import BuildLog, FailureScanner
from ._exceptions import CommandError

logger = logging.getLogger("crossbuild")
output_logger = logging.getLogger("crossbuild.output")

TAIL_LINES = 40

_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.Lock()
_stopped = threading.Event()


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    log: BuildLog | None = None,
) -> None:
    """Run ``command``, streaming its merged output to the log (and to ``log``).

    Raises :class:`CommandError` (naming ``what``, carrying the output's tail and its first
    real failure) when it exits with a non-zero code.
    """
    argv = [os.fspath(part) for part in command]
    logger.debug("running %s%s", shlex.join(argv), f" (in {cwd})" if cwd else "")
    if log is not None:
        log.command(argv, cwd)
    last: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    scanner = FailureScanner()
    if _stopped.is_set():
        raise CommandError(what, argv, -signal.SIGKILL, "not started: the run is stopping")
    try:
        process = subprocess.Popen(
            argv,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: stopped as a whole, see below
        )
    except OSError as error:
        if log is not None:
            log.write(f"{error}\n")
        raise CommandError(what, argv, 127, str(error)) from None
    assert process.stdout is not None
    with _running_lock:
        _running.add(process)
        if _stopped.is_set():  # stop_all ran between the test above and now
            _kill(process)
    with process:
        try:
            for line in process.stdout:
                last.append(line)
                scanner.feed(line)
                output_logger.info(line.rstrip("\n"))
                if log is not None:
                    log.write(line)
        except BaseException:  # Ctrl-C, SIGTERM: the program and all it started stop now, not later
            _kill(process)
            raise
        finally:
            with _running_lock:
                _running.discard(process)
    if process.returncode != 0:
        if log is not None:
            log.write(f"[exit code {process.returncode}]\n")
        raise CommandError(what, argv, process.returncode, "".join(last), scanner.failure)


def _kill(process: subprocess.Popen[str]) -> None:
    """Kill ``process`` and everything it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def stoppable() -> Iterator[None]:
    """A stretch whose programs :func:`stop_all` may kill; once it is over, programs may
    run again (a later stretch of the same process starts afresh)."""
    try:
        yield
    finally:
        _stopped.clear()


def stop_all() -> None:
    """Kill every program :func:`run` has under way, in any thread, with all it started; until
    the end of the :func:`stoppable` stretch, :func:`run` raises :class:`CommandError` at once."""
    with _running_lock:
        _stopped.set()
        for process in _running:
            _kill(process)


def tail(text: str, count: int = TAIL_LINES) -> str:
    """The last ``count`` lines of ``text``."""
    return "".join(collections.deque(text.splitlines(keepends=True), maxlen=count))


@dataclass(frozen=True)
class ProbeResult:
    """What a probe printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def probe(
    command: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> ProbeResult:
    """Run a command whose failure is an answer, not an error: does this compiler build for
    the host, which version is this python?  Logged at ``-v``; never raises (a program that
    cannot start gives exit code 127 and the reason as ``stderr``)."""
    argv = [os.fspath(part) for part in command]
    try:
        result = subprocess.run(
            argv,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
        )
    except OSError as error:
        logger.debug("probe %s cannot start: %s", shlex.join(argv), error)
        return ProbeResult(127, "", str(error))
    if result.returncode != 0:
        logger.debug("probe %s failed (exit code %d): %s", shlex.join(argv), result.returncode, result.stderr.strip())
    return ProbeResult(result.returncode, result.stdout, result.stderr)
