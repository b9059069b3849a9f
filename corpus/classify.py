"""Whose failure it is: crossbuild's ("ours"), the package's, or the root's (it lacks a library).

The rules, in order (docs/explanation/compatibility.md says them for users):

1. **A verdict written in the catalog** (``verdict = "package: …"`` or ``"root: …"``) after
   a diagnosis by hand — the same sdist fails the same way in a native build, or the
   root's library is of a version the package does not support — is the class.
2. **root** — the first error names a file the build or the import looked for and did
   not find (a header, ``-lNAME``, a pkg-config module, a CMake package, a shared
   object, a Python package of the root), and the root has no such file: the root lacks a library (add its ``-dev``
   package to the entry's ``sysroot``).  If the root *has* the file, crossbuild did not
   point the build at it: **ours**.
3. **ours** — everything else.  A failure nobody has explained is crossbuild's until it
   is shown to be otherwise: every refusal of crossbuild's own checks, a wheel the host
   does not take, an ELF file for another machine, an extension that does not import.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

#: What a missing file looks like in a compiler's, linker's, pkg-config's, meson's, CMake's
#: or the dynamic loader's words, and the file name it names (a glob under the root).
_MISSING = [
    (re.compile(r"fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory"), "{0}"),
    (re.compile(r"cannot find -l([\w.+-]+)"), "lib{0}.*"),
    (re.compile(r"No package '([\w.+-]+)' found"), "{0}.pc"),
    (re.compile(r"Package '?([\w.+-]+)'?,? .*not (?:be )?found"), "{0}.pc"),
    (re.compile(r'Dependency "?([\w.+-]+)"? not found'), "{0}.pc"),
    (re.compile(r"Could NOT find (\w+)"), "*{0}*.cmake"),
    (re.compile(r"([\w.+-]+\.so[.\d]*): cannot open shared object file"), "{0}"),
    (re.compile(r"No module named '(\w+)"), "{0}/__init__.py"),  # a module of the root's python: tkinter
]


@dataclass(frozen=True)
class Classification:
    kind: str  # "ours", "package", "root"
    reason: str


def classify(error: str, root: Path, verdict: str | None, context: str = "") -> Classification:
    """The class of a failure whose message is ``error`` (see the module's rules);
    ``context`` is the output before it (the end of the build's log), read when the
    message itself names no missing file (meson's "Could not generate cflags for cairo"
    says why only in the lines above it)."""
    if verdict:
        kind, _, why = verdict.partition(":")
        return Classification(kind.strip(), why.strip())
    for text in (error, context):
        for pattern, glob in _MISSING:
            match = pattern.search(text)
            if match is None:
                continue
            wanted = glob.format(match[1])
            found = _find(root, wanted.rpartition("/")[2], wanted.rpartition("/")[0])
            if found is None:
                return Classification("root", f"the root has no {wanted}")
            return Classification("ours", f"the root has {found.relative_to(root)}, the build did not find it")
    return Classification("ours", "unexplained: crossbuild's until shown otherwise")


def _find(root: Path, name: str, subdir: str) -> Path | None:
    """A file of the root named ``name`` (a glob) in a folder ending with ``subdir``."""
    for path in _files(root):
        if fnmatch.fnmatch(path.name.lower(), name.lower()) and (
            not subdir or path.parent.as_posix().endswith("/" + subdir)
        ):
            return path
    return None


@functools.cache
def _files(root: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    for top in ("usr/include", "usr/lib", "lib", "usr/share/pkgconfig"):
        for folder, _, names in os.walk(root / top):
            found.extend(Path(folder, name) for name in names)
    return tuple(found)
