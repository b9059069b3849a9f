"""Compiler kinds: zig's target for each host, the glibc floor, and the options refused
before any work (``--cc zig`` without ziglang, ``--glibc`` without zig)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import AARCH64, FakeLayout, write_fake_compiler

import crossbuild
from crossbuild import OptionError, ToolchainError
from crossbuild.config import load_configuration
from crossbuild.host.compilers import compiler_kind, find_zig, glibc_floor_of, zig_launcher, zig_target


@pytest.mark.parametrize(
    ("machine", "multiarch", "byteorder", "libc", "version", "target"),
    [
        ("aarch64", "aarch64-linux-gnu", "little", "glibc", (2, 17), "aarch64-linux-gnu.2.17"),
        ("armv7l", "arm-linux-gnueabihf", "little", "glibc", (2, 36), "arm-linux-gnueabihf.2.36"),
        ("armv7l", "arm-linux-gnueabi", "little", "glibc", None, "arm-linux-gnueabi"),
        ("i686", "i386-linux-gnu", "little", "glibc", (2, 17), "x86-linux-gnu.2.17"),
        ("ppc64le", "powerpc64le-linux-gnu", "little", "glibc", (2, 17), "powerpc64le-linux-gnu.2.17"),
        ("mips", "mipsel-linux-gnu", "little", "glibc", (2, 28), "mipsel-linux-gnueabihf.2.28"),
        ("mips64", "mips64el-linux-gnuabi64", "little", "glibc", (2, 28), "mips64el-linux-gnuabi64.2.28"),
        # musl roots (no multiarch): zig bundles one musl, so no version
        ("aarch64", "", "little", "musl", (1, 2), "aarch64-linux-musl"),
        ("armv7l", "", "little", "musl", (1, 2), "arm-linux-musleabihf"),
        ("mips", "", "big", "musl", (1, 2), "mips-linux-musleabihf"),
        ("mips64", "", "little", "musl", (1, 2), "mips64el-linux-muslabi64"),
    ],
)
def test_zig_target(
    machine: str, multiarch: str, byteorder: str, libc: str, version: tuple[int, int] | None, target: str
) -> None:
    assert zig_target(machine, multiarch, byteorder, libc, version) == target


def test_zig_target_of_an_unknown_machine() -> None:
    with pytest.raises(ToolchainError, match="zig builds for no sparc known to crossbuild"):
        zig_target("sparc", "", "big", "glibc", None)


@pytest.mark.parametrize(("name", "kind"), [("aarch64-linux-gnu-gcc-12", "gcc"), ("clang-16", "clang"), ("zig", "zig")])
def test_compiler_kind_by_name(name: str, kind: str) -> None:
    assert compiler_kind(f"/usr/bin/{name}") == kind


def test_glibc_floor_of() -> None:
    assert glibc_floor_of("2.17") == (2, 17)
    assert glibc_floor_of(None) is None
    with pytest.raises(OptionError) as caught:
        glibc_floor_of("2.x")
    assert caught.value.render({"glibc_floor": "--glibc"}) == (
        "--glibc '2.x' is not a glibc version; pass one such as 2.17"
    )


def test_a_glibc_floor_without_zig(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["wheel", str(tmp_path), "--host", str(layout.python), "--glibc", "2.17"], capsys)

    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "error: --glibc 2.17 needs zig as the C compiler (GCC and clang link against the root's own glibc); "
        "pass --cc zig (pip install crossbuild[zig]), or build without --glibc"
    )


def test_a_profiles_glibc_floor(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "crossbuild.toml"
    config.write_text(f'[hosts.old]\npython = "{layout.python}"\nglibc = "2.17"\n')
    monkeypatch.setenv("CROSSBUILD_CONFIG_FILE", str(config))
    profile = load_configuration(cwd=tmp_path).hosts["old"]

    assert profile.glibc == "2.17"
    with pytest.raises(OptionError, match="needs zig as the C compiler"):
        profile.inspect()


def test_zig_not_installed(
    layout: FakeLayout, fake_cc: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ziglang", None)  # what an environment without it imports

    code, _, err = run_cli(["inspect", "--host", str(layout.python), "--cc", "zig"], capsys)

    assert code == 1
    assert err.strip().splitlines() == ["error: zig is not installed; pip install crossbuild[zig]"]


def test_a_ziglang_without_its_zig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ziglang").mkdir()
    (tmp_path / "ziglang" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ziglang", raising=False)

    with pytest.raises(ToolchainError, match=r"^zig is not installed; pip install crossbuild\[zig\]$"):
        find_zig()


def test_a_vendors_cross_clang_is_left_as_it_is(layout: FakeLayout, fake_bin: Path) -> None:
    """A clang that already builds for the host (a Yocto SDK's) gets no --target of ours."""
    clang = write_fake_compiler(fake_bin / "aarch64-poky-linux-clang", AARCH64)
    write_fake_compiler(fake_bin / "aarch64-poky-linux-clang++", AARCH64)

    toolchain = crossbuild.inspect_host(layout.python, cc=str(clang)).toolchain

    assert toolchain.kind == "clang"
    assert toolchain.cc == (str(clang),)
    assert toolchain.cxx == (str(fake_bin / "aarch64-poky-linux-clang++"),)


def test_zigs_launcher_in_the_cache(tmp_path: Path) -> None:
    pytest.importorskip("ziglang")
    launcher = zig_launcher(tmp_path / "cache")

    assert launcher == tmp_path / "cache/zig/bin/zig"
    assert os.access(launcher, os.X_OK)
    # zig env says where its cache is (its format differs between zig versions)
    described = subprocess.run([launcher, "env"], capture_output=True, text=True, check=True, env={}).stdout
    assert f'"{tmp_path}/cache/zig/cache"' in described
    mtime = launcher.stat().st_mtime_ns
    assert zig_launcher(tmp_path / "cache") == launcher and launcher.stat().st_mtime_ns == mtime  # not rewritten


def test_zigs_launcher_in_a_cache_that_cannot_be_written(tmp_path: Path) -> None:
    pytest.importorskip("ziglang")
    (tmp_path / "cache").write_text("a file, not a directory")

    with pytest.raises(ToolchainError, match=r"^cannot write zig's launcher .*/cache/zig/bin/zig: "):
        zig_launcher(tmp_path / "cache")
