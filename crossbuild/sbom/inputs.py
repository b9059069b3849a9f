"""What an SBOM depends on beyond the build itself, for the built-wheel cache's key."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from .._cache import code_digest
from .debian import INFO, STATUS


def sbom_inputs(root: Path) -> str:
    """A digest of what a wheel's SBOM takes besides the build: this code, the document
    library's version, and the root's dpkg database (the packages that own its libraries)."""
    database: list[list[int] | None] = []
    for path in (root / STATUS, root / INFO):
        try:
            status = path.stat()
        except OSError:
            database.append(None)
            continue
        database.append([status.st_size, status.st_mtime_ns])
    identity = [code_digest("sbom", "wheel/build_sbom.py"), _version("cyclonedx-python-lib"), database]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
