"""Programs a build asks about the machine, answering for the host, and paths of this
machine mapped into the host's root.

A ``setup.py`` that asks ``dpkg-architecture -qDEB_HOST_MULTIARCH`` or ``uname -m``, or
runs ``gcc``, would get the build machine's answer and add ``-L/usr/lib/x86_64-linux-gnu``
or compile for the build machine.  The wrapper directory comes first on the backend's
``PATH``, so these names there answer for the host: ``dpkg-architecture`` is Debian's with
``-a`` the host's architecture, ``uname`` reports the host's machine, ``gcc``/``cc`` and
``g++``/``c++`` are the compiler wrappers, and ``cpp`` is the host's C preprocessor (the C
compiler wrapper with ``-E``: python-prctl's ``setup.py`` pipes ``#include
<sys/capability.h>`` into ``cpp`` to see whether the headers are there).  The build machine's compiler stays reachable
as ``CC_FOR_BUILD`` (see :mod:`crossbuild.backend_env.autoconf`).

The wrappers rewrite ``-I``/``-L`` directories of this machine's system
(``/usr/include``, ``/usr/lib/x86_64-linux-gnu``, ``/usr/local/lib``…) into the root, the
build machine's multiarch directories becoming the host's; each rewrite is logged and
shown under ``-v``.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Literal

from elftools.elf.enums import ENUM_E_MACHINE

from ..host.elf import ElfTarget
from ..host.host import Host
from ..host.machines import DEBIAN_ARCH

#: Directories of the build machine's system whose files a host build must take from the root.
_SYSTEM_DIRS = ("/usr/include", "/usr/local/include", "/usr/lib", "/usr/local/lib", "/usr/lib64", "/lib", "/lib64")
#: Directories under them that belong to the compilers, not to the system.
_TOOLCHAIN_DIRS = ("/usr/lib/gcc-cross", "/usr/lib/gcc", "/usr/lib/clang", "/usr/lib/llvm")

_UNAME = """#!/bin/sh
# crossbuild: uname answering for the host machine ({machine}), not the build machine.
case "$*" in
  -m|--machine|-p|--processor|-i|--hardware-platform) echo {machine}; exit 0 ;;
esac
out=$({uname} "$@") || exit $?
printf '%s\\n' "$out" | sed 's/\\b{build}\\b/{machine}/g'
"""

#: The name of :data:`_EMULATOR` in the wrapper directory.
EMULATOR = "crossbuild-emulator"

#: CMake's ``CMAKE_CROSSCOMPILING_EMULATOR``.  CMake runs through it the host's programs a
#: build makes (``try_run``, custom commands), but since CMake 4.1 (policy CMP0190) also
#: the interpreter FindPython was given when Development is asked for too: that is the
#: build python, a program of this machine, which qemu cannot run.  So an ELF program of
#: the host (its header's class, byte order and machine are the host's) runs under qemu,
#: and any other program (this machine's, a script) as it is.
_EMULATOR = """#!{python} -IS
# crossbuild: run a program of the host under qemu, and one of this machine as it is.
import os, shutil, sys

HOST = bytes.fromhex({host!r})
args = sys.argv[1:]
if not args:
    sys.exit("usage: crossbuild-emulator PROGRAM [ARGUMENT...]")
try:
    with open(args[0] if "/" in args[0] else shutil.which(args[0]) or args[0], "rb") as stream:
        header = stream.read(20)
except OSError:
    header = b""
if header[:4] == b"\\x7fELF" and header[4:6] + header[18:20] == HOST:
    args = [*{emulator!r}, *args]
try:
    os.execvp(args[0], args)
except OSError as error:
    sys.exit(f"crossbuild-emulator: cannot run {{args[0]}}: {{error.strerror}}")
