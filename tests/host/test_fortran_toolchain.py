"""The host's Fortran compiler: found like the C compiler, optional, and handed to meson,
CMake and the environment through a wrapper that gets the same flags as the C one."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

from helpers.contexts import context_for
from helpers.fakehost import (
    AARCH64,
    X86_64,
    elf_target,
    install_fake_toolchain,
    make_layout,
    sysconfig_vars,
    write_fake_compiler,
    write_script,
)

import crossbuild
from crossbuild.backend_env.settings import CrossSettings, prepare_settings
from crossbuild.host.host import Host
from crossbuild.host.toolchain import compiler_package_hint, find_toolchain

TARGET = elf_target(AARCH64)
MISSING = "no Fortran compiler for aarch64 was found; Debian: apt-get install gfortran-aarch64-linux-gnu"

#: A "gfortran" that says what it was given on stdout.
ECHO_FC = 'echo "fortran $*"\n'


def _host(tmp_path: Path, bin_dir: Path, *, fortran: bool) -> Host:
    install_fake_toolchain(bin_dir, AARCH64, fortran=fortran)
    host = crossbuild.inspect_host(make_layout(tmp_path / "root").python)
    host.toolchain  # noqa: B018 - found when first needed: now, with these compilers
    return host


def _settings(host: Host, tmp_path: Path) -> CrossSettings:
    return prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))


def _meson_binaries(path: Path) -> dict[str, object]:
    parser = configparser.ConfigParser()
    parser.read(path)
    return {key: ast.literal_eval(value) for key, value in parser["binaries"].items()}


def _sysroot(tmp_path: Path) -> Path:
    root = tmp_path / "sysroot"
    root.mkdir()
    return root


def test_gfortran_beside_the_c_compiler_is_found(fake_bin: Path, tmp_path: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64, fortran=True)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), _sysroot(tmp_path))
    assert toolchain.fortran == (str(fake_bin / "aarch64-linux-gnu-gfortran"),)


def test_gfortran_by_the_multiarch_name(fake_bin: Path, tmp_path: Path) -> None:
    cc = install_fake_toolchain(fake_bin / "vendor", AARCH64, prefix="aarch64-vendor-linux")
    install_fake_toolchain(fake_bin, AARCH64, cxx=False, binutils=False, fortran=True)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), _sysroot(tmp_path), cc=str(cc))
    assert toolchain.cc == (str(cc),)
    assert toolchain.fortran == (str(fake_bin / "aarch64-linux-gnu-gfortran"),)


def test_no_fortran_compiler_is_not_an_error(fake_bin: Path, tmp_path: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), _sysroot(tmp_path))
    assert toolchain.cxx is not None
    assert toolchain.fortran is None


def test_gfortran_for_another_machine_is_skipped(fake_bin: Path, tmp_path: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64)
    write_fake_compiler(fake_bin / "aarch64-linux-gnu-gfortran", X86_64)
    toolchain = find_toolchain(TARGET, sysconfig_vars(), _sysroot(tmp_path))
    assert toolchain.fortran is None


def test_fortran_package_hint() -> None:
    assert compiler_package_hint("aarch64-linux-gnu", "fortran") == "Debian: apt-get install gfortran-aarch64-linux-gnu"
    assert compiler_package_hint("i386-linux-gnu", "fortran") == "Debian: apt-get install gfortran-i686-linux-gnu"
    assert compiler_package_hint("", "fortran") == "install a Fortran cross compiler"


def test_meson_cmake_and_environment_name_the_fortran_wrapper(fake_bin: Path, tmp_path: Path) -> None:
    host = _host(tmp_path, fake_bin, fortran=True)
    settings = _settings(host, tmp_path)
    wrapper = settings.wrappers.fortran
    assert wrapper == settings.wrappers.directory / "crossbuild-fortran"
    assert _meson_binaries(settings.meson_cross_file)["fortran"] == [wrapper.name]  # first on the backend's PATH
    lines = settings.cmake_toolchain_file.read_text().splitlines()
    assert f'set(CMAKE_Fortran_COMPILER "{wrapper}")' in lines
    assert {name: settings.environ[name] for name in ("FC", "F77", "F90")} == dict.fromkeys(
        ("FC", "F77", "F90"), str(wrapper)
    )
    # the real compiler's name and plain gfortran, in the directory first on PATH, are the wrapper too
    assert (settings.wrappers.directory / "aarch64-linux-gnu-gfortran").resolve() == wrapper.resolve()
    assert (settings.wrappers.directory / "gfortran").resolve() == wrapper.resolve()


def test_the_fortran_wrapper_runs_gfortran_with_the_sysroot_and_logs_it(fake_bin: Path, tmp_path: Path) -> None:
    install_fake_toolchain(fake_bin, AARCH64, fortran=True)
    host = crossbuild.inspect_host(make_layout(tmp_path / "root").python)
    (host.sysroot / "usr/lib/aarch64-linux-gnu").mkdir(parents=True, exist_ok=True)
    assert host.toolchain.fortran is not None
    write_script(fake_bin / "aarch64-linux-gnu-gfortran", ECHO_FC)  # proven already: now it echoes
    wrappers = _settings(host, tmp_path).wrappers
    result = subprocess.run([str(wrappers.fortran), "-c", "x.f90"], capture_output=True, text=True, check=True)
    words = result.stdout.split()
    link = [str(wrappers.fortran), "-shared", "x.o", "-o", "x.so"]
    linked = subprocess.run(link, capture_output=True, text=True, check=True).stdout.split()
    assert words[:2] == ["fortran", f"--sysroot={host.sysroot}"]
    assert f"-L{host.sysroot}/usr/lib/aarch64-linux-gnu" in linked  # the root's libgfortran, libopenblas first
    assert f"-L{host.sysroot}/usr/lib/aarch64-linux-gnu" not in words  # a compile: no library flags
    assert "-nostdinc" not in words  # it would hide gfortran's own modules (omp_lib.mod)
    assert any(word.startswith("-ffile-prefix-map=") for word in words)
    call = wrappers.calls()[0]
    assert call.argv[0] == str(fake_bin / "aarch64-linux-gnu-gfortran")
    assert (call.returncode, call.missing) == (0, False)


def test_without_gfortran_the_wrapper_names_the_package(fake_bin: Path, tmp_path: Path) -> None:
    host = _host(tmp_path, fake_bin, fortran=False)
    settings = _settings(host, tmp_path)
    assert _meson_binaries(settings.meson_cross_file)["fortran"] == [settings.wrappers.fortran.name]
    assert not {"FC", "F77", "F90"} & set(settings.environ)
    result = subprocess.run([str(settings.wrappers.fortran), "--version"], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (1, f"crossbuild: {MISSING}\n")
    assert settings.wrappers.missing_compiler() == MISSING
    gfortran = settings.wrappers.directory / "gfortran"
    assert subprocess.run([str(gfortran), "-c", "x.f90"], capture_output=True, text=True).returncode == 1


def test_the_wheel_cache_key_follows_the_fortran_compiler(fake_bin: Path, tmp_path: Path) -> None:
    without = _host(tmp_path, fake_bin, fortran=False)
    with_fortran = _host(tmp_path, fake_bin, fortran=True)
    assert with_fortran.toolchain.fortran is not None
    assert without.fingerprint != with_fortran.fingerprint
    assert with_fortran.summary()["toolchain"]["fortran"] == [str(fake_bin / "aarch64-linux-gnu-gfortran")]
