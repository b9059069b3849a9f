"""The crossbuild install command: output, report, one-line errors, a root left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, snapshot
from helpers.installing import NATIVE, SITE, on_disk

from crossbuild.cli.summary import human_size


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
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["installed", "alpha", "1.0"],
        ["installed", "beta", "2.0"],
        ["installed", "tool", "1.0"],
        ["image", "grew", "by"],
    ]
    assert not [line for line in err.splitlines() if line.startswith("installed")]  # said once, on stdout
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
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["kept", "alpha", "1.0"],
        ["kept", "beta", "2.0"],
        ["kept", "tool", "1.0"],
        ["image", "size", "unchanged"],
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


def test_cli_prints_one_summary(
    rootfs: FakeLayout, options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the install changed, said once: on stdout, with sizes; the log says it no more."""
    root = rootfs.root
    code, out, err = run_cli(["install", "beta==1.0", *options], capsys)
    assert code == 0, err
    beta1 = on_disk(root, tuple(f"/{p.relative_to(root)}" for p in (root / SITE).rglob("*") if p.is_file()))
    assert beta1 < 1000
    assert out.splitlines() == [
        f"installed   beta 1.0 {human_size(beta1):>9}  (wheel)",
        f"image grew by {beta1} bytes (6 files added, 0 removed, 0 replaced)",
    ]

    code, out, err = run_cli(["install", "alpha", "tool", *options], capsys)
    assert code == 0, err
    entries = {e["metadata"]["name"]: e for e in json.loads((tmp_path / "report.json").read_text())["install"]}
    alpha, beta, tool = (on_disk(root, entries[name]["files"]) for name in ("alpha", "beta", "tool"))
    growth = alpha + beta + tool - beta1
    assert out.splitlines() == [
        f"installed   {'alpha 1.0':<19} {human_size(alpha):>9}  (wheel)",
        f"upgraded    {'beta 2.0 (from 1.0)':<19} {human_size(beta):>9}  (wheel)",
        f"installed   {'tool 1.0':<19} {human_size(tool):>9}  (wheel)",
        f"image grew by {human_size(growth)} ({growth:,} bytes; 21 files added, 5 removed, 1 replaced)",
    ]
    assert [line for line in err.splitlines() if "installed" in line or "/tmp" in line] == []

    code, out, err = run_cli(["install", "alpha", *options], capsys)
    assert code == 0, err
    assert out.splitlines() == [
        f"kept        alpha 1.0 {human_size(alpha):>9}",
        f"kept        beta 2.0  {human_size(beta):>9}",
        "image size unchanged (0 files added, 0 removed, 0 replaced)",
    ]

    code, out, err = run_cli(["install", "beta==1.0", *options], capsys)
    assert code == 0, err
    assert 0 < beta - beta1 < 1000
    assert out.splitlines() == [
        f"downgraded  beta 1.0 (from 2.0) {human_size(beta1):>9}  (wheel)",
        f"image shrank by {beta - beta1} bytes (5 files added, 7 removed, 1 replaced)",
    ]


@pytest.mark.parametrize(
    ("flags", "env"), [(["--link-mode", "hardlink"], {}), ([], {"CROSSBUILD_LINK_MODE": "hardlink"})]
)
def test_cli_link_mode(
    rootfs: FakeLayout,
    options: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    env: dict[str, str],
) -> None:
    """Hard links on request (flag or variable): the root's file is the cache's."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _out, err = run_cli(["install", "beta", *options, *flags], capsys)
    assert code == 0, err
    assert (rootfs.root / SITE / NATIVE).stat().st_nlink == 2
