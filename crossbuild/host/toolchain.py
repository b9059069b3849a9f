"""Find the cross toolchain for a host and prove it builds for that host.

The compiler is looked up in this order: the one the user named (``--cc``), the one the
host python was built with (sysconfig ``CC``), then ``<multiarch>-gcc`` and
``<host-gnu-type>-gcc``.  Each candidate compiles an empty file with the host's sysroot;
the ELF header of that object must match the host's machine, class and byte order.

A Fortran compiler (``<triplet>-gfortran``, beside the C compiler or by the multiarch
name) is optional: most projects need none, so a host without one still builds C; it is
proven the same way, with one compile of an empty file (20 ms), only when it is installed.

A named clang or zig is made a cross compiler first (:mod:`crossbuild.host.compilers`):
``--cc clang-16`` becomes ``clang-16 --target=aarch64-linux-gnu``, ``--cc zig`` becomes
``zig cc -target aarch64-linux-gnu.2.17``; the C++ compiler then defaults to the one of the
same kind (``clang++-16``, ``zig c++``), not the host's GCC.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _cache
from .._exceptions import ToolchainError
from .._subprocess import probe
from .._tempdirs import temporary_directory
from .compilers import (
    ZIG_DROPPED_LINKER_OPTIONS,
    clang_cross_flags,
    clang_target,
    compiler_kind,
    compiler_version,
    has_target_option,
    zig_command,
    zig_target,
)
from .elf import ElfTarget, read_elf_target

logger = logging.getLogger("crossbuild")

_COMPILER_NAME = re.compile(r"^(?P<prefix>.*?-)?(?P<kind>gcc|clang|cc)(?P<suffix>-[\d.]+)?$")
_CXX_OF = {"gcc": "g++", "clang": "clang++", "cc": "c++"}


@dataclass(frozen=True)
class Toolchain:
    """The host's C/C++ compilers and binutils, as commands on the build machine."""

    cc: tuple[str, ...]
    """C compiler command: an absolute path, maybe followed by arguments."""
    cxx: tuple[str, ...] | None
    """C++ compiler command, or ``None`` when there is none."""
    target: str
    """What the C compiler says with ``-dumpmachine``, e.g. ``aarch64-linux-gnu``."""
    ar: str | None = None
    ranlib: str | None = None
    strip: str | None = None
    prefix_map_option: str | None = "-ffile-prefix-map"
    """How the compilers are told to record stable paths: ``-ffile-prefix-map`` (GCC 8,
    clang 10: debug information and ``__FILE__``); ``-fdebug-prefix-map`` for older ones
    (debug information only); ``None`` when neither is understood."""
    fortran: tuple[str, ...] | None = None
    """Fortran compiler command (gfortran), or ``None`` when there is none."""
    kind: str = "gcc"
    """What the C compiler is: ``gcc``, ``clang`` or ``zig``."""
    version: str = ""
    """The C compiler's version, e.g. ``12.2.0``."""
    dropped_linker_options: tuple[tuple[str, int], ...] = ()
    """GNU linker options the compilers reject, and how many values follow each: the
    compiler wrappers drop them from ``-Wl,`` and ``-Xlinker`` arguments (zig)."""

    @property
    def binutils(self) -> dict[str, str]:
        """The binutils found, by their generic names: ``ar``, ``ranlib``, ``strip``."""
        tools = {"ar": self.ar, "ranlib": self.ranlib, "strip": self.strip}
        return {name: path for name, path in tools.items() if path}


@dataclass(frozen=True)
class CompilerRequest:
    """What a named clang or zig needs to be made a cross compiler for the host."""

    libc: str = "glibc"
    """The host's C library: ``glibc`` or ``musl``."""
    glibc_floor: tuple[int, int] | None = None
    """The oldest glibc the binaries must load with (zig only: it links against that
    glibc's symbol versions); ``None``: the root's own."""
    libc_version: tuple[int, int] | None = None
    """The root's C library version."""
    cache_dir: Callable[[], Path] = _cache.cache_dir
    """crossbuild's cache directory, where zig keeps the C libraries it builds."""


