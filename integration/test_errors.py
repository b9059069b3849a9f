"""Bad input ends in one line naming the problem and the fix, exit code 1, no wheel left."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_no_wheel, error_line, run_crossbuild


def test_c_code_that_does_not_compile(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", project("broken_c"), "--host", host_python, "-w", dist)

    assert result.returncode == 1
    line = error_line(result.stderr)
    assert line.startswith("error: the build backend of broken_c failed in build_wheel: brokenc.c:4:14: error: ")
    assert line.endswith("(see the output above, or rerun with -v)")
    assert "  | brokenc.c:4:14: error: expected expression before" in result.stderr  # the compiler's own output
    assert_no_wheel(dist)


def test_quiet_pure_fallback_is_refused(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", project("optional_c"), "--host", host_python, "-w", dist)

    assert result.returncode == 1
    line = error_line(result.stderr)
    assert line.startswith(
        "error: the C/C++ build failed and the project fell back to the pure wheel optpkg-1.0-py3-none-any.whl: "
    )
    assert '#error "optpkg speedups need x86-64 intrinsics"' in line
    assert line.endswith("(fix the compile error, or pass --allow-pure-fallback to accept the pure wheel)")
    assert_no_wheel(dist)


def test_pure_fallback_with_a_platform_tag_is_refused(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    """setuptools' optional extension: the wheel keeps a platform tag but holds no binary."""
    dist = tmp_path / "dist"
    source = project("optional_ext")
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist)

    assert result.returncode == 1, result.stderr
    line = error_line(result.stderr)
    assert line.startswith(
        "error: the C/C++ build failed and the project fell back to the pure wheel "
        "optext-1.0-cp311-cp311-linux_aarch64.whl: "
    )
    assert "crossbuild_test_missing_header.h: No such file or directory" in line
    assert line.endswith("(fix the compile error, or pass --allow-pure-fallback to accept the pure wheel)")
    assert_no_wheel(dist)

    accepted = run_crossbuild("wheel", source, "--host", host_python, "-w", dist, "--allow-pure-fallback")
    assert accepted.returncode == 0, accepted.stderr
    assert [p.name for p in dist.iterdir()] == ["optext-1.0-cp311-cp311-linux_aarch64.whl"]


def test_pure_fallback_accepted_on_request(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", project("optional_c"), "--host", host_python, "-w", dist, "--allow-pure-fallback")

    assert result.returncode == 0, result.stderr
    assert [p.name for p in dist.iterdir()] == ["optpkg-1.0-py3-none-any.whl"]


def test_binary_built_for_the_build_machine_is_refused(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", project("native_only"), "--host", host_python, "-w", dist)

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: nativepkg-1.0-py3-none-any.whl: nativepkg/libanswer.so is built for x86_64 (64-bit, little-endian) "
        "but the host is aarch64 (64-bit, little-endian); the backend did not use the cross compiler "
        "(check its compiler settings, or rerun with -v)"
    )
    assert_no_wheel(dist)


def test_host_that_does_not_exist(project: Callable[[str], Path], sysroot: Path, tmp_path: Path) -> None:
    result = run_crossbuild("wheel", project("c_ext"), "--host", sysroot / "usr/bin/python9", "-w", tmp_path / "dist")

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        f"error: host python {sysroot}/usr/bin/python9: does not exist; pass --host the host's python inside "
        "its sysroot, e.g. ROOTFS/usr/bin/python3"
    )
    assert result.stderr.count("\n") == 1


def test_host_that_is_not_a_python(project: Callable[[str], Path], sysroot: Path, tmp_path: Path) -> None:
    result = run_crossbuild("wheel", project("c_ext"), "--host", sysroot / "usr/bin/gencat", "-w", tmp_path / "dist")

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        f"error: host python {sysroot}/usr/bin/gencat: is not a Python interpreter; "
        "pass --host the host's python binary"
    )


def test_no_cross_compiler_on_path(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    result = run_crossbuild("wheel", project("c_ext"), "--host", host_python, "-w", tmp_path / "dist", env=env)

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: no C compiler for aarch64 (64-bit, little-endian) found on PATH (tried aarch64-linux-gnu-gcc, "
        "aarch64-unknown-linux-gnu-gcc); Debian: apt-get install gcc-aarch64-linux-gnu, or pass --cc"
    )


def test_compiler_for_the_wrong_machine(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    result = run_crossbuild("wheel", project("c_ext"), "--host", host_python, "--cc", "gcc", "-w", tmp_path / "dist")

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: /usr/bin/gcc builds for x86_64 (64-bit, little-endian) but the host is aarch64 (64-bit, "
        "little-endian); pass a cross compiler for the host (Debian: apt-get install gcc-aarch64-linux-gnu)"
    )


@pytest.mark.skipif(not Path("/root/.pyenv/versions/3.12.1/bin/python3.12").exists(), reason="needs a Python 3.12")
def test_build_python_of_another_version(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    other = "/root/.pyenv/versions/3.12.1/bin/python3.12"
    result = run_crossbuild(
        "wheel", project("c_ext"), "--host", host_python, "--build-python", other, "-w", tmp_path / "dist"
    )

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        f"error: host python is 3.11 but build python {other} is 3.12; "
        "pass --build-python with a Python 3.11 interpreter"
    )


def test_unknown_requirement(host_python: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", "no-such-project-crossbuild-test==1.0", "--host", host_python, "-w", dist)

    assert result.returncode == 1
    assert error_line(result.stderr).startswith("error: no sdist of no-such-project-crossbuild-test==1.0 on ")
    assert_no_wheel(dist)


def test_missing_local_source(host_python: Path, tmp_path: Path) -> None:
    result = run_crossbuild("wheel", "./no-such-dir", "--host", host_python, "-w", tmp_path / "dist")

    assert result.returncode == 1
    assert error_line(result.stderr) == "error: ./no-such-dir: no such file or directory"
    assert sys.executable  # the CLI ran with this interpreter
