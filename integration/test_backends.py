"""meson-python, scikit-build-core and real PyPI projects, cross-built with no hand-written files."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import QemuHost, assert_no_wheel, error_line, run_crossbuild
from test_wheel import AARCH64, elf_members, wheel_tags

import crossbuild


@pytest.fixture(scope="session")
def numpy_wheel(host: crossbuild.Host, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """numpy 2.2.6 from its PyPI sdist (meson-python, vendored meson, C/C++/Cython): minutes."""
    return crossbuild.build_wheel("numpy==2.2.6", host, tmp_path_factory.mktemp("numpy"))


def test_meson_python_project(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel(project("meson_ext"), host, tmp_path / "dist")

    assert wheel.name == "mesonext-1.0-cp311-cp311-linux_aarch64.whl"
    assert set(elf_members(wheel).values()) == {AARCH64}
    qemu.install(wheel)
    # meson measured sizeof(long double) for the host (16 on aarch64), as the compiler sees it
    assert qemu.python("import _mesonext as m; print(m.long_double_size(), m.sizeof_long_double())") == "16 16"


def test_cmake_4_policies_find_python_and_run_the_hosts_probe(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    """CMake 4.x from PyPI with policies up to 4.2: FindPython runs the build python through
    CMAKE_CROSSCOMPILING_EMULATOR (CMP0190), which crossbuild's emulator runs here, while
    try_run's host program still runs under qemu; WITH_SOABI names the module as on the host."""
    wheel = crossbuild.build_wheel(project("cmake_policy_41"), host, tmp_path / "dist")
    assert set(elf_members(wheel)) == {"cmakepolicy.cpython-311-aarch64-linux-gnu.so"}
    qemu.install(wheel)
    out = qemu.python(
        "import cmakepolicy, os, platform, sysconfig\n"
        "print(cmakepolicy.probe_output(), platform.machine(), os.path.basename(cmakepolicy.__file__)"
        " == 'cmakepolicy' + sysconfig.get_config_var('EXT_SUFFIX'))"
    )
    assert out == "aarch64 aarch64 True"


def test_meson_setup_args_of_the_user_still_apply(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    source = project("meson_ext")
    result = run_crossbuild(
        "wheel", source, "--host", host_python, "-w", tmp_path / "dist", "-C", "setup-args=-Dbuildtype=debug", "-v"
    )

    assert result.returncode == 0, result.stderr
    setup = next(line for line in result.stderr.splitlines() if "meson setup" in line).split()
    cross_file = next(i for i, arg in enumerate(setup) if arg.startswith("--cross-file="))
    assert setup.index("-Dbuildtype=debug") > cross_file  # the user's setup-args come after ours
    assert "Build type: cross build" in result.stderr
    assert [line.split() for line in result.stderr.splitlines() if "buildtype   :" in line] == [
        ["buildtype", ":", "debug"]
    ]


def test_meson_configure_failure_shows_meson_error(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    source = project("meson_ext")
    build_file = source / "meson.build"
    build_file.write_text(build_file.read_text() + "\ndependency('no-such-library-crossbuild')\n")
    dist = tmp_path / "dist"

    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist)

    assert result.returncode == 1
    last = error_line(result.stderr)
    assert last.startswith("error: the build backend of meson_ext failed in build_wheel: ")
    assert 'Dependency "no-such-library-crossbuild" not found' in last
    assert_no_wheel(dist)


def test_scikit_build_core_pybind11_project(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel(project("cmake_ext"), host, tmp_path / "dist")

    assert wheel.name == "cmakeext-1.0-cp311-cp311-linux_aarch64.whl"
    assert set(elf_members(wheel).values()) == {AARCH64}
    qemu.install(wheel)
    assert qemu.python("import cmakeext; print(cmakeext.system_processor(), cmakeext.squares(4))") == (
        "aarch64 [0, 1, 4, 9]"
    )


def test_cmake_configure_failure_shows_cmake_error(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    source = project("cmake_ext")
    lists = source / "CMakeLists.txt"
    lists.write_text(lists.read_text() + "\nfind_package(NoSuchPackageCrossbuild REQUIRED)\n")
    dist = tmp_path / "dist"

    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist)

    assert result.returncode == 1
    assert "NoSuchPackageCrossbuild" in result.stderr
    assert error_line(result.stderr).startswith("error: the build backend of cmake_ext failed")
    assert_no_wheel(dist)


def test_numpy_from_its_sdist(numpy_wheel: Path, qemu: QemuHost) -> None:
    assert numpy_wheel.name == "numpy-2.2.6-cp311-cp311-linux_aarch64.whl"
    assert wheel_tags(numpy_wheel) == ["cp311-cp311-linux_aarch64"]
    binaries = elf_members(numpy_wheel)
    assert len(binaries) > 10
    assert set(binaries.values()) == {AARCH64}
    qemu.install(numpy_wheel)
    out = qemu.python(
        "import numpy as np, platform\n"
        "rng = np.random.default_rng(42)\n"
        "a = rng.normal(size=(6, 6)) + 6 * np.eye(6)\n"
        "print(platform.machine(), np.allclose(a @ np.linalg.inv(a), np.eye(6)),\n"
        "      np.allclose(np.fft.ifft(np.fft.fft(a[0])).real, a[0]),\n"
        "      round(float(rng.normal(size=20000).std()), 1),\n"
        "      np.finfo(np.longdouble).nmant)\n"
    )
    # long double of aarch64 is IEEE quad: 112 mantissa bits (x86's 80-bit extended has 63)
    assert out == "aarch64 True True 1.0 112"


def test_scikit_build_core_project_from_pypi(
    numpy_wheel: Path, host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    """spglib (C library + numpy C API, scikit-build-core) and its pure dependency."""
    spglib = crossbuild.build_wheel("spglib==2.6.0", host, tmp_path / "dist")
    typing_extensions = crossbuild.build_wheel("typing-extensions==4.12.2", host, tmp_path / "dist")

    assert spglib.name == "spglib-2.6.0-cp311-cp311-linux_aarch64.whl"
    assert set(elf_members(spglib).values()) == {AARCH64}
    assert typing_extensions.name.endswith("-py3-none-any.whl")
    for wheel in (numpy_wheel, spglib, typing_extensions):
        qemu.install(wheel)
    out = qemu.python(
        "import spglib\n"
        "lattice = [[4.05, 0, 0], [0, 4.05, 0], [0, 0, 4.05]]\n"
        "positions = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]\n"
        "print(spglib.get_spacegroup((lattice, positions, [13] * 4)))\n"
    )
    assert out == "Fm-3m (225)"
    with zipfile.ZipFile(spglib) as archive:
        assert any(name.startswith("spglib/") and name.endswith(".so") for name in archive.namelist())
