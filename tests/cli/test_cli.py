"""The crossbuild command: exit codes, one-line errors, output, option parsing; inspect and wheel.

The install command is tested in test_cli_install.py."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import (
    AARCH64,
    X86_64,
    FakeLayout,
    make_layout,
    make_rust_toolchain,
    write_fake_compiler,
    write_script,
)

import crossbuild.cli.main as cli
import crossbuild.wheel.context as context_module
from crossbuild import BackendError, BuildOptions, BuildPython, OptionError, __version__
from crossbuild.index.finder import IndexSettings
from crossbuild.installation import _core
from crossbuild.wheel.options import parse_config_settings

BUILD_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_missing_host(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["wheel", "./x", "--host", "/nonexistent/python3"], capsys)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "error: host python /nonexistent/python3: does not exist; pass --host the host's python inside its "
        "sysroot, e.g. ROOTFS/usr/bin/python3"
    ]
    assert err.splitlines()[-1].startswith("error: host python /nonexistent/python3: does not exist")


def test_no_toolchain(layout: FakeLayout, fake_bin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["inspect", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("error: no C compiler for aarch64 (64-bit, little-endian) found on PATH")
    assert line.endswith("Debian: apt-get install gcc-aarch64-linux-gnu, or pass --cc")


def test_version_mismatch(tmp_path: Path, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = make_layout(tmp_path / "root", version="3.15")
    code, out, err = run_cli(["wheel", "./x", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: host python is 3.15 but build python {sys.executable} is {BUILD_VERSION}, and no native python3.15 "
        "was found on PATH, in pyenv or among uv's pythons; install one (pyenv install 3.15, or uv python install "
        "3.15) or pass --build-python a Python 3.15 interpreter"
    ]


def test_inspect_json(layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["inspect", "--host", str(layout.python), "--json"], capsys)
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert summary["tag"] == "cp311-cp311-linux_aarch64"
    assert summary["python"] == str(layout.python)
    assert summary["toolchain"]["cc"] == [str(fake_cc)]


def test_inspect_text(layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["inspect", "--host", str(layout.root)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "tag             cp311-cp311-linux_aarch64" in lines
    assert "platform        linux-aarch64" in lines
    assert f'toolchain       {{"cc": ["{fake_cc}"]' in out
    assert "compiler        gcc 12.2.0" in lines


def test_inspect_with_explicit_cc(layout: FakeLayout, fake_bin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cc = write_fake_compiler(fake_bin / "vendor-cc", AARCH64)
    code, out, _ = run_cli(["inspect", "--host", str(layout.python), "--cc", f"{cc} -O1", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["toolchain"]["cc"] == [str(cc), "-O1"]


def test_config_settings() -> None:
    assert parse_config_settings([]) == {}
    assert parse_config_settings(["a=1", "b=2", "a=3", "a=4", "empty=", "setup-args=-Dfoo=bar"]) == {
        "a": ["1", "3", "4"],
        "b": "2",
        "empty": "",
        "setup-args": "-Dfoo=bar",
    }
    with pytest.raises(OptionError) as caught:
        parse_config_settings(["a=1", "novalue"])
    assert str(caught.value) == "config setting 'novalue' has no '='; pass config_settings= KEY=VALUE"
    assert caught.value.render({"config_settings": "-C"}) == "config setting 'novalue' has no '='; pass -C KEY=VALUE"


class _FakeBuild:
    """Stands in for build_wheel: records its calls, returns a wheel path or raises."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.error = error

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        self.calls.append((args, kwargs))
        if self.error is not None:
            raise self.error
        return Path("dist") / f"pkg{len(self.calls)}-1.0-cp311-cp311-linux_aarch64.whl"


