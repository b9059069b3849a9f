"""Find a host python's files on the build machine, without running it.

A host python lives in a sysroot (a rootfs, or a Debian sysroot made with ``dpkg -x``).
Its symlinks may be absolute paths *on the host* (``/usr/bin/python3.11``), so they are
followed inside the sysroot, never on the build machine.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._exceptions import HostPythonError
from .elf import ElfTarget, read_elf_header
from .rootfs import MAX_SYMLINKS, resolve_in_root

_PYTHON_NAME = re.compile(r"^python(?P<version>3\.\d+)(?P<flags>[a-z]*)$")
_PYTHON_DIR = re.compile(r"^python(3\.\d+)[a-z]*$")


@dataclass(frozen=True)
class PythonLayout:
    """Where a host python's files are, as paths on the build machine."""

    executable: Path
    """The interpreter binary itself (symlinks followed inside the sysroot)."""
    prefix_dir: Path
    """The installation prefix (``…/usr``), on the build machine."""
    stdlib_dir: Path
    """``…/usr/lib/python3.X``: where ``_sysconfigdata_*.py`` lives."""
    sysconfigdata: Path
    build_details: Path | None
    """PEP 739 ``build-details.json``, for Python 3.14 and newer."""


def follow_links(path: Path, root: Path | None, limit: int = MAX_SYMLINKS) -> Path:
    """Follow the symlinks of ``path``; absolute link targets are taken inside ``root``.

    Without a ``root`` (not known yet: it is derived from the python's own files) an
    absolute target is looked up by its name beside the link, the common case of
    ``python3 -> /usr/bin/python3.11``.
    """
    if root is not None and path.is_relative_to(root):
        return resolve_in_root(root, "/" + path.relative_to(root).as_posix())
    for _ in range(limit):
        if not path.is_symlink():
            return path
        target = path.readlink()
        path = path.parent / (target if not target.is_absolute() else target.name)
    raise HostPythonError(path, "too many levels of symbolic links")


def find_python_in_root(root: Path) -> Path:
    """The newest ``python3.X`` in the first of the usual ``bin`` directories of a rootfs that has one."""
    found = pythons_in_root(root)
    if not found:
        raise HostPythonError(root, "is a directory with no usr/bin/python3.X; pass {host} the host's python itself")
    return [python for python in found if python.parent == found[0].parent][-1]


def host_python_in_root(root: Path) -> Path:
    """The only ``python3.X`` of a rootfs; raise if it has none or several."""
    found = pythons_in_root(root)
    if not found:
        where = ", ".join(f"/{d}" for d in BIN_DIRS)
        raise HostPythonError(root, "has no python3.X in {where}; pass {host} the host's python", where=where)
    if len(found) > 1:
        names = ", ".join("/" + python.relative_to(root).as_posix() for python in found)
        raise HostPythonError(root, "has several pythons ({names}); pass {host} one of them", names=names)
    return found[0]


def python_of_prefix(prefix_dir: Path) -> Path:
    """The only ``python3.X`` of ``PREFIX/bin`` (``ROOTFS/usr`` → ``ROOTFS/usr/bin/python3.11``)."""
    found = sorted(p for p in (prefix_dir / "bin").glob("python3.*") if _PYTHON_NAME.match(p.name))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise HostPythonError(
            prefix_dir,
            "has {count} python3.X in bin ({names}); pass {host} the host's python",
            count=len(found),
            names=names,
        )
    return found[0]


#: Where a rootfs keeps its pythons, in the order :func:`find_python_in_root` looks.
BIN_DIRS = ("usr/bin", "usr/local/bin", "bin")


def pythons_in_root(root: Path) -> list[Path]:
    """Every ``python3.X`` of the usual ``bin`` directories of a rootfs, oldest first in each,
    without the links to one found before (``/bin -> usr/bin``, ``python3.11 -> python3.11d``)."""
    found: dict[Path, Path] = {}
    for bin_dir in BIN_DIRS:
        directory = resolve_in_root(root, "/" + bin_dir)  # /bin -> /usr/bin stays in the root
        candidates = sorted(
            (p for p in directory.glob("python3.*") if _PYTHON_NAME.match(p.name)),
            key=lambda p: tuple(int(x) for x in _PYTHON_NAME.match(p.name)["version"].split(".")),  # type: ignore[index]
        )
        for python in candidates:
            found.setdefault(resolve_in_root(root, "/" + python.relative_to(root).as_posix()), python)
    return list(found.values())


@dataclass(frozen=True)
class RootIdentity:
    """What a root directory is built for, told by one of its own binaries."""

    evidence: Path
    """The binary that tells: the root's python, else its C library (a build-machine path)."""
    target: ElfTarget
    python_version: str | None
    """``X.Y`` of the root's python; ``None`` when only its C library tells."""


_LIBC_PLACES = ("lib/*/libc.so.6", "lib64/libc.so.6", "lib/libc.so.6", "usr/lib/*/libc.so.6", "usr/lib/libc.so.6")


def identify_root(root: Path) -> RootIdentity | None:
    """The machine (and python X.Y) a root is for, from its own python3.X, else from its
    libc; ``None`` for a root that holds neither, such as an image still being assembled."""
    try:
        python = find_python_in_root(root)
    except HostPythonError:
        python = None
    if python is not None:
        executable = follow_links(python, root)
        target = read_elf_header(executable) if executable.is_file() else None
        if target is not None:
            return RootIdentity(python, target, _PYTHON_NAME.match(python.name)["version"])  # type: ignore[index]
    for pattern in _LIBC_PLACES:
        for libc in sorted(root.glob(pattern)):
            real = follow_links(libc, root)
            target = read_elf_header(real) if real.is_file() else None
            if target is not None:
                return RootIdentity(libc, target, None)
    return None


