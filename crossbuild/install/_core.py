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
import errno
import functools
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import unearth
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .._exceptions import InstallTargetError, RequirementError
from .._faults import fault_point
from .._pool import default_jobs, in_parallel
from .._reporter import Reporter, reporting
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from ..host.host import Host, as_host
from ..host.layout import identify_root
from ..host.libraries import host_libraries
from ..host.rootfs import root_of
from ..host.schemes import install_paths
from ..wheel.index import IndexSettings
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from ..wheel.verify import verify_wheel
from .artifacts import Artifact, ArtifactStore, artifact_of_installed
from .check import record_problems
from .installed import Existing
from .journal import recover
from .lock import locked_root
from .options import InstallOptions
from .placement import Placement
from .requirements import RequirementSet, UserRequirement, parse_argument, read_requirement_files
from .resolver import Candidate, HostProvider, HostRequirement, Preferences, from_requirement, resolve
from .sizes import RootChange, measure
from .transaction import RootTransaction

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class InstalledDistribution:
    """A project installed into the host root."""

    name: str
    version: str
    source: str
    """``wheel`` (from an index), ``built`` (cross-built from an sdist or a source tree),
    ``local wheel``, ``already installed``, or ``repaired`` (installed again at the same
    version because files of its RECORD were missing or changed)."""
    origin: str
    """The URL or path the wheel or sdist came from."""
    requested: bool
    files: tuple[str, ...] = ()
    """Host paths of the installed files."""
    size: int = 0
    """Bytes of its files in the root."""
    previous: str | None = None
    """The version it replaced, or ``None`` (it was not installed, or was kept or repaired)."""

    @property
    def action(self) -> str:
        """What the install did with it: ``installed`` (new), ``upgraded`` or ``downgraded``
        (from :attr:`previous`), ``reinstalled``, ``repaired``, or ``kept`` as it was."""
        if self.source == "already installed":
            return "kept"
        if self.source == "repaired":
            return "repaired"
        if self.previous is None:
            return "installed"
        new, old = Version(self.version), Version(self.previous)
        return "upgraded" if new > old else "downgraded" if new < old else "reinstalled"


@dataclass(frozen=True)
class InstallResult:
    host: Host
    root: Path
    prefix: str
    scheme: dict[str, str]
    distributions: tuple[InstalledDistribution, ...]
    removed: tuple[str, ...] = field(default=())
    """``NAME VERSION`` of the distributions replaced."""
    change: RootChange = field(default_factory=RootChange)
    """How the root's files and bytes changed."""
    dry_run: bool = False
    """Nothing was changed: this is what the install would do."""

    def report(self) -> dict[str, object]:
        """A JSON report in the spirit of pip's ``--report``."""
        return {
            "version": "1",
            "installer": "crossbuild",
            "host": {
                "python": self.host.python_on_host,
                "tag": str(self.host.tag),
                "platform_tags": self.host.platform_tags[:3],
                "environment": self.host.marker_environment(),
            },
            "root": str(self.root),
            "prefix": self.prefix,
            "scheme": self.scheme,
            "install": [
                {
                    "metadata": {"name": d.name, "version": d.version},
                    "source": d.source,
                    "download_info": {"url": d.origin},
                    "requested": d.requested,
                    "action": d.action,
                    "previous_version": d.previous,
                    "size": d.size,
                    "files": list(d.files),
                }
                for d in self.distributions
            ],
            "removed": list(self.removed),
            "change": self.change.as_dict(),
        }


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
        host = as_host(host)
        choices = install_options or InstallOptions()
        root_dir, host_prefix = _target(host, root, prefix)
        _check_root_is_the_hosts(host, root_dir)
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
        store = ArtifactStore(finder, options.cache, build, target_python.supported_tags(), reporter)
        existing = {} if choices.ignore_installed else placement.installed()
        preferences = _preferences(choices, wanted, existing, placement.root)
        jobs = options.jobs or default_jobs()
        chosen, requested = _resolve(host, wanted, finder, store, preferences, reporter, jobs)
        if _hash_checking(choices, wanted):
            _check_every_hash(wanted, chosen)
        wheels = _wheels(store, chosen, jobs)
        for wheel in wheels.values():
            verify_wheel(wheel, host.elf, host_libraries(host.sysroot, host.multiarch, host.elf))
        if choices.dry_run:
            return _plan(placement, host_prefix, chosen, store, requested, placement.installed(), choices)
        try:
            reinstall = choices.force_reinstall or choices.ignore_installed
            return _lay(placement, host_prefix, chosen, wheels, store, requested, reinstall, reporter)
        except OSError as error:  # the transaction rolled back: the root is as it was
            raise _root_write_error(root_dir, error) from None


