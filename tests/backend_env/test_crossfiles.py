"""The meson cross file, the CMake toolchain file and the Cargo/PyO3 environment of a host."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.contexts import context_for
from helpers.fakehost import (
    AARCH64,
    ARMHF,
    ET_EXEC,
    S390X,
    Machine,
    elf_header,
    elf_target,
    install_fake_toolchain,
    make_layout,
    make_rust_toolchain,
    write_script,
)

import crossbuild
from crossbuild.backend_env.rust import RustToolchain, VendoredCrates
from crossbuild.backend_env.settings import CrossSettings, prepare_settings
from crossbuild.backend_env.shims import _elf_signature
from crossbuild.host.host import Host
from crossbuild.wheel.backend import cross_config_settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def _host(tmp_path: Path, bin_dir: Path, machine: Machine, long_double: int, qemu: bool = False) -> Host:
    install_fake_toolchain(bin_dir, machine)
    if qemu:
        write_script(
            bin_dir / {"aarch64": "qemu-aarch64", "armv7l": "qemu-arm", "s390x": "qemu-s390x"}[machine.uname],
            "exit 0\n",
        )
    layout = make_layout(
        tmp_path / f"root-{machine.uname}", machine=machine, overrides={"SIZEOF_LONG_DOUBLE": long_double}
    )
    return crossbuild.inspect_host(layout.python)


def _settings(host: Host, tmp_path: Path) -> CrossSettings:
    return prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))


def _meson(path: Path) -> dict[str, dict[str, object]]:
    parser = configparser.ConfigParser()
    parser.read(path)
    return {
        s: {k: ast.literal_eval(v.replace("true", "True")) for k, v in parser[s].items()} for s in parser.sections()
    }


@pytest.mark.parametrize(
    ("machine", "long_double", "cpu_family", "endian", "longdouble_format"),
    [
        (AARCH64, 16, "aarch64", "little", "IEEE_QUAD_LE"),
        (ARMHF, 8, "arm", "little", "IEEE_DOUBLE_LE"),
        (S390X, 16, "s390x", "big", "IEEE_QUAD_BE"),
    ],
)
def test_meson_cross_file(
    tmp_path: Path,
    fake_bin: Path,
    machine: Machine,
    long_double: int,
    cpu_family: str,
    endian: str,
    longdouble_format: str,
) -> None:
    host = _host(tmp_path, fake_bin, machine, long_double)
    settings = _settings(host, tmp_path)
    cross = _meson(settings.meson_cross_file)

    assert cross["host_machine"] == {
        "system": "linux",
        "cpu_family": cpu_family,
        "cpu": machine.uname,
        "endian": endian,
    }
    assert cross["binaries"]["c"] == [settings.wrappers.cc.name]  # found first on the backend's PATH
    assert cross["binaries"]["cpp"] == [settings.wrappers.cxx.name]
    assert cross["binaries"]["python"] == sys.executable
    assert cross["binaries"]["ar"] == str(fake_bin / f"{machine.triplet}-gcc-ar")
    assert "exe_wrapper" not in cross["binaries"]  # no qemu here: numpy still needs no run-checks
    assert cross["properties"]["longdouble_format"] == longdouble_format
    assert cross["properties"]["sys_root"] == str(host.sysroot)
    assert cross["properties"]["needs_exe_wrapper"] is True
    assert cross["properties"]["pkg_config_libdir"][0] == str(host.sysroot / f"usr/lib/{machine.triplet}/pkgconfig")


def test_meson_exe_wrapper_is_qemu_when_installed(tmp_path: Path, fake_bin: Path) -> None:
    host = _host(tmp_path, fake_bin, AARCH64, 16, qemu=True)
    assert host.emulator == (str(fake_bin / "qemu-aarch64"), "-L", str(host.sysroot))
    cross = _meson(_settings(host, tmp_path).meson_cross_file)
    assert cross["binaries"]["exe_wrapper"] == [str(fake_bin / "qemu-aarch64"), "-L", str(host.sysroot)]


def test_cmake_toolchain_file(tmp_path: Path, fake_bin: Path) -> None:
    host = _host(tmp_path, fake_bin, ARMHF, 8, qemu=True)
    settings = _settings(host, tmp_path)
    lines = settings.cmake_toolchain_file.read_text().splitlines()

    assert 'set(CMAKE_SYSTEM_NAME "Linux")' in lines
    assert 'set(CMAKE_SYSTEM_PROCESSOR "armv7l")' in lines
    assert f'set(CMAKE_SYSROOT "{host.sysroot}")' in lines
    assert f'set(CMAKE_C_COMPILER "{settings.wrappers.cc}")' in lines
    assert f'set(CMAKE_CXX_COMPILER "{settings.wrappers.cxx}")' in lines
    assert f'set(CMAKE_AR "{fake_bin}/arm-linux-gnueabihf-gcc-ar" CACHE FILEPATH "")' in lines
    assert 'set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY "ONLY")' in lines
    assert 'set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM "NEVER")' in lines
    assert f'set(CMAKE_CROSSCOMPILING_EMULATOR "{settings.wrappers.directory}/crossbuild-emulator")' in lines
    assert settings.environ["CMAKE_TOOLCHAIN_FILE"] == str(settings.cmake_toolchain_file)

    provider = settings.cmake_toolchain_file.with_name("python-soabi.cmake")
    assert lines[-3:] == [
        f'if(NOT "{provider}" IN_LIST CMAKE_PROJECT_TOP_LEVEL_INCLUDES)',
        f'  list(PREPEND CMAKE_PROJECT_TOP_LEVEL_INCLUDES "{provider}")',
        "endif()",
    ]
    text = provider.read_text()
    assert '"${${crossbuild_package}_VERSION_MAJOR}.${${crossbuild_package}_VERSION_MINOR}" STREQUAL "3.11"' in text
    assert f'set(${{crossbuild_package}}_SOABI "{host.ext_suffix[1:-3]}")' in text
    assert host.ext_suffix == ".cpython-311-arm-linux-gnueabihf.so"


@pytest.mark.parametrize(
    ("machine", "target"),
    [
        (AARCH64, "aarch64-unknown-linux-gnu"),
        (ARMHF, "armv7-unknown-linux-gnueabihf"),
        (S390X, "s390x-unknown-linux-gnu"),
    ],
)
def test_rust_settings(tmp_path: Path, fake_bin: Path, machine: Machine, target: str) -> None:
    host = _host(tmp_path, fake_bin, machine, 16)
    settings = _settings(host, tmp_path)
    env = settings.environ
    upper = target.upper().replace("-", "_")

    assert env["CARGO_BUILD_TARGET"] == target
    assert env[f"CARGO_TARGET_{upper}_LINKER"] == str(settings.wrappers.cc)
    assert env[f"CC_{target.replace('-', '_')}"] == str(settings.wrappers.cc)
    assert env[f"CXX_{target.replace('-', '_')}"] == str(settings.wrappers.cxx)
    assert env["PYO3_CROSS"] == "1"
    assert env["PYO3_CROSS_LIB_DIR"] == str(host.sysroot / "usr/lib/python3.11")
    assert env["PYO3_CROSS_PYTHON_VERSION"] == "3.11"
    assert f"CARGO_TARGET_{upper}_RUNNER" not in env  # no qemu installed here
    # unless asked, cargo and rustc come from PATH and crates from the user's CARGO_HOME
    assert not {"CARGO", "RUSTC", "CARGO_HOME", "CARGO_NET_OFFLINE"} & set(env)
    assert not (settings.wrappers.directory / "cargo").exists()


def test_rust_toolchain_comes_first_on_path(tmp_path: Path, fake_bin: Path) -> None:
    host = _host(tmp_path, fake_bin, AARCH64, 16)
    directory = make_rust_toolchain(tmp_path / "debian-rust", ["aarch64-unknown-linux-gnu"])
    toolchain = RustToolchain.for_host(host, directory)
    settings = prepare_settings(context_for(host, rust_toolchain=toolchain), tmp_path / "cross", Path(sys.executable))

    # the wrappers' directory is first on the backend's PATH: maturin's `cargo` is this one
    for program in ("cargo", "rustc"):
        assert (settings.wrappers.directory / program).readlink() == directory / "bin" / program
    assert settings.environ["CARGO"] == str(directory / "bin/cargo")  # setuptools-rust's choice
    assert settings.environ["RUSTC"] == str(directory / "bin/rustc")  # cargo's choice
    assert toolchain.identity == ("rustc 1.63.0\nrelease: 1.63.0\nLLVM version: 14.0.6\ncargo 1.63.0\n",)


def test_vendored_crates_get_a_cargo_home_of_the_build(tmp_path: Path, fake_bin: Path) -> None:
    host = _host(tmp_path, fake_bin, AARCH64, 16)
    crates_dir = tmp_path / 'vendor "crates" \\ x\tdir'
    (crates_dir / "pyo3-0.17.3").mkdir(parents=True)
    context = context_for(host, vendored_crates=VendoredCrates.find(crates_dir))
    settings = prepare_settings(context, tmp_path / "cross", Path(sys.executable))
    cargo_home = Path(settings.environ["CARGO_HOME"])

    assert cargo_home == settings.directory / "cargo-home"
    assert tomllib.loads((cargo_home / "config.toml").read_text()) == {
        "source": {
            "crates-io": {"replace-with": "crossbuild-vendored"},
            "crossbuild-vendored": {"directory": str(crates_dir)},
        },
        "net": {"offline": True},
    }
    assert settings.environ["CARGO_NET_OFFLINE"] == "true"


def test_meson_python_gets_the_cross_file_first(tmp_path: Path, fake_bin: Path) -> None:
    settings = _settings(_host(tmp_path, fake_bin, AARCH64, 16), tmp_path)
    ours = f"--cross-file={settings.meson_cross_file}"

    assert cross_config_settings("mesonpy", None, settings) == {"setup-args": [ours]}
    assert cross_config_settings("mesonpy", {"setup-args": "-Dblas=none"}, settings) == {
        "setup-args": [ours, "-Dblas=none"]
    }
    assert cross_config_settings("mesonpy", {"setup-args": ["-Da=1", "-Db=2"], "x": "y"}, settings) == {
        "setup-args": [ours, "-Da=1", "-Db=2"],
        "x": "y",
    }
    assert cross_config_settings("setuptools.build_meta", {"setup-args": "-Dx"}, settings) == {"setup-args": "-Dx"}


def test_cmake_emulator_runs_host_programs_under_qemu_and_this_machines_as_they_are(
    tmp_path: Path, fake_bin: Path
) -> None:
    """CMake runs try_run's programs through it, and since 4.1 (CMP0190) FindPython's
    interpreter too: the build python must run here, the host's program under qemu."""
    host = _host(tmp_path, fake_bin, AARCH64, 16, qemu=True)
    write_script(fake_bin / "qemu-aarch64", 'echo "qemu $*"\n')
    emulator = str(_settings(host, tmp_path).wrappers.directory / "crossbuild-emulator")
    host_program = tmp_path / "probe"
    host_program.write_bytes(elf_header(AARCH64, ET_EXEC) + bytes(64))
    host_program.chmod(0o755)
    script = write_script(tmp_path / "script.sh", "echo script $1\n")

    def run(*args: str) -> str:
        result = subprocess.run([emulator, *args], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run(str(host_program), "-x") == f"qemu -L {host.sysroot} {host_program} -x"
    assert run(sys.executable, "-c", "import sys; print(sys.argv[1:])", "a b") == "['a b']"
    assert run(str(script), "one") == "script one"
    write_script(fake_bin / "on-path", "echo on path $1\n")
    assert run("on-path", "x") == "on path x"  # found on PATH, this machine's: runs here
    missing = subprocess.run([emulator, "no-such-program"], capture_output=True, text=True)
    assert (missing.returncode, missing.stderr) == (
        1,
        "crossbuild-emulator: cannot run no-such-program: No such file or directory\n",
    )


@pytest.mark.parametrize("machine", [AARCH64, ARMHF, S390X])
def test_the_emulator_knows_the_hosts_elf_header(machine: Machine) -> None:
    header = elf_header(machine)
    assert _elf_signature(elf_target(machine)) == (header[4:6] + header[18:20]).hex()