def test_config_setting_without_equals(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    code, out, err = run_cli(["wheel", "x", "--host", str(layout.python), "-C", "novalue"], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == ["error: config setting 'novalue' has no '='; pass -C KEY=VALUE"]
    assert build.calls == []


def test_bad_source_date_epoch(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    code, out, err = run_cli(["wheel", "x", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: SOURCE_DATE_EPOCH='last tuesday' is not a number of seconds since 1970; "
        "set it to an integer or unset it"
    ]
    assert build.calls == []


def test_wheel_arguments_reach_build_wheel(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    monkeypatch.setattr(
        IndexSettings, "from_pip_config", classmethod(lambda cls: cls(index_url="https://pip.invalid/"))
    )
    argv = ["wheel", "a", "b", "--host", str(layout.python), "-w", "out", "-C", "k=1", "-C", "k=2"]
    argv += ["--extra-index-url", "https://extra.invalid/", "-f", "/wheels", "--allow-pure-fallback"]
    code, out, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        str(Path("dist/pkg1-1.0-cp311-cp311-linux_aarch64.whl")),
        str(Path("dist/pkg2-1.0-cp311-cp311-linux_aarch64.whl")),
    ]
    [(args1, _), (args2, _)] = build.calls
    assert (args1[0], args2[0]) == ("a", "b")
    assert args1[1].python == layout.python  # the inspected Host, not the path
    assert args1[2] == "out"
    options = args1[3]
    assert options is args2[3]  # one options object for the whole run
    assert options.config_settings == {"k": ("1", "2")}
    assert options.allow_pure_fallback is True
    assert options.index == IndexSettings(
        index_url="https://pip.invalid/", extra_index_urls=("https://extra.invalid/",), find_links=("/wheels",)
    )
    assert isinstance(options.build_python, BuildPython)  # found once, before the first build


def test_no_index_options_leave_the_index_to_pip_config(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    pip_config = IndexSettings(index_url="https://pip-config.invalid/")
    monkeypatch.setattr(IndexSettings, "from_pip_config", classmethod(lambda cls, cache=None: pip_config))
    assert run_cli(["wheel", "a", "--host", str(layout.python)], capsys)[0] == 0
    assert build.calls[0][0][3].index is pip_config


def test_backend_error_shows_the_output_tail(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tail = "running build_ext\nsrc/x.c:3:1: error: expected ';'\nerror: command 'cc' failed\n"
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", _FakeBuild(BackendError("./pkg", "build_wheel", tail)))
    code, out, err = run_cli(["wheel", "./pkg", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "  | running build_ext",
        "  | src/x.c:3:1: error: expected ';'",
        "  | error: command 'cc' failed",
        "error: the build backend of ./pkg failed in build_wheel: src/x.c:3:1: error: expected ';' "
        "(see the output above, or rerun with -v)",
    ]


def test_backend_error_names_the_kept_log(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    error = BackendError("./pkg", "build_wheel", "x.c:1:1: error: no\n", "x.c:1:1: error: no")
    error.log = Path("/cache/logs/pkg-20250101-000000.log")
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", _FakeBuild(error))
    for verbose in ([], ["-v"]):
        code, out, err = run_cli(["wheel", "./pkg", "--host", str(layout.python), *verbose], capsys)
        assert (code, out) == (1, "")
        assert err.splitlines()[-2:] == [
            "full log: /cache/logs/pkg-20250101-000000.log",
            "error: the build backend of ./pkg failed in build_wheel: x.c:1:1: error: no "
            "(see the output above, or rerun with -v)",
        ]


#: Loggers of the libraries crossbuild uses: unearth's "Failed to collect links … 404",
#: httpx's and httpcore's (named httpx2/httpcore2 in unearth's fork), truststore's.
OTHER_LOGGERS = [
    "unearth",
    "unearth.collector",
    "httpx",
    "httpx2",
    "httpcore.http11",
    "httpcore2.connection",
    "truststore",
]


@pytest.mark.parametrize("name", OTHER_LOGGERS)
def test_other_libraries_log_only_with_verbose(
    name: str, layout: FakeLayout, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def inspect_host(*args: object, **kwargs: object) -> None:
        logging.getLogger(name).warning("Failed to collect links from https://pypi.invalid/simple/x/: 404")
        logging.getLogger("crossbuild").info("crossbuild's own message")
        raise OptionError("stop here")

    monkeypatch.setattr(context_module, "inspect_host", inspect_host)
    assert run_cli(["inspect", "--host", str(layout.python)], capsys)[2].splitlines() == [
        "crossbuild's own message",
        "error: stop here",
    ]
    assert run_cli(["inspect", "--host", str(layout.python), "-v"], capsys)[2].splitlines() == [
        "Failed to collect links from https://pypi.invalid/simple/x/: 404",
        "crossbuild's own message",
        "error: stop here",
    ]


def test_interrupt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(context_module, "inspect_host", interrupted)
    assert run_cli(["inspect", "--host", "x"], capsys) == (130, "", "error: interrupted\n")


def test_sigterm_anywhere_exits_143(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # as `docker stop` sends it, while the host is inspected

    previous = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(context_module, "inspect_host", terminated)
    assert run_cli(["inspect", "--host", "x"], capsys) == (143, "", "error: terminated\n")
    assert signal.getsignal(signal.SIGTERM) == previous


def test_version_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"crossbuild {__version__}\n"
    assert cli.main(["wheel", "./x"]) == 1  # the host may come from a profile, CROSSBUILD_HOST or the root
    assert capsys.readouterr().err.splitlines() == [
        "error: no host given: pass --host the host's python (ROOTFS/usr/bin/python3.X) or a host profile's name"
    ]
    with pytest.raises(SystemExit) as caught:
        cli.main(["install", "x", "--force"])  # no abbreviations: --force is not --force-reinstall
    assert caught.value.code == 2
    assert "unrecognized arguments: --force" in capsys.readouterr().err


def test_main_twice_logs_once(layout: FakeLayout, fake_bin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A compiler named like the host's that builds for x86_64 is skipped, with a debug message.
    write_fake_compiler(fake_bin / "aarch64-linux-gnu-gcc", X86_64)
    write_fake_compiler(fake_bin / "aarch64-unknown-linux-gnu-gcc", AARCH64)
    argv = ["inspect", "--host", str(layout.python), "-v"]
    first = run_cli(argv, capsys)
    assert first[0] == 0
    assert [line for line in first[2].splitlines() if line.startswith("skipping ")] != []
    second = run_cli(argv, capsys)
    assert second[2] == first[2]


def test_rust_options_are_checked_before_any_build(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = ["wheel", "./x", "--host", str(layout.python)]
    armhf_only = make_rust_toolchain(tmp_path / "armhf-rust", ["armv7-unknown-linux-gnueabihf"])
    broken = make_rust_toolchain(tmp_path / "broken", [])
    write_script(broken / "bin" / "rustc", "echo 'rustc: error while loading shared libraries' >&2; exit 127\n")
    not_utf8 = tmp_path / os.fsdecode(b"vendor-\xff")
    not_utf8.mkdir()
    cases = [
        (
            ["--rust-toolchain", str(tmp_path / "nothing")],
            f"error: {tmp_path}/nothing has no bin/cargo and bin/rustc; pass --rust-toolchain a directory with "
            "bin/cargo and bin/rustc (Debian's: /usr, after apt-get install rustc cargo)",
        ),
        (
            ["--rust-toolchain", str(armhf_only)],
            f"error: {armhf_only}/bin/rustc has no Rust standard library for aarch64-unknown-linux-gnu; install it "
            "(Debian: apt-get install libstd-rust-dev:arm64; rustup: rustup target add aarch64-unknown-linux-gnu) "
            "or pass --rust-toolchain a toolchain that has it",
        ),
        (
            ["--rust-toolchain", str(broken)],
            f"error: {broken}/bin/rustc does not run (rustc: error while loading shared libraries); "
            "pass --rust-toolchain a working Rust toolchain",
        ),
        (
            ["--vendored-crates", str(tmp_path / "vendor")],
            f"error: vendored crates directory {tmp_path}/vendor does not exist; pass --vendored-crates a directory "
            "of crates (cargo vendor's output, Debian's /usr/share/cargo/registry from apt-get install librust-…-dev)",
        ),
        (
            ["--vendored-crates", str(not_utf8)],
            f"error: vendored crates directory '{tmp_path}/vendor-\\udcff' is not named in UTF-8; "
            "pass --vendored-crates a link to it with a UTF-8 name",
        ),
    ]
    for extra, message in cases:
        code, out, err = run_cli([*wheel, *extra], capsys)
        assert (code, out) == (1, "")
        assert err.splitlines() == [message]


def test_rust_options_reach_build_wheel(
    layout: FakeLayout,
    fake_cc: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    make_rust_toolchain(tmp_path / "rust", ["aarch64-unknown-linux-gnu"])
    (tmp_path / "vendor" / "pyo3").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    argv = ["wheel", "a", "--host", str(layout.python), "--rust-toolchain", "rust", "--vendored-crates", "vendor"]
    assert run_cli(argv, capsys)[0] == 0
    options = build.calls[0][0][3]
    assert options.rust_toolchain.rustc == tmp_path / "rust/bin/rustc"  # found once, as an absolute path
    assert options.vendored_crates.directory == tmp_path / "vendor"


@pytest.mark.parametrize(
    ("flags", "environ", "expected"),
    [
        ([], {}, (False, False, None)),
        (["--strip"], {}, (True, False, None)),
        (["--repair"], {}, (False, True, None)),
        (["--repair=on", "--plat", "auto"], {}, (False, True, None)),
        (["--plat", "manylinux_2_28_aarch64"], {}, (False, True, "manylinux_2_28_aarch64")),  # --plat repairs
        (["--repair=off", "--plat", "manylinux_2_28"], {}, (False, False, None)),  # off wins
        ([], {"CROSSBUILD_REPAIR": "on", "CROSSBUILD_STRIP": "1"}, (True, True, None)),
        (["--repair=off"], {"CROSSBUILD_PLAT": "manylinux_2_28"}, (False, False, None)),
    ],
)
def test_strip_and_repair_reach_build_wheel(
    flags: list[str],
    environ: dict[str, str],
    expected: tuple[bool, bool, str | None],
    layout: FakeLayout,
    fake_cc: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert run_cli(["wheel", "a", "--host", str(layout.python), *flags], capsys)[0] == 0
    options = build.calls[0][0][3]
    assert (options.strip, options.repair, options.plat) == expected


def test_repair_takes_on_or_off(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _FakeBuild()
    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    monkeypatch.setenv("CROSSBUILD_REPAIR", "maybe")
    code, out, err = run_cli(["wheel", "a", "--host", str(layout.python)], capsys)
    assert (code, out, err.splitlines()) == (1, "", ["error: --repair takes on or off, not 'maybe'"])
    assert build.calls == []


def test_install_strip_reaches_the_builds(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _install_options(["--host", str(layout.python), "--strip"], capsys, monkeypatch)
    assert options.strip is True
    assert options.repair is False  # repair is for wheels that leave: `crossbuild wheel`


@pytest.mark.parametrize(("flags", "expected"), [([], None), (["-j", "3"], 3), (["--jobs=1"], 1)])
def test_jobs_reach_the_install(
    flags: list[str],
    expected: int | None,
    layout: FakeLayout,
    fake_cc: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _install_options(["--host", str(layout.python), *flags], capsys, monkeypatch).jobs == expected


@pytest.mark.parametrize(("flags", "expected"), [([], None), (["--parallel-extensions", "3"], 3)])
def test_parallel_extensions_are_asked_for_apart_from_jobs(
    flags: list[str],
    expected: int | None,
    layout: FakeLayout,
    fake_cc: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = _install_options(["--host", str(layout.python), "-j", "4", *flags], capsys, monkeypatch)
    assert (options.jobs, options.parallel_extensions) == (4, expected)


def _install_options(
    flags: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> BuildOptions:
    """The build options ``crossbuild install a FLAGS`` hands the library (which it stops)."""
    calls: list[dict[str, Any]] = []

    def install(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        raise OptionError("stop here")

    monkeypatch.setattr(_core, "install", install)
    assert run_cli(["install", "a", *flags], capsys)[0] == 1
    options: BuildOptions = calls[0]["options"]
    return options


def test_jobs_must_be_positive(layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["install", "a", "--host", str(layout.python), "-j", "0"], capsys)
    assert (code, out, err.splitlines()) == (1, "", ["error: -j 0 is not a number of jobs; pass 1 or more"])


def test_parallel_extensions_must_be_positive(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["wheel", "a", "--host", str(layout.python), "--parallel-extensions", "0"], capsys)
    assert (code, out, err.splitlines()) == (
        1,
        "",
        ["error: --parallel-extensions 0 is not a number of extensions; pass 1 or more"],
    )


def test_no_cache_dir_keeps_even_the_view_of_the_root_out_of_the_cache(
    layout: FakeLayout,
    fake_cc: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pip's --no-cache-dir: nothing of this run stays in any cache, not the view a build
    of a root whose links lead out of it is given."""
    (layout.root / "lib64").symlink_to(f"/lib/{layout.machine.triplet}")  # leads out: a view is needed
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("CROSSBUILD_CACHE_DIR", str(cache))
    views: list[Path] = []

    def build(source: object, host: Any, *args: Any, **kwargs: Any) -> Path:
        views.append(host.build_sysroot)  # what a build reads first
        assert (host.build_sysroot / "usr/bin/python3.11").is_file()
        return Path("dist") / "pkg-1.0-cp311-cp311-linux_aarch64.whl"

    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    code, _, err = run_cli(["wheel", "x", "--host", str(layout.python), "--no-cache-dir"], capsys)
    assert code == 0
    [view] = views
    assert err.startswith(f"made a view of {layout.root} ")
    assert not view.is_relative_to(cache)
    assert not view.exists()  # went with the run's temporary cache
    assert not (cache / "sysroots").exists()
