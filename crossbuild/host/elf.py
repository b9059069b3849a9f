"""What machine an ELF file is for: machine, 32/64-bit class and byte order.

The file header is read here (:func:`read_elf_header`: all the kernel and ld.so look at to
take a file for a machine); the rest is parsed by pyelftools, imported when first needed
(20 ms): an install of cached wheels reads only headers.  This module turns the answers
into the names a Python platform tag uses (``uname -m`` style: ``aarch64``, ``armv7l``,
``s390x``…).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerSymSection
    from elftools.elf.sections import SymbolTableSection

ELF_MAGIC = b"\x7fELF"
_T = TypeVar("_T")


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

    @property
    def cpu(self) -> str:
        """:attr:`machine` with the byte order where ``uname`` leaves it out (``mipsel``,
        ``mips64el``): the key of qemu's, Rust's and numpy's names in :mod:`.machines`."""
        return cpu_name(self)

    def __str__(self) -> str:
        return f"{self.machine} ({self.bits}-bit, {self.byteorder}-endian)"


def is_elf(header: bytes) -> bool:
    return header.startswith(ELF_MAGIC)


#: pyelftools' names of the ``e_machine`` values hosts have (others are looked up in its table).
_E_MACHINES = {
    3: "EM_386",
    8: "EM_MIPS",
    20: "EM_PPC",
    21: "EM_PPC64",
    22: "EM_S390",
    40: "EM_ARM",
    43: "EM_SPARCV9",
    62: "EM_X86_64",
    183: "EM_AARCH64",
    243: "EM_RISCV",
    258: "EM_LOONGARCH",
}
_CLASSES = {1: 32, 2: 64}
_BYTE_ORDERS = {1: "little", 2: "big"}
_HEADER_SIZES = {32: 52, 64: 64}


def read_elf_header(source: Path | bytes) -> ElfTarget | None:
    """The target an ELF file's header names, or ``None`` if ``source`` does not start
    with a whole ELF header.  Nothing else of the file is read: enough to pick a file
    among others (the host's python, a library of the root), as ld.so does; a file to be
    installed is read whole, with :func:`read_elf_target`."""
    if isinstance(source, Path):
        with source.open("rb") as file:
            source = file.read(64)
    if not is_elf(source) or len(source) < 20:
        return None
    bits, byteorder = _CLASSES.get(source[4]), _BYTE_ORDERS.get(source[5])
    if bits is None or byteorder is None or len(source) < _HEADER_SIZES[bits]:
        return None
    (number,) = struct.unpack_from("<H" if byteorder == "little" else ">H", source, 18)
    return ElfTarget(e_machine=_E_MACHINES.get(number) or _e_machine_name(number), bits=bits, byteorder=byteorder)


def _e_machine_name(number: int) -> str:
    from elftools.elf.enums import ENUM_E_MACHINE

    return next((name for name, value in ENUM_E_MACHINE.items() if value == number), str(number))


def read_elf_target(source: Path | bytes | BinaryIO) -> ElfTarget | None:
    """The target of an ELF file, or ``None`` if ``source`` is not an ELF file pyelftools
    can open (its header and section headers are read)."""
    if isinstance(source, Path):
        with source.open("rb") as file:
            return read_elf_target(file)
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else source
    target = read_elf_header(stream.read(64))
    return target if target is not None and _opened(stream, lambda elf: True) else None


