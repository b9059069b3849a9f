"""Files from an index into the download cache: checked, and in place only when complete.

unearth's own download writes straight to the final name, and reuses whatever file has
that name: a run killed midway, or a parallel run reading the cache meanwhile, leaves or
sees a truncated file that is then used for good.  Here a download is written under a
temporary name, checked — the hashes the index gives and the user requires (``--hash``),
else that the archive opens — and renamed into place; a file already in the cache is
checked the same way before it is reused, and downloaded again if it fails.
"""

from __future__ import annotations

import dataclasses
import logging
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import unearth
import unearth.preparer

from .._cache import cache_writes, content_digest
from .._exceptions import HashMismatchError, SourceError
from .._files import atomic_file, make_dirs

logger = logging.getLogger("crossbuild")

#: Hashes as unearth takes them: ``{"sha256": [HEX, ...]}``.
Hashes = dict[str, list[str]]


@dataclass(frozen=True)
class _Problem:
    """Why a downloaded file cannot be used."""

    what: str
    """How it reads after "the file": ``does not have the digest the index gives``…"""
    detail: str = ""
    users_hash: bool = False
    """It has none of the digests the user's ``--hash`` allows."""
    vouched: bool = False
    """It has the digest the index gives: it is the index's file, whole."""

    def __str__(self) -> str:
        return f"{self.what} ({self.detail})" if self.detail else self.what


def download(session: unearth.fetchers.Fetcher, link: unearth.Link, directory: Path, hashes: Hashes | None) -> Path:
    """The file behind ``link``: a local file as it is, a remote one downloaded into ``directory``.

    ``hashes`` are the digests the user allows (``--hash``): the file must have one of
    them, and the digest the index gives in the link, if any.
    """
    if link.is_file:
        path = link.file_path
        if not path.is_dir():
            with path.open("rb") as stream:
                _check(stream, link, hashes, must_open=False)
        return path
    make_dirs(directory)
    target = directory / link.filename
    if target.is_file():
        problem = _cached_problem(target, link, hashes)
        if problem is None:
            logger.debug("using %s, downloaded before", target)
            return target
        if problem.users_hash and problem.vouched:  # the index's own file: fetched again, it would not match either
            raise HashMismatchError(str(link.redacted), problem.detail)
        logger.info("downloading %s again: the copy in the cache %s", link.filename, problem)
    logger.debug("downloading %s", link.redacted)
    try:
        with cache_writes(directory), atomic_file(target) as stream:
            _fetch(session, link, stream)
            _check(stream, link, hashes, must_open=True)
    except unearth.preparer.HTTPErrors as error:
        raise SourceError("cannot download {url}: {error}", url=link.redacted, error=error) from None
    return target


def _cached_problem(target: Path, link: unearth.Link, hashes: Hashes | None) -> _Problem | None:
    """What is wrong with the file in the cache, as :func:`_problem` says; a file the index
    gives a sha256 of is hashed by :func:`~crossbuild._cache.content_digest`, whose answer
    the verification and unpacked-wheel caches, keyed by it, reuse (a wheel read once)."""
    expected = (link.hash_option or {}).get("sha256")
    if not expected:
        with target.open("rb") as stream:
            return _problem(stream, link, hashes, must_open=True)
    digest = content_digest(target)
    if digest not in expected:
        return _Problem("does not have the digest the index gives", f"its sha256 is {digest}")
    if not hashes:
        return None
    with target.open("rb") as stream:
        problem = _problem(stream, link, hashes, must_open=True)
    return dataclasses.replace(problem, vouched=True) if problem is not None else None


def _fetch(session: unearth.fetchers.Fetcher, link: unearth.Link, stream: BinaryIO) -> None:
    with session.get_stream(link.normalized) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes(chunk_size=1 << 16):
            stream.write(chunk)


def _check(stream: BinaryIO, link: unearth.Link, hashes: Hashes | None, *, must_open: bool) -> None:
    """Raise if the file in ``stream`` cannot be used: :class:`HashMismatchError` if it
    has none of the user's digests, :class:`SourceError` for anything else."""
    problem = _problem(stream, link, hashes, must_open=must_open)
    if problem is None:
        return
    if problem.users_hash:
        raise HashMismatchError(str(link.redacted), problem.detail)
    raise SourceError(
        "{url} {problem}; download it again later, or check the index", url=link.redacted, problem=str(problem)
    )


def _problem(stream: BinaryIO, link: unearth.Link, hashes: Hashes | None, *, must_open: bool) -> _Problem | None:
    """What is wrong with the file in ``stream``, or ``None`` if it can be used.

    A download with no digest to compare with (``must_open``) must at least open as an
    archive and read to its end; a local file is what the user or the mirror gave.
    """
    for expected, users in ((hashes, True), (link.hash_option, False)):
        if not expected:
            continue
        validator = unearth.preparer.HashValidator(link, expected)
        stream.seek(0)
        for block in iter(lambda: stream.read(1 << 20), b""):
            validator.update(block)
        try:
            validator.validate()
        except unearth.HashMismatchError:
            got = "its " + ", ".join(f"{name} is {hasher.hexdigest()}" for name, hasher in validator.got.items())
            if users:
                return _Problem("does not match the requirement (--hash)", got, users_hash=True)
            return _Problem("does not have the digest the index gives", got)
    if hashes or link.hash_option or not must_open:
        return None
    stream.seek(0)
    return _archive_problem(stream, link.filename)


def _archive_problem(stream: BinaryIO, filename: str) -> _Problem | None:
    try:
        if filename.endswith((".whl", ".zip")):
            with zipfile.ZipFile(stream) as archive:
                bad = archive.testzip()
            return None if bad is None else _Problem("is corrupt", f"{bad} does not match its CRC")
        if filename.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
            with tarfile.open(fileobj=stream) as archive:
                for member in archive:
                    content = archive.extractfile(member)
                    if content is not None:
                        content.read()
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
        return _Problem("is not a readable archive", str(error))
    return None
