"""Where each laid distribution came from, kept in the root: ``crossbuild-origin.json``.

``install`` writes it into every ``.dist-info`` it lays (listed in RECORD, as
``INSTALLER`` is): the index URL of the wheel, or of the sdist it was cross-built from,
and the wheel's sha256.  A root's SBOM (:mod:`~crossbuild.installation.inventory`) reads
it back; a distribution laid by pip or Debian has none, and is described without.
A local path (or a ``file:`` URL: ``--find-links DIR``) is not written: it names the
build machine, not where the package came from.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._cache import content_digest
from ..sbom.model import ORIGIN_NAME, Origin
from .artifacts import Artifact


def origin_metadata(artifact: Artifact, wheel: Path, source: str) -> dict[str, bytes]:
    """The ``.dist-info`` file that says where ``wheel`` (``artifact``'s, got as ``source``:
    see :meth:`~crossbuild.installation.artifacts.ArtifactStore.source_of`) came from."""
    kind = "built" if source in ("built", "reused") else source  # a reused build is the same build
    link = artifact.link
    url = str(link.redacted).split("#", 1)[0] if link is not None and not link.is_file else None
    source_sha256 = None
    if kind == "built":
        if link is not None and link.hash_name == "sha256":
            source_sha256 = str(link.hash)
        elif artifact.source_path is not None and artifact.source_path.is_file():
            source_sha256 = content_digest(artifact.source_path)
    origin = Origin(kind, url, content_digest(wheel), source_sha256)
    return {ORIGIN_NAME: (json.dumps(origin.as_json(), sort_keys=True) + "\n").encode()}


def read_origin(dist_info: Path) -> Origin | None:
    """What :func:`origin_metadata` wrote into ``dist_info``, or ``None``."""
    try:
        return Origin.from_json(json.loads((dist_info / ORIGIN_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