def _opened(stream: BinaryIO, read: Callable[[ELFFile], _T]) -> _T | None:
    """``read`` of the ELF file in ``stream``, opened by pyelftools (imported here, when a
    file is first read whole); ``None`` if pyelftools finds no sound ELF file there."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    stream.seek(0)
    try:
        return read(ELFFile(stream))
    except ELFError:
        return None


def read_interpreter(source: Path) -> str | None:
    """The ELF interpreter (``PT_INTERP``) an executable names, e.g. ``/lib/ld-musl-aarch64.so.1``;
    ``None`` for a static one, a shared library or a file that is not ELF.

    Read from the program headers with :mod:`struct` (no pyelftools: every inspection of a
    host reads it)."""
    with source.open("rb") as file:
        header = file.read(64)
        target = read_elf_header(header)
        if target is None:
            return None
        order = "<" if target.byteorder == "little" else ">"
        # e_phoff, then e_phentsize and e_phnum (after e_shoff, e_flags, e_ehsize)
        layout = order + ("28xI10xHH" if target.bits == 32 else "32xQ14xHH")
        phoff, phentsize, phnum = struct.unpack_from(layout, header)
        # p_type, p_offset, p_filesz (32-bit: after p_vaddr, p_paddr; 64-bit: p_flags comes second)
        entry = struct.Struct(order + ("II8xI" if target.bits == 32 else "I4xQ16xQ"))
        for index in range(min(phnum, 256)):
            file.seek(phoff + index * phentsize)
            raw = file.read(entry.size)
            if len(raw) < entry.size:
                return None
            p_type, offset, size = entry.unpack(raw)
            if p_type == 3:  # PT_INTERP
                file.seek(offset)
                return file.read(min(size, 4096)).split(b"\0", 1)[0].decode(errors="replace")
    return None


def read_elf_type(source: bytes) -> str | None:
    """``ET_DYN`` (a shared object, most executables), ``ET_EXEC``, ``ET_REL`` (an object
    file)…; ``None`` if ``source`` is not an ELF file."""
    if not is_elf(source[:4]):
        return None
    return _opened(io.BytesIO(source), lambda elf: str(elf["e_type"]))


def uname_machine(target: ElfTarget) -> str:
    """Map an ELF target to the machine name ``platform.machine()`` reports there.

    The kernel's ``uname`` on MIPS says ``mips`` (32-bit) or ``mips64`` in either byte
    order, and so do ``sysconfig.get_platform()`` and the wheel tags pip accepts there
    (``linux_mips``).  The table and how it was checked: docs/explanation/machine-names.md.
    """
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
        "EM_MIPS": "mips64" if wide else "mips",
        "EM_LOONGARCH": "loongarch64",
        "EM_SPARCV9": "sparc64",
    }
    return names.get(target.e_machine, target.e_machine.removeprefix("EM_").lower())


def cpu_name(target: ElfTarget) -> str:
    """:func:`uname_machine`, with ``el`` added for little-endian MIPS (``mipsel``, ``mips64el``)."""
    machine = uname_machine(target)
    return f"{machine}el" if target.e_machine == "EM_MIPS" and target.byteorder == "little" else machine


@dataclass(frozen=True)
class Linkage:
    """What an ELF file asks of the dynamic loader, and what it offers as a library."""

    needed: tuple[str, ...]
    """``DT_NEEDED``: the libraries it loads, by file name."""
    search_paths: tuple[str, ...]
    """``DT_RPATH`` and ``DT_RUNPATH`` entries (``$ORIGIN/../pkg.libs``, ``/opt/lib``)."""
    versions_needed: Mapping[str, Mapping[str, str]]
    """Per library file name: each symbol version it needs (``GLIBC_2.34``) and one
    symbol that needs it (``__libc_start_main``), for messages."""
    versions_defined: frozenset[str]
    """The symbol versions it defines as a library (``GLIBC_2.17`` … for libc.so.6)."""


def read_linkage(source: Path | bytes) -> Linkage | None:
    """The dynamic linking of an ELF file (``None`` if it is not one, or has no dynamic part)."""
    stream: BinaryIO = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    with stream:
        if not is_elf(stream.read(4)):
            return None
        return _opened(stream, _linkage)


#: The dynamic tags of a run-time search path: the older one, searched before
#: ``LD_LIBRARY_PATH`` and by the libraries the file loads too, and the newer one.
SEARCH_PATH_TAGS = ("DT_RPATH", "DT_RUNPATH")


def read_search_paths(source: bytes) -> dict[str, tuple[str, ...]]:
    """The run-time search path of an ELF file by tag (``{"DT_RUNPATH": ("$ORIGIN",
    "/opt/lib")}``); empty if it has none, or is not an ELF file.  Reads the dynamic
    section only: cheap enough for every file of a large wheel."""
    if not is_elf(source[:4]):
        return {}
    return _opened(io.BytesIO(source), _search_paths) or {}


def _search_paths(elf: ELFFile) -> dict[str, tuple[str, ...]]:
    from elftools.elf.dynamic import DynamicSection

    dynamic = elf.get_section_by_name(".dynamic")
    if not isinstance(dynamic, DynamicSection):
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for tag in dynamic.iter_tags():
        name = tag.entry.d_tag
        if name in SEARCH_PATH_TAGS:
            value = str(vars(tag)[name.removeprefix("DT_").lower()])
            found[name] = found.get(name, ()) + tuple(p for p in value.split(":") if p)
    return found


def _linkage(elf: ELFFile) -> Linkage | None:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection, GNUVerSymSection
    from elftools.elf.sections import SymbolTableSection

    dynamic = elf.get_section_by_name(".dynamic")
    if not isinstance(dynamic, DynamicSection):
        return None
    needed: list[str] = []
    paths: list[str] = []
    names = {"DT_NEEDED": "needed", "DT_RPATH": "rpath", "DT_RUNPATH": "runpath"}  # pyelftools sets these
    for tag in dynamic.iter_tags():
        name = names.get(tag.entry.d_tag)
        if name == "needed":
            needed.append(str(vars(tag)[name]))
        elif name is not None:
            paths.extend(p for p in str(vars(tag)[name]).split(":") if p)
    by_index: dict[int, tuple[str, str]] = {}
    defined: set[str] = set()
    versym = None
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for verneed, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    by_index[aux.entry["vna_other"]] = (str(verneed.name), aux.name)
        elif isinstance(section, GNUVerDefSection):
            for verdef, auxiliaries in section.iter_versions():
                first = next(iter(auxiliaries), None)  # the version's own name; the rest are parents
                if first is not None and not verdef.entry["vd_flags"] & 0x1:  # VER_FLG_BASE: the file's name
                    defined.add(first.name)
        elif isinstance(section, GNUVerSymSection):
            versym = section
    versions: dict[str, dict[str, str]] = {}
    dynsym = elf.get_section_by_name(".dynsym")
    if versym is not None and isinstance(dynsym, SymbolTableSection):
        for index, version_index in _undefined_symbol_versions(elf, dynsym, versym):
            version = by_index.get(version_index & 0x7FFF)
            if version is not None and version[1] not in versions.get(version[0], {}):
                versions.setdefault(version[0], {})[version[1]] = dynsym.get_symbol(index).name
    for library_name, version_name in by_index.values():  # versions no symbol shows are still needed
        versions.setdefault(library_name, {}).setdefault(version_name, "")
    return Linkage(
        needed=tuple(needed),
        search_paths=tuple(paths),
        versions_needed={library: dict(names) for library, names in versions.items()},
        versions_defined=frozenset(defined),
    )


def _undefined_symbol_versions(
    elf: ELFFile, dynsym: SymbolTableSection, versym: GNUVerSymSection
) -> Iterator[tuple[int, int]]:
    """``(index, version index)`` of every undefined dynamic symbol but the first (null) one.

    Read straight from the fixed-size tables: numpy's libraries have thousands of
    symbols, and pyelftools' parser takes a second per wheel to read them one by one."""
    order = "<" if elf.little_endian else ">"
    # st_shndx only: Elf64_Sym is name, info, other, shndx, value, size;
    # Elf32_Sym is name, value, size, info, other, shndx.
    symbol = struct.Struct(order + ("6xH16x" if elf.elfclass == 64 else "14xH"))
    table = dynsym.data()
    count = min(len(table) // symbol.size, versym.num_symbols())
    indexes = struct.unpack_from(f"{order}{count}H", versym.data())
    for index, (section_index,) in enumerate(symbol.iter_unpack(table[: count * symbol.size])):
        if index and section_index == 0:  # SHN_UNDEF
            yield index, indexes[index]
