"""Isolated build environments of build python, cached and reused.

An environment is a venv of build python.  Build requirements are installed into it
*natively* (they run on this machine) by pip.  The runtime patch and its ``.pth`` file
are laid in at creation; they stay dormant unless the backend's environment names a
host description, so pip keeps installing native packages.

Environments are keyed by build python, the runtime patch's digest and the first set of
requirements, kept under the cache directory, and guarded by a file lock so parallel
builds share them safely.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import filelock

from .._buildlog import BuildLog
from .._subprocess import run
from ..host.patch import install_patch, patch_digest
from .build_python import BuildPython

logger = logging.getLogger("crossbuild")

#: Bump when the layout of an environment changes, so old cached ones are not reused.
LAYOUT_VERSION = "1"
_COMPLETE = "crossbuild-env.json"


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

    def install(self, requirements: Iterable[str], pip_environ: Mapping[str, str], log: BuildLog | None = None) -> None:
        """Install ``requirements`` natively, skipping the ones installed before."""
        missing = sorted(set(requirements) - self.installed())
        if not missing:
            return
        with _lock(self.path):
            logger.info("installing build requirements: %s", ", ".join(missing))
            _pip_install(self.python, missing, pip_environ, log)
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
    build_python: BuildPython,
    requirements: Iterable[str],
    cache: Path,
    pip_environ: Mapping[str, str],
    log: BuildLog | None = None,
) -> IsolatedEnv:
    """A cached environment of ``build_python`` with ``requirements`` installed."""
    requirements = sorted(set(requirements))
    key = hashlib.sha256(
        json.dumps([LAYOUT_VERSION, patch_digest(), *build_python.identity, requirements]).encode()
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
            command: list[str | os.PathLike[str]] = [build_python.executable, "-m", "venv", "--without-pip", path]
            run(command, what="creating the build environment", log=log)
            env = _describe(path, build_python)
            install_patch(env.site_packages)
            _pip_install(env.python, requirements, pip_environ, log)
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


def _pip_install(python: Path, requirements: list[str], pip_environ: Mapping[str, str], log: BuildLog | None) -> None:
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
        log=log,
    )


def _lock(path: Path) -> filelock.FileLock:
    return filelock.FileLock(str(path) + ".lock")
