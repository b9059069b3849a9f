"""How other tools name the host's machine: meson, CMake, Rust, qemu, numpy.

Keys are :attr:`crossbuild.Host.cpu` names: ``uname -m``'s, with the byte order of MIPS
(``mipsel``, ``mips64el``: uname says ``mips`` or ``mips64`` in both).
"""

from __future__ import annotations

#: meson's ``cpu_family`` (https://mesonbuild.com/Reference-tables.html#cpu-families).
MESON_CPU_FAMILY = {
    "aarch64": "aarch64",
    "aarch64_be": "aarch64",
    "armv7l": "arm",
    "i686": "x86",
    "x86_64": "x86_64",
    "s390x": "s390x",
    "s390": "s390",
    "ppc64le": "ppc64",
    "ppc64": "ppc64",
    "ppc": "ppc",
    "riscv64": "riscv64",
    "riscv32": "riscv32",
    "mips64el": "mips64",
    "mips64": "mips64",
    "mipsel": "mips",
    "mips": "mips",
    "loongarch64": "loongarch64",
    "sparc64": "sparc64",
}

#: The qemu-user emulator of each machine.
QEMU = {
    "aarch64": "qemu-aarch64",
    "aarch64_be": "qemu-aarch64_be",
    "armv7l": "qemu-arm",
    "i686": "qemu-i386",
    "x86_64": "qemu-x86_64",
    "s390x": "qemu-s390x",
    "ppc64le": "qemu-ppc64le",
    "ppc64": "qemu-ppc64",
    "ppc": "qemu-ppc",
    "riscv64": "qemu-riscv64",
    "riscv32": "qemu-riscv32",
    "mips64el": "qemu-mips64el",
    "mips64": "qemu-mips64",
    "mipsel": "qemu-mipsel",
    "mips": "qemu-mips",
    "loongarch64": "qemu-loongarch64",
    "sparc64": "qemu-sparc64",
}

#: Rust target triples of Linux glibc hosts (the ABI suffix follows the GNU multiarch).
RUST_ARCH = {
    "aarch64": "aarch64",
    "armv7l": "armv7",
    "i686": "i686",
    "x86_64": "x86_64",
    "s390x": "s390x",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "riscv64": "riscv64gc",
    "mips64el": "mips64el",
    "mips64": "mips64",
    "mipsel": "mipsel",
    "mips": "mips",
    "loongarch64": "loongarch64",
    "sparc64": "sparc64",
}

#: numpy's ``longdouble_format`` for a machine and ``sizeof(long double)``.
LONGDOUBLE_FORMAT = {
    ("x86_64", 16): "INTEL_EXTENDED_16_BYTES_LE",
    ("i686", 12): "INTEL_EXTENDED_12_BYTES_LE",
    ("aarch64", 16): "IEEE_QUAD_LE",
    ("aarch64_be", 16): "IEEE_QUAD_BE",
    ("riscv64", 16): "IEEE_QUAD_LE",
    ("loongarch64", 16): "IEEE_QUAD_LE",
    ("s390x", 16): "IEEE_QUAD_BE",
    ("mips64el", 16): "IEEE_QUAD_LE",
    ("mips64", 16): "IEEE_QUAD_BE",
    ("sparc64", 16): "IEEE_QUAD_BE",
    ("ppc64le", 16): "IBM_DOUBLE_DOUBLE_LE",
    ("ppc64", 16): "IBM_DOUBLE_DOUBLE_BE",
}


def longdouble_format(machine: str, size: int, byteorder: str) -> str | None:
    """numpy's name for the host's ``long double``, or ``None`` when unknown."""
    if size == 8:  # long double is just double (arm, mips o32, …)
        return "IEEE_DOUBLE_LE" if byteorder == "little" else "IEEE_DOUBLE_BE"
    return LONGDOUBLE_FORMAT.get((machine, size))


def rust_target(machine: str, multiarch: str) -> str | None:
    """The Rust target triple of a Linux host, e.g. ``aarch64-unknown-linux-gnu``."""
    arch = RUST_ARCH.get(machine)
    if arch is None:
        return None
    abi = multiarch.rsplit("-", 1)[-1] if multiarch.count("-") >= 2 else "gnu"
    return f"{arch}-unknown-linux-{abi}"


#: Debian's architecture names, by GNU multiarch triplet (for ``apt-get install pkg:ARCH`` hints).
DEBIAN_ARCH = {
    "aarch64-linux-gnu": "arm64",
    "arm-linux-gnueabihf": "armhf",
    "arm-linux-gnueabi": "armel",
    "i386-linux-gnu": "i386",
    "x86_64-linux-gnu": "amd64",
    "s390x-linux-gnu": "s390x",
    "powerpc64le-linux-gnu": "ppc64el",
    "powerpc64-linux-gnu": "ppc64",
    "riscv64-linux-gnu": "riscv64",
    "mips64el-linux-gnuabi64": "mips64el",
    "mipsel-linux-gnu": "mipsel",
    "loongarch64-linux-gnu": "loong64",
    "sparc64-linux-gnu": "sparc64",
}
