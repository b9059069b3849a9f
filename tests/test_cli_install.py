"""The crossbuild install command: output, report, one-line errors, a root left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commandline import run_cli
from fakehost import FakeLayout, snapshot


@pytest.fixture
def options(rootfs: FakeLayout, fake_cc: Path, links: Path, tmp_path: Path, no_pip_config: None) -> list[str]:
    """Options of ``crossbuild install``: the rootfs's host and root, ``links`` only, a report."""
    return [
        *("--host", str(rootfs.python), "--root", str(rootfs.root), "--no-index", "-f", str(links)),
        *("--report", str(tmp_path / "report.json"), "--cache-dir", str(tmp_path / "cache")),
    ]


def test_cli_install(
    rootfs: FakeLayout, options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    argv = ["install", "alpha", "tool", *options]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert out.splitlines() == ["alpha 1.0 (wheel)", "beta 2.0 (wheel)", "tool 1.0 (wheel)"]
    assert "installed beta 2.0 (wheel)" in err.splitlines()
    data = json.loads(report.read_text())
    assert [(e["metadata"]["name"], e["requested"]) for e in data["install"]] == [
        ("alpha", True),
        ("beta", False),
        ("tool", True),
    ]
    assert data["root"] == str(rootfs.root)
    assert data["scheme"]["scripts"] == "/usr/local/bin"
    assert (rootfs.root / "usr/local/bin/tool").is_file()

    code, out, _ = run_cli([*argv, "--compile"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "alpha 1.0 (already installed)",
        "beta 2.0 (already installed)",
        "tool 1.0 (already installed)",
    ]


def test_cli_install_error(
    rootfs: FakeLayout, options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(rootfs.root)
    code, out, err = run_cli(["install", "alpha", "no-such-project", *options], capsys)
    assert (code, out) == (1, "")
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: no version satisfies no-such-project (from command line) on the host; "
        "check the versions, or where they come from"
    ]
    assert err.splitlines()[-1] == errors[0]
    assert not (tmp_path / "report.json").exists()
    assert snapshot(rootfs.root) == before


def test_cli_install_needs_a_target(
    rootfs: FakeLayout, fake_cc: Path, no_pip_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["install", "alpha", "--host", str(rootfs.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == ["error: say where to install: --root ROOTFS (the host's /) or --prefix ROOTFS/usr"]
