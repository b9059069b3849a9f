"""Resolve requirements for the host with resolvelib.

Markers are evaluated with the host's environment (``platform_machine == "aarch64"``…)
and candidates come from unearth with the host's wheel tags (its manylinux tags, its
``linux_<machine>`` tag), so the answer is what the host itself would install.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import resolvelib
import unearth
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .._exceptions import ResolutionError
from .artifacts import Artifact, ArtifactStore, artifact_of_link

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class HostRequirement:
    """A requirement as the resolver sees it: a name, extras and a specifier."""

    name: NormalizedName
    extras: frozenset[str] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    origin: str = ""
    """Who asked for it: ``command line``, a requirements file line, or ``NAME VERSION``."""

    @property
    def key(self) -> str:
        return _key(self.name, self.extras)

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}{self.specifier}"


@dataclass(frozen=True)
class Candidate:
    artifact: Artifact
    extras: frozenset[str] = frozenset()

    @property
    def name(self) -> NormalizedName:
        return canonicalize_name(self.artifact.name)

    @property
    def version(self) -> Version:
        return self.artifact.version

    @property
    def key(self) -> str:
        return _key(self.name, self.extras)


#: The identifier of the host's python in the resolution: what ``Requires-Python`` asks for.
PYTHON = NormalizedName("<python>")


def _key(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


def from_requirement(requirement: Requirement, origin: str) -> HostRequirement:
    return HostRequirement(
        canonicalize_name(requirement.name),
        frozenset(canonicalize_name(e) for e in requirement.extras),
        requirement.specifier,
        origin,
    )


@dataclass(frozen=True)
class Preferences:
    """pip's choices among the versions that fit: keep what is installed, or upgrade."""

    installed: Mapping[NormalizedName, Artifact] = field(default_factory=dict)
    """Distributions already in the root (empty to ignore them)."""
    upgrade: frozenset[NormalizedName] | None = frozenset()
    """The projects whose best version wins over an installed one; ``None``: every project."""
    prereleases: bool = False
    """Pre-releases fit like releases (else only when no release fits, as pip does)."""
    no_deps: bool = False
    """Dependencies are not followed."""
    intact: Callable[[NormalizedName], bool] = lambda name: True
    """Whether an installed distribution's files are all there as its RECORD says; asked
    only of the projects the resolution meets.  A damaged one is not kept as it is, but
    its version is still preferred, so that it is repaired rather than upgraded."""

    def upgrades(self, name: NormalizedName) -> bool:
        return self.upgrade is None or name in self.upgrade


