"""The kinds of cross compiler crossbuild drives: GCC, clang and zig.

A GNU cross compiler (``aarch64-linux-gnu-gcc``) already builds for its host.  clang and
zig build for any machine, and are made cross compilers here, by the flags they are
given, so that a user names only ``clang-16`` or ``zig``:

- **clang** gets ``--target=<the host's triplet>`` (the multiarch one, which Debian's
  clang matches to the root's ``usr/lib/<multiarch>``); with ``--sysroot`` it then takes
  GCC's start files and libgcc from the root's ``usr/lib/gcc/<triplet>/<version>``.  A
  root without GCC's files (a device image has no ``libgcc-12-dev``) gets those of the GNU
  cross compiler installed here (``--gcc-install-dir``, clang 16 and newer;
  ``--gcc-toolchain`` before).  It links with lld (``-fuse-ld=lld``) when the clang's own
  is installed (Debian: ``lld-16``), else with the GNU cross linker ``<triplet>-ld``: lld
  reads clang's LTO objects itself, where the GNU linker needs LLVM's gold plugin, which
  crashes linking C++ for armhf (pybind11 builds with ``-flto``).  Each choice is proven
  by a link, so it is made once, at inspection; ``-fuse-ld=`` in the user's command wins.
- **zig** (``pip install crossbuild[zig]``, the ``ziglang`` package) brings its own C
  library headers and link stubs for every target: ``zig cc -target
  aarch64-linux-gnu.2.17`` links against glibc 2.17's symbol versions whatever glibc the
  root has, which is how a manylinux wheel is made from a new root.  Its C++ runtime is
  its own libc++, linked statically.  Some GNU linker options it rejects; the compiler
  wrappers drop them (:data:`ZIG_DROPPED_LINKER_OPTIONS`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
from pathlib import Path

from .._exceptions import OptionError, ToolchainError
from .._files import EXECUTABLE_MODE, atomic_file, make_dirs
from .._subprocess import probe
from .._tempdirs import temporary_directory

KINDS = ("gcc", "clang", "zig")
"""The compiler kinds, as ``crossbuild inspect`` names them."""

ZIG_INSTALL_HINT = "pip install crossbuild[zig]"

#: GNU linker options ``zig cc`` (lld) rejects, with how many values follow each: a build
#: that passes them (Debian's python: ``-Wl,-Bsymbolic-functions`` in ``LDSHARED``) would
#: fail on them alone.  ``-rpath-link`` is only warned about; it is dropped for quiet logs.
ZIG_DROPPED_LINKER_OPTIONS = {
    "-Bsymbolic-functions": 0,
    "--exclude-libs": 1,
    "--warn-common": 0,
    "-Map": 1,
    "--dynamic-list": 1,
    "-rpath-link": 1,
    "-O1": 0,
}

#: zig's name of the host machine's architecture, by ``platform.machine()``.
_ZIG_ARCH = {
    "aarch64": "aarch64",
    "aarch64_be": "aarch64_be",
    "armv7l": "arm",
    "armv6l": "arm",
    "i686": "x86",
    "x86_64": "x86_64",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
    "mips": "mips",
    "mipsel": "mipsel",
    "mips64": "mips64",
    "mips64el": "mips64el",
}

#: The CPU of Debian's armhf (ARMv7-A, VFPv3-D16, Thumb-2, no NEON): zig's own default for
#: ``arm-linux-gnueabihf`` has NEON and 32 double registers, which not every armhf board has.
_ZIG_CPU = {"arm-linux-gnueabihf": "-mcpu=generic+v7a+vfp3d16+thumb2-d32-neon"}


def compiler_kind(program: str) -> str:
    """``gcc``, ``clang`` or ``zig``, from the program's name, else from its ``--version``."""
    name = Path(program).name
    if name == "zig":
        return "zig"
    if re.search(r"(^|-)clang(\+\+)?(-[\d.]+)?$", name):
        return "clang"
    if re.search(r"(^|-)(gcc|g\+\+|gfortran)(-[\d.]+)?$", name):
        return "gcc"
    first_line = (probe([program, "--version"]).stdout.splitlines() or [""])[0]
    return "clang" if "clang" in first_line else "gcc"


def compiler_version(command: list[str], kind: str) -> str:
    """The compiler's version, e.g. ``12.2.0``, ``16.0.6``, ``0.13.0``."""
    if kind == "zig":
        return probe([command[0], "version"]).stdout.strip()
    result = probe([*command, "-dumpfullversion"]) if kind == "gcc" else probe([*command, "-dumpversion"])
    return result.stdout.strip() if result.ok else ""


