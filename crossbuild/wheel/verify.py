"""Check a wheel before it is published or laid into a root.

A wheel is refused when it is not a sound archive (a corrupt or truncated zip, a member
whose content does not match RECORD, a member named outside the wheel: ``../x`` or
``/etc/x``) or when it holds a binary that is not for the host.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from installer.exceptions import InstallerError
from installer.sources import WheelFile

from .._exceptions import InvalidWheelError, WheelVerificationError
from ..host.elf import ElfTarget, is_elf, read_elf_target


@dataclass(frozen=True)
class WheelContents:
    """What verification learnt about a wheel."""

    elf_files: tuple[str, ...]

    @property
    def has_binaries(self) -> bool:
        return bool(self.elf_files)


def verify_wheel(wheel: Path, expected: ElfTarget) -> WheelContents:
    """Raise :class:`InvalidWheelError` for an unsound archive, and
    :class:`WheelVerificationError` naming the first ELF file not built for ``expected``."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            _check_names(wheel, archive)
            _check_record(wheel, archive)
            return WheelContents(elf_files=_elf_files(wheel, archive, expected))
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, OSError) as error:
        raise InvalidWheelError(wheel, "is not a readable zip archive ({error})", error=error) from None


def _check_names(wheel: Path, archive: zipfile.ZipFile) -> None:
    """Every member stays inside the wheel: no absolute path, no ``..``, no backslash."""
    for name in archive.namelist():
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or "\\" in name or posixpath.isabs(posixpath.normpath(name)):
            raise InvalidWheelError(wheel, "has a member {member!r} that points outside the wheel", member=name)


def _check_record(wheel: Path, archive: zipfile.ZipFile) -> None:
    """Every member is in RECORD with its size and hash (read with ``installer``)."""
    try:
        WheelFile(archive).validate_record(validate_contents=True)
    except (InstallerError, ValueError) as error:
        issues = getattr(error, "issues", None) or [str(error)]
        detail = str(issues[0]).replace(f"In {wheel}, ", "")
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise InvalidWheelError(wheel, "does not match its RECORD: {detail}{more}", detail=detail, more=more) from None


def _elf_files(wheel: Path, archive: zipfile.ZipFile, expected: ElfTarget) -> tuple[str, ...]:
    elf_files = []
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
    return tuple(elf_files)
