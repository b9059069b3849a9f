"""Which C library the host python runs on, and its version, read from the root's files.

A python linked with musl names musl's loader as its ELF interpreter (``PT_INTERP``
``/lib/ld-musl-aarch64.so.1``, as on Alpine, OpenWrt and Buildroot); that file is musl's
whole C library, and it holds its version as a string of its own (the ``1.2.3`` its
loader prints when run by hand).  packaging and auditwheel run the loader to learn it;
here it is read from the file, so nothing of the host runs.  Any other python is taken
for glibc's, as before: its version is the newest ``GLIBC_2.N`` that ``libc.so.6`` defines.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .._exceptions import HostPythonError
from .elf import read_interpreter
from .layout import read_glibc_version
from .rootfs import resolve_in_root

#: The file name of musl's dynamic loader (``ld-musl-<arch>.so.1``: ``aarch64``, ``mipsel``, ``armhf``…).
MUSL_LOADER = re.compile(r"ld-musl-[\w-]+\.so\.1")
#: musl's version as it is stored in the library: ``1.2.3``, NUL-terminated (vendors may
#: append a suffix, ``1.2.4_git20230717``); the loader's usage text says what library it is.
_MUSL_VERSION = re.compile(rb"\x00(\d+)\.(\d+)\.\d+(?:[_+~-][\w.+~-]*)?\x00")
_MUSL_BANNER = b"musl libc ("


def is_musl_loader(interpreter: str | None) -> bool:
    """Whether ``interpreter`` (a ``PT_INTERP`` path) is musl's loader."""
    return interpreter is not None and MUSL_LOADER.fullmatch(PurePosixPath(interpreter).name) is not None


def read_musl_version(library: Path) -> tuple[int, int] | None:
    """``(major, minor)`` of the musl library ``library`` (its loader), ``None`` when it is
    not musl's or holds no single version string."""
    try:
        data = library.read_bytes()
    except OSError:
        return None
    if _MUSL_BANNER not in data:
        return None
    versions = {(int(major), int(minor)) for major, minor in _MUSL_VERSION.findall(data)}
    return versions.pop() if len(versions) == 1 else None


def read_libc(root: Path, executable: Path, multiarch: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """``(glibc, musl)``: the version of the host python's C library, the other ``None``.

    :class:`HostPythonError` for a python that asks for musl's loader when the root has no
    readable musl there: its tags cannot be told, and it could not run on the host either.
    """
    interpreter = read_interpreter(executable)
    if not is_musl_loader(interpreter):
        return read_glibc_version(root, multiarch), None
    assert interpreter is not None
    loader = resolve_in_root(root, interpreter)
    musl = read_musl_version(loader)
    if musl is None:
        raise HostPythonError(
            executable,
            "runs on musl ({interpreter}), but {loader} is not a musl library whose version can be read; "
            "pass {sysroot} the root the python runs in",
            interpreter=interpreter,
            loader=loader,
        )
    return None, musl
