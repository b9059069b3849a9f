"""Fortran for the host: tests/packages/fortran_f2py cross-built for arm64 and run under qemu.

The project compiles Fortran routines with the host's gfortran and wraps them with f2py
(numpy.f2py writes the C module, as scipy does); one routine calls BLAS (dgemm, ddot) of
the root's OpenBLAS, found through pkg-config.  The sysroot holds libopenblas-dev, so
also libgfortran5; the wheel must need only those, and load them from the root under
qemu (the build machine's arm64 libraries are hidden).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import ARCH, PACKAGES, QemuHost, assert_no_wheel, error_line, run_crossbuild

from crossbuild.host.elf import Linkage, read_linkage

#: The numpy the host runs: PyPI's wheel for arm64 (the wheel was built against numpy 2).
HOST_NUMPY = "numpy==2.2.6"


@pytest.fixture(scope="module")
def blas_root(sysroot_with: Callable[..., Path]) -> Path:
    sysroot_script.ensure_fortran(ARCH)
    return sysroot_with("libopenblas-dev")


@pytest.fixture(scope="module")
def fortran_wheel(blas_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("fortran-dist")
    source = shutil.copytree(PACKAGES / "fortran_f2py", tmp_path_factory.mktemp("fortran-src") / "fortran_f2py")
    result = run_crossbuild("wheel", source, "--host", blas_root / "usr/bin/python3.11", "-w", dist)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


@pytest.fixture(scope="module")
def host_site(blas_root: Path, fortran_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> QemuHost:
    """The host python of the OpenBLAS root with numpy and the wheel installed."""
    downloads = tmp_path_factory.mktemp("host-numpy")
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(downloads)]
    pip += ["--platform", "manylinux2014_aarch64", "--python-version", "3.11", "--implementation", "cp", HOST_NUMPY]
    subprocess.run(pip, check=True, capture_output=True)
    site = tmp_path_factory.mktemp("site")
    qemu = QemuHost(blas_root, site)
    [numpy] = downloads.glob("numpy-*.whl")
    with zipfile.ZipFile(numpy) as archive:  # unpacked: installer refuses its stray __pycache__ file
        archive.extractall(site)
    qemu.install(fortran_wheel)
    return qemu


def _linkage(wheel: Path, module: str) -> Linkage:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.startswith(f"fortranf2py/{module}.") and n.endswith(".so")]
        linkage = read_linkage(archive.read(name))
    assert linkage is not None
    return linkage


def test_a_fortran_routine_called_through_f2py(fortran_wheel: Path, blas_root: Path, host_site: QemuHost) -> None:
    assert fortran_wheel.name == "fortranf2py-1.0-cp311-cp311-linux_aarch64.whl"
    # the gfortran runtime (formatted output) is the root's libgfortran.so.5
    assert "libgfortran.so.5" in _linkage(fortran_wheel, "_horner").needed
    assert (blas_root / "usr/lib/aarch64-linux-gnu/libgfortran.so.5").exists()
    output = host_site.python(
        "import platform, fortranf2py as f\n"
        "print(platform.machine(), f.horner([1.0, 2.0, 3.0], 2.0), f.horner_text(3.14159).decode().strip())"
    )
    assert output == "aarch64 17.0 3.1416"  # 1 + 2*2 + 3*4


def test_blas_of_the_root_through_pkg_config(fortran_wheel: Path, host_site: QemuHost) -> None:
    linkage = _linkage(fortran_wheel, "_blasdot")
    assert "libopenblas.so.0" in linkage.needed
    # meson's rpath to the .pc file's directory names it as the host does, not this machine's sysroot
    assert linkage.search_paths == ("/usr/lib/aarch64-linux-gnu/openblas-pthread",)
    output = host_site.python(
        "import numpy as np, fortranf2py as f\n"
        "a = np.array([[1.0, 2.0], [3.0, 4.0]]); b = np.array([[5.0, 6.0], [7.0, 8.0]])\n"
        "print(f.blasdot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), f.blasmatmul(a, b).tolist())"
    )
    assert output == "32.0 [[19.0, 22.0], [43.0, 50.0]]"


def test_without_a_fortran_compiler_the_error_names_the_package(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    """A gfortran that cannot compile stands in for none: the toolchain skips it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-g++"):
        (tools / name).symlink_to(f"/usr/bin/{name}")
    broken = tools / "aarch64-linux-gnu-gfortran"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    dist = tmp_path / "dist"
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    source = project("fortran_f2py")
    result = run_crossbuild(
        "wheel", source, "--host", host_python, "--cc", tools / "aarch64-linux-gnu-gcc", "-w", dist, env=env
    )
    assert result.returncode != 0
    assert error_line(result.stderr) == (
        f"error: {source.name} needs a compiler the host lacks: no Fortran compiler for aarch64 was found; "
        "Debian: apt-get install gfortran-aarch64-linux-gnu"
    )
    assert_no_wheel(dist)