class HostProvider(resolvelib.AbstractProvider):  # type: ignore[type-arg]
    """resolvelib's view of the indexes, filtered for the host.

    ``constraints`` (``-c`` files) narrow the candidates of their projects; they keep their
    origin (``FILE:LINE``) so that a resolution they make impossible can name them.
    """

    def __init__(
        self,
        finder: unearth.PackageFinder,
        store: ArtifactStore,
        environment: Mapping[str, str],
        constraints: Mapping[NormalizedName, Sequence[HostRequirement]],
        local: Mapping[NormalizedName, Artifact],
        python_version: Version,
        preferences: Preferences | None = None,
    ) -> None:
        self._finder = finder
        self._store = store
        self._environment = environment
        self._constraints = constraints
        self._local = local
        self._python = Candidate(Artifact(PYTHON, python_version))
        self._packages: dict[NormalizedName, list[Artifact]] = {}
        self._preferences = preferences or Preferences()

    def identify(self, requirement_or_candidate: HostRequirement | Candidate) -> str:
        return requirement_or_candidate.key

    def get_preference(
        self,
        identifier: str,
        resolutions: object,
        candidates: Mapping[str, Iterator[Candidate]],
        information: object,
        backtrack_causes: Sequence[object],
    ) -> int:
        return sum(1 for _ in candidates[identifier])

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[HostRequirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> list[Candidate]:
        wanted = list(requirements[identifier])
        name = wanted[0].name
        if name == PYTHON:  # Requires-Python: the host's python, or nothing
            return [self._python] if all(self.is_satisfied_by(r, self._python) for r in wanted) else []
        extras = frozenset().union(*(r.extras for r in wanted))
        specifier = SpecifierSet()
        for requirement in [*self._constraints.get(name, ()), *wanted]:
            specifier &= requirement.specifier
        bad = {c.version for c in incompatibilities[identifier]}
        artifacts = [artifact for artifact in self._ordered(name) if artifact.version not in bad]
        prereleases = True if self._preferences.prereleases else None  # None: pip's fallback
        fitting = set(specifier.filter([a.version for a in artifacts], prereleases=prereleases))
        return [Candidate(artifact, extras) for artifact in artifacts if artifact.version in fitting]

    def _ordered(self, name: NormalizedName) -> list[Artifact]:
        """The artifacts of ``name``, best first: an installed version first unless the
        project is upgraded, else in its place among the index's (which it replaces)."""
        found = self._artifacts(name)
        installed = self._preferences.installed.get(name)
        if installed is None or name in self._local:
            return found
        others = [artifact for artifact in found if artifact.version != installed.version]
        if not self._preferences.intact(name):  # its own version from the index, to repair it
            same = [artifact for artifact in found if artifact.version == installed.version]
            if not self._preferences.upgrades(name):
                return [*same, *others]
            return found
        if not self._preferences.upgrades(name):
            return [installed, *others]
        place = next((i for i, artifact in enumerate(others) if artifact.version < installed.version), len(others))
        return [*others[:place], installed, *others[place:]]

    def is_satisfied_by(self, requirement: HostRequirement, candidate: Candidate) -> bool:
        return requirement.name == candidate.name and requirement.specifier.contains(
            candidate.version, prereleases=True
        )

    def get_dependencies(self, candidate: Candidate) -> list[HostRequirement]:
        origin = f"{candidate.name} {candidate.version}"
        dependencies = []
        if candidate.extras:  # NAME[extra] depends on NAME at the same version
            dependencies.append(
                HostRequirement(candidate.name, frozenset(), SpecifierSet(f"=={candidate.version}"), origin)
            )
        if candidate.name == PYTHON:
            return []
        metadata = self._store.metadata(candidate.artifact)
        requires_python = metadata.get("Requires-Python")
        if requires_python:
            dependencies.append(HostRequirement(PYTHON, specifier=SpecifierSet(requires_python), origin=origin))
        if self._preferences.no_deps:
            return dependencies
        for line in metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not any(
                requirement.marker.evaluate({**self._environment, "extra": extra})
                for extra in (candidate.extras or {""})
            ):
                continue
            dependencies.append(from_requirement(requirement, origin))
        self.prefetch(d.name for d in dependencies)
        return dependencies

    def pinned_sources(self, requirements: Iterable[HostRequirement]) -> list[Artifact]:
        """The sdists the resolution is sure to need the metadata of: for each requirement
        pinned to one version (``name==1.2``, a lock file's lines), its first candidate when
        that is an sdist (no wheel of that version fits the host, none is installed)."""
        sources = []
        for requirement in requirements:
            if requirement.name == PYTHON or requirement.name in self._local or not _pins(requirement.specifier):
                continue
            key = requirement.key
            matches = self.find_matches(key, {key: iter([requirement])}, {key: iter(())})
            if matches and matches[0].artifact.installed is None and not matches[0].artifact.is_wheel:
                sources.append(matches[0].artifact)
        return list(dict.fromkeys(sources))

    def prefetch(self, names: Iterable[NormalizedName]) -> None:
        """Have the index pages of ``names`` asked for ahead: they are likely wanted next."""
        prefetch = getattr(self._finder, "prefetch", None)
        wanted = [n for n in names if n != PYTHON and n not in self._packages and n not in self._local]
        if prefetch is not None and wanted:
            prefetch(wanted)

    def constraints_against(self, requirements: Iterable[HostRequirement]) -> list[HostRequirement]:
        """The constraints that rule out every version of a project that ``requirements``
        would accept without them."""
        blamed = []
        for name in dict.fromkeys(r.name for r in requirements):
            constraints = self._constraints.get(name, ())
            if name == PYTHON or not constraints:
                continue
            specifier = SpecifierSet()
            for requirement in requirements:
                if requirement.name == name:
                    specifier &= requirement.specifier
            acceptable = [a.version for a in self._artifacts(name) if specifier.contains(a.version, prereleases=True)]
            blamed += [
                c
                for c in constraints
                if acceptable and not any(c.specifier.contains(v, prereleases=True) for v in acceptable)
            ]
        return blamed

    def _artifacts(self, name: NormalizedName) -> list[Artifact]:
        """The best artifact of each version of ``name``, best version first."""
        if name in self._local:
            return [self._local[name]]
        if name not in self._packages:
            best: dict[Version, Artifact] = {}
            for package in self._finder.find_matches(name):
                artifact = artifact_of_link(package.link)
                best.setdefault(artifact.version, artifact)  # unearth lists wheels first
            self._packages[name] = list(best.values())
            if not best:
                logger.debug("no candidates for %s", name)
        return self._packages[name]


def _pins(specifier: SpecifierSet) -> bool:
    """Whether ``specifier`` admits one version only (``==1.2``, ``===1.2``; not ``==1.*``)."""
    clauses = list(specifier)
    return len(clauses) == 1 and clauses[0].operator in ("==", "===") and not clauses[0].version.endswith(".*")


def resolve(provider: HostProvider, requirements: Iterable[HostRequirement]) -> dict[NormalizedName, Candidate]:
    """The chosen candidate of every project (extras folded into their base project)."""
    requirements = list(requirements)
    provider.prefetch(r.name for r in requirements)
    try:
        result = resolvelib.Resolver(provider, resolvelib.BaseReporter()).resolve(requirements, max_rounds=2000)
    except resolvelib.ResolutionImpossible as error:
        causes = [cause.requirement for cause in list(error.causes)[:4]]
        constraints = provider.constraints_against(causes)
        raise ResolutionError(
            "no version satisfies {causes}{constraints} on the host; check the versions, or where they come from",
            causes="; ".join(f"{r} (from {r.origin})" for r in causes),
            constraints="".join(f" and the constraint {c} ({c.origin})" for c in constraints),
        ) from None
    except resolvelib.ResolutionTooDeep:
        raise ResolutionError("resolution took too many rounds; pin some versions") from None
    chosen: dict[NormalizedName, Candidate] = {}
    for candidate in result.mapping.values():
        if not candidate.extras and candidate.name != PYTHON:
            chosen[candidate.name] = candidate
    return chosen
