"""The files behind resolution candidates: downloaded wheels and sdists, cross-built wheels.

Downloads go to the cache (``wheels/`` and ``sdists/``) and are reused; an sdist is
cross-built once per run.  Metadata comes from the ``.metadata`` file the index offers
beside a wheel (PEP 658: the resolver reads a few kB instead of downloading the wheel of
every version it considers), else from a wheel's ``METADATA``, or from an sdist's
``PKG-INFO`` when it declares its dependencies statically (PEP 643), else from the wheel
cross-built from it.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import logging
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import unearth
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from .._exceptions import HashMismatchError, InvalidWheelError, RequirementError, SourceError
from .._faults import fault_point
from .._reporter import Reporter, reporting
from ..index.downloads import download
from ..wheel.sources import SDIST_SUFFIXES
from .requirements import UserRequirement

logger = logging.getLogger("crossbuild")

#: Cross-builds a source (an sdist file or a source tree) into a wheel; returns its path.
BuildFunction = Callable[[Path], Path]


@dataclass(frozen=True)
class Artifact:
    """One installable thing: a wheel or an sdist, on an index or on disk."""

    name: NormalizedName
    """Canonical project name."""
    version: Version
    link: unearth.Link | None = None
    path: Path | None = None
    """A local wheel, sdist or source tree."""

    @property
    def filename(self) -> str:
        if self.link is not None:
            return str(self.link.filename)
        assert self.path is not None
        return self.path.name

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    source_path: Path | None = None
    """The local sdist or source tree a local wheel was cross-built from."""
    installed: Path | None = None
    """The ``.dist-info`` directory of a distribution already in the root (no file to get)."""

    @property
    def origin(self) -> str:
        if self.link is not None:
            return str(self.link.redacted)
        return str(self.source_path or self.path or self.installed)


def artifact_of_installed(name: NormalizedName, version: str, dist_info: Path) -> Artifact:
    """The distribution already installed, as a candidate that costs nothing to keep."""
    return Artifact(name, Version(version), installed=dist_info)


def artifact_of_link(link: unearth.Link) -> Artifact:
    if link.is_wheel:
        name, version, _, _ = parse_wheel_filename(link.filename)
    else:
        name, version = _sdist_name_version(link.filename)
    return Artifact(canonicalize_name(name), version, link=link)


def _sdist_name_version(filename: str) -> tuple[NormalizedName, Version]:
    """The name and version of an sdist of any format an index lists: packaging's parser
    takes ``.tar.gz`` and ``.zip`` only, but PyPI still serves old releases as ``.tar.bz2``
    (``coverage-4.0a6.tar.bz2``), which pip reads and crossbuild unpacks as well."""
    suffix = next((s for s in SDIST_SUFFIXES if filename.endswith(s)), None)
    if suffix is not None and suffix not in (".tar.gz", ".zip"):
        filename = filename[: -len(suffix)] + ".tar.gz"
    return parse_sdist_filename(filename)


class ArtifactStore:
    """Downloads, builds and reads artifacts, each at most once.

    ``supported_tags`` are the host's wheel tags: a local wheel must carry one of them.
    ``built_before`` tells whether ``build`` will take a source's wheel from the cache, so
    that results can say a wheel was reused rather than built.
    Files of projects with expected hashes (``--hash``) must match one of those.  ``build``
    cross-builds (``build_wheel``, which keeps what it built from sdists in the cache).
    Downloads and builds are steps told to ``reporter``.
    """

    def __init__(
        self,
        finder: unearth.PackageFinder,
        cache: Path,
        build: BuildFunction,
        supported_tags: Sequence[Tag],
        reporter: Reporter | None = None,
        built_before: Callable[[Path], bool] = lambda source: False,
    ) -> None:
        self._reporter = reporter
        self._built_before = built_before
        self._reused: set[Artifact] = set()
        self._finder = finder
        self._cache = cache
        self._build = build
        self._supported_tags = frozenset(supported_tags)
        self._best_tag = supported_tags[0]
        self._hashes: dict[NormalizedName, dict[str, list[str]]] = {}
        self._wheels: dict[Artifact, Path] = {}
        self._metadata: dict[Artifact, Message] = {}
        self._local: dict[str, Artifact] = {}

    def expect_hashes(self, name: NormalizedName, hashes: tuple[str, ...]) -> None:
        """Only accept files of ``name`` whose digest is one of ``hashes`` (``sha256:HEX``)."""
        for algorithm, digests in _hash_dict(hashes).items():
            self._hashes.setdefault(name, {}).setdefault(algorithm, []).extend(digests)

    def file(self, artifact: Artifact) -> Path:
        """The artifact as a local file (downloaded into the cache if needed), hashes checked.

        Hashes are those of the file the user named: for a wheel cross-built from a local
        sdist, the sdist (``source_path``), not the wheel (``path``).
        """
        hashes = self._hashes.get(artifact.name)
        if artifact.path is not None:
            _check_hashes(artifact.source_path or artifact.path, hashes)
            return artifact.path
        assert artifact.link is not None
        directory = self._cache / ("wheels" if artifact.is_wheel else "sdists")
        with reporting(self._reporter, f"{artifact.name} {artifact.version}", "downloading"):
            return self._download(artifact.link, directory, hashes)

    def _download(self, link: unearth.Link, directory: Path, hashes: dict[str, list[str]] | None) -> Path:
        path = download(self._finder.session, link, directory, hashes or None)
        fault_point("download")
        return path

    def wheel(self, artifact: Artifact) -> Path:
        """A wheel of the artifact: the artifact itself, or cross-built from it."""
        if artifact not in self._wheels:
            source = self.file(artifact)
            if artifact.is_wheel:
                self._wheels[artifact] = source
            else:
                self._wheels[artifact] = self._built_wheel(artifact, source)
        return self._wheels[artifact]

    def _built_wheel(self, artifact: Artifact, sdist: Path) -> Path:
        """The wheel cross-built from an index sdist (``build`` reuses one built before)."""
        if self._built_before(sdist):
            self._reused.add(artifact)
        with reporting(self._reporter, f"{artifact.name} {artifact.version}", "building"):
            return self._build(sdist)

    def local_artifact(self, user: UserRequirement) -> Artifact:
        """The artifact of a path or URL requirement: its wheel, cross-built unless it is one."""
        key = str(user.path or user.url)
        if key in self._local:
            return self._local[key]
        if user.url is not None:
            with reporting(self._reporter, user.url, "downloading"):
                path = self._download(unearth.Link(user.url), self._cache / "urls", _hash_dict(user.hashes))
        else:
            assert user.path is not None
            path = user.path
            _check_hashes(path, _hash_dict(user.hashes))
        is_wheel = path.name.endswith(".whl")
        if is_wheel:
            tags = parse_wheel_filename(path.name)[3]
            if not tags & self._supported_tags:
                raise SourceError(
                    "{wheel} ({origin}) is not a supported wheel on the host: none of its tags ({tags}) "
                    "is compatible with {best}",
                    wheel=path.name,
                    origin=user.origin,
                    tags=", ".join(sorted(map(str, tags))),
                    best=self._best_tag,
                )
        reused = False
        if is_wheel:
            wheel = path
        else:
            reused = path.is_file() and self._built_before(path)  # asked before the build fills the cache
            with reporting(self._reporter, path.name, "building"):
                wheel = self._build(path)
        name, version, _, _ = parse_wheel_filename(wheel.name)
        artifact = Artifact(
            canonicalize_name(name),
            version,
            path=wheel,
            source_path=None if is_wheel else path,
            link=unearth.Link(user.url) if user.url is not None and is_wheel else None,
        )
        self._local[key] = artifact
        if reused:
            self._reused.add(artifact)
        return artifact

    def source_of(self, artifact: Artifact) -> str:
        """How the artifact's wheel was obtained: ``wheel``, ``local wheel``, ``built``,
        ``reused`` (cross-built by an earlier run, from the cache) or ``already installed``."""
        if artifact.installed is not None:
            return "already installed"
        if artifact.source_path is not None or not artifact.is_wheel:
            return "reused" if artifact in self._reused else "built"
        return "wheel" if artifact.link is not None else "local wheel"

    def metadata(self, artifact: Artifact) -> Message:
        """The core metadata of the artifact (``Requires-Dist``, ``Requires-Python``…)."""
        if artifact not in self._metadata and artifact.installed is not None:
            self._metadata[artifact] = _parse((artifact.installed / "METADATA").read_bytes())
        if artifact not in self._metadata:
            if artifact.is_wheel:
                known = self._index_metadata(artifact)
            else:
                known = _static_sdist_metadata(self.file(artifact))
            self._metadata[artifact] = known or _wheel_metadata(self.wheel(artifact))
        return self._metadata[artifact]

    def _index_metadata(self, artifact: Artifact) -> Message | None:
        """The wheel's core metadata from the index's ``.metadata`` file (PEP 658), checked
        against the digest the index gives for it, kept in the cache; ``None`` when the
        index offers none, the wheel is at hand already, or it cannot be had (the wheel's
        own ``METADATA`` is read then)."""
        link = artifact.link
        declared = link.dist_info_metadata if link is not None else None
        if link is None or link.is_file or not declared or artifact in self._wheels:
            return None
        if (self._cache / "wheels" / link.filename).is_file():
            return None  # downloaded before: its METADATA is at hand
        url = f"{link.url_without_fragment}.metadata"
        if isinstance(declared, dict) and declared:
            name = "sha256" if "sha256" in declared else sorted(declared)[0]
            url += f"#{name}={declared[name]}"
        try:
            path = download(self._finder.session, unearth.Link(url), self._cache / "metadata", None)
            return _parse(path.read_bytes())
        except (SourceError, OSError) as error:
            logger.info("reading the metadata of %s from the wheel: %s", link.filename, error)
            return None


def _hash_dict(hashes: tuple[str, ...]) -> dict[str, list[str]]:
    """``("sha256:HEX", ...)`` as unearth takes it: ``{"sha256": [HEX, ...]}``."""
    result: dict[str, list[str]] = {}
    for value in hashes:
        algorithm, _, digest = value.partition(":")
        result.setdefault(algorithm, []).append(digest)
    return result


def _check_hashes(path: Path, hashes: dict[str, list[str]] | None) -> None:
    """Raise if ``path`` matches none of ``hashes`` (``{"sha256": [HEX, ...]}``)."""
    if not hashes:
        return
    if path.is_dir():
        raise RequirementError(
            "{path} is a directory and cannot be checked against --hash; pass an sdist or a wheel, or drop the hash",
            path=path,
        )
    content = path.read_bytes()
    for algorithm, digests in hashes.items():
        if algorithm in hashlib.algorithms_available and hashlib.new(algorithm, content).hexdigest() in digests:
            return
    raise HashMismatchError(str(path), f"its sha256 is {hashlib.sha256(content).hexdigest()}")


def _parse(data: bytes) -> Message:
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)


def _wheel_metadata(wheel: Path) -> Message:
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            if not names:
                raise InvalidWheelError(wheel, "has no .dist-info/METADATA")
            return _parse(archive.read(names[0]))
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise InvalidWheelError(wheel, "is not a readable zip archive ({error})", error=error) from None


def _static_sdist_metadata(sdist: Path) -> Message | None:
    """PKG-INFO of an sdist if it pins its dependencies (Metadata-Version ≥ 2.2, not dynamic)."""
    if sdist.is_dir() or not sdist.name.endswith((".tar.gz", ".tgz", ".zip")):
        return None
    try:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as archive:
                names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
                data = archive.read(names[0]) if names else None
        else:
            with tarfile.open(sdist) as archive:
                members = [m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
                stream = archive.extractfile(members[0]) if members else None
                data = stream.read() if stream else None
    except (OSError, tarfile.TarError, zipfile.BadZipFile):
        return None
    if data is None:
        return None
    metadata = _parse(data)
    version = Version(metadata.get("Metadata-Version", "1.0"))
    dynamic = {field.lower() for field in metadata.get_all("Dynamic") or []}
    if version < Version("2.2") or "requires-dist" in dynamic:
        return None
    return metadata
