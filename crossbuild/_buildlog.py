"""The full output of a build, and the line of it that says what went wrong.

A numpy build prints for ten minutes; a parallel one (ninja) goes on compiling other units
after the first failure and ends in their warnings and ``ninja: build stopped``.  So the
output is never held in memory whole: :class:`FailureScanner` reads it as it streams by and
keeps the *first* real failure (ninja's ``FAILED:`` target, the compiler's ``error:``
line), and :class:`BuildLog` writes it to a file that is kept in the cache when the build
fails (``<cache>/logs/<project>-<time>.log``, the newest :data:`KEPT_LOGS` of them) and
removed when it succeeds.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from ._exceptions import CrossbuildError, shorten

#: How many logs of failed builds the cache keeps.
KEPT_LOGS = 20

#: A compiler's or a build tool's own error line: gcc/clang ``x.c:4:2: error: …``, ``cc1: fatal
#: error: …``, ``internal compiler error: …``, rustc's ``error[E0425]: …``, meson's ``ERROR: …``.
_ERROR = re.compile(r"(?:^|[\s:])(?:fatal error|internal compiler error|error)(?:\[\w+\])?:(?:\s|$)", re.IGNORECASE)
_CMAKE_ERROR = re.compile(r"^CMake Error\b")
#: ninja's line for a command that failed: ``FAILED: target`` (``FAILED: [code=1] target`` in 1.12).
_NINJA_FAILED = re.compile(r"^FAILED: (?:\[code=\d+\] )?(\S.*?)\s*$")


class FailureScanner:
    """Finds the first real failure in output fed to it line by line."""

    def __init__(self) -> None:
        self._target: str | None = None
        self._error: str | None = None
        self._error_after_target: str | None = None

    def feed(self, line: str) -> None:
        text = line.strip()
        if self._target is None:
            match = _NINJA_FAILED.match(text)
            if match:
                self._target = match.group(1)
                return
        if not (_ERROR.search(text) or _CMAKE_ERROR.match(text)):
            return
        if self._error is None:
            self._error = text
        if self._target is not None and self._error_after_target is None:
            self._error_after_target = text

    @property
    def failure(self) -> str | None:
        """``FAILED: target: the compiler's error line``, or either alone, or ``None``."""
        if self._target is not None:
            error = self._error_after_target
            return shorten(f"FAILED: {self._target}" + (f": {error}" if error else ""))
        return shorten(self._error) if self._error is not None else None


def first_failure(lines: Iterable[str]) -> str | None:
    """The first real failure in ``lines`` (see :class:`FailureScanner`)."""
    scanner = FailureScanner()
    for line in lines:
        scanner.feed(line)
    return scanner.failure


class BuildLog:
    """The output of every command of one build, written to ``path`` as it comes."""

    def __init__(self, path: Path, stream: IO[str]) -> None:
        self.path = path
        self._stream = stream
        self.commands = 0
        """How many commands wrote into the log."""

    def command(self, argv: Sequence[str], cwd: str | os.PathLike[str] | None) -> None:
        """Note the command whose output follows."""
        self.commands += 1
        where = f"(in {cwd}) " if cwd else ""
        self._stream.write(f"\n{where}$ {shlex.join(argv)}\n")

    def write(self, text: str) -> None:
        self._stream.write(text)

    def close(self) -> None:
        self._stream.close()


@contextlib.contextmanager
def build_log(cache: Path, project: str, header: str) -> Iterator[BuildLog]:
    """A log for the build of ``project``: kept when a :class:`CrossbuildError` (or a bug)
    ends the build after a command ran, and named on the error as ``log``; removed when
    the build succeeds, is interrupted, or failed before running anything."""
    directory = cache / "logs"
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    path, descriptor = _create(directory, _file_name(project))
    log = BuildLog(path, os.fdopen(descriptor, "w", encoding="utf-8", errors="replace"))
    kept = False
    try:
        log.write(header + "\n")
        yield log
    except Exception as error:
        kept = log.commands > 0
        if kept and isinstance(error, CrossbuildError) and error.log is None:
            error.log = path
        raise
    finally:
        log.close()
        if kept:
            prune(directory)
        else:
            path.unlink(missing_ok=True)


def _file_name(project: str) -> str:
    """``numpy-2.2.6.tar.gz`` → ``numpy-2.2.6``, ``./src/pkg/`` → ``pkg``, ``a==1`` → ``a_1``."""
    base = Path(project).name or "build"
    base = re.sub(r"\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)$", "", base)
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", base).strip("._") or "build"


def _create(directory: Path, name: str) -> tuple[Path, int]:
    """A new file ``NAME-YYYYmmdd-HHMMSS[-N].log`` in ``directory``, never one of another run's."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        path = directory / f"{name}-{stamp}{'' if attempt == 1 else f'-{attempt}'}.log"
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
    raise FileExistsError(f"too many build logs named {name}-{stamp} in {directory}")


def prune(directory: Path, keep: int = KEPT_LOGS) -> None:
    """Remove all but the newest ``keep`` logs of ``directory``."""
    logs = []
    for path in directory.glob("*.log"):
        with contextlib.suppress(OSError):
            logs.append((path.stat().st_mtime_ns, path.name, path))
    for _, _, path in sorted(logs, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
