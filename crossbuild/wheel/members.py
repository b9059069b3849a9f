"""A wheel's members: which are ELF files, and writing a wheel again with some of them
changed (ELF files stripped or patched).

RECORD is written anew by ``wheel``'s :class:`WheelFile`; every other member keeps its
bytes, mode and date.  The wheel is normalised afterwards (``retag.py``), so the order and
time stamps written here do not reach a published wheel.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from wheel.wheelfile import WheelFile

from ..host.elf import is_elf


def elf_members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    """The members of ``archive`` that are ELF files (by their first four bytes), in its order."""
    for info in archive.infolist():
        if info.is_dir() or info.file_size < 4:
            continue
        with archive.open(info) as stream:
            if is_elf(stream.read(4)):
                yield info


def replace_members(wheel: Path, contents: Mapping[str, bytes], target: Path) -> Path:
    """Write ``wheel`` to ``target`` (a new file) with each member named in ``contents``
    holding those bytes instead; return ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with WheelFile(wheel) as source, WheelFile(target, "w") as written:
        for info in source.infolist():
            if info.filename != source.record_path and not info.is_dir():
                written.writestr(info, contents[info.filename] if info.filename in contents else source.read(info))
    return target
