"""What machine an ELF file is for: machine, 32/64-bit class and byte order.

Parsing is done by pyelftools; this module only turns its answer into the names a Python
platform tag uses (``uname -m`` style: ``aarch64``, ``armv7l``, ``s390x``…).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"


@dataclass(frozen=True)
class ElfTarget:
    """The machine an ELF file runs on."""

    e_machine: str
    """pyelftools' name of the ELF ``e_machine`` field, e.g. ``EM_AARCH64``."""
    bits: int
    """32 or 64 (the ELF class)."""
    byteorder: str
    """``little`` or ``big``, spelled like :data:`sys.byteorder`."""

    @property
    def machine(self) -> str:
        """The ``uname -m`` name of this machine, as used in platform tags."""
        return uname_machine(self)

    def __str__(self) -> str:
        return f"{self.machine} ({self.bits}-bit, {self.byteorder}-endian)"


def is_elf(header: bytes) -> bool:
    return header.startswith(ELF_MAGIC)


def read_elf_target(source: Path | bytes | BinaryIO) -> ElfTarget | None:
    """The target of an ELF file, or ``None`` if ``source`` is not an ELF file."""
    if isinstance(source, Path):
        with source.open("rb") as file:
            return read_elf_target(file)
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
    if not is_elf(stream.read(4)):
        return None
    stream.seek(0)
    try:
        elf = ELFFile(stream)
    except ELFError:
        return None
    return ElfTarget(
        e_machine=str(elf["e_machine"]),
        bits=elf.elfclass,
        byteorder="little" if elf.little_endian else "big",
    )


def uname_machine(target: ElfTarget) -> str:
    """Map an ELF target to the machine name ``platform.machine()`` reports there."""
    big = target.byteorder == "big"
    wide = target.bits == 64
    names = {
        "EM_AARCH64": "aarch64_be" if big else "aarch64",
        "EM_ARM": "armv7l",
        "EM_386": "i686",
        "EM_X86_64": "x86_64",
        "EM_S390": "s390x" if wide else "s390",
        "EM_PPC64": "ppc64" if big else "ppc64le",
        "EM_PPC": "ppc",
        "EM_RISCV": "riscv64" if wide else "riscv32",
        "EM_MIPS": ("mips64" if wide else "mips") + ("" if big else "el"),
        "EM_LOONGARCH": "loongarch64",
        "EM_SPARCV9": "sparc64",
    }
    return names.get(target.e_machine, target.e_machine.removeprefix("EM_").lower())