def find_toolchain(
    target: ElfTarget,
    config_vars: Mapping[str, Any],
    sysroot: Path,
    *,
    cc: str | None = None,
    cxx: str | None = None,
    request: CompilerRequest | None = None,
) -> Toolchain:
    """The toolchain that builds for ``target`` against ``sysroot``; raise if there is none."""
    request = request or CompilerRequest()
    multiarch = str(config_vars.get("MULTIARCH") or "")
    gnu_type = str(config_vars.get("HOST_GNU_TYPE") or "")
    package_hint = compiler_package_hint(multiarch, "c")
    made = _MadeCross(target, multiarch, gnu_type, sysroot, request)
    if cc is not None:
        cc_command = _verified(
            made.command(shlex.split(cc), "c"), target, sysroot, "c", explicit=True, hint=package_hint
        )
    else:
        candidates = _unique(
            [
                _first_word(config_vars.get("CC")),
                f"{multiarch}-gcc" if multiarch else "",
                f"{gnu_type}-gcc" if gnu_type else "",
            ]
        )
        cc_command = None
        for name in candidates:
            cc_command = _verified([name], target, sysroot, "c", explicit=False, hint=package_hint)
            if cc_command is not None:
                break
        if cc_command is None:
            raise ToolchainError(
                "no C compiler for {target} found on PATH (tried {tried}); {package_hint}, or pass {cc}",
                target=target,
                tried=", ".join(candidates),
                package_hint=package_hint,
            )
    assert cc_command is not None
    kind = compiler_kind(cc_command[0])
    cxx_hint = compiler_package_hint(multiarch, "c++")
    if cxx is not None:
        cxx_command = _verified(
            made.command(shlex.split(cxx), "c++"), target, sysroot, "c++", explicit=True, hint=cxx_hint
        )
    else:
        cxx_command = None
        cxx_candidates = [[name] for name in _unique([_first_word(config_vars.get("CXX")), _cxx_beside(cc_command[0])])]
        if kind != "gcc" and cc is not None:  # clang's or zig's own C++ compiler, with the user's arguments
            program, *arguments = shlex.split(cc)
            cxx_candidates = [made.command([_cxx_of(kind, program), *arguments], "c++")]
        for words in cxx_candidates:
            cxx_command = _verified(words, target, sysroot, "c++", explicit=False, hint=cxx_hint)
            if cxx_command is not None:
                break
    fortran_command = _find_fortran(cc_command, multiarch, target, sysroot)
    zig = kind == "zig"
    return Toolchain(
        cc=tuple(cc_command),
        cxx=tuple(cxx_command) if cxx_command else None,
        fortran=tuple(fortran_command) if fortran_command else None,
        target=_dumpmachine(cc_command) if kind == "gcc" else clang_target(multiarch, gnu_type),
        prefix_map_option=_prefix_map_option(cc_command, cxx_command, fortran_command, sysroot),
        kind=kind,
        version=compiler_version(cc_command, kind),
        dropped_linker_options=tuple(ZIG_DROPPED_LINKER_OPTIONS.items()) if zig else (),
        **_binutils(cc_command[0], f"{multiarch or gnu_type}-" if kind != "gcc" else None),
    )


