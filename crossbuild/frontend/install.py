"""``install``: resolve for the host, get wheels, lay them into a host root atomically.

1. Requirements (names, files, local sources) are resolved with the host's markers and
   wheel tags; compatible wheels come from the indexes, the rest is cross-built.
2. Every wheel is checked (only host binaries) and installed with ``installer`` into a
   staging directory, with the host's install scheme and shebangs for the host python.
3. Older versions of the same projects are removed by their RECORD, and the staged
   files moved in — one transaction: on any failure the root is left as it was.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import Distribution, PathDistribution
from pathlib import Path, PurePosixPath

import unearth
from installer import install as install_wheel
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename

from .._cache import cache_dir
from .._exceptions import CrossbuildError
from .._warnings import warnings_to_log
from ..env.host import Host, inspect_host
from ..env.rootfs import resolve_in_root
from ..env.schemes import install_paths
from .artifacts import ArtifactStore
from .backend import ConfigSettings
from .index import IndexSettings
from .pipeline import build_wheel
from .requirements import RequirementSet, parse_argument, read_requirement_files
from .resolver import Candidate, HostProvider, HostRequirement, from_requirement, resolve
from .transaction import RootTransaction
from .verify import verify_wheel

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class InstalledDistribution:
    """A project installed into the host root."""

    name: str
    version: str
    source: str
    """``wheel`` (from an index), ``built`` (cross-built from an sdist or a source tree),
    ``local wheel``, or ``already installed``."""
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
    index: IndexSettings | None = None,
    no_binary: Sequence[str] = (),
    only_binary: Sequence[str] = (),
    prefer_binary: bool = False,
    scheme: str | None = None,
    compile_bytecode: bool = False,
    force_reinstall: bool = False,
    config_settings: ConfigSettings | None = None,
    build_python: str | os.PathLike[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    allow_pure_fallback: bool = False,
) -> InstallResult:
    """Install ``requirements`` for ``host`` into ``root`` (a rootfs) or ``prefix``.

    ``root`` is the directory that is ``/`` on the host; packages go under the host
    python's prefix in it (``ROOT/usr/...``).  Without ``root``, ``prefix`` is the
    directory that stands for the host's prefix (``ROOTFS/usr``).  Nothing in the root
    changes unless every requirement resolved, built, verified and installed.
    """
    if not isinstance(host, Host):
        host = inspect_host(host)
    root_dir, host_prefix = _target(host, root, prefix)
    wanted = _collect(requirements, requirement_files, constraint_files, host.marker_environment())
    index = _index(index, wanted)
    cache_path = cache_dir(cache)
    paths = install_paths(host, host_prefix, scheme)
    with tempfile.TemporaryDirectory(prefix="crossbuild-wheels-") as tmp:

        def build(source: Path) -> Path:
            return build_wheel(
                source,
                host,
                Path(tmp),
                config_settings=config_settings,
                build_python=build_python,
                index=index,
                cache=cache_path,
                allow_pure_fallback=allow_pure_fallback,
            )

        finder = index.finder(
            target_python=unearth.TargetPython(
                py_ver=tuple(int(p) for p in host.full_version.split(".")[:3] if p.isdigit()),
                abis=[host.abi_tag, "abi3", "none"],
                impl="cp",
                platforms=host.platform_tags,
            ),
            no_binary=list(no_binary),
            only_binary=list(only_binary),
            prefer_binary=[":all:"] if prefer_binary else [],
        )
        store = ArtifactStore(finder, cache_path, build)
        local_by_path = {u.path: store.local_artifact(u) for u in wanted.requirements if u.path is not None}
        local = {artifact.name: artifact for artifact in local_by_path.values()}
        top_level = [
            from_requirement(u.requirement, u.origin)
            if u.requirement is not None
            else HostRequirement(local_by_path[u.path].name, origin=u.origin)  # type: ignore[index]
            for u in wanted.requirements
        ]
        constraints = {
            canonicalize_name(c.requirement.name): c.requirement.specifier
            for c in wanted.constraints
            if c.requirement is not None
        }
        provider = HostProvider(finder, store, host.marker_environment(), constraints, local)
        logger.info("resolving %s for %s", ", ".join(map(str, top_level)), host.tag)
        chosen = resolve(provider, top_level)
        wheels = {name: store.wheel(candidate.artifact) for name, candidate in chosen.items()}
        for wheel in wheels.values():
            verify_wheel(wheel, host.elf)
        requested = {r.name for r in top_level}
        return _install(
            host, root_dir, host_prefix, paths, chosen, wheels, store, requested, compile_bytecode, force_reinstall
        )


def _target(host: Host, root: str | os.PathLike[str] | None, prefix: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The root directory on this machine and the prefix on the host."""
    if root is not None:
        host_prefix = str(prefix) if prefix is not None else host.prefix
        if not PurePosixPath(host_prefix).is_absolute():
            raise CrossbuildError(f"--prefix {host_prefix} with --root must be a path on the host, like /usr")
        return Path(root).absolute(), host_prefix
    if prefix is None:
        raise CrossbuildError("say where to install: --root ROOTFS (the host's /) or --prefix ROOTFS/usr")
    prefix_dir = Path(prefix).absolute()
    host_prefix = host.prefix
    parts = PurePosixPath(host_prefix).parts[1:]
    if parts and prefix_dir.parts[-len(parts) :] != parts:
        raise CrossbuildError(
            f"--prefix {prefix} does not end with the host python's prefix {host_prefix}; "
            f"pass --root ROOTFS, or --root ROOTFS --prefix /some/prefix"
        )
    return Path(*prefix_dir.parts[: len(prefix_dir.parts) - len(parts)]), host_prefix


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
        raise CrossbuildError("nothing to install: name requirements, or pass -r requirements.txt")
    return wanted


