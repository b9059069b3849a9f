"""Check that every binary in a wheel is for the host."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import WheelVerificationError
from ..host.elf import ElfTarget, is_elf, read_elf_target


@dataclass(frozen=True)
class WheelContents:
    """What verification learnt about a wheel."""

    elf_files: tuple[str, ...]

    @property
    def has_binaries(self) -> bool:
        return bool(self.elf_files)


def verify_wheel(wheel: Path, expected: ElfTarget) -> WheelContents:
    """Raise :class:`WheelVerificationError` naming the first ELF file not built for ``expected``."""
    elf_files = []
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir() or info.file_size < 4:
                continue
            with archive.open(info) as member:
                if not is_elf(member.read(4)):
                    continue
            target = read_elf_target(archive.read(info))
            if target != expected:
                found = str(target) if target else "an unreadable ELF file"
                raise WheelVerificationError(wheel.name, info.filename, found, str(expected))
            elf_files.append(info.filename)
    return WheelContents(elf_files=tuple(elf_files))
