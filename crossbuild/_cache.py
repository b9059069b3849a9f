"""Where crossbuild keeps what it can reuse (build environments, downloads, built wheels),
and what its cache keys are made of.

The cache is shared by parallel runs and trusted by later ones: nothing in it is
world-writable, and every entry appears whole (renamed into place) or not at all.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import platformdirs

from ._files import make_dirs

ENV_VAR = "CROSSBUILD_CACHE_DIR"


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``override``, else ``$CROSSBUILD_CACHE_DIR``, else the user cache dir."""
    chosen = override or os.environ.get(ENV_VAR) or platformdirs.user_cache_dir("crossbuild", appauthor=False)
    path = Path(chosen).absolute()  # backends run elsewhere: a relative path would lead astray
    make_dirs(path)
    return path


@functools.cache
def code_digest(*parts: str) -> str:
    """A digest of crossbuild's own source in ``parts``: packages (``"host"``, ``"wheel"``…)
    or modules (``"wheel/isolated_env.py"``).

    What crossbuild made with other code (a runtime patch, compiler wrappers, settings)
    is not reused: cache keys hold this digest, not a version number that a change in
    a development tree or a patched install would leave as it was.
    """
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for part in parts:
        path = here / part
        if not path.exists():  # a part renamed away would silently key nothing
            raise FileNotFoundError(f"code_digest: crossbuild has no {part}")
        for source in [path] if path.is_file() else sorted(path.rglob("*.py")):
            digest.update(source.relative_to(here).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    """The sha256 of the file at ``path``, read once per process while it is unchanged
    (the same inode, size and modification time): several caches are keyed by it."""
    info = path.stat()
    return _content_digest(path, info.st_ino, info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _content_digest(path: Path, inode: int, size: int, mtime_ns: int) -> str:
    return sha256_of(path)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file at ``path``, read now (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
