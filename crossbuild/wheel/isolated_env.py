"""Isolated build environments of build python, cached and reused.

An environment is a venv of build python.  Build requirements are installed into it
*natively* (they run on this machine) by pip.  The runtime patch and its ``.pth`` file
are laid in at creation; they stay dormant unless the backend's environment names a
host description, so pip keeps installing native packages.

Environments are keyed by build python and the first set of requirements, kept under
the cache directory, and guarded by a file lock so parallel builds share them safely.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import filelock

from .._exceptions import CrossbuildError, VersionMismatchError
from .._subprocess import run
from ..host import _hostpatch
from ..host.host import Host

logger = logging.getLogger("crossbuild")

#: Bump when the layout of an environment changes, so old cached ones are not reused.
LAYOUT_VERSION = "1"
PATCH_MODULE = "_crossbuild_hostpatch"
PTH_FILE = "_crossbuild_hostpatch.pth"
_COMPLETE = "crossbuild-env.json"


@dataclass(frozen=True)
class BuildPython:
    """The interpreter that runs the build backend: a native Python, same X.Y as the host."""

    executable: Path
    version: str
    """``X.Y``."""

    @classmethod
    def find(cls, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        if executable is None:
            return cls(Path(sys.executable), f"{sys.version_info[0]}.{sys.version_info[1]}")
        found = shutil.which(os.fspath(executable))
        if found is None:
            raise CrossbuildError(f"build python {executable} not found; pass --build-python an existing interpreter")
        try:
            version = subprocess.run(
                [found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            raise CrossbuildError(
                f"build python {found} does not run; pass --build-python a working interpreter"
            ) from None
        return cls(Path(found), version)

    @classmethod
    def for_host(cls, host: Host, executable: str | os.PathLike[str] | None = None) -> BuildPython:
        """The build python for ``host``: it must be of the host's X.Y."""
        python = cls.find(executable)
        if python.version != host.version:
            raise VersionMismatchError(host.version, str(python.executable), python.version)
        return python


@dataclass(frozen=True)
class IsolatedEnv:
    """A ready build environment."""

    path: Path
    python: Path
    scripts_dir: Path
    site_packages: Path

    def installed(self) -> set[str]:
        """Requirement strings already installed into this environment."""
        data = json.loads((self.path / _COMPLETE).read_text())
        return set(data["requirements"])

    def install(self, requirements: Iterable[str], pip_environ: Mapping[str, str]) -> None:
        """Install ``requirements`` natively, skipping the ones installed before."""
        missing = sorted(set(requirements) - self.installed())
        if not missing:
            return
        with _lock(self.path):
            logger.info("installing build requirements: %s", ", ".join(missing))
            _pip_install(self.python, missing, pip_environ)
            self._record(self.installed() | set(missing))

    def _record(self, requirements: set[str]) -> None:
        marker = self.path / _COMPLETE
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps({"layout": LAYOUT_VERSION, "requirements": sorted(requirements)}))
        tmp.replace(marker)

    def make_extra_environ(self) -> dict[str, str]:
        """Variables that put this environment's scripts (cython, meson, ninja…) on PATH."""
        return {"PATH": os.pathsep.join([str(self.scripts_dir), os.environ.get("PATH", os.defpath)])}


def get_isolated_env(
    build_python: BuildPython, requirements: Iterable[str], cache: Path, pip_environ: Mapping[str, str]
) -> IsolatedEnv:
    """A cached environment of ``build_python`` with ``requirements`` installed."""
    requirements = sorted(set(requirements))
    key = hashlib.sha256(
        json.dumps(
            [LAYOUT_VERSION, str(build_python.executable.resolve()), build_python.version, requirements]
        ).encode()
    ).hexdigest()[:20]
    path = cache / "envs" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(path):
        env = _describe(path, build_python)
        if (path / _COMPLETE).is_file():
            logger.info("reusing build environment %s", path)
            return env
        shutil.rmtree(path, ignore_errors=True)
        logger.info("creating build environment %s", path)
        try:
            run([build_python.executable, "-m", "venv", "--without-pip", path], what="creating the build environment")
            env = _describe(path, build_python)
            _install_patch(env.site_packages)
            _pip_install(env.python, requirements, pip_environ)
            env._record(set(requirements))
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return env


def _describe(path: Path, build_python: BuildPython) -> IsolatedEnv:
    return IsolatedEnv(
        path=path,
        python=path / "bin" / "python",
        scripts_dir=path / "bin",
        site_packages=path / "lib" / f"python{build_python.version}" / "site-packages",
    )


def _install_patch(site_packages: Path) -> None:
    shutil.copyfile(_hostpatch.__file__, site_packages / f"{PATCH_MODULE}.py")
    (site_packages / PTH_FILE).write_text(
        f"import os; os.environ.get({_hostpatch.ENV_VAR!r}) and __import__({PATCH_MODULE!r}).activate()\n"
    )


def _pip_install(python: Path, requirements: list[str], pip_environ: Mapping[str, str]) -> None:
    if not requirements:
        return
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--disable-pip-version-check",
            "--no-input",
            *requirements,
        ],
        what=f"installing build requirements ({', '.join(requirements)})",
        env=pip_environ,
    )


def _lock(path: Path) -> filelock.FileLock:
    return filelock.FileLock(str(path) + ".lock")
