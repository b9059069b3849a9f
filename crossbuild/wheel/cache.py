"""Wheels cross-built from sdists, kept in the cache and reused, as pip keeps built wheels.

An entry is keyed by the sdist's digest and by all else a built wheel depends on
(:func:`built_wheel_key`: the host's build data and compilers, the build options, and
crossbuild's own code that builds).  It is made whole or not at all (a temporary
directory renamed into place, so parallel runs can share the cache) and checked before
it is reused: a damaged entry is discarded and the wheel built again.  Source trees are
not cached: their content is not a file whose digest could key them (pip does the same).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from installer.exceptions import InstallerError
from installer.sources import WheelFile

from .._cache import code_digest, sha256_of
from .._files import DIR_MODE, make_dirs, publish_file, remove_tree
from ..backend_env.surface import root_surface_digest
from ..host.host import Host
from .options import BuildOptions

logger = logging.getLogger("crossbuild")


def built_wheel_key(host: Host, options: BuildOptions) -> str:
    """What a wheel cross-built from a given sdist depends on besides the sdist: the host's
    build data and compilers, what the root offers builds (headers, libraries…), the build
    options, and crossbuild's own code that builds."""
    identity = json.dumps(
        [
            host.fingerprint,
            root_surface_digest(host.sysroot, host.multiarch),
            options.key,
            code_digest("host", "wheel", "backend_env", "_files.py"),
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


class BuiltWheels:
    """The wheels in ``cache/built`` made under ``key`` (see :func:`built_wheel_key`).

    ``key`` may be given as a function that makes it, called when an sdist is first looked
    up: the key digests the compilers and what the root offers builds (thousands of
    files), which an install of binary wheels never needs."""

    def __init__(self, cache: Path, key: str | Callable[[], str]) -> None:
        self.directory = cache / "built"
        self._key = key

    @functools.cached_property
    def key(self) -> str:
        return self._key if isinstance(self._key, str) else self._key()

    def entry(self, sdist: Path) -> Path:
        digest = hashlib.sha256(f"{self.key}:{sha256_of(sdist)}".encode()).hexdigest()[:32]
        return self.directory / digest

    def has(self, sdist: Path) -> bool:
        """Whether :meth:`get` would give a wheel for ``sdist`` (nothing logged or removed)."""
        entry = self.entry(sdist)
        wheels = sorted(entry.glob("*.whl")) if entry.is_dir() else []
        return len(wheels) == 1 and _wheel_problem(wheels[0]) is None

    def get(self, sdist: Path) -> Path | None:
        """The wheel built before from ``sdist`` if it is whole; a damaged entry is removed."""
        entry = self.entry(sdist)
        if not entry.is_dir():
            return None
        wheels = sorted(entry.glob("*.whl"))
        problem = _wheel_problem(wheels[0]) if len(wheels) == 1 else f"it holds {len(wheels)} wheels, not one"
        if problem is None:
            logger.info("reusing %s, cross-built before from %s", wheels[0].name, sdist.name)
            return wheels[0]
        logger.warning("discarding the cached wheel %s: %s; building it again", entry, problem)
        remove_tree(entry)
        return None

    def put(self, sdist: Path, wheel: Path) -> None:
        """Keep a copy of ``wheel`` for ``sdist``, whole or not at all; if a parallel run
        was first, its copy stays."""
        entry = self.entry(sdist)
        make_dirs(entry.parent)
        partial = Path(tempfile.mkdtemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".partial"))
        try:
            publish_file(wheel, partial / wheel.name)
            partial.chmod(DIR_MODE)
            partial.rename(entry)
        except OSError as error:
            if not entry.is_dir():
                logger.warning("cannot cache %s in %s: %s", wheel.name, entry, error)
        finally:
            shutil.rmtree(partial, ignore_errors=True)


def _wheel_problem(wheel: Path) -> str | None:
    """Why ``wheel`` is not a whole wheel (not a zip, a file that does not match RECORD), or ``None``."""
    try:
        with WheelFile.open(wheel) as source:
            source.validate_record()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, InstallerError) as error:
        issues = getattr(error, "issues", None) or [str(error) or type(error).__name__]
        return str(issues[0])
    return None