class _MadeCross:
    """Makes a named clang or zig a cross compiler for the host (see :mod:`.compilers`);
    a GNU cross compiler is left as it is."""

    def __init__(
        self, target: ElfTarget, multiarch: str, gnu_type: str, sysroot: Path, request: CompilerRequest
    ) -> None:
        self.target, self.multiarch, self.gnu_type, self.sysroot = target, multiarch, gnu_type, sysroot
        self.request = request
        self._clang_flags: list[str] | None = None

    def command(self, words: list[str], language: str) -> list[str]:
        if not words:
            return words
        kind = compiler_kind(words[0])
        if kind == "zig":
            return self._zig(words, language)
        if (
            kind == "clang"
            and not has_target_option(words)
            and probe_target(words, self.sysroot, language) != self.target
        ):
            # Debian's clang builds for the build machine; a vendor's cross clang is left as it is
            program = shutil.which(words[0]) or words[0]
            if self._clang_flags is None:  # once: clang++ takes what clang was found to need
                self._clang_flags = clang_cross_flags(
                    [program], clang_target(self.multiarch, self.gnu_type), self.sysroot, words[1:]
                )
            return [program, *self._clang_flags, *words[1:]]
        return words

    def _zig(self, words: list[str], language: str) -> list[str]:
        request = self.request
        floor = (request.glibc_floor or request.libc_version) if request.libc == "glibc" else None
        target = zig_target(self.target.machine, self.multiarch, self.target.byteorder, request.libc, floor)
        return zig_command(language, target, self.multiarch, words[1:], request.cache_dir())


def _cxx_of(kind: str, program: str) -> str:
    """The C++ compiler of the same kind and version as the C compiler ``program``."""
    return "zig" if kind == "zig" else (_cxx_beside(shutil.which(program) or program) or program)


def _find_fortran(cc_command: list[str], multiarch: str, target: ElfTarget, sysroot: Path) -> list[str] | None:
    """gfortran beside the C compiler, or by the multiarch name; ``None`` if none is for ``target``."""
    match = _COMPILER_NAME.match(Path(cc_command[0]).name)
    beside = _beside(cc_command[0], "gfortran") if match and match["prefix"] else ""  # not the build machine's
    names = [beside, f"{multiarch}-gfortran" if multiarch else ""]
    for name in _unique(names):
        command = _verified([name], target, sysroot, "f95", explicit=False, hint="")
        if command is not None:
            return command
    return None


def _verified(
    command: list[str], target: ElfTarget, sysroot: Path, language: str, *, explicit: bool, hint: str
) -> list[str] | None:
    """``command`` with its program made absolute, if it builds for ``target``."""
    if not command or not command[0]:
        return None
    program = shutil.which(command[0])
    if program is None:
        if explicit:
            raise ToolchainError(
                "compiler {program} not found on PATH; {hint}, or pass its full path", program=command[0], hint=hint
            )
        return None
    command = [program, *command[1:]]
    built_for = probe_target(command, sysroot, language)
    if built_for == target:
        return command
    what = f"{shlex.join(command)} builds for {built_for}" if built_for else f"{shlex.join(command)} cannot compile"
    if explicit:
        raise ToolchainError(
            "{what} but the host is {target}; pass a cross compiler for the host ({hint})",
            what=what,
            target=target,
            hint=hint,
        )
    logger.debug("skipping %s: %s", command[0], what)
    return None


def probe_target(command: list[str], sysroot: Path, language: str) -> ElfTarget | None:
    """Compile an empty ``language`` file and read the machine of the object file."""
    with temporary_directory("probe") as tmp:
        obj = tmp / "probe.o"
        argv = [*command, *sysroot_flags(sysroot), "-x", language, "-c", "/dev/null", "-o", str(obj)]
        if not probe(argv, env=_probe_environ(tmp)).ok or not obj.is_file():
            return None
        return read_elf_target(obj)


def _probe_environ(tmp: Path) -> dict[str, str]:
    """The environment of a compiler probe: its own ``TMPDIR`` inside ``tmp``, which goes
    with it.  The compiler writes its intermediate files (``ccXXXXXX.s``) there, and one
    stopped between its passes (a signal, a kill) leaves them behind: never in the user's
    ``TMPDIR``."""
    return {**os.environ, "TMPDIR": str(tmp)}


