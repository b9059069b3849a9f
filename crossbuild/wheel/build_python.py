"""The build python: the native interpreter that runs the backend, of the host's X.Y."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import BuildPythonError, VersionMismatchError
from .._subprocess import probe
from ..host.host import Host


@dataclass(frozen=True)
class BuildPython:
    """The interpreter that runs the build backend: a native Python, same X.Y as the host."""

    executable: Path
    version: str
    """``X.Y``."""

    @classmethod
    def find(cls, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        """``executable`` (a path or a name on ``PATH``), or the python running crossbuild."""
        if executable is None:
            return cls(Path(sys.executable), f"{sys.version_info[0]}.{sys.version_info[1]}")
        found = shutil.which(os.fspath(executable))
        if found is None:
            raise BuildPythonError(
                "build python {executable} not found; pass {build_python} an existing interpreter",
                executable=executable,
            )
        result = probe([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        if not result.ok:
            raise BuildPythonError(
                "build python {executable} does not run; pass {build_python} a working interpreter", executable=found
            )
        return cls(Path(found), result.stdout.strip())

    @classmethod
    def for_host(cls, host: Host, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        """The build python for ``host``: it must be of the host's X.Y."""
        return cls.find(executable).check(host)

    def check(self, host: Host) -> BuildPython:
        """This python, if it is of the host's X.Y; else raise :class:`VersionMismatchError`."""
        if self.version != host.version:
            raise VersionMismatchError(host.version, str(self.executable), self.version)
        return self

    @property
    def identity(self) -> tuple[str, str]:
        """What tells this interpreter from another: its real path and its X.Y."""
        return (str(self.executable.resolve()), self.version)