def locate(python: Path, sysroot: Path | None) -> PythonLayout:
    """Find the files of the host python ``python`` (a path on the build machine)."""
    python = Path(os.path.abspath(python))  # noqa: PTH100 - keep symlinks unresolved  # noqa: PTH100 - keep symlinks unresolved
    if python.is_dir():
        python = find_python_in_root(python)
    if not os.path.lexists(python):
        raise HostPythonError(
            python, "does not exist; pass {host} the host's python inside its sysroot, e.g. ROOTFS/usr/bin/python3"
        )
    executable = follow_links(python, sysroot)
    if not executable.is_file():
        raise HostPythonError(
            python, "is a dangling link to {target}; pass {sysroot} if its links are absolute", target=executable
        )
    prefix_dir = python.parent.parent
    stdlib_dir = _find_stdlib_dir(python, executable, prefix_dir)
    return PythonLayout(
        executable=executable,
        prefix_dir=prefix_dir,
        stdlib_dir=stdlib_dir,
        sysconfigdata=_find_sysconfigdata(python, stdlib_dir, _abiflags_of(python, executable)),
        build_details=(stdlib_dir / "build-details.json") if (stdlib_dir / "build-details.json").is_file() else None,
    )


def _find_stdlib_dir(python: Path, executable: Path, prefix_dir: Path) -> Path:
    candidates = [
        d
        for libdir in ("lib", "lib64")
        for d in sorted((prefix_dir / libdir).glob("python3.*"))
        if _PYTHON_DIR.match(d.name) and any(d.glob("_sysconfigdata_*.py"))
    ]
    wanted = next((m["version"] for m in map(_PYTHON_NAME.match, (python.name, executable.name)) if m), None)
    if wanted is not None:
        candidates = [d for d in candidates if _PYTHON_DIR.match(d.name)[1] == wanted]  # type: ignore[index]
    if not candidates:
        where = f"{prefix_dir}/lib/python{wanted or '3.X'}"
        raise HostPythonError(
            python,
            "no _sysconfigdata_*.py under {where}; is this a CPython installation (Debian: libpython3.X-stdlib)?",
            where=where,
        )
    if len({d.name for d in candidates}) > 1:
        names = ", ".join(d.name for d in candidates)
        raise HostPythonError(
            python, "several Pythons ({names}) share this prefix; pass {host} a python3.X binary", names=names
        )
    return candidates[0]


def _abiflags_of(python: Path, executable: Path) -> str:
    """The ABI flags in the interpreter's name: ``d`` for ``python3.11d``, else ``""``."""
    for name in (python.name, executable.name):
        match = _PYTHON_NAME.match(name)
        if match and match["flags"]:
            return match["flags"]
    return ""


def _find_sysconfigdata(python: Path, stdlib_dir: Path, abiflags: str) -> Path:
    files = {p.resolve(): p for p in sorted(stdlib_dir.glob("_sysconfigdata_*.py"))}
    # _sysconfigdata_{abiflags}_{platform}_{multiarch}.py: a debug python3.11d has its own
    # beside the release one (Debian's python3.11-dbg).
    matching = {real: p for real, p in files.items() if real.name.startswith(f"_sysconfigdata_{abiflags}_")}
    chosen = matching or files
    if len(chosen) > 1:
        names = ", ".join(sorted(p.name for p in chosen.values()))
        raise HostPythonError(
            python,
            "several sysconfig data files in {directory} ({names}); cannot tell which is this python's",
            directory=stdlib_dir,
            names=names,
        )
    return next(iter(chosen))


def looks_like_python(executable: Path) -> bool:
    """Whether a binary is a CPython interpreter: it embeds or links libpython."""
    content = executable.read_bytes()
    return b"Py_BytesMain" in content or re.search(rb"libpython3\.\d+", content) is not None


def read_literal(path: Path, name: str) -> object:
    """The value of the module-level assignment ``name = <literal>`` in the Python file
    ``path``, read with ``ast``, never run.

    Raises :class:`OSError`, :class:`SyntaxError`, :class:`ValueError` (the value is not a
    literal) or :class:`LookupError` (no such assignment).
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(name)


def read_sysconfigdata(path: Path) -> dict[str, Any]:
    """The ``build_time_vars`` of a ``_sysconfigdata_*.py`` file, read without running it."""
    try:
        value = read_literal(path, "build_time_vars")
    except (SyntaxError, ValueError) as error:
        raise HostPythonError(path, "cannot read sysconfig data: {error}", error=error) from None
    except LookupError:
        value = None
    if not isinstance(value, dict):
        raise HostPythonError(path, "has no build_time_vars dictionary")
    return value


def stdlib_version(stdlib_dir: Path) -> str:
    """``X.Y`` of a stdlib directory ``…/lib/pythonX.Y``."""
    match = _PYTHON_DIR.match(stdlib_dir.name)
    return match[1] if match else ""


def read_patchlevel(include_dir: Path) -> str | None:
    """``PY_VERSION`` from ``patchlevel.h``, e.g. ``3.11.2``."""
    try:
        text = (include_dir / "patchlevel.h").read_text(errors="replace")
    except OSError:
        return None
    match = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', text)
    return match[1] if match else None


def read_glibc_version(sysroot: Path, multiarch: str) -> tuple[int, int] | None:
    """The newest ``GLIBC_2.N`` symbol version that the sysroot's ``libc.so.6`` defines."""
    for libdir in (f"lib/{multiarch}", f"usr/lib/{multiarch}", "lib64", "lib", "usr/lib64", "usr/lib"):
        libc = resolve_in_root(sysroot, f"/{libdir}/libc.so.6")
        if libc.is_file():
            versions = {int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", libc.read_bytes())}
            return (2, max(versions)) if versions else None
    return None