def has_target_option(command: list[str]) -> bool:
    """Whether the user's command already says what it builds for (``--target=``, ``-target``)."""
    return any(arg == "-target" or arg.startswith(("--target=", "-target=")) for arg in command[1:])


def clang_target(multiarch: str, gnu_type: str) -> str:
    """The triplet clang is given: the multiarch one (the root's directory names), else
    the host python's ``HOST_GNU_TYPE``."""
    return multiarch or gnu_type


def clang_cross_flags(command: list[str], target: str, sysroot: Path, user_args: list[str]) -> list[str]:
    """What makes ``command`` (a clang) build and link for ``target`` against ``sysroot``:
    ``--target``, GCC's files from elsewhere when the root has none, and lld as the linker
    when it is installed, unless the user's arguments choose one (``-fuse-ld=bfd``)."""
    flags = [f"--target={target}"]
    with_sysroot = [*command, *flags, *([] if sysroot == Path("/") else [f"--sysroot={sysroot}"])]
    if not _selects_gcc_installation(with_sysroot):
        flags += _gcc_of_cross_toolchain(command, target)
    chosen = any(arg.startswith("-fuse-ld=") for arg in user_args)
    if not chosen and _links([*with_sysroot, *flags[1:], "-fuse-ld=lld"]):
        flags.append("-fuse-ld=lld")
    return flags


def _selects_gcc_installation(command: list[str]) -> bool:
    """Whether clang found GCC's start files and libgcc (in the root, with ``--sysroot``)."""
    result = probe([*command, "-v", "-x", "c", "-E", "-o", os.devnull, "/dev/null"])
    return "Selected GCC installation:" in result.stderr


def _gcc_of_cross_toolchain(command: list[str], target: str) -> list[str]:
    """``--gcc-install-dir`` (clang 16+) or ``--gcc-toolchain`` naming the GNU cross
    compiler installed here (``/usr/lib/gcc-cross/<triplet>/<version>``), if there is one."""
    gcc = shutil.which(f"{target}-gcc")
    if gcc is None:
        return []
    libgcc = probe([gcc, "-print-libgcc-file-name"]).stdout.strip()
    if not libgcc or not Path(libgcc).is_file():
        return []
    install_dir = Path(libgcc).parent
    for flag in (f"--gcc-install-dir={install_dir}", f"--gcc-toolchain={Path(gcc).parent.parent}"):
        if _selects_gcc_installation([*command, f"--target={target}", flag]):
            return [flag]
    return []


def _links(command: list[str]) -> bool:
    """Whether ``command`` links a shared object (the linker and start files are there)."""
    with temporary_directory("probe") as tmp:
        source = tmp / "probe.c"
        source.write_text("int crossbuild_probe(void) { return 0; }\n")
        return probe([*command, "-shared", "-fPIC", str(source), "-o", str(tmp / "probe.so")]).ok


def find_zig() -> Path:
    """The ``zig`` program of the ``ziglang`` package installed with crossbuild."""
    spec = importlib.util.find_spec("ziglang")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        program = Path(location) / "zig"
        if os.access(program, os.X_OK):
            return program
    raise ToolchainError("zig is not installed; {zig_hint}", zig_hint=ZIG_INSTALL_HINT)


def zig_target(machine: str, multiarch: str, byteorder: str, libc: str, version: tuple[int, int] | None) -> str:
    """zig's ``-target`` for the host: ``aarch64-linux-gnu.2.17``, ``arm-linux-gnueabihf``,
    ``aarch64-linux-musl``.

    ``libc`` is ``glibc`` or ``musl``; ``version`` is the glibc floor (musl has none: zig
    bundles one musl).  Hard or soft float on 32-bit ARM and MIPS follows the multiarch
    (``arm-linux-gnueabihf``), which a musl root has not: those are taken hard-float, as
    Debian's armhf, OpenWrt's and Alpine's armv7 are.
    """
    arch = _ZIG_ARCH.get(machine)
    if arch is None:
        raise ToolchainError(
            "zig builds for no {machine} known to crossbuild; pass a GNU cross compiler", machine=machine
        )
    if arch.startswith("mips") and not arch.endswith("el") and byteorder == "little":
        arch += "el"
    abi = "gnu" if libc == "glibc" else "musl"
    if arch == "arm" or (arch.startswith("mips") and not arch.startswith("mips64")):
        abi += "eabi" if multiarch.endswith("eabi") else "eabihf"
    elif arch.startswith("mips64"):  # the n64 ABI, as Debian's mips64el and OpenWrt's are
        abi += "abi64"
    floor = f".{version[0]}.{version[1]}" if version is not None and libc == "glibc" else ""
    return f"{arch}-linux-{abi}{floor}"


