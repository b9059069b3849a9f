"""Where the host compilers look for headers and libraries: the root first.

Debian's cross gcc searches its own copy of the C library and kernel headers
(``/usr/<triplet>/include``) and libraries (``/usr/<triplet>/lib``) *before* the
``--sysroot`` directories.  A header that differs in the root (newer kernel headers) is
then not seen, and binaries link against the toolchain's glibc, not the root's: on an
image with an older glibc they do not load.  So the wrappers add, after the caller's own
flags:

- ``-nostdinc`` and the compiler's own include list again with ``-idirafter``, the root's
  directories moved before the first outside directory that holds a C library
  (``stdio.h``).  The compiler's own headers (``stddef.h``, the libstdc++ headers of the
  toolchain, which belong to that compiler version) stay first; the toolchain's libc
  headers stay last, a fallback for a root without ``libc6-dev``.  ``-idirafter``
  directories are system directories searched after ``-I`` and ``-isystem`` in the order
  given, as the standard ones are, so ``#include_next`` (libstdc++'s ``<cstdlib>``)
  still works and the caller's ``-isystem`` still comes first.
- ``-L`` and ``-Wl,-rpath-link`` for the root's library directories: ``-L`` applies to
  every ``-l`` and comes after the caller's own ``-L`` but before the compiler's default
  directories, so ``-lc`` (the ``libc.so`` script) is the root's; ``-B`` for the root's
  ``crt1.o``/``crti.o``.  libgcc and libstdc++ still come from the compiler's own
  directory: they belong to the compiler, and the ELF checks prove their symbol versions
  exist in the root.

A caller that says ``-nostdinc`` chooses its own headers and gets no include flags.

zig searches only its own headers, ``--sysroot`` or not: its C library's must come first
(they declare the symbol versions of the glibc it links against, older than the root's),
and the root's directories (``ffi.h``, ``zlib.h``, the python headers' neighbours) are
added after them with ``-idirafter``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._subprocess import probe


def include_dirs(command: list[str], language: str) -> list[str]:
    """The compiler's ``#include <...>`` search list, in order, as ``-v`` prints it."""
    result = probe([*command, "-x", language, "-v", "-E", "-o", os.devnull, "/dev/null"])
    if not result.ok:
        return []
    lines = (result.stderr or "").splitlines()
    try:
        start = lines.index("#include <...> search starts here:") + 1
        end = lines.index("End of search list.", start)
    except ValueError:
        return []
    return [os.path.normpath(line.strip().removesuffix(" (framework directory)")) for line in lines[start:end]]


def root_first(dirs: list[str], sysroot: Path) -> list[str]:
    """``dirs`` with those inside ``sysroot`` moved before the first outside C library."""
    root = os.path.normpath(sysroot)
    inside = [d for d in dirs if d == root or d.startswith(root + os.sep)]
    outside = [d for d in dirs if d not in inside]
    if not inside:
        return dirs
    libc = next((i for i, d in enumerate(outside) if (Path(d) / "stdio.h").is_file()), len(outside))
    return [*outside[:libc], *inside, *outside[libc:]]


def include_flags(command: list[str], sysroot: Path, language: str, multiarch: str = "") -> list[str]:
    """``-nostdinc`` and the search list with the root first; none when nothing moves.

    A compiler that searches nothing of the root (zig) gets the root's directories after
    its own."""
    if sysroot == Path("/"):
        return []
    dirs = include_dirs(command, language)
    root = os.path.normpath(sysroot)
    if dirs and not any(d == root or d.startswith(root + os.sep) for d in dirs):
        names = [f"usr/include/{multiarch}", "usr/include"] if multiarch else ["usr/include"]
        return [f"-idirafter{sysroot / name}" for name in names if (sysroot / name).is_dir()]
    ordered = root_first(dirs, sysroot)
    if ordered == dirs:
        return []
    return ["-nostdinc", *(f"-idirafter{d}" for d in ordered)]


def library_flags(sysroot: Path, multiarch: str) -> list[str]:
    """``-B``, ``-L`` and ``-Wl,-rpath-link`` for the root's library directories."""
    if sysroot == Path("/"):
        return []
    names = [f"usr/lib/{multiarch}", f"lib/{multiarch}", "usr/lib", "lib"] if multiarch else ["usr/lib", "lib"]
    dirs = list(dict.fromkeys(str(sysroot / name) for name in names if (sysroot / name).is_dir()))
    if not dirs:
        return []
    crt = [f"-B{d}/" for d in dirs if (Path(d) / "crti.o").is_file()][:1]
    return [*crt, *(f"-L{d}" for d in dirs), "-Wl,-rpath-link," + ":".join(dirs)]
