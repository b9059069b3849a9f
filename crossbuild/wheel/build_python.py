"""The build python: the native interpreter that runs the backend, of the host's X.Y.

A backend must run on an interpreter of the host's X.Y (it writes ``cp313`` tags, reads
``python3.13`` paths…) that is native to the build machine: the host's own python would
run it under qemu, slowly, and a foreign machine's python under binfmt reports its own
machine.  When the python running crossbuild is of another X.Y, one is looked for the way
users install them: ``pythonX.Y`` on ``PATH``, pyenv's versions, uv's managed pythons.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import shutil
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import BuildPythonError, VersionMismatchError
from .._subprocess import probe
from ..host.host import Host

logger = logging.getLogger("crossbuild")

#: What a python says of itself: ``X.Y machine pointer-bits``.
_PROBE = (
    "import platform, struct, sys; print('%d.%d' % sys.version_info[:2], platform.machine(), struct.calcsize('P') * 8)"
)

#: Version directories of pyenv (``3.13.2``, ``3.14.0rc1``) and uv (``cpython-3.13.2-linux-x86_64-gnu``);
#: free-threaded (``3.13.0t``, ``+freethreaded``) and debug builds are another ABI and do not match.
_PRERELEASE = r"(?P<pre>(?:a|b|rc)\d+)?"


@dataclass(frozen=True)
class BuildPython:
    """The interpreter that runs the build backend: a native Python, same X.Y as the host."""

    executable: Path
    version: str
    """``X.Y``."""

    @classmethod
    def find(cls, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        """``executable`` (a path or a name on ``PATH``), or the python running crossbuild.

        ``executable`` must run and be native to this machine."""
        if executable is None:
            return cls(Path(sys.executable), f"{sys.version_info[0]}.{sys.version_info[1]}")
        found = shutil.which(os.fspath(executable))
        if found is None:
            raise BuildPythonError(
                "build python {executable} not found; pass {build_python} an existing interpreter",
                executable=executable,
            )
        answer = _ask(found)
        if answer is None:
            raise BuildPythonError(
                "build python {executable} does not run; pass {build_python} a working interpreter", executable=found
            )
        version, machine = answer
        if machine != _NATIVE:
            raise BuildPythonError(
                "build python {executable} runs as {machine}, not natively on this {native} machine "
                "(the host's own python under qemu?); pass {build_python} a native interpreter",
                executable=found,
                machine=machine,
                native=_NATIVE,
            )
        return cls(Path(found), version)

    @classmethod
    def for_host(cls, host: Host, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        """The build python for ``host``: of the host's X.Y, native to this machine.

        ``executable`` when given (checked), else the python running crossbuild when it is
        of the host's X.Y, else the first native ``pythonX.Y`` found by :func:`candidates`.
        """
        if executable is not None:
            return cls.find(executable).check(host)
        running = cls.find()
        if running.version == host.version:
            return running
        found = find_native(host.version)
        if found is None:
            raise VersionMismatchError(host.version, str(running.executable), running.version, searched=True)
        logger.info("using build python %s for the host's %s", found.executable, host.version)
        return found

    def check(self, host: Host) -> BuildPython:
        """This python, if it is of the host's X.Y; else raise :class:`VersionMismatchError`."""
        if self.version != host.version:
            raise VersionMismatchError(host.version, str(self.executable), self.version)
        return self

    @property
    def identity(self) -> tuple[str, str]:
        """What tells this interpreter from another: its real path and its X.Y."""
        return (str(self.executable.resolve()), self.version)


#: The machine crossbuild runs on, as a python tells it: ``x86_64 (64-bit)``.  Pointer bits tell an
#: i686 python on an x86_64 kernel (``platform.machine()`` is the kernel's) from a native one.
_NATIVE = f"{platform.machine()} ({struct.calcsize('P') * 8}-bit)"


def find_native(version: str) -> BuildPython | None:
    """The first of :func:`candidates` that runs, is ``version`` and is native; or ``None``.

    A candidate may exist and still not be one: a pyenv shim of a version that is not
    selected fails, a ``python3.13`` may be a link to another version, and a foreign
    machine's python (uv installs them, binfmt runs them) is no native one.
    """
    seen: set[Path] = set()
    for candidate in candidates(version):
        if not (candidate.is_file() and os.access(candidate, os.X_OK)) or candidate.resolve() in seen:
            continue
        seen.add(candidate.resolve())
        answer = _ask(str(candidate))
        if answer is None:
            logger.debug("skipping build python %s: it does not run", candidate)
        elif answer != (version, _NATIVE):
            logger.debug("skipping build python %s: it is %s on %s", candidate, *answer)
        else:
            return BuildPython(candidate, version)
    return None


def candidates(version: str) -> Iterator[Path]:
    """Where a native ``python{version}`` may be, in the order they are tried: each ``PATH``
    entry, pyenv's versions (``$PYENV_ROOT``, default ``~/.pyenv``), uv's managed pythons
    (``$UV_PYTHON_INSTALL_DIR``, default ``$XDG_DATA_HOME/uv/python``); newest release first."""
    name = f"python{version}"
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if directory:
            yield Path(directory) / name
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for found in _newest_first(pyenv, re.escape(version) + r"\.(?P<patch>\d+)" + _PRERELEASE):
        yield found / "bin" / name
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or data / "uv" / "python")
    for found in _newest_first(uv, "cpython-" + re.escape(version) + r"\.(?P<patch>\d+)" + _PRERELEASE + "-.*"):
        yield found / "bin" / name


def _newest_first(directory: Path, pattern: str) -> list[Path]:
    """The entries of ``directory`` whose whole name matches ``pattern``, newest first:
    releases by patch number, then pre-releases (a ``3.14.0rc1`` only when no release)."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return []
    ranked = []
    for entry in entries:
        match = re.fullmatch(pattern, entry.name)
        if match:
            pre = match["pre"]
            ranked.append(((pre is None, int(match["patch"]), pre or ""), entry))
    return [entry for _, entry in sorted(ranked, key=lambda pair: pair[0], reverse=True)]


def _ask(executable: str) -> tuple[str, str] | None:
    """``(X.Y, "machine (N-bit)")`` of a python, or ``None`` when it does not run or answer."""
    result = probe([executable, "-c", _PROBE])
    words = result.stdout.split()
    if not result.ok or len(words) != 3 or not re.fullmatch(r"\d+\.\d+", words[0]):
        return None
    return words[0], f"{words[1]} ({words[2]}-bit)"
