"""Run one of the root's ``*-config`` scripts on this machine, its paths mapped into the root.

This file is copied next to the config script wrappers (see :mod:`crossbuild.backend_env.configscripts`)
and imported by them with ``python -IS``: it may import only the standard library, and
little of it (every call of ``curl-config --cflags`` pays for the imports).

A config script of the root prints the host's paths (``-I/usr/include/libxml2``,
``pg_config --includedir``: ``/usr/include/postgresql``).  On this machine those name the
build machine's files, so, as ``PKG_CONFIG_SYSROOT_DIR`` does for pkg-config, they are
given the root as a prefix: the paths of ``-I``/``-L`` flags, and words that are a path
under the trees of installed files (``/usr``, ``/lib``…).  Paths behind ``=`` or ``,``
(``--with-ca-bundle=/etc/…``, ``-Wl,-rpath,/usr/lib/…``) are the host's at run time and
stay as they are; so do paths already in the root (a script that finds its prefix from
its own location).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

#: Where a word starts (the start, a blank or a quote), an include or library flag, a path.
_WORD = re.compile(r"(?<![^\s'\"])(-isystem|-idirafter|-iquote|-I|-L)?(/[^\s'\"]*)")
#: The trees of the host's installed files: a bare path under them is the root's.
_TREES = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/opt")


def map_paths(text: str, root: str, keep: list[str]) -> tuple[str, list[list[str]]]:
    """``text`` with the host's paths in it moved into ``root``, and each ``[old, new]``.

    ``keep`` are the spellings of the root (and its view) whose paths stay as they are.
    """
    pairs: list[list[str]] = []

    def move(match: re.Match[str]) -> str:
        flag, path = match.group(1) or "", match.group(2)
        normal = os.path.normpath(path)
        if any(normal == k or normal.startswith(k.rstrip("/") + "/") for k in keep):
            return match.group(0)
        if not flag and not any(normal == t or normal.startswith(t + "/") for t in _TREES):
            return match.group(0)
        new = root.rstrip("/") + path
        if [path, new] not in pairs:
            pairs.append([path, new])
        return flag + new

    return _WORD.sub(move, text), pairs


def run(name: str, command: list[str], error: str, root: str, keep: list[str], log: str) -> None:
    """Run ``command`` with this process's arguments, print its output mapped into
    ``root`` and exit with its status; or, with ``error``, say it and exit 127."""
    record: dict[str, object] = {"script": name, "args": sys.argv[1:]}
    if error:
        sys.stderr.write("crossbuild: error: " + error + "\n")
        record.update(returncode=127, error=error)
        returncode = 127
    else:
        try:
            result = subprocess.run([*command, *sys.argv[1:]], stdout=subprocess.PIPE, check=False)
        except OSError as exc:
            message = "cannot run the root's " + name + ": " + str(exc)
            sys.stderr.write("crossbuild: error: " + message + "\n")
            result = subprocess.CompletedProcess(command, 127, b"")
            record["error"] = message
        text, pairs = map_paths(result.stdout.decode("utf-8", "surrogateescape"), root, keep)
        sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        returncode = result.returncode if result.returncode >= 0 else 128 - result.returncode
        record["returncode"] = returncode
        if pairs:
            record["mapped"] = pairs
    with open(log, "a", encoding="utf-8") as stream:  # a Python literal, as the compiler wrappers'
        stream.write(repr(record) + "\n")
    sys.exit(returncode)
