"""Host requirements (issue 13, class 5): a project compiled against numpy's C API, or
finding numpy and pybind11 with meson's ``dependency()``, gets the host's copy.

arm64 takes numpy's manylinux aarch64 wheel from the index; armhf has none there, so
crossbuild cross-builds numpy 2.2.6 itself (minutes, once: the built-wheel cache keeps
it, and the wheel installed under qemu here is that same cached build).  On armhf the
build machine's numpy headers say ``NPY_SIZEOF_LONG 8``: the extension must say 4.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost, error_line, run_crossbuild

import crossbuild

#: numpy's manylinux wheels hold a numpy/distutils/__pycache__, which installer skips.
pytestmark = pytest.mark.filterwarnings("ignore:Skip installing .*__pycache__:RuntimeWarning")

NUMPY = "numpy==2.2.6"  # the version the test projects pin in their build requirements

#: debian arch: sizeof(long) on the host.
LONG_SIZE = {"arm64": 8, "armhf": 4}


@pytest.fixture(scope="module", params=["arm64", "armhf"])
def numpy_host(request: pytest.FixtureRequest) -> tuple[crossbuild.Host, sysroot_script.Arch]:
    arch = sysroot_script.ARCHES[request.param]
    sysroot_script.ensure_toolchain(arch)
    root = Path(sysroot_script.ensure_sysroot(arch))
    return crossbuild.inspect_host(root / "usr/bin" / sysroot_script.python_of(arch.suite)), arch


@pytest.fixture(scope="module")
def host_numpy(
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """numpy for the host, as ``crossbuild wheel`` gets it: the index's wheel, or cross-built."""
    host, _ = numpy_host
    wheels = crossbuild.build_wheelhouse(
        [NUMPY],
        host=host,
        wheel_dir=tmp_path_factory.mktemp("numpy"),
        install_options=crossbuild.InstallOptions(no_deps=True),
    )
    assert [w.name.split("-")[:2] for w in wheels] == [["numpy", "2.2.6"]]
    return wheels[0]


def _built_and_installed(
    source: str | Path,
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch],
    host_numpy: Path,
    tmp_path: Path,
    options: crossbuild.BuildOptions | None = None,
) -> tuple[QemuHost, int]:
    """Cross-build ``source`` and install it with the host's numpy for qemu; and the host's sizeof(long)."""
    host, arch = numpy_host
    wheel = crossbuild.build_wheel(source, host, tmp_path / "dist", options)
    (tmp_path / "site").mkdir()
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu, sysroot_script.python_of(arch.suite))
    qemu.install(host_numpy)
    qemu.install(wheel)
    return qemu, LONG_SIZE[arch.debian]


def test_numpy_c_api_extension_sees_the_hosts_numpy(
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch],
    host_numpy: Path,
    project: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    qemu, size = _built_and_installed(project("numpy_capi"), numpy_host, host_numpy, tmp_path)
    out = qemu.python(
        "import numpy_capi as m\n"
        "a = m.ones(3)\n"
        "print(*m.sizes(), m.half_to_float(0x3C00), a.tolist(), a.dtype.itemsize)"
    )
    # NPY_SIZEOF_LONG (_numpyconfig.h), sizeof(npy_long), libnpymath, the C API at run time
    assert out == f"{size} {size} 1.0 [1, 1, 1] {size}"


@pytest.mark.parametrize("method", ["auto", "config-tool"])  # auto: numpy.pc first
def test_meson_dependency_numpy_and_pybind11(
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch],
    host_numpy: Path,
    project: Callable[[str], Path],
    tmp_path: Path,
    method: str,
) -> None:
    options = crossbuild.BuildOptions(config_settings={"setup-args": f"-Dnumpy_method={method}"})
    qemu, size = _built_and_installed(project("meson_hostdeps"), numpy_host, host_numpy, tmp_path, options)
    out = qemu.python("import _npsizes, _pbadd\nprint(*_npsizes.sizes(), _pbadd.add(2, 3), _pbadd.long_bits())")
    assert out == f"{size} {size} 5 {size * 8}"


@pytest.mark.parametrize("numpy_host", ["armhf"], indirect=True)  # arm64's sizes are the build machine's
def test_cmake_findpython_numpy_component(
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch],
    host_numpy: Path,
    project: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    qemu, size = _built_and_installed(project("cmake_numpy"), numpy_host, host_numpy, tmp_path)
    assert qemu.python("import _cmnumpy\nprint(*_cmnumpy.sizes())") == f"{size} {size}"


def test_a_host_requirement_that_contradicts_the_build_requirements(
    host_python: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    result = run_crossbuild(
        "wheel", project("numpy_capi"), "--host", host_python, "--host-requires", "numpy<2", "-w", tmp_path / "dist"
    )
    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: host requirement numpy<2 of numpy_capi does not match numpy 2.2.6 of the build requirements: "
        "the host copy must be the same version; change one of them"
    )
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("numpy_host", ["armhf"], indirect=True)
def test_bottleneck_from_its_sdist_on_a_32_bit_host(
    numpy_host: tuple[crossbuild.Host, sysroot_script.Arch],
    host_numpy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bottleneck: setuptools, the numpy C API through ``numpy.get_include()``, typed loops
    over ``npy_int64``/``npy_long`` that the host's headers must define (built against the
    build machine's, it dies of SIGFPE under qemu)."""
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"{NUMPY}\n")  # its build requirement is numpy>=2: the host numpy's version
    monkeypatch.setenv("PIP_CONSTRAINT", str(constraints))
    qemu, _ = _built_and_installed("bottleneck==1.6.0", numpy_host, host_numpy, tmp_path)
    out = qemu.python(
        "import bottleneck as bn, numpy as np\n"
        "print(bn.nansum(np.arange(10)), bn.nansum(np.arange(10, dtype=np.int64)), bn.nanargmax(np.array([1, 5, 2])),\n"
        "      bn.move_sum(np.arange(5.0), 2).tolist(), bn.median(np.array([3, 1, 2], dtype=np.int32)))"
    )
    assert out == "45 45 1 [nan, 1.0, 3.0, 5.0, 7.0] 2.0"