def _wheels(store: ArtifactStore, chosen: Mapping[NormalizedName, Candidate], jobs: int) -> dict[NormalizedName, Path]:
    """The wheel of every chosen distribution not kept as installed: downloaded, or
    cross-built ``jobs`` at a time.  Once resolution is done the builds are independent (a
    build needs its own build requirements, never the other distributions), so their order
    does not matter; the resolver built already whatever it needed the metadata of."""
    names = sorted(name for name, candidate in chosen.items() if candidate.artifact.installed is None)
    made = in_parallel([functools.partial(store.wheel, chosen[name].artifact) for name in names], jobs)
    return dict(zip(names, made, strict=True))


def _preferences(
    choices: InstallOptions, wanted: RequirementSet, existing: Mapping[NormalizedName, Existing], root: Path
) -> Preferences:
    """What the resolver prefers among fitting versions, from pip's options."""
    named = frozenset(canonicalize_name(u.requirement.name) for u in wanted.requirements if u.requirement is not None)
    upgrade: frozenset[NormalizedName] | None = frozenset()
    if choices.upgrade:
        upgrade = None if choices.upgrade_strategy == "eager" else named
    installed = {
        name: artifact_of_installed(name, old.version, old.dist_info)
        for name, old in existing.items()
        if old.files is not None  # without RECORD it could not be replaced anyway
    }

    @functools.cache
    def intact(name: NormalizedName) -> bool:
        # --force-reinstall: nothing installed counts as intact, so it comes again from the index
        return not choices.force_reinstall and not record_problems(root, existing[name])

    return Preferences(
        installed=installed, upgrade=upgrade, prereleases=choices.pre, no_deps=choices.no_deps, intact=intact
    )


def _hash_checking(choices: InstallOptions, wanted: RequirementSet) -> bool:
    """pip's hash-checking mode: asked for, or on because some requirement has a hash."""
    return choices.require_hashes or any(user.hashes for user in wanted.requirements)


def _check_every_hash(wanted: RequirementSet, chosen: Mapping[NormalizedName, Candidate]) -> None:
    """In hash-checking mode every requirement is pinned and hashed, and so is every
    distribution the resolution brings in."""
    hashed: dict[NormalizedName, str] = {}
    for user in wanted.requirements:
        if not user.hashes:
            raise RequirementError(
                "{requirement} ({origin}) has no --hash; with hash checking ({require_hashes}, or any --hash in "
                "the requirements) every requirement needs one",
                requirement=user,
                origin=user.origin,
            )
        if user.requirement is not None:
            pins = [s for s in user.requirement.specifier if s.operator in ("==", "===") and "*" not in s.version]
            if not pins:
                raise RequirementError(
                    "{requirement} ({origin}) is not pinned with ==; hash checking needs exact versions",
                    requirement=user,
                    origin=user.origin,
                )
            hashed[canonicalize_name(user.requirement.name)] = user.origin
    for name, candidate in sorted(chosen.items()):
        local = candidate.artifact.path is not None and candidate.artifact.link is None
        if name not in hashed and not local and candidate.artifact.installed is None:
            raise RequirementError(
                "{name} {version} is needed but not in the requirements; with hash checking every dependency "
                "must be listed, pinned with == and with --hash",
                name=name,
                version=candidate.version,
            )


def _resolve(
    host: Host,
    wanted: RequirementSet,
    finder: unearth.PackageFinder,
    store: ArtifactStore,
    preferences: Preferences,
    reporter: Reporter | None = None,
    jobs: int = 1,
) -> tuple[dict[NormalizedName, Candidate], set[NormalizedName]]:
    """The candidate chosen for every project, and the names the user asked for.

    Local sources (paths, URLs) are cross-built first, ``jobs`` at a time: their names
    and versions come from their wheels."""
    fault_point("resolve")
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
    with reporting(reporter, ", ".join(map(str, top_level)), "resolving"):
        return resolve(provider, top_level), {r.name for r in top_level}


