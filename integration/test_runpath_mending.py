"""A run-time search path CMake's install step writes into the root is mended, not refused.

``cmake_rpath`` (scikit-build-core) links the root's zlib and sets an ``INSTALL_RPATH``
naming where it found it, a directory beside it and its build tree
(``tests/packages/cmake_rpath/CMakeLists.txt``).  No compiler call carries it, so the
wrappers never see it; verification refused the wheel ("… searches
<root>/usr/lib/aarch64-linux-gnu for libraries at run time …").
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ARCH, QemuHost
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

import crossbuild

EXTENSION = "cmakerpath/_crc.cpython-311-aarch64-linux-gnu.so"  # python_add_library(WITH_SOABI)


def _search_path_tags(data: bytes) -> dict[str, str]:
    dynamic = ELFFile(io.BytesIO(data)).get_section_by_name(".dynamic")
    assert isinstance(dynamic, DynamicSection)
    names = {"DT_RPATH": "rpath", "DT_RUNPATH": "runpath"}
    return {t.entry.d_tag: getattr(t, names[t.entry.d_tag]) for t in dynamic.iter_tags() if t.entry.d_tag in names}


def test_a_cmake_install_rpath_into_the_root_becomes_the_host_s(
    project: Callable[[str], Path],
    host: crossbuild.Host,
    tmp_path: Path,
    qemu: QemuHost,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = project("cmake_rpath")
    with caplog.at_level(logging.INFO, logger="crossbuild"):
        wheel = crossbuild.build_wheel(source, host, tmp_path / "dist")

    assert wheel.name == "cmakerpath-1.0-cp311-cp311-linux_aarch64.whl"
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(EXTENSION)
    # $ORIGIN is the project's own; the root's zlib directory went (the host's loader searches
    # it anyway), and so did the build tree; the directory beside it is the host's
    assert _search_path_tags(data) == {"DT_RUNPATH": f"$ORIGIN:/usr/lib/{ARCH.triplet}/cmakerpath"}
    assert str(host.sysroot).encode() not in data
    assert b"/tmp/" not in data
    said = [r.getMessage() for r in caplog.records if "run-time search path" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"{EXTENSION}: run-time search path $ORIGIN:{host.sysroot}/usr/")
    assert said[0].endswith(f"; now $ORIGIN:/usr/lib/{ARCH.triplet}/cmakerpath")

    qemu.install(wheel)
    assert qemu.python("import cmakerpath; print(cmakerpath.crc(b'abc'), cmakerpath.zlib_version())") == (
        "891568578 1.2.13"
    )

    again = crossbuild.build_wheel(source, host, tmp_path / "again")
    assert again.read_bytes() == wheel.read_bytes()  # mended the same way: the same bytes