def _prefix_map_option(cc: list[str], cxx: list[str] | None, fortran: list[str] | None, sysroot: Path) -> str | None:
    """The newest prefix-map option all the compilers take (old vendor toolchains are common).

    Preprocessing is enough to be told of an unknown option, and costs a fifth of compiling.
    """
    compilers = [(cc, "c"), *([(cxx, "c++")] if cxx else []), *([(fortran, "f95-cpp-input")] if fortran else [])]
    with temporary_directory("probe") as tmp:
        for option in ("-ffile-prefix-map", "-fdebug-prefix-map"):
            flags = [*sysroot_flags(sysroot), f"{option}=/old=/new", "-E", "/dev/null", "-o", os.devnull]
            environ = _probe_environ(tmp)
            if all(probe([*command, "-x", language, *flags], env=environ).ok for command, language in compilers):
                return option
    logger.warning("%s takes no -ffile-prefix-map: the build's paths will show in the binaries", shlex.join(cc))
    return None


#: Debian's cross compiler packages are named by the GNU triplet, which is the multiarch
#: one but for 32-bit x86: ``gcc-i686-linux-gnu`` builds for ``i386-linux-gnu``.
_CROSS_PACKAGE_TRIPLET = {"i386-linux-gnu": "i686-linux-gnu"}
_LANGUAGE_NAMES = {"c": "C", "c++": "C++", "fortran": "Fortran"}


def compiler_package_hint(multiarch: str, language: str) -> str:
    """How to get the cross compiler of ``language`` (``c``, ``c++``, ``fortran``) for a host's multiarch."""
    package = {"c": "gcc", "c++": "g++", "fortran": "gfortran"}[language]
    if not multiarch:
        return f"install a {_LANGUAGE_NAMES[language]} cross compiler"
    return f"Debian: apt-get install {package}-{_CROSS_PACKAGE_TRIPLET.get(multiarch, multiarch)}"


def sysroot_flags(sysroot: Path) -> list[str]:
    """The compiler flag that makes headers and libraries come from the host's sysroot."""
    return [] if sysroot == Path("/") else [f"--sysroot={sysroot}"]


def _dumpmachine(command: list[str]) -> str:
    return probe([*command, "-dumpmachine"]).stdout.strip()


def _binutils(cc_path: str, prefix: str | None = None) -> dict[str, str | None]:
    """ar, ranlib and strip for the host: beside the compiler with its prefix, or (clang,
    zig: ``prefix`` is the host's triplet) the GNU cross ones, else LLVM's."""
    match = _COMPILER_NAME.match(Path(cc_path).name)
    if prefix is None:
        prefix = (match["prefix"] or "") if match else ""
    kind = match["kind"] if match else "cc"
    directory = str(Path(cc_path).parent)

    def find(*names: str) -> str | None:
        for name in names:
            found = shutil.which(name, path=directory) or shutil.which(name)
            if found:
                return found
        return None

    gcc_first = kind == "gcc"
    return {
        "ar": find(*([f"{prefix}gcc-ar"] if gcc_first else []), f"{prefix}ar", "llvm-ar"),
        "ranlib": find(*([f"{prefix}gcc-ranlib"] if gcc_first else []), f"{prefix}ranlib", "llvm-ranlib"),
        "strip": find(f"{prefix}strip", "llvm-strip"),
    }


def _cxx_beside(cc_path: str) -> str:
    match = _COMPILER_NAME.match(Path(cc_path).name)
    return _beside(cc_path, _CXX_OF[match["kind"]]) if match else ""


def _beside(cc_path: str, kind: str) -> str:
    """The compiler ``kind`` (``g++``, ``gfortran``) of the same prefix and version as ``cc_path``."""
    path = Path(cc_path)
    match = _COMPILER_NAME.match(path.name)
    if not match:
        return ""
    return str(path.with_name(f"{match['prefix'] or ''}{kind}{match['suffix'] or ''}"))


def _first_word(value: object) -> str:
    words = shlex.split(value) if isinstance(value, str) else []
    return words[0] if words else ""


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))
