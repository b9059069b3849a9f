"""Bad input of every kind: a one-line ``error:`` naming the file and the fix, no
traceback, and nothing built or written before the input is known to be good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, make_layout, snapshot

from crossbuild.cli.commands import make_parser

PURE = Path(__file__).parents[1] / "packages" / "pure_pkg"


@pytest.fixture
def options(rootfs: FakeLayout, fake_cc: Path, links: Path, tmp_path: Path, no_pip_config: None) -> list[str]:
    """Options of ``crossbuild install``: the rootfs's host and root, ``links`` only."""
    return [
        *("--host", str(rootfs.python), "--root", str(rootfs.root), "--no-index", "-f", str(links)),
        *("--cache-dir", str(tmp_path / "cache")),
    ]


def _error(code: int, err: str) -> str:
    """The one line of a failed run (no traceback above it)."""
    assert code != 0
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err.rstrip("\n")


@pytest.mark.parametrize("flag", ["-r", "-c"])
def test_a_requirements_file_not_in_utf8(
    options: list[str], tmp_path: Path, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_bytes(b"alpha  # caf\xe9\n")
    code, _, err = run_cli(["install", flag, str(requirements), *options], capsys)
    assert _error(code, err) == (f"error: {requirements} is not UTF-8 text (byte 0xe9 at offset 12); save it as UTF-8")


def test_a_requirements_file_that_includes_itself(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = tmp_path / "requirements.txt"
    other = tmp_path / "other.txt"
    other.write_text("beta\n")
    requirements.write_text(f"alpha\n-r {other.name}\n-r requirements.txt\n")
    code, _, err = run_cli(["install", "-r", str(requirements), *options], capsys)
    assert _error(code, err) == (
        f"error: {requirements}:3: includes {requirements} again (a file that includes itself); remove that line"
    )


def test_log_naming_a_directory_or_a_missing_folder(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["install", "alpha", *options, "--log", str(tmp_path)], capsys)
    assert _error(code, err) == f"error: --log {tmp_path} is a directory; name a file"
    missing = tmp_path / "nowhere" / "build.log"
    code, _, err = run_cli(["install", "alpha", *options, "--log", str(missing)], capsys)
    assert _error(code, err) == (
        f"error: --log {missing}: its folder {missing.parent} does not exist; create it or name another file"
    )
    assert not missing.parent.exists()


def test_root_naming_a_file(
    rootfs: FakeLayout, options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "image.ext4"
    a_file.write_bytes(b"")
    argv = ["install", "alpha", *options, "--root", str(a_file)]
    code, _, err = run_cli(argv, capsys)
    assert _error(code, err) == f"error: --root {a_file} is not a directory; name the directory that is / on the host"


def test_report_and_wheel_dir_checked_before_anything_is_done(
    rootfs: FakeLayout, options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(rootfs.root)
    report = tmp_path / "nowhere" / "report.json"
    code, _, err = run_cli(["install", "alpha", *options, "--report", str(report)], capsys)
    assert _error(code, err) == (
        f"error: --report {report}: its folder {report.parent} does not exist; create it or name another file"
    )
    code, _, err = run_cli(["install", "alpha", *options, "--report", str(tmp_path)], capsys)
    assert _error(code, err) == f"error: --report {tmp_path} is a directory; name a file"
    assert snapshot(rootfs.root) == before
    assert not (tmp_path / "cache").exists()

    a_file = tmp_path / "dist"
    a_file.write_text("")
    argv = ["wheel", str(PURE), *options[:2], "--cache-dir", str(tmp_path / "c"), "-w", str(a_file)]
    code, _, err = run_cli(argv, capsys)
    assert _error(code, err) == f"error: -w {a_file} is not a directory; name a directory for the wheels"
    below = a_file / "wheels"
    code, _, err = run_cli([*argv[:-1], str(below)], capsys)
    assert _error(code, err) == f"error: -w {below}: {a_file} is a file; name a directory for the wheels"
    assert not (tmp_path / "c").exists()


def test_plat_checked_before_the_build(
    rootfs: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["wheel", str(PURE), "--host", str(rootfs.python), "--cache-dir", str(tmp_path / "cache")]
    code, _, err = run_cli([*argv, "-w", str(tmp_path / "dist"), "--plat", "manylinux_2_28_x86_64"], capsys)
    assert _error(code, err) == (
        "error: platform tag manylinux_2_28_x86_64 is for x86_64 but the host is aarch64; pass --plat a tag for "
        "aarch64, or auto"
    )
    assert not (tmp_path / "dist").exists()
    assert not (tmp_path / "cache" / "envs").exists()


def test_a_report_that_cannot_be_written_after_the_commit(
    rootfs: FakeLayout,
    options: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The install is committed: the run says the report is missing, and exits 0."""
    import crossbuild.cli.commands.install as command

    report = tmp_path / "report.json"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(report))

    monkeypatch.setattr(command, "_write_report", full)
    code, out, err = run_cli(["install", "alpha", *options, "--report", str(report)], capsys)
    assert code == 0
    assert out.split()[:3] == ["installed", "alpha", "1.0"]
    assert err.splitlines()[-1] == (
        f"warning: the install is committed, but --report {report} could not be written "
        "(No space left on device); the summary above is what it would say"
    )
    assert "error" not in err


def test_an_sbom_that_cannot_be_written_after_the_commit(
    rootfs: FakeLayout,
    options: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--sbom`` follows ``--report``'s rule: checked before the run, and a failure once the
    install is committed is a warning with the command that writes it again, exit 0."""
    import crossbuild.cli.commands.install as command

    missing = tmp_path / "no-such-folder" / "image.cdx.json"
    code, _, err = run_cli(["install", "alpha", *options, "--sbom", str(missing)], capsys)
    assert _error(code, err) == (
        f"error: --sbom {missing}: its folder {missing.parent} does not exist; create it or name another file"
    )
    assert not (rootfs.root / "usr/local/lib/python3.11/dist-packages/alpha").exists()

    sbom = tmp_path / "image.cdx.json"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(sbom))

    monkeypatch.setattr(command, "_write_sbom", full)
    code, out, err = run_cli(["install", "alpha", *options, "--sbom", str(sbom)], capsys)
    assert code == 0
    assert out.split()[:3] == ["installed", "alpha", "1.0"]
    assert err.splitlines()[-1] == (
        f"warning: the install is committed, but --sbom {sbom} could not be written (No space left on device); "
        f"crossbuild sbom --root {rootfs.root} -o {sbom} writes it again"
    )


def test_a_host_python_older_than_3_10(tmp_path: Path, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = make_layout(tmp_path / "old", version="3.9")
    cache = tmp_path / "cache"
    code, _, err = run_cli(["wheel", str(PURE), "--host", str(old.python), "--cache-dir", str(cache)], capsys)
    assert _error(code, err) == (
        f"error: host python {old.python}: is CPython 3.9; crossbuild builds for CPython 3.10 and newer"
    )
    assert not (cache / "envs").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["wheel", "--test-requires", "pytest", "./src", "--host", "H"],
        ["wheel", "./src", "--test-requires", "pytest", "--host", "H"],
    ],
)
def test_test_requires_leaves_the_source_alone(argv: list[str]) -> None:
    args = make_parser("crossbuild").parse_args(argv)
    assert (args.sources, args.test_requires, args.host) == (["./src"], ["pytest"], "H")


def test_test_requires_in_cibuildwheels_form() -> None:
    args = make_parser("crossbuild").parse_args(["wheel", "./src", "--test-requires", "pytest hypothesis"])
    assert (args.sources, args.test_requires) == (["./src"], ["pytest hypothesis"])
    args = make_parser("crossbuild").parse_args(["wheel", "--test-requires=pytest", "--test-requires", "numpy", "."])
    assert (args.sources, args.test_requires) == (["."], ["pytest", "numpy"])


def test_report_is_json(options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    code, _, err = run_cli(["install", "alpha", *options, "--report", str(report)], capsys)
    assert code == 0, err
    assert json.loads(report.read_text())["install"]


def test_a_cache_on_a_full_disk(
    rootfs: FakeLayout,
    options: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache's disk fills up as a wheel is unpacked into it: the cache is named, not the root."""
    from crossbuild import _faults

    monkeypatch.setattr(_faults, "_ARMED", _faults.parse("unpack:errno:ENOSPC"))
    before = snapshot(rootfs.root)
    code, _, err = run_cli(["install", "alpha", *options], capsys)
    assert err.splitlines()[-1] == (
        f"error: cannot write to the cache {tmp_path / 'cache' / 'unpacked'}: No space left on device; free space "
        "there, or pass --cache-dir a folder on a disk with space, or --no-cache-dir"
    )
    assert code == 1
    assert "Traceback" not in err
    assert snapshot(rootfs.root) == before
    assert [p.name for p in (tmp_path / "cache" / "unpacked").iterdir()] == []


def test_the_log_of_a_failed_build_without_a_cache_survives(
    rootfs: FakeLayout,
    fake_cc: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--no-cache-dir: the cache, and the log of the failed build in it, go at the end of
    the run; the log named is a copy that does not."""
    from crossbuild import BackendError, BuildOptions, Host

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    caches = []

    def build(source: str, host: Host, wheel_dir: Path, options: BuildOptions, reporter: object = None) -> Path:
        assert options.cache_dir is not None
        caches.append(Path(options.cache_dir))
        log = Path(options.cache_dir) / "logs" / "pkg-20261207-120000.log"
        log.parent.mkdir(parents=True)
        log.write_text("the whole output\nx.c:1:1: error: no\n")
        error = BackendError(source, "build_wheel", "x.c:1:1: error: no\n", "x.c:1:1: error: no")
        error.log = log
        raise error

    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    code, _, err = run_cli(["wheel", str(PURE), "--host", str(rootfs.python), "--no-cache-dir"], capsys)
    assert code == 1
    [line] = [line for line in err.splitlines() if line.startswith("full log: ")]
    kept = Path(line.removeprefix("full log: "))
    assert kept.read_text() == "the whole output\nx.c:1:1: error: no\n"
    assert kept.parent == tmp_path
    assert kept.name.startswith("crossbuild-log-") and kept.name.endswith("-pkg-20261207-120000.log")
    assert not caches[0].exists()


def test_every_option_has_help() -> None:
    import argparse

    parser = make_parser("crossbuild")
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    silent = [
        f"{name} {action.option_strings[0]}"
        for name, command in commands.choices.items()
        for action in command._actions
        if action.option_strings and not action.help
    ]
    assert silent == []
