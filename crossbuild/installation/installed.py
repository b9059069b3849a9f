"""What is installed in a host root: the distributions of its site directories and their RECORDs.

Shared by :mod:`~crossbuild.installation.laying` (which replaces distributions by their
RECORD) and :mod:`~crossbuild.installation.check` (which verifies them).  Every path is a path
on the host, read through :func:`~crossbuild.host.rootfs.resolve_in_root`.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PathDistribution
from pathlib import Path, PurePosixPath

from packaging.utils import NormalizedName, canonicalize_name

from ..host.rootfs import RootResolver, resolve_in_root


@dataclass(frozen=True)
class RecordedFile:
    """One row of a RECORD, with its path made a host path."""

    path: str
    hash: str
    """``sha256=<urlsafe base64>``, or ``""`` (RECORD itself, bytecode)."""
    size: str
    """The size in bytes as written, or ``""``."""


@dataclass(frozen=True)
class Existing:
    """A distribution found in the root's site directories."""

    name: str
    version: str
    dist_info: Path
    """Its ``.dist-info`` (or ``.egg-info``) directory, on the build machine."""
    site: str
    """The host path of the site directory that holds it."""
    record: tuple[RecordedFile, ...] | None
    """Its RECORD, sorted by path; ``None`` without one (``.egg-info``, Debian's packages)."""
    files: tuple[str, ...] | None
    """Host paths of its files (from RECORD, with their bytecode); ``None`` without RECORD."""
    damage: str = ""
    """What is wrong with its metadata directory (``METADATA is missing``…), or ``""``:
    a damaged distribution is still found (named after its directory), to be reported and
    repaired rather than silently ignored."""

    @property
    def key(self) -> NormalizedName:
        return canonicalize_name(self.name)

    @property
    def label(self) -> str:
        """``NAME VERSION``, as messages show a distribution."""
        return f"{self.name} {self.version}"

    @property
    def metadata_path(self) -> str:
        """The host path of its metadata directory."""
        return f"{self.site.rstrip('/')}/{self.dist_info.name}"

    def requires(self) -> list[str]:
        """Its ``Requires-Dist`` (or ``requires.txt``) lines."""
        return PathDistribution(self.dist_info).requires or []


def find_installed(root: Path, sites: Iterable[str], *, egg_info: bool = False) -> list[Existing]:
    """The distributions in the site directories ``sites`` (host paths) of ``root``, in that
    order, each directory sorted; ``.egg-info`` directories too with ``egg_info``.

    A ``.dist-info`` directory whose METADATA or RECORD is missing or unreadable is found
    too, with its :attr:`Existing.damage` said.
    """
    patterns = ("*.dist-info", "*.egg-info") if egg_info else ("*.dist-info",)
    compiled = _Bytecode(root)
    found = []
    for site in sites:
        directory = resolve_in_root(root, site)
        if not directory.is_dir():
            continue
        for dist_info in sorted(p for pattern in patterns for p in directory.glob(pattern) if p.is_dir()):
            existing = _read_distribution(site, dist_info, compiled)
            if existing is not None:
                found.append(existing)
    return found


class RecordError(ValueError):
    """A RECORD that cannot be read: why, with the line."""


#: The installers that always write a RECORD: a ``.dist-info`` of theirs without one is
#: damaged.  A system package manager may leave RECORD out, and says so in INSTALLER
#: (the "Recording installed projects" specification).
PYTHON_INSTALLERS = frozenset({"crossbuild", "pip", "uv", "installer"})


def _read_distribution(site: str, dist_info: Path, compiled: _Bytecode) -> Existing | None:
    metadata = PathDistribution(dist_info).metadata
    name = metadata["Name"] if metadata is not None else None
    is_dist_info = dist_info.suffix == ".dist-info"
    if not name and not is_dist_info:
        return None  # an .egg-info without PKG-INFO: nothing installs those any more
    damage = ""
    record = None
    if is_dist_info:
        try:
            record = read_record(site, dist_info)
        except RecordError as error:
            damage = f"RECORD is unreadable ({error})"
        if record is None and not damage and _installer(dist_info) in PYTHON_INSTALLERS:
            damage = "RECORD is missing (its files cannot be verified)"
    if name:
        version = str(metadata["Version"])
    else:
        name, _, version = dist_info.stem.partition("-")
        damage = "METADATA is missing" if any(dist_info.iterdir()) else "the .dist-info directory is empty"
    files = _with_bytecode(record, compiled) if record is not None else None
    return Existing(name, version, dist_info, site, record, files, damage)


def _installer(dist_info: Path) -> str:
    """What INSTALLER names (``pip`` when there is none: the installers that write none are old pips)."""
    try:
        return (dist_info / "INSTALLER").read_text(encoding="utf-8", errors="replace").strip() or "pip"
    except OSError:
        return "pip"


def read_record(site: str, dist_info: Path) -> tuple[RecordedFile, ...] | None:
    """The RECORD of ``dist_info`` (a directory of the host's site directory ``site``);
    raises :class:`RecordError` if it is not UTF-8 CSV or holds a NUL byte (no path does)."""
    record = dist_info / "RECORD"
    if not record.is_file():
        return None
    data = record.read_bytes()
    for number, line in enumerate(data.splitlines(), 1):
        if b"\0" in line:
            raise RecordError(f"a NUL byte on line {number}")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise RecordError(f"not UTF-8 on line {number}") from None
    try:
        rows = [row for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) if row and row[0]]
    except csv.Error as error:
        raise RecordError(f"not CSV: {error}") from None
    entries = {}
    for path, *rest in rows:
        host_path = path if PurePosixPath(path).is_absolute() else f"{site}/{path}"
        normalized = os.path.normpath(host_path)
        digest, size = [*rest, "", ""][:2]
        entries[normalized] = RecordedFile(normalized, digest, size)
    return tuple(entries[path] for path in sorted(entries))


def _with_bytecode(record: tuple[RecordedFile, ...], compiled: _Bytecode) -> tuple[str, ...]:
    files = {entry.path for entry in record}
    files |= {pyc for path in files if path.endswith(".py") for pyc in compiled(path)}
    return tuple(sorted(files))


class _Bytecode:
    """Host paths of the ``__pycache__`` files compiled from a module (``NAME.*.pyc``),
    each ``__pycache__`` of the root listed once: a package's modules share one."""

    def __init__(self, root: Path) -> None:
        self._resolve = RootResolver(root)
        self._listings: dict[str, list[str]] = {}

    def __call__(self, host_path: str) -> list[str]:
        directory, _, filename = host_path.rpartition("/")
        cache = f"{directory}/__pycache__"
        names = self._listings.get(cache)
        if names is None:
            names = self._listings[cache] = self._list(cache)
        prefix = filename.removesuffix(".py") + "."
        return [f"{cache}/{name}" for name in names if name.startswith(prefix) and name[len(prefix) :].endswith(".pyc")]

    def _list(self, cache: str) -> list[str]:
        try:
            return sorted(os.listdir(self._resolve.followed(cache)))  # noqa: PTH208 - names only, no Path per file
        except OSError:  # none (or not a directory): no bytecode
            return []
