"""Machine names: what the host's python itself says (``platform.machine()``, the platform
tag), and what qemu, Rust and meson call the machine.

Checked against each host python under qemu in ``integration/test_machine_names.py``;
loongarch64 has no Debian bookworm port (no root to run), so its row is checked here only.
"""

from __future__ import annotations

import pytest

from crossbuild.host.elf import ElfTarget
from crossbuild.host.machines import MESON_CPU_FAMILY, QEMU, rust_target

#: ELF target -> (uname -m / platform tag machine, cpu, qemu-user, Rust target of its glibc multiarch)
TABLE = [
    (ElfTarget("EM_AARCH64", 64, "little"), "aarch64", "aarch64", "qemu-aarch64", "aarch64-linux-gnu"),
    (ElfTarget("EM_ARM", 32, "little"), "armv7l", "armv7l", "qemu-arm", "arm-linux-gnueabihf"),
    (ElfTarget("EM_386", 32, "little"), "i686", "i686", "qemu-i386", "i386-linux-gnu"),
    (ElfTarget("EM_S390", 64, "big"), "s390x", "s390x", "qemu-s390x", "s390x-linux-gnu"),
    (ElfTarget("EM_PPC64", 64, "little"), "ppc64le", "ppc64le", "qemu-ppc64le", "powerpc64le-linux-gnu"),
    (ElfTarget("EM_RISCV", 64, "little"), "riscv64", "riscv64", "qemu-riscv64", "riscv64-linux-gnu"),
    (ElfTarget("EM_MIPS", 32, "little"), "mips", "mipsel", "qemu-mipsel", "mipsel-linux-gnu"),
    (ElfTarget("EM_MIPS", 32, "big"), "mips", "mips", "qemu-mips", "mips-linux-gnu"),
    (ElfTarget("EM_MIPS", 64, "little"), "mips64", "mips64el", "qemu-mips64el", "mips64el-linux-gnuabi64"),
    (ElfTarget("EM_MIPS", 64, "big"), "mips64", "mips64", "qemu-mips64", "mips64-linux-gnuabi64"),
    (
        ElfTarget("EM_LOONGARCH", 64, "little"),
        "loongarch64",
        "loongarch64",
        "qemu-loongarch64",
        "loongarch64-linux-gnu",
    ),
]

RUST = {
    "aarch64-linux-gnu": "aarch64-unknown-linux-gnu",
    "arm-linux-gnueabihf": "armv7-unknown-linux-gnueabihf",
    "i386-linux-gnu": "i686-unknown-linux-gnu",
    "s390x-linux-gnu": "s390x-unknown-linux-gnu",
    "powerpc64le-linux-gnu": "powerpc64le-unknown-linux-gnu",
    "riscv64-linux-gnu": "riscv64gc-unknown-linux-gnu",
    "mipsel-linux-gnu": "mipsel-unknown-linux-gnu",
    "mips-linux-gnu": "mips-unknown-linux-gnu",
    "mips64el-linux-gnuabi64": "mips64el-unknown-linux-gnuabi64",
    "mips64-linux-gnuabi64": "mips64-unknown-linux-gnuabi64",
    "loongarch64-linux-gnu": "loongarch64-unknown-linux-gnu",
}


@pytest.mark.parametrize(("target", "machine", "cpu", "qemu", "multiarch"), TABLE, ids=[row[2] for row in TABLE])
def test_machine_names(target: ElfTarget, machine: str, cpu: str, qemu: str, multiarch: str) -> None:
    assert target.machine == machine
    assert target.cpu == cpu
    assert QEMU[target.cpu] == qemu
    assert rust_target(target.cpu, multiarch) == RUST[multiarch]
    assert target.cpu in MESON_CPU_FAMILY


def test_uname_leaves_out_the_byte_order_of_mips_only() -> None:
    """On MIPS the kernel says ``mips``/``mips64`` in both byte orders (so does the tag);
    elsewhere the byte order is in the name itself (``ppc64le``, ``aarch64_be``)."""
    assert ElfTarget("EM_MIPS", 32, "little").machine == ElfTarget("EM_MIPS", 32, "big").machine == "mips"
    assert ElfTarget("EM_AARCH64", 64, "big").cpu == ElfTarget("EM_AARCH64", 64, "big").machine == "aarch64_be"
    assert ElfTarget("EM_PPC64", 64, "big").cpu == "ppc64"
