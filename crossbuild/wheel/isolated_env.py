"""Isolated build environments of build python, cached and reused.

An environment is a venv of build python.  Build requirements are installed into it
*natively* (they run on this machine) by pip.  The runtime patch and its ``.pth`` file
are laid in at creation; they stay dormant unless the backend's environment names a
host description, so pip keeps installing native packages.

An environment is keyed by a digest of what it is made of: the code that makes it (this
module, the runtime patch as laid in), build python, pip's configuration (the indexes
and constraints that pick the packages) and the first set of requirements.  It is made
under a file lock, so parallel builds share it safely, in a directory only its owner can
enter until pip is done and every mode is set, whatever the umask; a marker file written
last, atomically, says it is complete.  One whose marker is there but whose python no
longer starts (build python removed, a half-deleted directory) is made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import filelock

from .._buildlog import BuildLog
from .._cache import code_digest
from .._files import FILE_MODE, atomic_file, make_dirs, normalise_modes, remove_tree
from .._subprocess import probe, run
from ..backend_env.patch import PATCH_MODULE, install_patch, patch_digest
from ..index.finder import pip_configuration
from .build_python import BuildPython

logger = logging.getLogger("crossbuild")

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
        wanted = set(requirements)
        if not wanted - self.installed():
            return
        with _lock(self.path):
            missing = sorted(wanted - self.installed())  # again: a parallel run may have installed them
            if not missing:
                return
            logger.info("installing build requirements: %s", ", ".join(missing))
            with _private(self.path):
                _pip_install(self.python, missing, pip_environ, log)
            self._record(self.installed() | set(missing))

    def _record(self, requirements: set[str]) -> None:
        with atomic_file(self.path / _COMPLETE, FILE_MODE) as stream:
            stream.write(json.dumps({"requirements": sorted(requirements)}).encode())

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
    path = cache / "envs" / env_key(build_python, requirements, pip_environ)
    make_dirs(path.parent)
    with _lock(path):
        env = _describe(path, build_python)
        if (path / _COMPLETE).is_file():
            problem = _problem(env, pip_environ)
            if problem is None:
                logger.info("reusing build environment %s", path)
                return env
            logger.warning("build environment %s is broken (%s); making it again", path, problem)
        if path.exists():
            remove_tree(path)  # renamed away first: a run still using it never sees it half-deleted
        logger.info("creating build environment %s", path)
        path.mkdir(mode=0o700)
        try:
            with _private(path):
                venv: list[str | os.PathLike[str]] = [build_python.executable, "-m", "venv", "--without-pip", path]
                run(venv, what="creating the build environment", log=log)
                install_patch(env.site_packages)
                _pip_install(env.python, requirements, pip_environ, log)
            env._record(set(requirements))
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return env


def env_key(build_python: BuildPython, requirements: list[str], pip_environ: Mapping[str, str]) -> str:
    """A digest of what an environment is made of: a change in any of them makes a new one."""
    identity = [
        code_digest("wheel/isolated_env.py"),
        patch_digest(),
        build_python.identity,
        requirements,
        pip_configuration(pip_environ),
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:20]


def _problem(env: IsolatedEnv, pip_environ: Mapping[str, str]) -> str | None:
    """Why a complete-looking environment cannot be used, or ``None``."""
    try:
        env.installed()
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"its marker {_COMPLETE} is unreadable: {error}"
    result = probe([env.python, "-c", f"import {PATCH_MODULE}"], env=pip_environ)
    if not result.ok:
        last = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        return f"{env.python} -c 'import {PATCH_MODULE}' failed: {last}"
    return None


@contextlib.contextmanager
def _private(path: Path) -> Iterator[None]:
    """Only we can enter ``path`` while pip (or venv) writes into it with whatever umask
    this process has; afterwards everything in it has pip's modes and it opens again."""
    path.chmod(0o700)
    try:
        yield
    finally:
        normalise_modes(path)


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
    return filelock.FileLock(str(path) + ".lock", mode=FILE_MODE)
