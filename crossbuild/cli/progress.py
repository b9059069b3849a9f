"""The command's live progress on a terminal: the steps under way, each with its time so far.

A :class:`~crossbuild._reporter.Reporter` drawn with ``rich``: one line per step under
way (``building numpy 2.2.6: build_wheel  0:03:12``), cleared when the command ends so
that what remains is the command's own output.  Only on a terminal, without ``-v`` (which
shows the full output instead) and outside CI (whose logs are files, not terminals).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, TextIO

from .._reporter import Reporter, Step

if TYPE_CHECKING:  # rich is imported when a terminal shows progress, not by every command
    from rich.console import Console
    from rich.progress import TaskID


class RichReporter(Reporter):
    """Shows every step under way on ``console``, innermost last."""

    def __init__(self, console: Console, redirect_stdout: bool = False) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=redirect_stdout,
            redirect_stderr=True,  # log lines go above the steps, not through them
        )
        self._tasks: list[tuple[Step, TaskID]] = []
        self._lock = threading.Lock()  # steps of parallel builds start and end in their threads

    def started(self, step: Step) -> None:
        with self._lock:
            self._tasks.append((step, self._progress.add_task(str(step), total=None)))

    def finished(self, step: Step) -> None:
        with self._lock:
            for index in range(len(self._tasks) - 1, -1, -1):
                if self._tasks[index][0] == step:
                    self._progress.remove_task(self._tasks.pop(index)[1])
                    return

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()


def in_ci(environ: Mapping[str, str]) -> bool:
    """``CI=true`` (GitHub, GitLab, most others): output goes to a log, not a person."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@contextlib.contextmanager
def progress_reporter(
    stderr: TextIO, stdout: TextIO, *, verbose: bool, environ: Mapping[str, str]
) -> Iterator[Reporter | None]:
    """A reporter that draws on ``stderr`` when it is a terminal (not with ``verbose``, nor in
    CI), else ``None``.  What is printed to ``stdout`` meanwhile goes above the steps when
    ``stdout`` is the terminal too, and straight to ``stdout`` when it is not."""
    if verbose or in_ci(environ) or not stderr.isatty():
        yield None
        return
    from rich.console import Console

    with RichReporter(Console(file=stderr), redirect_stdout=stdout.isatty()) as reporter:
        yield reporter
