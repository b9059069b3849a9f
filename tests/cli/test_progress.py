"""Progress: the library reports its long steps through a Reporter, and never prints; the
command draws them with rich on a terminal, and only there."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from helpers.installing import Install
from rich.console import Console

from crossbuild import Reporter, Step
from crossbuild.cli.progress import RichReporter, in_ci, progress_reporter


class Recorder(Reporter):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def started(self, step: Step) -> None:
        self.events.append(("started", str(step)))

    def finished(self, step: Step) -> None:
        self.events.append(("finished", str(step)))


def test_install_reports_its_steps(
    install: Install, root: Path, links: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder()
    install(["alpha"], reporter=recorder)
    assert recorder.events == [
        ("started", "resolving alpha"),
        ("started", "downloading alpha 1.0"),
        ("finished", "downloading alpha 1.0"),
        ("started", "downloading beta 2.0"),
        ("finished", "downloading beta 2.0"),
        ("finished", "resolving alpha"),
        ("started", "installing alpha 1.0"),
        ("finished", "installing alpha 1.0"),
        ("started", "installing beta 2.0"),
        ("finished", "installing beta 2.0"),
        ("started", f"installing {root}"),
        ("finished", f"installing {root}"),
    ]
    assert capsys.readouterr() == ("", "")  # the library never prints


def test_a_failed_step_is_finished_too(install: Install) -> None:
    recorder = Recorder()
    with pytest.raises(Exception, match="no version satisfies"):
        install(["no-such-project"], reporter=recorder)
    assert recorder.events == [("started", "resolving no-such-project"), ("finished", "resolving no-such-project")]


def test_rich_reporter_shows_the_steps_under_way_with_their_time() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100, color_system=None)
    outer = Step("numpy 2.2.6", "building")
    inner = Step("numpy-2.2.6.tar.gz", "building", "build_wheel")
    with RichReporter(console) as reporter:
        reporter.started(outer)
        reporter.started(inner)
        logging.getLogger("crossbuild.test").warning("a line above the steps")
        reporter._progress.refresh()
        shown = stream.getvalue()
        reporter.finished(inner)
        reporter.finished(outer)
    assert "building numpy 2.2.6 " in shown
    assert "building numpy-2.2.6.tar.gz: build_wheel" in shown
    assert "0:00:00" in shown  # the time each step has taken


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "verbose", "environ", "shown"),
    [
        (True, False, {}, True),
        (True, False, {"CI": "false"}, True),
        (False, False, {}, False),
        (True, True, {}, False),
        (True, False, {"CI": "true"}, False),
        (True, False, {"CI": "1"}, False),
    ],
)
def test_progress_only_on_a_terminal_without_verbose_outside_ci(
    tty: bool, verbose: bool, environ: dict[str, str], shown: bool
) -> None:
    with progress_reporter(_Stream(tty), _Stream(False), verbose=verbose, environ=environ) as reporter:
        assert isinstance(reporter, RichReporter) is shown


def test_in_ci() -> None:
    assert [in_ci({"CI": v}) for v in ("true", "True", "1", "yes", "", "0", "false")] == [True] * 4 + [False] * 3
    assert in_ci({}) is False
