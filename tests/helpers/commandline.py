"""Running the ``crossbuild`` command in the tests."""

from __future__ import annotations

import pytest

import crossbuild.cli.main as cli


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``crossbuild ARGV``: its exit code, standard output and standard error."""
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
