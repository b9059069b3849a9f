"""A 32-bit ARM board (armhf) and a big-endian mainframe (s390x): the same commands work.

Each host gets its own Debian sysroot and cross toolchain from ``integration/sysroot.py``;
C, meson-python and scikit-build-core projects are built and imported under qemu.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost
from test_wheel import elf_members

import crossbuild


@pytest.fixture(scope="module", params=["armhf", "s390x"])
def other_host(request: pytest.FixtureRequest) -> tuple[crossbuild.Host, sysroot_script.Arch]:
    arch = sysroot_script.ARCHES[request.param]
    sysroot_script.ensure_toolchain(arch)
    root = Path(sysroot_script.ensure_sysroot(arch))
    return crossbuild.inspect_host(root / "usr/bin/python3.11"), arch


EXPECTED = {
    # debian arch: (platform tag, ELF target, sizeof(long double), what the C code sees)
    "armhf": ("linux_armv7l", crossbuild.ElfTarget("EM_ARM", 32, "little"), 8, "arm 32 little"),
    "s390x": ("linux_s390x", crossbuild.ElfTarget("EM_S390", 64, "big"), 16, "s390x 64 big"),
}


def test_c_meson_and_cmake_projects(
    other_host: tuple[crossbuild.Host, sysroot_script.Arch], project: Callable[[str], Path], tmp_path: Path
) -> None:
    host, arch = other_host
    platform_tag, elf, long_double, c_view = EXPECTED[arch.debian]
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu)

    for name in ("c_ext", "meson_ext", "cmake_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert wheel.name.endswith(f"-cp311-cp311-{platform_tag}.whl")
        assert set(elf_members(wheel).values()) == {elf}
        qemu.install(wheel)

    out = qemu.python(
        "import sys, cext, _mesonext, cmakeext\n"
        "print(cext.machine(), cext.pointer_bits(), cext.byteorder(), '|', sys.byteorder,\n"
        "      _mesonext.long_double_size(), cmakeext.system_processor())"
    )
    assert out == f"{c_view} | {elf.byteorder} {long_double} {host.machine}"