def _index(index: IndexSettings | None, wanted: RequirementSet) -> IndexSettings:
    base = index or IndexSettings.from_pip_config()
    return base.with_options(
        index_url=wanted.index_url,
        extra_index_urls=tuple(wanted.extra_index_urls),
        find_links=tuple(wanted.find_links),
        no_index=wanted.no_index,
    )


@dataclass(frozen=True)
class _Existing:
    version: str
    files: tuple[str, ...]


def _installed(root: Path, site_dirs: Iterable[str]) -> dict[NormalizedName, _Existing]:
    """Distributions already in the root's site directories, with their files (host paths)."""
    found: dict[NormalizedName, _Existing] = {}
    for site in sorted(set(site_dirs)):
        directory = resolve_in_root(root, site)
        for dist_info in sorted(directory.glob("*.dist-info")) if directory.is_dir() else []:
            distribution: Distribution = PathDistribution(dist_info)
            name = distribution.metadata["Name"]
            if not name:
                continue
            record = dist_info / "RECORD"
            if not record.is_file():
                raise CrossbuildError(
                    f"cannot replace {name} in {directory}: it has no RECORD file; remove it by hand first"
                )
            with record.open(newline="") as stream:
                relative = [row[0] for row in csv.reader(stream) if row]
            files = {os.path.normpath(f"{site}/{path}") for path in relative}
            files |= {pyc for path in files if path.endswith(".py") for pyc in _bytecode_of(root, path)}
            found[canonicalize_name(name)] = _Existing(distribution.version, tuple(sorted(files)))
    return found


def _bytecode_of(root: Path, host_path: str) -> list[str]:
    """Host paths of the ``__pycache__`` files compiled from the module at ``host_path``."""
    module = PurePosixPath(host_path)
    cache = module.parent / "__pycache__"
    directory = resolve_in_root(root, str(cache))
    return [str(cache / pyc.name) for pyc in directory.glob(f"{module.stem}.*.pyc")] if directory.is_dir() else []


def _install(
    host: Host,
    root: Path,
    prefix: str,
    paths: dict[str, str],
    chosen: dict[NormalizedName, Candidate],
    wheels: dict[NormalizedName, Path],
    store: ArtifactStore,
    requested: set[NormalizedName],
    compile_bytecode: bool,
    force_reinstall: bool,
) -> InstallResult:
    existing = _installed(root, (paths["purelib"], paths["platlib"]))
    transaction = RootTransaction(root)
    results = []
    removed = []
    try:
        for name, candidate in sorted(chosen.items()):
            artifact = candidate.artifact
            old = existing.get(name)
            if old is not None and old.version == str(candidate.version) and not force_reinstall:
                results.append(
                    InstalledDistribution(
                        name, old.version, "already installed", artifact.origin, name in requested, old.files
                    )
                )
                continue
            if old is not None:
                removed.append(f"{name} {old.version}")
                for host_path in old.files:
                    transaction.remove(host_path)
            before = set(transaction.staged_files())
            _stage(wheels[name], host, paths, transaction.stage_dir, compile_bytecode)
            files = tuple(sorted(set(transaction.staged_files()) - before))
            results.append(
                InstalledDistribution(
                    name, str(candidate.version), store.source_of(artifact), artifact.origin, name in requested, files
                )
            )
        transaction.commit()
    except BaseException:
        transaction.discard()
        raise
    for distribution in results:
        logger.info("installed %s %s (%s)", distribution.name, distribution.version, distribution.source)
    return InstallResult(host, root, prefix, paths, tuple(results), tuple(removed))


def _stage(wheel: Path, host: Host, paths: dict[str, str], stage_dir: Path, compile_bytecode: bool) -> None:
    name = parse_wheel_filename(wheel.name)[0]
    destination = SchemeDictionaryDestination(
        {**paths, "headers": paths["headers"].format(name=name)},
        interpreter=host.python_on_host,
        script_kind="posix",
        bytecode_optimization_levels=(0,) if compile_bytecode else (),
        destdir=str(stage_dir),
    )
    with WheelFile.open(wheel) as source, warnings_to_log(logger, logging.DEBUG):
        install_wheel(source, destination, {"INSTALLER": b"crossbuild"})
