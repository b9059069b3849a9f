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
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import unearth
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .._cache import code_digest
from .._exceptions import InstallTargetError, RequirementError
from ..host.host import Host, as_host
from ..host.layout import identify_root
from ..host.rootfs import root_of
from ..host.schemes import install_paths
from ..wheel.index import IndexSettings
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from ..wheel.verify import verify_wheel
from .artifacts import ArtifactStore
from .check import record_problems
from .options import InstallOptions
from .placement import Placement
from .requirements import RequirementSet, parse_argument, read_requirement_files
from .resolver import Candidate, HostProvider, HostRequirement, from_requirement, resolve
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


@dataclass(frozen=True)
class InstallResult:
    host: Host
    root: Path
    prefix: str
    scheme: dict[str, str]
    distributions: tuple[InstalledDistribution, ...]
    removed: tuple[str, ...] = field(default=())
    """``NAME VERSION`` of the distributions replaced."""

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
                    "files": list(d.files),
                }
                for d in self.distributions
            ],
            "removed": list(self.removed),
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
) -> InstallResult:
    """Install ``requirements`` for ``host`` into ``root`` (a rootfs) or ``prefix``.

    ``root`` is the directory that is ``/`` on the host; packages go under the host
    python's prefix in it (``ROOT/usr/...``).  Without ``root``, ``prefix`` is the
    directory that stands for the host's prefix (``ROOTFS/usr``).  Nothing in the root
    changes unless every requirement resolved, built, verified and installed.
    ``options`` builds what must be cross-built; ``install_options`` chooses and lays.
    """
    options = options or BuildOptions()
    host = as_host(host, options.cache_dir)
    choices = install_options or InstallOptions()
    root_dir, host_prefix = _target(host, root, prefix)
    _check_root_is_the_hosts(host, root_dir)
    wanted = _collect(requirements, requirement_files, constraint_files, host.marker_environment())
    options = options.for_host(host)
    index = _index(options.index, wanted)
    options = dataclasses.replace(options, index=index)
    placement = Placement(
        host,
        root_dir,
        install_paths(host, host_prefix, choices.scheme),
        compile_with=options.python.executable if choices.compile_bytecode else None,
    )
    with tempfile.TemporaryDirectory(prefix="crossbuild-wheels-") as tmp:

        def build(source: Path) -> Path:
            return build_wheel(source, host, Path(tmp), options)

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
        store = ArtifactStore(
            finder, options.cache, build, target_python.supported_tags(), built_wheel_key(host, options)
        )
        chosen, requested = _resolve(host, wanted, finder, store)
        wheels = {name: store.wheel(candidate.artifact) for name, candidate in chosen.items()}
        for wheel in wheels.values():
            verify_wheel(wheel, host.elf)
        try:
            return _lay(placement, host_prefix, chosen, wheels, store, requested, choices.force_reinstall)
        except OSError as error:  # the transaction rolled back: the root is as it was
            raise _root_write_error(root_dir, error) from None


def built_wheel_key(host: Host, options: BuildOptions) -> str:
    """What a wheel cross-built from a given sdist depends on besides the sdist: the host's
    build data and compiler, the build options, and crossbuild's own code that builds."""
    identity = json.dumps([host.fingerprint, options.key, code_digest("host", "wheel")])
    return hashlib.sha256(identity.encode()).hexdigest()


def _resolve(
    host: Host, wanted: RequirementSet, finder: unearth.PackageFinder, store: ArtifactStore
) -> tuple[dict[NormalizedName, Candidate], set[NormalizedName]]:
    """The candidate chosen for every project, and the names the user asked for."""
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
    constraints = {
        canonicalize_name(c.requirement.name): c.requirement.specifier
        for c in wanted.constraints
        if c.requirement is not None
    }
    provider = HostProvider(
        finder,
        store,
        host.marker_environment(),
        constraints,
        {artifact.name: artifact for artifact in local.values()},
        Version(host.full_version),
    )
    logger.info("resolving %s for %s", ", ".join(map(str, top_level)), host.tag)
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
    """The user's requirements whose markers hold on the host."""
    wanted = read_requirement_files(files, constraint_files)
    wanted.requirements = [parse_argument(os.fspath(r)) for r in requirements] + wanted.requirements
    for user in list(wanted.requirements):
        marker = user.requirement.marker if user.requirement is not None else None
        if marker is not None and not marker.evaluate({**environment, "extra": ""}):
            logger.info("skipping %s (%s): its marker does not hold on the host", user, user.origin)
            wanted.requirements.remove(user)
    if not wanted.requirements:
        raise RequirementError("nothing to install: name requirements, or pass {requirement_files} requirements.txt")
    return wanted


def _index(index: IndexSettings | None, wanted: RequirementSet) -> IndexSettings:
    base = index or IndexSettings.from_pip_config()
    return base.with_options(
        index_url=wanted.index_url,
        extra_index_urls=tuple(wanted.extra_index_urls),
        find_links=tuple(wanted.find_links),
        no_index=wanted.no_index,
    )


def _lay(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    wheels: dict[NormalizedName, Path],
    store: ArtifactStore,
    requested: set[NormalizedName],
    force_reinstall: bool,
) -> InstallResult:
    """Replace or add every chosen distribution in the root, in one transaction."""
    existing = placement.installed()
    transaction = RootTransaction(placement.root)
    results = []
    removed = []
    try:
        for name, candidate in sorted(chosen.items()):
            artifact = candidate.artifact
            old = existing.get(name)
            damage = []
            if old is not None and old.version == str(candidate.version) and not force_reinstall:
                damage = record_problems(placement.root, old)
                if not damage:
                    results.append(
                        InstalledDistribution(
                            name, old.version, "already installed", artifact.origin, name in requested, old.files or ()
                        )
                    )
                    continue
                more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
                logger.info("repairing %s: %s: %s%s", old.label, damage[0].path, damage[0].detail, more)
            if old is not None:
                placement.remove(old, transaction)
                if not damage:
                    removed.append(f"{name} {old.version}")
            files = placement.stage(wheels[name], transaction)
            source = "repaired" if damage else store.source_of(artifact)
            results.append(
                InstalledDistribution(name, str(candidate.version), source, artifact.origin, name in requested, files)
            )
        transaction.commit()
    except BaseException:
        transaction.discard()
        raise
    for distribution in results:
        logger.info("installed %s %s (%s)", distribution.name, distribution.version, distribution.source)
    return InstallResult(placement.host, placement.root, prefix, dict(placement.scheme), tuple(results), tuple(removed))
