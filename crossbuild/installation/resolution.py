"""From the user's requirements to a wheel for the host of every project chosen.

Shared by ``install`` (which lays the wheels into a root) and the wheelhouse (which
copies them into a directory): one resolver, one artifact store.  Requirements are
resolved with the host's markers and wheel tags; compatible wheels come from the
indexes, the rest is cross-built by ``build``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import unearth
from packaging.utils import NormalizedName
from packaging.version import Version

from .._exceptions import RequirementError
from .._faults import fault_point
from .._pool import default_jobs, in_parallel
from .._reporter import Reporter, reporting
from ..host.host import Host
from ..host.libraries import libraries_of
from ..index.finder import host_target
from ..index.pages import IndexClient
from ..wheel.cache import BuiltWheels, built_wheel_key
from ..wheel.context import BuildContext
from ..wheel.verify import verify_wheel
from .artifacts import ArtifactStore, BuildFunction
from .choices import check_every_hash, hash_checking, preferences_from
from .hashed import HashedFiles
from .installed import Existing
from .memo import ResolutionMemo
from .options import InstallOptions
from .requirements import RequirementSet, UserRequirement, parse_argument, read_requirement_files
from .resolver import Candidate, HostProvider, HostRequirement, Preferences, from_requirement, resolve

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class Resolved:
    """The outcome of :func:`resolve_wheels`."""

    chosen: dict[NormalizedName, Candidate]
    """The candidate of every project of the resolution (installed ones included)."""
    requested: set[NormalizedName]
    """The projects the user named."""
    wheels: dict[NormalizedName, Path]
    """A verified wheel of every chosen project that is not kept as installed."""
    store: ArtifactStore


def resolve_wheels(
    context: BuildContext,
    wanted: RequirementSet,
    choices: InstallOptions,
    build: BuildFunction,
    reporter: Reporter | None = None,
    existing: Mapping[NormalizedName, Existing] | None = None,
    root: Path | None = None,
) -> Resolved:
    """Resolve ``wanted`` for the context's host and get (download or ``build``) every wheel chosen.

    ``existing`` are the distributions already in ``root`` (none for a wheelhouse); every
    wheel is checked to hold only binaries for the host that load from its root.
    """
    host, cache = context.host, context.cache
    target_python = host_target(host)
    finder = context.index.finder(
        cache,
        target_python=target_python,
        no_binary=list(choices.no_binary),
        only_binary=list(choices.only_binary),
        prefer_binary=[":all:"] if choices.prefer_binary else [],
    )
    built_wheels = BuiltWheels(cache, functools.partial(built_wheel_key, context))
    store = ArtifactStore(
        finder,
        cache,
        build,
        target_python.supported_tags(),
        reporter,
        built_before=built_wheels.has,
    )
    hashed = HashedFiles(cache, root) if root is not None and existing else None
    preferences = preferences_from(choices, wanted, existing or {}, root or Path("/"), hashed)
    jobs = context.jobs or default_jobs()
    # what is installed steers the choice: only a resolution for an empty root is remembered
    memo = None if preferences.installed else ResolutionMemo.of(context, wanted, choices)
    chosen, requested = _resolve(host, wanted, finder, store, preferences, reporter, jobs, memo)
    if hashed is not None:
        hashed.save()
    if hash_checking(choices, wanted):
        check_every_hash(wanted, chosen)
    wheels = _wheels(store, chosen, jobs)
    libraries = libraries_of(host)
    for wheel in wheels.values():
        verify_wheel(wheel, host.elf, libraries, cache)
    return Resolved(chosen, requested, wheels, store)


def _wheels(store: ArtifactStore, chosen: Mapping[NormalizedName, Candidate], jobs: int) -> dict[NormalizedName, Path]:
    """The wheel of every chosen distribution not kept as installed: downloaded, or
    cross-built ``jobs`` at a time.  Once resolution is done the builds are independent (a
    build needs its own build requirements, never the other distributions), so their order
    does not matter; the resolver built already whatever it needed the metadata of."""
    names = sorted(name for name, candidate in chosen.items() if candidate.artifact.installed is None)
    made = in_parallel([functools.partial(store.wheel, chosen[name].artifact) for name in names], jobs)
    return dict(zip(names, made, strict=True))


def _resolve(
    host: Host,
    wanted: RequirementSet,
    finder: unearth.PackageFinder,
    store: ArtifactStore,
    preferences: Preferences,
    reporter: Reporter | None = None,
    jobs: int = 1,
    memo: ResolutionMemo | None = None,
) -> tuple[dict[NormalizedName, Candidate], set[NormalizedName]]:
    """The candidate chosen for every project, and the names the user asked for; ``memo``
    gives the resolution made before when nothing it read has changed."""
    fault_point("resolve")
    # local sources (paths, URLs) are cross-built first, jobs at a time: their names and
    # versions come from their wheels
    paths = [u for u in wanted.requirements if u.requirement is None]
    made = in_parallel([functools.partial(store.local_artifact, u) for u in paths], jobs)
    local = {id(u): artifact for u, artifact in zip(paths, made, strict=True)}
    top_level = [
        from_requirement(u.requirement, u.origin)
        if u.requirement is not None
        else HostRequirement(local[id(u)].name, origin=u.origin)
        for u in wanted.requirements
    ]
    for user, requirement in zip(wanted.requirements, top_level, strict=True):
        if user.requirement is not None:  # local files were checked when their artifact was made
            store.expect_hashes(requirement.name, user.hashes)
    constraints: dict[NormalizedName, list[HostRequirement]] = {}
    for user in wanted.constraints:
        if user.requirement is not None:
            constraint = from_requirement(user.requirement, user.origin)
            constraints.setdefault(constraint.name, []).append(constraint)
    provider = HostProvider(
        finder,
        store,
        host.marker_environment(),
        constraints,
        {artifact.name: artifact for artifact in local.values()},
        Version(host.full_version),
        preferences,
    )
    logger.info("resolving %s for %s", ", ".join(map(str, top_level)), host.tag)
    session = finder.session
    if not isinstance(session, IndexClient):
        memo = None
    with reporting(reporter, ", ".join(map(str, top_level)), "resolving"):
        chosen = memo.recall(session) if memo is not None else None
        if chosen is None:
            _build_pinned_sources(provider, store, top_level, jobs)
            chosen = resolve(provider, top_level)
            if memo is not None:
                memo.remember(chosen, session)
    return chosen, {r.name for r in top_level}


def _build_pinned_sources(
    provider: HostProvider, store: ArtifactStore, top_level: Sequence[HostRequirement], jobs: int
) -> None:
    """Read the metadata of the pinned sdists the resolution starts from, ``jobs`` at a
    time: resolvelib asks for one at a time, and for an sdist that does not declare its
    dependencies (PEP 643) that means cross-building it, so a lock file of sdists would be
    built one after the other.  Their wheels are kept for the install."""
    if jobs <= 1:
        return
    provider.prefetch(r.name for r in top_level)
    sources = provider.pinned_sources(top_level)
    if len(sources) > 1:
        in_parallel([functools.partial(store.metadata, artifact) for artifact in sources], jobs)


def collect(
    requirements: Iterable[str | os.PathLike[str]],
    files: Sequence[str | os.PathLike[str]],
    constraint_files: Sequence[str | os.PathLike[str]],
    environment: dict[str, str],
) -> RequirementSet:
    """The user's requirements and constraints whose markers hold on the host."""
    wanted = read_requirement_files(files, constraint_files)
    wanted.requirements = [parse_argument(os.fspath(r)) for r in requirements] + wanted.requirements
    wanted.constraints = [c for c in wanted.constraints if _holds(c, environment)]
    for user in list(wanted.requirements):
        if not _holds(user, environment):
            logger.info("skipping %s (%s): its marker does not hold on the host", user, user.origin)
            wanted.requirements.remove(user)
    if not wanted.requirements:
        raise RequirementError("nothing to install: name requirements, or pass {requirement_files} requirements.txt")
    return wanted


def _holds(user: UserRequirement, environment: dict[str, str]) -> bool:
    """Whether the marker of ``user`` (if any) holds on the host."""
    marker = user.requirement.marker if user.requirement is not None else None
    return marker is None or marker.evaluate({**environment, "extra": ""})


def with_index_options(context: BuildContext, wanted: RequirementSet) -> BuildContext:
    """``context`` with the index options of the requirement files on top of its own."""
    index = context.index.with_options(
        index_url=wanted.index_url,
        extra_index_urls=tuple(wanted.extra_index_urls),
        find_links=tuple(wanted.find_links),
        no_index=wanted.no_index,
    )
    return dataclasses.replace(context, index=index)
