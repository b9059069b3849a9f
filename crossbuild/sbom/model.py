"""What the documents describe, as plain frozen data: gathered by the rooms that know it
(:mod:`crossbuild.wheel` at build time, :mod:`crossbuild.installation` from a root) and
written by :mod:`~crossbuild.sbom.cyclonedx` and :mod:`~crossbuild.sbom.spdx`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .linked import Linked, RootLibrary

#: Where a wheel's own SBOM goes in its ``.dist-info`` (PEP 770: ``sboms/``).
WHEEL_SBOM_NAME = "crossbuild.cdx.json"
#: What ``install`` writes into each ``.dist-info`` it lays: where the wheel came from.
ORIGIN_NAME = "crossbuild-origin.json"


@dataclass(frozen=True)
class Compiler:
    """A compiler of the build, as it says of itself."""

    language: str
    """``c``, ``c++`` or ``fortran``."""
    program: str
    """Its file name (``aarch64-linux-gnu-gcc``), not where it is installed."""
    version: str
    """``-dumpfullversion``."""
    target: str
    """``-dumpmachine``: the target triple."""


@dataclass(frozen=True)
class BuildFacts:
    """How a wheel was built: what its SBOM says besides the wheel's own files."""

    crossbuild_version: str
    backend: str
    """``build-system.build-backend`` (``setuptools.build_meta``)."""
    backend_version: str | None
    """The version of the distribution the backend is in, in the isolated environment."""
    requirements: tuple[tuple[str, str], ...]
    """Every distribution of the isolated build environment: (name, version)."""
    compilers: tuple[Compiler, ...]
    host: Mapping[str, str]
    """``machine``, ``libc``, ``libc_version``, ``python``, ``tag``."""
    root_digest: str
    """:func:`~crossbuild.backend_env.surface.root_surface_digest` of the root built against."""
    sdist_sha256: str | None = None
    sdist_name: str | None = None
    vcs_revision: str | None = None
    """The source tree's commit, when it is a git checkout."""


@dataclass(frozen=True)
class WheelDescription:
    """One built wheel: its project, its binaries and what they take from the root."""

    name: str
    version: str
    files: Mapping[str, str]
    """Its ELF files (wheel members) and their sha256."""
    linked: Linked
    grafted: frozenset[str] = frozenset()
    """Sonames ``repair`` copied into the wheel."""


@dataclass(frozen=True)
class Origin:
    """Where an installed distribution's wheel came from (``crossbuild-origin.json``)."""

    source: str
    """``wheel`` (an index), ``built`` (cross-built here), ``local wheel``."""
    url: str | None
    """The wheel's or sdist's URL (an index's), or ``None`` for a local file."""
    sha256: str
    """The wheel's sha256."""
    source_sha256: str | None = None
    """The sdist's sha256, for a wheel built from one."""

    def as_json(self) -> dict[str, str]:
        fields = {"source": self.source, "url": self.url, "sha256": self.sha256, "source_sha256": self.source_sha256}
        return {key: value for key, value in fields.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Origin:
        return cls(str(data["source"]), data.get("url"), str(data["sha256"]), data.get("source_sha256"))


@dataclass(frozen=True)
class InstalledFile:
    path: str
    """Its host path."""
    sha256: str
    """Hex, from RECORD (``""`` where RECORD has none: bytecode, RECORD itself)."""


@dataclass(frozen=True)
class LayerDistribution:
    """A distribution of a root's Python layer."""

    name: str
    version: str
    files: tuple[InstalledFile, ...]
    origin: Origin | None
    requires: tuple[str, ...]
    """Canonical names of the installed distributions it needs on the host."""
    links: tuple[str, ...]
    """Sonames of the root's libraries its ELF files load themselves."""
    embedded: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    """Its own SBOMs (``sboms/*.cdx.json``): file name, parsed document."""


@dataclass(frozen=True)
class Layer:
    """The Python layer of a root."""

    name: str
    """What the root is called (its directory's name)."""
    host: Mapping[str, str]
    distributions: tuple[LayerDistribution, ...]
    libraries: tuple[RootLibrary, ...]
    properties: Mapping[str, str] = field(default_factory=dict)
    root: Path | None = None
    """The root on this machine, where a document that needs more of the files than RECORD
    says (SPDX's SHA-1s) reads them."""
