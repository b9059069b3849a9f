"""Finding and proving the cross compiler, with fake compilers and this machine's gcc."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from helpers.fakehost import (
    AARCH64,
    X86_64,
    Machine,
    elf_target,
    install_fake_toolchain,
    sysconfig_vars,
    write_fake_compiler,
    write_script,
)

from crossbuild import ToolchainError
from crossbuild.host.elf import read_elf_target
from crossbuild.host.toolchain import find_toolchain, probe_target, sysroot_flags

TARGET = elf_target(AARCH64)
HINT = "Debian: apt-get install gcc-aarch64-linux-gnu"
I386 = Machine("i686", 3, 32, "little", "i686-linux-gnu", "i686-pc-linux-gnu")  # multiarch: i386-linux-gnu


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


def test_finds_the_fake_cross_compiler(fake_bin: Path, sysroot: Path) -> None:
    cc = install_fake_toolchain(fake_bin, AARCH64)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), sysroot)
    assert toolchain.cc == (str(cc),)
    assert Path(toolchain.cc[0]).is_absolute()
    assert toolchain.cxx == (str(fake_bin / "aarch64-linux-gnu-g++"),)
    assert toolchain.target == "aarch64-linux-gnu"
    assert (toolchain.kind, toolchain.version) == ("gcc", "12.2.0")
    assert toolchain.ar == str(fake_bin / "aarch64-linux-gnu-gcc-ar")
    assert toolchain.ranlib == str(fake_bin / "aarch64-linux-gnu-gcc-ranlib")
    assert toolchain.strip == str(fake_bin / "aarch64-linux-gnu-strip")


def test_no_cxx_is_not_an_error(fake_bin: Path, sysroot: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64, cxx=False, binutils=False)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), sysroot)
    assert toolchain.cxx is None
    assert (toolchain.ar, toolchain.ranlib, toolchain.strip) == (None, None, None)


def test_empty_path(fake_bin: Path, sysroot: Path) -> None:
    with pytest.raises(ToolchainError) as caught:
        find_toolchain(TARGET, sysconfig_vars(), sysroot)
    message = str(caught.value)
    assert message == (
        "no C compiler for aarch64 (64-bit, little-endian) found on PATH "
        f"(tried aarch64-linux-gnu-gcc, aarch64-unknown-linux-gnu-gcc); {HINT}, or pass cc="
    )
    assert "apt-get install gcc-aarch64-linux-gnu" in message
    assert caught.value.render({"cc": "--cc"}).endswith(f"{HINT}, or pass --cc")


def test_i386_hint_names_debians_i686_package(fake_bin: Path, sysroot: Path) -> None:
    i386 = elf_target(I386)
    with pytest.raises(ToolchainError) as caught:
        find_toolchain(i386, sysconfig_vars(machine=I386, multiarch="i386-linux-gnu"), sysroot)
    assert str(caught.value).endswith("; Debian: apt-get install gcc-i686-linux-gnu, or pass cc=")


def test_falls_back_to_the_multiarch_name(fake_bin: Path, sysroot: Path) -> None:
    # The host was built with a compiler this machine does not have (e.g. a native 'gcc').
    cc = install_fake_toolchain(fake_bin, AARCH64)
    config_vars = {**sysconfig_vars(), "CC": "some-vendor-gcc -pthread"}
    assert find_toolchain(TARGET, config_vars, sysroot).cc == (str(cc),)


def test_falls_back_to_the_host_gnu_type(fake_bin: Path, sysroot: Path) -> None:
    cc = install_fake_toolchain(fake_bin, AARCH64, prefix="aarch64-unknown-linux-gnu")
    assert find_toolchain(TARGET, sysconfig_vars(), sysroot).cc == (str(cc),)


def test_skips_a_compiler_for_another_machine(fake_bin: Path, sysroot: Path) -> None:
    # A compiler named like the host's that builds for x86_64 is not taken.
    write_fake_compiler(fake_bin / "aarch64-linux-gnu-gcc", X86_64)
    good = write_fake_compiler(fake_bin / "aarch64-unknown-linux-gnu-gcc", AARCH64)
    assert find_toolchain(TARGET, sysconfig_vars(), sysroot).cc == (str(good),)


def test_only_a_wrong_compiler(fake_bin: Path, sysroot: Path) -> None:
    write_fake_compiler(fake_bin / "aarch64-linux-gnu-gcc", X86_64)
    with pytest.raises(ToolchainError, match=r"^no C compiler for aarch64 \(64-bit, little-endian\) found on PATH"):
        find_toolchain(TARGET, sysconfig_vars(), sysroot)


def test_explicit_cc_with_flags(fake_bin: Path, sysroot: Path) -> None:
    cc = write_fake_compiler(fake_bin / "my-cross-gcc", AARCH64)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), sysroot, cc="my-cross-gcc -mcpu=cortex-a72")
    assert toolchain.cc == (str(cc), "-mcpu=cortex-a72")


def test_explicit_cc_not_found(fake_bin: Path, sysroot: Path) -> None:
    with pytest.raises(ToolchainError) as caught:
        find_toolchain(TARGET, sysconfig_vars(), sysroot, cc="nope-gcc")
    assert str(caught.value) == f"compiler nope-gcc not found on PATH; {HINT}, or pass its full path"


def test_explicit_cxx_that_cannot_compile(fake_bin: Path, sysroot: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64)
    broken = write_script(fake_bin / "broken-g++", 'echo "broken-g++: fatal error" >&2\nexit 1\n')
    with pytest.raises(ToolchainError) as caught:
        find_toolchain(TARGET, sysconfig_vars(), sysroot, cxx="broken-g++")
    assert str(caught.value) == (
        f"{broken} cannot compile but the host is aarch64 (64-bit, little-endian); "
        "pass a cross compiler for the host (Debian: apt-get install g++-aarch64-linux-gnu)"
    )


def test_the_native_gcc_is_refused(sysroot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's real gcc builds for this machine, not for an aarch64 host."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    gcc = shutil.which("gcc")
    native = read_elf_target(Path("/bin/ls"))
    if gcc is None or native is None or native.machine == "aarch64":
        pytest.skip("needs a native gcc on a machine that is not aarch64")
    with pytest.raises(ToolchainError) as caught:
        find_toolchain(TARGET, sysconfig_vars(), sysroot, cc="gcc")
    assert str(caught.value) == (
        f"{gcc} builds for {native} but the host is aarch64 (64-bit, little-endian); "
        f"pass a cross compiler for the host ({HINT})"
    )
    assert "builds for x86_64" in str(caught.value) or native.machine != "x86_64"


def test_probe_passes_the_sysroot(fake_bin: Path, sysroot: Path) -> None:
    log = fake_bin / "argv.log"
    compiler = write_script(
        fake_bin / "logging-gcc", f'echo "$@" >> {log}\nexec {fake_bin / "aarch64-linux-gnu-gcc"} "$@"\n'
    )
    install_fake_toolchain(fake_bin, AARCH64, cxx=False, binutils=False)
    assert probe_target([str(compiler)], sysroot, "c") == TARGET
    argv = log.read_text().split()
    assert argv[:3] == [f"--sysroot={sysroot}", "-x", "c"]
    assert argv[3:5] == ["-c", "/dev/null"]


def test_sysroot_flags() -> None:
    assert sysroot_flags(Path("/")) == []
    assert sysroot_flags(Path("/srv/rootfs")) == ["--sysroot=/srv/rootfs"]


def _old_compiler(fake_bin: Path, name: str, refused: str) -> Path:
    """A compiler for the host that rejects the options matching ``refused`` (a shell pattern)."""
    real = fake_bin / ("aarch64-linux-gnu-g++" if name.endswith("++") else "aarch64-linux-gnu-gcc")
    return write_script(
        fake_bin / name,
        f'for arg in "$@"; do case "$arg" in {refused}) '
        f"echo \"{name}: error: unrecognized command-line option '$arg'\" >&2; exit 1;; esac; done\n"
        f'exec {real} "$@"\n',
    )


@pytest.mark.parametrize(
    ("refused", "option"),
    [
        ("-fno-such-option", "-ffile-prefix-map"),  # GCC 8, clang 10 and later
        ("-ffile-prefix-map=*", "-fdebug-prefix-map"),  # GCC 4.3 to 7: debug information only
        ("-f*-prefix-map=*", None),  # neither: no maps rather than no build
    ],
)
def test_prefix_map_option_of_the_c_compiler(fake_bin: Path, sysroot: Path, refused: str, option: str | None) -> None:
    install_fake_toolchain(fake_bin, AARCH64)
    old = _old_compiler(fake_bin, "vendor-gcc", refused)
    assert find_toolchain(TARGET, sysconfig_vars(), sysroot, cc=str(old)).prefix_map_option == option


def test_prefix_map_option_of_an_older_cxx(fake_bin: Path, sysroot: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64)
    old = _old_compiler(fake_bin, "vendor-g++", "-ffile-prefix-map=*")
    toolchain = find_toolchain(TARGET, sysconfig_vars(), sysroot, cxx=str(old))
    assert toolchain.prefix_map_option == "-fdebug-prefix-map"  # one option that both take


def test_probes_leave_nothing_in_tmpdir(
    fake_bin: Path, sysroot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gcc writes each pass's output as TMPDIR/ccXXXXXX.s; one stopped between its passes
    leaves it there.  The probes give the compilers a TMPDIR of their own, removed after."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    for name in ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-g++"):
        real = write_fake_compiler(fake_bin / "real" / name, AARCH64)
        compiles = 'case " $* " in *" -c "*|*" -E "*) /usr/bin/mktemp "${TMPDIR:-/tmp}/ccXXXXXX.s" >/dev/null;; esac\n'
        write_script(fake_bin / name, f'{compiles}exec {real} "$@"\n')
    for tool in ("gcc-ar", "gcc-ranlib", "strip"):
        write_script(fake_bin / f"aarch64-linux-gnu-{tool}", "exit 0\n")
    toolchain = find_toolchain(TARGET, sysconfig_vars(), sysroot)
    assert toolchain.cc == (str(fake_bin / "aarch64-linux-gnu-gcc"),)
    assert toolchain.prefix_map_option == "-ffile-prefix-map"
    assert sorted(p.name for p in tmpdir.iterdir()) == []