def _target(host: Host, root: str | os.PathLike[str] | None, prefix: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The root directory on this machine and the prefix on the host."""
    if root is not None:
        host_prefix = str(prefix) if prefix is not None else host.prefix
        if not PurePosixPath(host_prefix).is_absolute():
            raise InstallTargetError(
                "{prefix} {value} with {root} must be a path on the host, like /usr", value=host_prefix
            )
        return Path(root).absolute(), host_prefix
    if prefix is None:
        raise InstallTargetError("say where to install: {root} ROOTFS (the host's /) or {prefix} ROOTFS/usr")
    root_dir = root_of(Path(prefix).absolute(), host.prefix)
    if root_dir is None:
        raise InstallTargetError(
            "{prefix} {value} does not end with the host python's prefix {host_prefix}; "
            "pass {root} ROOTFS, or {root} ROOTFS {prefix} /some/prefix",
            value=prefix,
            host_prefix=host.prefix,
        )
    return root_dir, host.prefix


#: What to do when the root cannot be written, by errno.
_WRITE_FIXES = {
    errno.EROFS: "mount it read-write",
    errno.EACCES: "run crossbuild as a user who may write there",
    errno.EPERM: "run crossbuild as a user who may write there, and look for immutable files (lsattr)",
    errno.ENOSPC: "free space on its file system",
    errno.EDQUOT: "free space within your disk quota",
}


def _root_write_error(root: Path, error: OSError) -> InstallTargetError:
    return InstallTargetError(
        "cannot write into {root_dir}: {reason} ({path}); {fix}; the root was left as it was",
        root_dir=root,
        reason=error.strerror or type(error).__name__,
        path=error.filename or root,
        fix=_WRITE_FIXES.get(error.errno or 0, "check the root directory"),
    )


def _check_root_is_the_hosts(host: Host, root: Path) -> None:
    """Refuse a root that belongs to another machine or Python than the host's: its own
    python (or libc) must agree with the host python, unless the host python lies in it."""
    if Path(os.path.realpath(host.sysroot)) == Path(os.path.realpath(root)):
        return
    identity = identify_root(root)
    if identity is None:  # nothing there tells (an image being assembled): the host decides
        return
    same_python = identity.python_version in (None, host.version)
    if identity.target == host.elf and same_python:
        return
    found = str(identity.target) + (f", python {identity.python_version}" if identity.python_version else "")
    raise InstallTargetError(
        "{root_dir} is a root for {found} ({evidence}) but the host python {python} is for {expected}; "
        "pass {host} the root's own python (e.g. {suggestion})",
        root_dir=root,
        found=found,
        evidence=identity.evidence.relative_to(root),
        python=host.python,
        expected=f"{host.elf}, python {host.version}",
        suggestion=identity.evidence if identity.python_version else root / "usr/bin/python3",
    )


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


def _plan(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    store: ArtifactStore,
    requested: set[NormalizedName],
    existing: Mapping[NormalizedName, Existing],
    choices: InstallOptions,
) -> InstallResult:
    """What :func:`_lay` would do, without touching the root (``--dry-run``)."""
    results = []
    removed = []
    reinstall = choices.force_reinstall or choices.ignore_installed
    for name, candidate in sorted(chosen.items()):
        old = existing.get(name)
        keep = old is not None and old.version == str(candidate.version) and not reinstall
        if old is not None and not keep:
            removed.append(f"{name} {old.version}")
        source = "already installed" if keep else store.source_of(candidate.artifact)
        files = (old.files or ()) if keep and old is not None else ()
        results.append(
            InstalledDistribution(
                name, str(candidate.version), source, candidate.artifact.origin, name in requested, files
            )
        )
    return InstallResult(
        placement.host, placement.root, prefix, dict(placement.scheme), tuple(results), tuple(removed), dry_run=True
    )


def _kept(root: Path, old: Existing, artifact: Artifact, requested: bool) -> InstalledDistribution:
    """A distribution left as it is in the root, with the size of its files there."""
    files = old.files or ()
    size = sum(measure(root, files).values())
    return InstalledDistribution(old.key, old.version, "already installed", artifact.origin, requested, files, size)


def _lay(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    wheels: dict[NormalizedName, Path],
    store: ArtifactStore,
    requested: set[NormalizedName],
    force_reinstall: bool,
    reporter: Reporter | None = None,
) -> InstallResult:
    """Replace or add every chosen distribution in the root, in one transaction."""
    existing = placement.installed()
    transaction = RootTransaction(placement.root)
    results = []
    removed = []
    touched: set[str] = set()  # every path the transaction removes or writes
    try:
        for name, candidate in sorted(chosen.items()):
            artifact = candidate.artifact
            old = existing.get(name)
            damage = []
            if old is not None and artifact.installed is not None:  # the resolver kept it, intact
                results.append(_kept(placement.root, old, artifact, name in requested))
                continue
            if old is not None and old.version == str(candidate.version) and not force_reinstall:
                damage = record_problems(placement.root, old)
                if not damage:
                    results.append(_kept(placement.root, old, artifact, name in requested))
                    continue
                more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
                logger.info("repairing %s: %s: %s%s", old.label, damage[0].path, damage[0].detail, more)
            with reporting(reporter, f"{name} {candidate.version}", "installing"):
                if old is not None:
                    placement.remove(old, transaction)
                    touched.update(old.files or ())
                    if not damage:
                        removed.append(f"{name} {old.version}")
                files = placement.stage(wheels[name], transaction)
            touched.update(files)
            source = "repaired" if damage else store.source_of(artifact)
            previous = old.version if old is not None and not damage else None
            results.append(
                InstalledDistribution(
                    name, str(candidate.version), source, artifact.origin, name in requested, files, previous=previous
                )
            )
        before = measure(placement.root, touched)
        fault_point("stage")
        with reporting(reporter, str(placement.root), "installing"):
            transaction.commit()
    except BaseException:
        transaction.discard()
        raise
    after = measure(placement.root, touched)
    distributions = tuple(
        d if d.source == "already installed" else dataclasses.replace(d, size=sum(after.get(p, 0) for p in d.files))
        for d in results
    )
    change = RootChange.between(before, after)
    return InstallResult(
        placement.host, placement.root, prefix, dict(placement.scheme), distributions, tuple(removed), change
    )
