"""How the library tells what it is doing while it does it, without printing.

As resolvelib's ``BaseReporter``: :class:`Reporter` is a set of hooks that do nothing;
``install`` and ``build_wheel`` call them as long steps start and end (resolving,
downloading, building — with the backend hook being run —, installing), and whoever
calls the library passes a reporter that shows them.  The ``crossbuild`` command shows
them on a terminal (:mod:`crossbuild.cli.progress`); the library itself never prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Phase = Literal["resolving", "downloading", "building", "installing", "testing"]


@dataclass(frozen=True)
class Step:
    """A long step of an install or a build.  Steps nest: building a project holds the
    step that runs its backend's ``build_wheel`` hook."""

    project: str
    """What the step works on: ``numpy 2.2.6``, a source as given, or the requirements."""
    phase: Phase
    detail: str = ""
    """What within the phase: the backend hook being run (``build_wheel``), ``build environment``…"""

    def __str__(self) -> str:
        return f"{self.phase} {self.project}" + (f": {self.detail}" if self.detail else "")


class Reporter:
    """Hooks called as steps start and end; they do nothing by default.

    Every :meth:`started` is followed by a :meth:`finished` of the same step, whether the
    step succeeded or failed, innermost steps first.
    """

    def started(self, step: Step) -> None:
        """``step`` began."""

    def finished(self, step: Step) -> None:
        """``step`` ended (done, failed, or interrupted)."""


@contextlib.contextmanager
def reporting(reporter: Reporter | None, project: str, phase: Phase, detail: str = "") -> Iterator[None]:
    """Report the step that runs within this block to ``reporter`` (if there is one)."""
    if reporter is None:
        yield
        return
    step = Step(project, phase, detail)
    reporter.started(step)
    try:
        yield
    finally:
        reporter.finished(step)
