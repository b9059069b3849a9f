"""Strip the ELF files of a wheel with the host's ``strip``: firmware space matters.

Shared objects and executables get ``--strip-unneeded``: the debug sections and the static
symbol table (``.symtab``) go, the dynamic symbol table (``.dynsym``) stays, so every
symbol the loader or another module looks up (``PyInit_<name>``, a capsule's C API, what a
library of the wheel exports) is kept.  This is what Debian's ``dh_strip`` does to every
extension module it packages; ``--strip-all`` would gain little more, and
``--strip-debug`` keeps ``.symtab``, often a third of a stripped module.  Object files
(``ET_REL``) get only ``--strip-debug``: their symbols are needed to link them later.

Only the wheels crossbuild builds are stripped, before they are repaired: patchelf's
changes are not always understood by ``strip`` (auditwheel strips before patching too),
which is also why a wheel taken from an index, often patched by auditwheel, is laid into
a root as it was published.  RECORD is written anew by ``wheel``'s :class:`WheelFile`;
the other members keep their bytes, modes and dates (``members.py``).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wheel.wheelfile import WheelFile

from .._exceptions import ToolchainError
from .._subprocess import run
from ..host.elf import read_elf_type
from ..host.host import Host
from ..host.toolchain import compiler_package_hint
from .members import replace_members

logger = logging.getLogger("crossbuild")

#: The ``strip`` options by ELF type; any other type is left alone.
STRIP_OPTIONS = {"ET_DYN": "--strip-unneeded", "ET_EXEC": "--strip-unneeded", "ET_REL": "--strip-debug"}


@dataclass(frozen=True)
class Stripped:
    """What stripping a wheel did."""

    wheel: Path
    files: int
    size_before: int
    """The ELF files' total size before, in bytes."""
    size_after: int

    def __str__(self) -> str:
        files = f"{self.files} file{'s' if self.files != 1 else ''}"
        return f"stripped {files}: {_size(self.size_before)} → {_size(self.size_after)}"


def strip_for_host(wheel: Path, host: Host, elf_members: Sequence[str], out_dir: Path) -> Path:
    """``wheel`` with its ELF files (``elf_members``) stripped by the host's strip, in ``out_dir``."""
    if host.toolchain.strip is None:
        raise ToolchainError(
            "no strip for {machine} found beside {cc}; {hint} (it brings binutils), or build without {strip}",
            machine=host.machine,
            cc=host.toolchain.cc[0],
            hint=compiler_package_hint(host.multiarch, "c"),
        )
    stripped = strip_wheel(wheel, host.toolchain.strip, elf_members, out_dir)
    logger.info("%s", stripped)
    return stripped.wheel


def strip_wheel(wheel: Path, strip: str, elf_members: Sequence[str], out_dir: Path) -> Stripped:
    """Write ``wheel`` into ``out_dir`` with ``elf_members`` stripped by the program ``strip``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with WheelFile(wheel) as source, tempfile.TemporaryDirectory(prefix="crossbuild-strip-") as tmp:
        originals = {member: source.read(member) for member in elf_members}
        files: dict[str, Path] = {}
        by_option: dict[str, list[Path]] = {}
        for index, (member, content) in enumerate(originals.items()):
            option = STRIP_OPTIONS.get(read_elf_type(content) or "")
            if option is not None:
                files[member] = Path(tmp, f"{index:05d}")
                files[member].write_bytes(content)
                by_option.setdefault(option, []).append(files[member])
        for option, paths in sorted(by_option.items()):
            run([strip, option, *paths], what=f"strip {option} of {wheel.name}")
        contents = {member: path.read_bytes() for member, path in files.items()}
    return Stripped(
        wheel=replace_members(wheel, contents, out_dir / wheel.name),
        files=len(contents),
        size_before=sum(len(originals[member]) for member in contents),
        size_after=sum(len(content) for content in contents.values()),
    )


def _size(count: int) -> str:
    """``4.1 MB``, ``52.3 kB``, ``880 bytes`` (decimal units, as pip shows sizes)."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    if count >= 1_000:
        return f"{count / 1_000:.1f} kB"
    return f"{count} bytes"
