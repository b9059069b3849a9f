"""Turn a SOURCE argument into a source tree: a directory, an sdist file or a requirement.

A requirement (``markupsafe==2.1.5``) is looked up on the configured indexes and its
sdist is downloaded into the cache (reused next time) and unpacked.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import unearth
import unearth.preparer
from packaging.requirements import InvalidRequirement, Requirement

from .._exceptions import SourceError
from .index import IndexSettings

logger = logging.getLogger("crossbuild")

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


@dataclass(frozen=True)
class SourceTree:
    path: Path
    name: str
    """How messages call it: the directory, sdist or requirement as given."""


def prepare_source(
    source: str | os.PathLike[str], workdir: Path, index: IndexSettings | None, cache: Path
) -> SourceTree:
    """A source tree for ``source``; sdists and downloads are unpacked under ``workdir``.

    ``index`` defaults to pip's configuration, read only when a requirement is given.
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        if not (path / "pyproject.toml").is_file() and not (path / "setup.py").is_file():
            raise SourceError(
                "{path} has neither pyproject.toml nor setup.py; pass a Python project's directory", path=path
            )
        return SourceTree(path.resolve(), path.resolve().name)
    if path.is_file():
        if not text.endswith(SDIST_SUFFIXES):
            raise SourceError(
                "{path} is not an sdist (.tar.gz or .zip); pass a source tree, an sdist or a requirement", path=path
            )
        return SourceTree(_unpack(path, workdir), path.name)
    if looks_like_path(text):
        raise SourceError("{text}: no such file or directory", text=text)
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        raise SourceError(
            "{text!r} is neither a directory, an sdist nor a requirement; "
            "pass e.g. ./project, foo-1.0.tar.gz or 'foo==1.0'",
            text=text,
        ) from None
    return SourceTree(_fetch_sdist(requirement, workdir, index or IndexSettings.from_pip_config(), cache), text)


def looks_like_path(text: str) -> bool:
    """Whether ``text`` is meant as a file or directory rather than a requirement: it has a
    directory separator, starts with ``.``, or ends like an sdist or a wheel."""
    return os.sep in text or text.startswith(".") or text.endswith((*SDIST_SUFFIXES, ".whl"))


def _fetch_sdist(requirement: Requirement, workdir: Path, index: IndexSettings, cache: Path) -> Path:
    finder = index.finder(no_binary=[":all:"])
    try:
        best = finder.find_best_match(requirement).best
    except Exception as error:  # network or index errors from unearth/httpx
        raise SourceError(
            "cannot look up {requirement} on {where}: {error}",
            requirement=requirement,
            where=index.describe(),
            error=error,
        ) from None
    if best is None:
        raise SourceError(
            "no sdist of {requirement} on {where}; check the name and version, or pass a local source",
            requirement=requirement,
            where=index.describe(),
        )
    logger.info("using %s %s from %s", best.name, best.version, best.link.redacted)
    destination = workdir / "source"
    try:
        with _umask_kept():
            return finder.download_and_unpack(best.link, destination, download_dir=cache / "sdists")
    except unearth.UnpackError as error:
        raise SourceError("cannot download {url}: {error}", url=best.link.redacted, error=error) from None


def _unpack(sdist: Path, workdir: Path) -> Path:
    destination = workdir / "source"
    try:
        with _umask_kept():
            unearth.preparer.unpack_archive(sdist, destination)
    except (unearth.UnpackError, OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
        raise SourceError("cannot unpack {sdist}: {error}", sdist=sdist, error=error) from None
    return destination


@contextlib.contextmanager
def _umask_kept() -> Iterator[None]:
    """Give the process its umask back after unearth unpacked an archive.

    unearth (0.19) makes an executable member executable with ``os.chmod(path, 0o777 &
    ~os.umask(0) | 0o111)`` and never sets the umask back: every file and directory the
    process creates afterwards — the wheels installed into the host's root among them — would
    be world-writable.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    try:
        yield
    finally:
        os.umask(mask)
