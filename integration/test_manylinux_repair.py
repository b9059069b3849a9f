"""crossbuild wheel --repair: a manylinux wheel for the host, made from the host's root only.

The extension of tests/packages/libffi_ext links libffi.so.8, a library of the host's root
that no manylinux policy whitelists (zlib is whitelisted).  It is built against a sysroot
with libffi-dev, repaired, and imported under qemu in a copy of the plain sysroot from
which libffi is removed: only the grafted copy can make it load.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from conftest import QemuHost, assert_no_wheel, error_line, run_crossbuild

import crossbuild
from crossbuild.host.elf import read_linkage
from crossbuild.host.libraries import HostLibraries
from crossbuild.wheel.verify import verify_wheel

AARCH64 = crossbuild.ElfTarget("EM_AARCH64", 64, "little")
MULTIARCH = "aarch64-linux-gnu"


@pytest.fixture(scope="module")
def ffi_python(sysroot_with: Callable[..., Path]) -> Path:
    """The host python of a sysroot that has libffi's headers and libffi.so."""
    return sysroot_with("libffi-dev") / "usr/bin/python3.11"


@pytest.fixture
def root_without_libffi(rootfs: Path) -> Path:
    """A copy of the plain sysroot without libffi.so.8: the device the wheel goes to."""
    removed = list((rootfs / "usr/lib" / MULTIARCH).glob("libffi.so*"))
    assert removed, "the sysroot was expected to hold libffi.so.8 (python's _ctypes needs it)"
    for library in removed:
        library.unlink()
    return rootfs


def build(source: Path, host_python: Path, dist: Path, *options: str) -> Path:
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist, *options)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def glibc_minor_needed(wheel: Path) -> int:
    """The newest GLIBC_2.X any ELF file of the wheel needs (the grafted libraries too)."""
    minors = [17]  # the oldest manylinux policy of aarch64
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            linkage = read_linkage(archive.read(name)) if not name.endswith("/") else None
            for versions in linkage.versions_needed.values() if linkage else []:
                minors += [int(v.split(".")[1]) for v in versions if re.fullmatch(r"GLIBC_2\.\d+", v)]
    return max(minors)


def test_repaired_wheel_imports_where_the_root_lacks_the_library(
    project: Callable[[str], Path], ffi_python: Path, root_without_libffi: Path, tmp_path: Path
) -> None:
    source = project("libffi_ext")
    plain = build(source, ffi_python, tmp_path / "plain")
    repaired = build(source, ffi_python, tmp_path / "repaired", "--repair")

    glibc = glibc_minor_needed(repaired)
    assert 17 <= glibc <= 36  # bookworm's glibc is 2.36
    aliases = ".manylinux2014_aarch64" if glibc == 17 else ""
    assert plain.name == "ffidemo-1.0-cp311-cp311-linux_aarch64.whl"
    assert repaired.name == f"ffidemo-1.0-cp311-cp311-manylinux_2_{glibc}_aarch64{aliases}.whl"
    with zipfile.ZipFile(repaired) as archive:
        names = archive.namelist()
        [grafted] = [n for n in names if n.startswith("ffidemo.libs/") and not n.endswith("/")]
        [extension] = [n for n in names if n.startswith("ffidemo/_ffi.") and n.endswith(".so")]
        linkage = read_linkage(archive.read(extension))
    assert re.fullmatch(r"ffidemo\.libs/libffi-[0-9a-f]{8}\.so\.8[.\d]*", grafted), grafted
    assert linkage is not None
    assert PurePosixPath(grafted).name in linkage.needed and "libffi.so.8" not in linkage.needed
    assert linkage.search_paths == ("$ORIGIN/../ffidemo.libs",)

    # the ELF checks: the plain wheel cannot load on the device, the repaired one can
    device = HostLibraries(root_without_libffi, MULTIARCH, AARCH64)
    with pytest.raises(crossbuild.UnloadableWheelError, match=r"needs libffi\.so\.8, which is neither"):
        verify_wheel(plain, AARCH64, device)
    assert sorted(verify_wheel(repaired, AARCH64, device).elf_files) == sorted((extension, grafted))

    without = QemuHost(root_without_libffi, tmp_path / "site-plain", isolated=True)
    without.install(plain)
    failed = without.run("import ffidemo")
    assert failed.returncode != 0 and "libffi.so.8: cannot open shared object file" in failed.stderr
    device_python = QemuHost(root_without_libffi, tmp_path / "site-repaired", isolated=True)
    device_python.install(repaired)
    assert device_python.python("import ffidemo; print(ffidemo.call_add(2, 40))") == "42"


def test_a_tag_older_than_the_symbols_allow_is_refused(
    project: Callable[[str], Path], ffi_python: Path, tmp_path: Path
) -> None:
    """libffi.so.8 of bookworm calls memfd_create@GLIBC_2.27: no manylinux2014 wheel with it."""
    dist = tmp_path / "dist"
    source = project("libffi_ext")
    result = run_crossbuild("wheel", source, "--host", ffi_python, "-w", dist, "--plat", "manylinux2014_aarch64")

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: cannot repair ffidemo-1.0-cp311-cp311-linux_aarch64.whl to manylinux_2_17_aarch64: the root's "
        "libffi.so.8 needs memfd_create@GLIBC_2.27 of libc.so.6, newer than manylinux_2_17_aarch64 allows; "
        "pass --plat manylinux_2_27_aarch64 (or auto), or build against an older root"
    )
    assert_no_wheel(dist)

    # a newer tag than needed: the wheel gets the most compatible one too, as with auditwheel
    wheel = build(source, ffi_python, dist, "--plat", "manylinux_2_31")
    assert wheel.name == "ffidemo-1.0-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_31_aarch64.whl"
    shutil.rmtree(dist)
    plain = build(source, ffi_python, dist, "--plat", "manylinux_2_31", "--repair=off")
    assert plain.name == "ffidemo-1.0-cp311-cp311-linux_aarch64.whl"