def zig_command(language: str, target: str, multiarch: str, user_args: list[str], cache_dir: Path) -> list[str]:
    """The zig command line of ``language`` (``c``, ``c++``) for ``target``, the user's
    arguments last; zig runs through :func:`zig_launcher` in ``cache_dir``."""
    driver = "cc" if language == "c" else "c++"
    cpu = _ZIG_CPU.get(multiarch)
    return [str(zig_launcher(cache_dir)), driver, "-target", target, *([cpu] if cpu else []), *user_args]


_ZIG_LAUNCHER = """#!/bin/sh
# written by crossbuild: the zig of the ziglang package, with its cache in crossbuild's
# (the first build for a target builds its C library, a minute or more) unless chosen
: "${{ZIG_GLOBAL_CACHE_DIR:={cache}}}"
export ZIG_GLOBAL_CACHE_DIR
exec {zig} "$@"
"""


def zig_launcher(cache_dir: Path) -> Path:
    """A program named ``zig`` in ``cache_dir/zig`` that runs the ``ziglang`` package's zig
    with ``ZIG_GLOBAL_CACHE_DIR`` there: backends and probes are handed one program, and
    every call of every build shares the C libraries zig built."""
    zig = find_zig()
    directory = cache_dir / "zig"
    text = _ZIG_LAUNCHER.format(cache=shlex.quote(str(directory / "cache")), zig=shlex.quote(str(zig)))
    launcher = directory / "bin" / "zig"
    try:
        if launcher.read_text() == text:  # unchanged: its identity (a wheel's cache key) too
            return launcher
    except OSError:
        pass
    try:
        make_dirs(launcher.parent)
        with atomic_file(launcher, EXECUTABLE_MODE) as stream:
            stream.write(text.encode())
    except OSError as error:
        raise ToolchainError(
            "cannot write zig's launcher {launcher}: {reason}; pass {cache_dir} a writable directory",
            launcher=launcher,
            reason=error.strerror or error,
        ) from None
    return launcher


def glibc_floor_of(value: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``2.17`` (or ``(2, 17)``) as a version; :class:`OptionError` for anything else."""
    if value is None or isinstance(value, tuple):
        return value
    match = re.fullmatch(r"2\.(\d{1,2})", value.strip())
    if match is None:
        raise OptionError("{glibc_floor} {value!r} is not a glibc version; pass one such as 2.17", value=value)
    return (2, int(match[1]))


def check_compiler_options(
    cc: str | None,
    cxx: str | None,
    glibc_floor: tuple[int, int] | None,
    libc: str,
    libc_version: tuple[int, int] | None,
) -> None:
    """Refuse, before any work, what cannot be built: zig named but not installed, a glibc
    floor for a compiler that links against the root's own glibc, or one above it."""
    kinds = {_named_kind(command) for command in (cc, cxx) if command}
    if "zig" in kinds:
        find_zig()
    if glibc_floor is None:
        return
    floor = ".".join(map(str, glibc_floor))
    if _named_kind(cc) != "zig":
        raise OptionError(
            "{glibc_floor} {floor} needs zig as the C compiler (GCC and clang link against the root's own glibc); "
            "pass {cc} zig ({zig_hint}), or build without {glibc_floor}",
            floor=floor,
            zig_hint=ZIG_INSTALL_HINT,
        )
    if libc != "glibc":
        raise OptionError(
            "{glibc_floor} {floor} is for glibc hosts; this host's C library is {libc}", floor=floor, libc=libc
        )
    if libc_version is not None and glibc_floor > libc_version:
        raise OptionError(
            "{glibc_floor} {floor} is newer than the root's glibc {root}: the binaries would not load there; "
            "pass {root} or older",
            floor=floor,
            root=".".join(map(str, libc_version)),
        )


def _named_kind(command: str | None) -> str:
    """``zig`` when ``command`` names zig, without running anything; else ``other``."""
    words = shlex.split(command) if command else []
    return "zig" if words and Path(words[0]).name == "zig" else "other"
