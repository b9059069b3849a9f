"""Where crossbuild keeps what it can reuse (build environments, downloads, built wheels),
and what its cache keys are made of.

The cache is shared by parallel runs and trusted by later ones: nothing in it is
world-writable, and every entry appears whole (renamed into place) or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from ._exceptions import CacheError
from ._files import make_dirs

ENV_VAR = "CROSSBUILD_CACHE_DIR"


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``override``, else ``$CROSSBUILD_CACHE_DIR``, else the user cache dir; made if missing."""
    path = cache_path(override)
    make_dirs(path)
    return path


#: What to do about a cache that cannot be written, by errno.
_CACHE_FIXES = {
    errno.ENOSPC: "free space there, or pass {cache_dir} a folder on a disk with space, or {no_cache_dir}",
    errno.EDQUOT: "free space within your disk quota, or pass {cache_dir} another folder, or {no_cache_dir}",
    errno.EROFS: "pass {cache_dir} a folder you may write to, or {no_cache_dir}",
    errno.EACCES: "pass {cache_dir} a folder you may write to, or {no_cache_dir}",
}


@contextlib.contextmanager
def cache_writes(directory: Path) -> Iterator[None]:
    """Writes into the cache ``directory``: a full disk (or a read-only one) is told as the
    cache's, with its path — not as the root's or as an error without a file name."""
    try:
        yield
    except OSError as error:
        fix = _CACHE_FIXES.get(error.errno or 0)
        if fix is None:
            raise
        raise CacheError(
            "cannot write to the cache {path}: {reason}; " + fix, path=directory, reason=error.strerror
        ) from None


def cache_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Where :func:`cache_dir` is, absolute, without making it (a check of a root needs no cache)."""
    chosen = override or os.environ.get(ENV_VAR) or platformdirs.user_cache_dir("crossbuild", appauthor=False)
    return Path(chosen).absolute()  # backends run elsewhere: a relative path would lead astray


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
        if not path.exists():  # a module moved: its cache entries would never change again
            raise ValueError(f"code_digest: crossbuild has no {part}")
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