"""


#: ``cpp [OPTION...] [INFILE [OUTFILE]]`` as the host's C compiler wrapper runs it: with
#: ``-E``, standard input when no file is named, the second operand as ``-o``.
_CPP = """#!/bin/sh
# crossbuild: cpp, the host's C preprocessor: {cc} -E, as cpp takes its operands.
files=0
skip=
for arg in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case "$arg" in
    -I|-D|-U|-o|-x|-include|-imacros|-isystem|-iquote|-idirafter|-MF|-MT|-MQ) skip=1 ;;
    -) files=$((files + 1)) ;;
    -*) ;;
    *) files=$((files + 1)) ;;
  esac
done
if [ "$files" -eq 0 ]; then exec {cc} -E "$@" -; fi
if [ "$files" -eq 2 ]; then
  last=
  for arg in "$@"; do last=$arg; done
  n=$#
  i=0
  for arg in "$@"; do
    i=$((i + 1))
    if [ "$i" -eq 1 ]; then set --; fi
    if [ "$i" -lt "$n" ]; then set -- "$@" "$arg"; fi
  done
  exec {cc} -E "$@" -o "$last"
fi
exec {cc} -E "$@"
"""

_DPKG_ARCHITECTURE = """#!/bin/sh
# crossbuild: dpkg-architecture answering for the host ({arch}).
exec {program} -a{arch} "$@"
"""


def build_multiarch() -> str:
    """The build machine's multiarch triplet, as its python says (``x86_64-linux-gnu``)."""
    return str(sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu")


def build_dir_moves(host: Host) -> tuple[list[tuple[str, str]], list[str]]:
    """``(build machine directory, root's directory)`` pairs, longest first, and the
    directories never moved (the root itself, the compilers' own)."""
    if host.build_sysroot == Path("/"):
        return [], []
    root = os.path.normpath(host.build_sysroot)  # the view of an as-is root
    build = build_multiarch()
    moves: dict[str, str] = {}
    for directory in _SYSTEM_DIRS:
        for triplet in dict.fromkeys([build, host.multiarch]):
            if triplet and directory in ("/usr/include", "/usr/lib", "/lib"):
                moves[f"{directory}/{triplet}"] = f"{root}{directory}/{host.multiarch or triplet}"
        moves[directory] = root + directory
    keep = [root, os.path.realpath(root), *_TOOLCHAIN_DIRS, f"/usr/{host.toolchain.target}"]
    return sorted(moves.items(), key=lambda move: -len(move[0])), list(dict.fromkeys(keep))


def write_shims(host: Host, directory: Path, cc: Path, cxx: Path) -> None:
    """Write ``uname``, ``dpkg-architecture``, ``gcc``/``cc``/``g++``/``c++``, ``cpp`` and,
    given an emulator, :data:`EMULATOR` into ``directory``."""
    for name, target in (("gcc", cc), ("cc", cc), ("g++", cxx), ("c++", cxx)):
        alias = directory / name
        if not alias.exists():
            alias.symlink_to(target.name)
    if not (directory / "cpp").exists():
        _write_script(directory / "cpp", _CPP.format(cc=shlex.quote(str(cc))))
    uname = shutil.which("uname")
    if uname and host.sysroot != Path("/"):
        _write_script(
            directory / "uname",
            _UNAME.format(machine=host.machine, build=platform.machine(), uname=shlex.quote(uname)),
        )
    program = shutil.which("dpkg-architecture")
    arch = DEBIAN_ARCH.get(host.multiarch)
    if program and arch:
        _write_script(directory / "dpkg-architecture", _DPKG_ARCHITECTURE.format(program=program, arch=arch))
    if host.emulator:
        text = _EMULATOR.format(python=sys.executable, host=_elf_signature(host.elf), emulator=list(host.emulator))
        _write_script(directory / EMULATOR, text)


def _elf_signature(target: ElfTarget) -> str:
    """The bytes an ELF header of ``target`` has at 4-5 (class, byte order) and 18-19
    (machine), in hexadecimal: what :data:`_EMULATOR` compares."""
    order: Literal["little", "big"] = "little" if target.byteorder == "little" else "big"
    machine = ENUM_E_MACHINE[target.e_machine].to_bytes(2, order)
    return (bytes([1 if target.bits == 32 else 2, 1 if order == "little" else 2]) + machine).hex()


def _write_script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)
