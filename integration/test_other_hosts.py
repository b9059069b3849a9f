"""Other machines: a 32-bit ARM board (armhf), a big-endian mainframe (s390x), 32-bit x86
(i386), POWER (ppc64el) and RISC-V (riscv64, Debian trixie's python3.13): the same commands work.

Each host gets its own Debian sysroot and cross toolchain from ``integration/sysroot.py``;
C, meson-python and scikit-build-core projects are built and imported under qemu.  The
riscv64 host is a python3.13: its build python is found on the build machine by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost
from test_wheel import elf_members

import crossbuild


@pytest.fixture(scope="module", params=["armhf", "s390x", "i386", "ppc64el", "riscv64"])
def other_host(request: pytest.FixtureRequest) -> tuple[crossbuild.Host, sysroot_script.Arch]:
    arch = sysroot_script.ARCHES[request.param]
    sysroot_script.ensure_toolchain(arch)
    root = Path(sysroot_script.ensure_sysroot(arch))
    return crossbuild.inspect_host(root / "usr/bin" / sysroot_script.python_of(arch.suite)), arch


EXPECTED = {
    # debian arch: (wheel tag, ELF target, sizeof(long double), what the C code sees)
    "armhf": ("cp311-cp311-linux_armv7l", crossbuild.ElfTarget("EM_ARM", 32, "little"), 8, "arm 32 little"),
    "s390x": ("cp311-cp311-linux_s390x", crossbuild.ElfTarget("EM_S390", 64, "big"), 16, "s390x 64 big"),
    "i386": ("cp311-cp311-linux_i686", crossbuild.ElfTarget("EM_386", 32, "little"), 12, "i386 32 little"),
    "ppc64el": ("cp311-cp311-linux_ppc64le", crossbuild.ElfTarget("EM_PPC64", 64, "little"), 16, "ppc64le 64 little"),
    "riscv64": ("cp313-cp313-linux_riscv64", crossbuild.ElfTarget("EM_RISCV", 64, "little"), 16, "riscv64 64 little"),
}


def test_c_meson_and_cmake_projects(
    other_host: tuple[crossbuild.Host, sysroot_script.Arch], project: Callable[[str], Path], tmp_path: Path
) -> None:
    host, arch = other_host
    tag, elf, long_double, c_view = EXPECTED[arch.debian]
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu, sysroot_script.python_of(arch.suite))

    for name in ("c_ext", "meson_ext", "cmake_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert wheel.name.endswith(f"-{tag}.whl")
        assert set(elf_members(wheel).values()) == {elf}
        qemu.install(wheel)

    out = qemu.python(
        "import sys, cext, _mesonext, cmakeext\n"
        "print(cext.machine(), cext.pointer_bits(), cext.byteorder(), '|', sys.byteorder,\n"
        "      _mesonext.long_double_size(), cmakeext.system_processor())"
    )
    assert out == f"{c_view} | {elf.byteorder} {long_double} {host.machine}"
