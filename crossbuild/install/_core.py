"""``install``: resolve for the host, get wheels, lay them into a host root atomically.

1. Requirements (names, files, local sources) are resolved with the host's markers and
   wheel tags; compatible wheels come from the indexes, the rest is cross-built.
2. Every wheel is checked (only host binaries) and installed with ``installer`` into a
   staging directory, with the host's install scheme and shebangs for the host python.
3. Older versions of the same projects are removed by their RECORD, and the staged
   files moved in — one transaction: on any failure the root is left as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import unearth
from packaging.utils import NormalizedName
from packaging.version import Version

from .._exceptions import RequirementError
from .._faults import fault_point
from .._reporter import Reporter, reporting
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from ..host.host import Host, as_host
from ..host.libraries import host_libraries
from ..host.schemes import install_paths
from ..wheel.cache import BuiltWheels, built_wheel_key
from ..wheel.index import IndexSettings
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from ..wheel.verify import verify_wheel
from .artifacts import ArtifactStore
from .choices import check_every_hash, hash_checking, preferences_from
from .journal import recover
from .laying import lay, plan
from .lock import locked_root
from .options import InstallOptions
from .placement import Placement
from .requirements import RequirementSet, UserRequirement, parse_argument, read_requirement_files
from .resolver import Candidate, HostProvider, HostRequirement, Preferences, from_requirement, resolve
from .result import InstallResult
from .target import check_root_is_the_hosts, resolve_target, root_write_error

logger = logging.getLogger("crossbuild")


def install(
    requirements: Iterable[str | os.PathLike[str]] = (),
    *,
    host: Host | str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    prefix: str | os.PathLike[str] | None = None,
    requirement_files: Sequence[str | os.PathLike[str]] = (),
    constraint_files: Sequence[str | os.PathLike[str]] = (),
    options: BuildOptions | None = None,
    install_options: InstallOptions | None = None,
    reporter: Reporter | None = None,
) -> InstallResult:
    """Install ``requirements`` for ``host`` into ``root`` (a rootfs) or ``prefix``.

    ``root`` is the directory that is ``/`` on the host; packages go under the host
    python's prefix in it (``ROOT/usr/...``).  Without ``root``, ``prefix`` is the
    directory that stands for the host's prefix (``ROOTFS/usr``).  Nothing in the root
    changes unless every requirement resolved, built, verified and installed.
    ``options`` builds what must be cross-built; ``install_options`` chooses and lays;
    ``reporter`` hears of the long steps (resolving, downloading, building, installing).

    One install at a time changes a root: another one waits.  Whatever an install killed
    before left in the root is rolled back (or, if its commit was complete, finished)
    first.  SIGTERM and SIGHUP stop an install as Ctrl-C does, leaving nothing behind.
    """
    with signals_raise():
        host = as_host(host, options.cache_dir if options else None)
        choices = install_options or InstallOptions()
        root_dir, host_prefix = resolve_target(host, root, prefix)
        check_root_is_the_hosts(host, root_dir)
        with locked_root(root_dir):
            if not choices.dry_run:  # a dry run changes nothing, not even to finish another run
                recover(root_dir)
            wanted = _collect(requirements, requirement_files, constraint_files, host.marker_environment())
            return _install(host, root_dir, host_prefix, wanted, options, choices, reporter)


def _install(
    host: Host,
    root_dir: Path,
    host_prefix: str,
    wanted: RequirementSet,
    options: BuildOptions | None,
    choices: InstallOptions,
    reporter: Reporter | None,
) -> InstallResult:
    options = (options or BuildOptions()).for_host(host)
    index = _index(options.index, wanted)
    options = dataclasses.replace(options, index=index)
    placement = Placement(
        host,
        root_dir,
        install_paths(host, host_prefix, choices.scheme),
        compile_with=options.python.executable if choices.compile_bytecode else None,
    )
    with temporary_directory("wheels") as tmp:

        def build(source: Path) -> Path:
            return build_wheel(source, host, tmp, options, reporter=reporter)

        target_python = unearth.TargetPython(
            py_ver=tuple(int(p) for p in host.full_version.split(".")[:3] if p.isdigit()),
            abis=[host.abi_tag, "abi3", "none"],
            impl="cp",
            platforms=host.platform_tags,
        )
        finder = index.finder(
            target_python=target_python,
            no_binary=list(choices.no_binary),
            only_binary=list(choices.only_binary),
            prefer_binary=[":all:"] if choices.prefer_binary else [],
        )
        built_wheels = BuiltWheels(options.cache, built_wheel_key(host, options))
        store = ArtifactStore(
            finder,
            options.cache,
            build,
            target_python.supported_tags(),
            reporter,
            built_before=lambda sdist: built_wheels.entry(sdist).is_dir(),
        )
        existing = {} if choices.ignore_installed else placement.installed()
        preferences = preferences_from(choices, wanted, existing, placement.root)
        chosen, requested = _resolve(host, wanted, finder, store, preferences, reporter)
        if hash_checking(choices, wanted):
            check_every_hash(wanted, chosen)
        wheels = {
            name: store.wheel(candidate.artifact)
            for name, candidate in chosen.items()
            if candidate.artifact.installed is None
        }
        for wheel in wheels.values():
            verify_wheel(wheel, host.elf, host_libraries(host.sysroot, host.multiarch, host.elf))
        if choices.dry_run:
            return plan(placement, host_prefix, chosen, store, requested, placement.installed(), choices)
        try:
            reinstall = choices.force_reinstall or choices.ignore_installed
            return lay(placement, host_prefix, chosen, wheels, store, requested, reinstall, reporter)
        except OSError as error:  # the transaction rolled back: the root is as it was
            raise root_write_error(root_dir, error) from None


def _resolve(
    host: Host,
    wanted: RequirementSet,
    finder: unearth.PackageFinder,
    store: ArtifactStore,
    preferences: Preferences,
    reporter: Reporter | None = None,
) -> tuple[dict[NormalizedName, Candidate], set[NormalizedName]]:
    """The candidate chosen for every project, and the names the user asked for."""
    fault_point("resolve")
    local = {id(u): store.local_artifact(u) for u in wanted.requirements if u.requirement is None}
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
    with reporting(reporter, ", ".join(map(str, top_level)), "resolving"):
        return resolve(provider, top_level), {r.name for r in top_level}


def _collect(
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


def _index(index: IndexSettings | None, wanted: RequirementSet) -> IndexSettings:
    base = index or IndexSettings.from_pip_config()
    return base.with_options(
        index_url=wanted.index_url,
        extra_index_urls=tuple(wanted.extra_index_urls),
        find_links=tuple(wanted.find_links),
        no_index=wanted.no_index,
    )
