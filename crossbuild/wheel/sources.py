"""Turn a SOURCE argument into a source tree: a directory, an sdist file or a requirement.

A requirement (``markupsafe==2.1.5``) is looked up on the configured indexes and its
sdist is downloaded into the cache (reused next time) and unpacked.  An unpacked tree
has pip's modes (0644, 0755 if executable) whatever the umask, so what is built from it
is too.
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
from .._files import normalise_modes
from ..index.downloads import download
from ..index.finder import IndexSettings

logger = logging.getLogger("crossbuild")

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


@dataclass(frozen=True)
class SourceTree:
    path: Path
    name: str
    """How messages call it: the directory, sdist or requirement as given."""
    unpacked: bool = False
    """Unpacked from an sdist into a temporary directory, which is gone when a message is read."""

    @property
    def shown(self) -> str:
        """How messages name the tree: its path, or ``name`` when it is temporary."""
        return self.name if self.unpacked else str(self.path)

    def hide(self, text: str) -> str:
        """``text`` (another tool's message) without the path of a temporary tree: its files
        named relative to it, the tree itself by ``name``."""
        if not self.unpacked:
            return text
        return text.replace(f"{self.path}{os.sep}", "").replace(str(self.path), self.name)


@dataclass(frozen=True)
class Source:
    """A source found, not yet unpacked: a source tree, or an sdist file on this machine."""

    name: str
    """How messages call it: the directory, sdist or requirement as given."""
    tree: Path | None = None
    sdist: Path | None = None
    """A local sdist, or one downloaded into the cache: what a built wheel is keyed by."""

    def unpacked(self, workdir: Path) -> SourceTree:
        """The source tree: the directory itself, or the sdist unpacked under ``workdir``."""
        if self.tree is not None:
            return SourceTree(self.tree, self.name)
        assert self.sdist is not None
        return SourceTree(_unpack(self.sdist, workdir), self.name, unpacked=True)


def prepare_source(
    source: str | os.PathLike[str], workdir: Path, index: IndexSettings | None, cache: Path
) -> SourceTree:
    """A source tree for ``source``; sdists and downloads are unpacked under ``workdir``."""
    return locate_source(source, index, cache).unpacked(workdir)


def locate_source(source: str | os.PathLike[str], index: IndexSettings | None, cache: Path) -> Source:
    """Where ``source`` is: a directory, an sdist, or a requirement whose sdist is
    downloaded into ``cache``.  ``index`` defaults to pip's configuration, read only when a
    requirement is given."""
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        if not (path / "pyproject.toml").is_file() and not (path / "setup.py").is_file():
            raise SourceError(
                "{path} has neither pyproject.toml nor setup.py; pass a Python project's directory", path=path
            )
        return Source(path.resolve().name, tree=path.resolve())
    if path.is_file():
        if not text.endswith(SDIST_SUFFIXES):
            raise SourceError(
                "{path} is not an sdist (.tar.gz or .zip); pass a source tree, an sdist or a requirement", path=path
            )
        return Source(path.name, sdist=path)
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
    return Source(text, sdist=_fetch_sdist(requirement, index or IndexSettings.from_pip_config(cache), cache))


def looks_like_path(text: str) -> bool:
    """Whether ``text`` is meant as a file or directory rather than a requirement: it has a
    directory separator, starts with ``.``, or ends like an sdist or a wheel."""
    return os.sep in text or text.startswith(".") or text.endswith((*SDIST_SUFFIXES, ".whl"))


def _fetch_sdist(requirement: Requirement, index: IndexSettings, cache: Path) -> Path:
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
    return download(finder.session, best.link, cache / "sdists", None)


def _unpack(sdist: Path, workdir: Path) -> Path:
    destination = workdir / "source"
    try:
        with _umask_kept():
            unearth.preparer.unpack_archive(sdist, destination)
    except (unearth.UnpackError, OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
        raise SourceError("cannot unpack {sdist}: {error}", sdist=sdist, error=error) from None
    normalise_modes(destination)
    return destination


@contextlib.contextmanager
def _umask_kept() -> Iterator[None]:
    """Put the process umask back as it was: unearth's extraction of an executable file
    sets it to 0 (``os.umask(0)`` to read it) and never restores it, and every file
    written afterwards — into a rootfs, the cache, ``-w`` — would be world-writable."""
    saved = os.umask(0o077)  # reading it sets it: momentarily to the safest value
    try:
        os.umask(saved)
        yield
    finally:
        os.umask(saved)
