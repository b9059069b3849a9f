"""make_context: one door into every run — the host inspected with the cache directory,
a host profile's settings, the build tools found once — and every entry point through it."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, make_layout, make_rust_toolchain, make_sdist, make_wheel, write_script

import crossbuild
from crossbuild import (
    BuildContext,
    BuildOptions,
    BuildPython,
    CrossbuildError,
    HostProfile,
    IndexSettings,
    OptionError,
    WheelTests,
)
from crossbuild.host.host import Host
from crossbuild.wheel.cache import BuiltWheels, built_wheel_key
from crossbuild.wheel.context import make_context

BUILD_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
TARGET = "aarch64-unknown-linux-gnu"


def test_a_context_has_every_option_resolved_and_no_path_left_a_string() -> None:
    options = {field.name for field in dataclasses.fields(BuildOptions)}
    context = {field.name for field in dataclasses.fields(BuildContext)}
    assert context == options | {"host"}  # an option added to BuildOptions alone fails make_context at once
    annotations = {field.name: str(field.type) for field in dataclasses.fields(BuildContext)}
    assert [name for name, hint in annotations.items() if "PathLike" in hint] == []
    found = ("cache_dir", "build_python", "rust_toolchain", "vendored_crates", "compiler_launcher")
    assert [annotations[name] for name in found] == [
        "Path",
        "FoundWhenNeeded[BuildPython]",
        "FoundWhenNeeded[RustToolchain | None]",
        "FoundWhenNeeded[VendoredCrates | None]",
        "FoundWhenNeeded[CompilerLauncher | None]",
    ]


def test_a_context_keys_as_the_options_holding_what_it_found(host: Host, tmp_path: Path) -> None:
    """The key means what it meant: the digest of every wheel-shaping option, the build
    python and the Rust settings by what they are, not by how they were named."""
    rust = make_rust_toolchain(tmp_path / "rust", [TARGET])
    named = BuildOptions(
        config_settings={"k": "v"}, build_python=sys.executable, rust_toolchain=str(rust), strip=True, jobs=3
    )
    context = make_context(host, named)
    found = BuildOptions(
        config_settings={"k": "v"},
        build_python=BuildPython(Path(sys.executable), BUILD_VERSION),
        rust_toolchain=context.rust_toolchain,
        strip=True,
    )
    assert context.key == found.key
    assert context.key != BuildOptions(config_settings={"k": "v"}, build_python=found.build_python).key


def test_a_profile_s_settings_come_under_the_options(host: Host, layout: FakeLayout, fake_cc: Path) -> None:
    profile = HostProfile(
        "board",
        layout.python,
        "test",
        cc=f"{fake_cc} -O1",
        build_python=sys.executable,
        config_settings={"setup-args": "-Dfrom-profile=1", "keep": "profile"},
    )
    context = make_context(profile, BuildOptions(config_settings={"setup-args": "-Dfrom-options=1"}))
    assert context.host.python == layout.python
    assert context.host.toolchain.cc == (str(fake_cc), "-O1")
    assert dict(context.config_settings) == {"setup-args": "-Dfrom-options=1", "keep": "profile"}
    assert context.build_python.executable == Path(sys.executable)


def test_a_context_is_handed_on_as_it_is(host: Host, tmp_path: Path) -> None:
    context = make_context(host, BuildOptions(cache_dir=tmp_path / "cache"))
    assert make_context(host, context) is context
    with pytest.raises(OptionError, match=f"^the BuildContext given as options is for the host {host.python}; "):
        make_context(host.python, context)


#: Every public entry point, called for a host (a path or a profile) with ``options``:
#: each stops with an error once it has read the root the build tools are given.
EntryPoint = Callable[["HostProfile | Path", BuildOptions, Path, Path], object]

ENTRY_POINTS: dict[str, EntryPoint] = {
    "build_wheel": lambda host, options, sdist, tmp: crossbuild.build_wheel("nothing==1.0", host, tmp, options),
    "install": lambda host, options, sdist, tmp: crossbuild.install(
        [sdist], host=host, root=sdist.parent / "rootfs", options=options
    ),
    "build_wheelhouse": lambda host, options, sdist, tmp: crossbuild.build_wheelhouse(
        [sdist], host=host, wheel_dir=tmp, options=options
    ),
    "run_wheel_tests": lambda host, options, sdist, tmp: crossbuild.run_wheel_tests(
        tmp / "a-1.0-py3-none-any.whl", host, WheelTests("pytest"), options=options
    ),
    "build_tested_wheel": lambda host, options, sdist, tmp: crossbuild.build_tested_wheel(
        sdist, host, tmp, WheelTests("pytest"), options
    ),
}


@pytest.mark.parametrize("kind", ["path", "profile"])
@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_every_entry_point_keeps_the_root_s_view_in_the_cache_dir_it_is_given(
    entry_point: str, kind: str, rootfs: FakeLayout, fake_cc: Path, tmp_path: Path
) -> None:
    """A root whose links lead out of it gets a view: in the cache directory of the
    options, never in the default one ($CROSSBUILD_CACHE_DIR here), whatever the entry point
    and however the host is named.  (The wheelhouse and the wheel tests once forgot it.)"""
    (rootfs.root / "lib64").symlink_to(f"/lib/{rootfs.machine.triplet}")  # leads out: a view is needed
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", {"pyproject.toml": b"[build-system\n"})  # fails to parse
    host: HostProfile | Path = rootfs.python
    if kind == "profile":
        host = HostProfile("board", rootfs.python, "test", cc=str(fake_cc))
    given = tmp_path / "given-cache"
    options = BuildOptions(cache_dir=given, index=IndexSettings(no_index=True))
    with pytest.raises(CrossbuildError):
        ENTRY_POINTS[entry_point](host, options, sdist, tmp_path / "out")
    assert [p.name for p in (given / "sysroots").iterdir()] != []
    assert not (tmp_path / "default-cache" / "sysroots").exists()


def test_inspect_keeps_the_view_in_the_cache_dir_it_is_given(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (layout.root / "lib64").symlink_to(f"/lib/{layout.machine.triplet}")
    given = tmp_path / "given-cache"
    code, out, _ = run_cli(["inspect", "--host", str(layout.python), "--cache-dir", str(given)], capsys)
    assert code == 0
    assert f"build_sysroot   {given}/sysroots/" in out
    assert not (tmp_path / "default-cache" / "sysroots").exists()


def _logged_rustc(directory: Path, log: Path) -> Path:
    """A fake Rust toolchain whose rustc writes its arguments to ``log``, one call a line."""
    make_rust_toolchain(directory, [TARGET])
    rustc = directory / "bin" / "rustc"
    rustc.rename(directory / "bin" / "rustc.real")
    write_script(rustc, f'echo "$*" >> {log}\nexec {directory}/bin/rustc.real "$@"\n')
    return directory


def test_an_install_that_builds_asks_rustc_once(
    rootfs_host: Host, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Rust toolchain is checked once per run, not again by each build of the install
    (once each time, the install starting rustc twice or three times): a check starts rustc."""
    log = tmp_path / "rustc.log"
    options = BuildOptions(
        index=IndexSettings(no_index=True),
        cache_dir=tmp_path / "cache",
        rust_toolchain=_logged_rustc(tmp_path / "rust", log),
    )
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", {"pyproject.toml": b"", "PKG-INFO": b"Name: pkg\nVersion: 1.0\n"})
    # cross-built before: the install's build of it reuses the wheel, through the whole door
    before = make_context(rootfs_host, options)
    wheel = make_wheel(tmp_path / "built", name="pkg", version="1.0", tags="py3-none-any", purelib=True)
    BuiltWheels(before.cache, built_wheel_key(before)).put(sdist, wheel)
    log.unlink()

    result = crossbuild.install([sdist], host=rootfs_host, root=root, options=options)
    assert [(d.name, d.source) for d in result.distributions] == [("pkg", "reused")]
    assert log.read_text().splitlines() == ["-vV", f"--print target-libdir --target {TARGET}"]


def test_check_and_inspect_need_no_build_python(
    tmp_path: Path, fake_cc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What only a build needs is found when a build reads it: no native python3.14 here,
    and a 3.14 host can still be inspected and its root checked."""
    layout = make_layout(tmp_path / "root", version="3.14")
    assert run_cli(["inspect", "--host", str(layout.python), "--json"], capsys)[0] == 0
    assert crossbuild.check_root(layout.root, host=layout.python).ok
    code, _, err = run_cli(["wheel", "x", "--host", str(layout.python)], capsys)
    assert (code, err.split(":")[0]) == (1, "error")  # a build finds it first, and says there is none
    assert "no native python3.14 was found" in err
