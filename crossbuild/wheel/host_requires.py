"""Host requirements: host-arch copies of the build requirements a project compiles against.

Build requirements are installed natively (they run here); a project that compiles
against numpy's C API needs the host's headers and ``libnpymath.a`` as well (conda-forge's
"host" requirements, xbuild's target requires).  Which requirements get a host copy:

- those of :data:`~crossbuild.backend_env.hostcopies.HOST_DEPENDENT` (numpy) installed in the
  build environment;
- ``[tool.crossbuild] host-requires = [...]`` of the project's ``pyproject.toml``;
- the user's (``--host-requires REQ``, ``BuildOptions.host_requires``).

A host copy has the version installed natively (so the native and host headers match),
comes from a host wheel on the index, else is cross-built by crossbuild itself (and so
kept in the built-wheel cache), and is unpacked into ``CACHE/host-copies`` — keyed by the
host and the wheel's digest, made in a temporary directory renamed into place under a
lock, so never seen half-written.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path

import filelock
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename

from .._cache import sha256_of
from .._exceptions import CrossbuildError, HostRequirementError, SourceError
from .._faults import fault_point
from .._files import DIR_MODE, FILE_MODE, make_dirs, normalise_modes
from ..backend_env.hostcopies import HOST_DEPENDENT, HostCopy
from ..host.host import Host
from ..index.downloads import download
from ..index.finder import host_target
from .context import BuildContext
from .sources import SourceTree

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

logger = logging.getLogger("crossbuild")

#: Builds a wheel for the host: ``build_wheel(requirement, host, wheel_dir, context)``.
BuildFunction = Callable[[str, Host, Path, BuildContext], Path]

#: Requirements whose host copy is being made in this run: a cycle is an error, not a hang.
_in_progress: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("host_requires", default=())


def project_host_requires(tree: SourceTree) -> tuple[str, ...]:
    """``[tool.crossbuild] host-requires`` of the project's ``pyproject.toml``."""
    try:
        with (tree.path / "pyproject.toml").open("rb") as stream:
            data = tomllib.load(stream)
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return ()  # no pyproject.toml; a broken one is the backend's to report
    value = data.get("tool", {}).get("crossbuild", {}).get("host-requires", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(
            '{source}: [tool.crossbuild] host-requires must be a list of requirements, e.g. ["numpy"]',
            source=tree.shown,
        )
    return tuple(value)


def wanted_host_requires(
    native: dict[NormalizedName, str], project: Sequence[str], user: Sequence[str], source: str
) -> list[Requirement]:
    """The requirements to get a host copy of, each pinned to the version ``native`` has
    (name → version installed in the build environment), if any."""
    wanted: dict[NormalizedName, Requirement] = {}
    for text in [*(name for name in sorted(native) if name in HOST_DEPENDENT), *project, *user]:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise HostRequirementError(
                "host requirement {text!r} of {source} is not a requirement ({error}); pass e.g. 'numpy'",
                text=text,
                source=source,
                error=error,
            ) from None
        name = canonicalize_name(requirement.name)
        version = native.get(name)
        if version is not None:
            if not requirement.specifier.contains(version, prereleases=True):
                raise HostRequirementError(
                    "host requirement {requirement} of {source} does not match {name} {version} of the build "
                    "requirements: the host copy must be the same version; change one of them",
                    requirement=str(requirement),
                    source=source,
                    name=name,
                    version=version,
                )
            requirement = Requirement(f"{name}=={version}")
        if name in wanted and str(wanted[name].specifier) != str(requirement.specifier):
            requirement.specifier &= wanted[name].specifier
        wanted[name] = requirement
    for name in sorted(wanted.keys() & native.keys()):
        logger.info("host requirement %s: the version of the native build requirement", wanted[name])
    return [wanted[name] for name in sorted(wanted)]


def native_versions(site_packages: Path) -> dict[NormalizedName, str]:
    """What the build environment has installed: normalised name → version."""
    found: dict[NormalizedName, str] = {}
    for distribution in metadata.distributions(path=[str(site_packages)]):
        name = distribution.metadata["Name"]
        if name:
            found[canonicalize_name(name)] = distribution.version
    return found


def host_copies(
    requirements: Iterable[Requirement], context: BuildContext, build: BuildFunction, workdir: Path
) -> tuple[HostCopy, ...]:
    """A host copy of each of ``requirements``, unpacked in the cache.

    One run at a time gets the copy of a given requirement for a given host (parallel
    builds of ``install`` would otherwise cross-build the same numpy at once): the others
    wait, then find its wheel in the built-wheel cache.
    """
    copies = []
    for requirement in requirements:
        with _procuring(requirement, context.host, context.cache):
            wheel = _host_wheel(requirement, context, build, workdir)
        name, version = _name_version(wheel)
        logger.info("host requirement %s: the host's copy is %s", requirement, wheel.name)
        copies.append(HostCopy(name, version, _unpacked(wheel, context.host, context.cache)))
    return tuple(copies)


@contextlib.contextmanager
def _procuring(requirement: Requirement, host: Host, cache: Path) -> Iterator[None]:
    """Hold the lock of ``requirement``'s host copy, unless this run holds it already (a
    requirement that needs itself: :func:`_host_wheel` says so, rather than wait forever)."""
    if canonicalize_name(requirement.name) in _in_progress.get():
        yield
        return
    key = hashlib.sha256(json.dumps([host.fingerprint, str(requirement)]).encode()).hexdigest()[:24]
    make_dirs(cache / "host-copies")
    with filelock.FileLock(str(cache / "host-copies" / f"{key}.getting.lock"), mode=FILE_MODE):
        yield


def _host_wheel(requirement: Requirement, context: BuildContext, build: BuildFunction, workdir: Path) -> Path:
    """A host wheel of ``requirement``: from the index, else cross-built."""
    index = context.index
    finder = index.finder(target_python=host_target(context.host), only_binary=[":all:"])
    try:
        best = finder.find_best_match(requirement).best
    except Exception as error:  # network or index errors from unearth/httpx
        raise HostRequirementError(
            "cannot look up the host requirement {requirement} on {where}: {error}",
            requirement=str(requirement),
            where=index.describe(),
            error=error,
        ) from None
    if best is not None:
        return download(finder.session, best.link, context.cache / "wheels", None)
    name = canonicalize_name(requirement.name)
    if name in _in_progress.get():
        raise HostRequirementError(
            "host requirement {requirement} needs itself to be built (through {chain}); "
            "put a host wheel of it on the index ({find_links})",
            requirement=str(requirement),
            chain=" → ".join([*_in_progress.get(), name]),
        )
    logger.info("host requirement %s: no host wheel on %s; cross-building it", requirement, index.describe())
    with _building(name):
        try:
            return build(str(requirement), context.host, workdir / "host-wheels", _inner(context))
        except CrossbuildError as error:
            failure = HostRequirementError(
                "cannot cross-build the host's copy of {requirement}, which the build compiles against "
                "(no host wheel of it on {where}): {error}; put a host wheel of it on the index ({find_links})",
                requirement=str(requirement),
                where=index.describe(),
                error=str(error),
            )
            failure.log = error.log
            raise failure from None


def _inner(context: BuildContext) -> BuildContext:
    """The options of a host requirement's own build: without what the user gave for the
    outer project (its config settings, host requirements, ``--strip``/``--repair``: a
    host copy only lends its headers and libraries to the build), so that it is a plain
    build of the requirement and shares its cached wheel with ``crossbuild wheel numpy==…``."""
    return dataclasses.replace(context, config_settings={}, host_requires=(), strip=False, repair=False, plat=None)


@contextlib.contextmanager
def _building(name: str) -> Iterator[None]:
    token = _in_progress.set((*_in_progress.get(), name))
    try:
        yield
    finally:
        _in_progress.reset(token)


def _name_version(wheel: Path) -> tuple[str, str]:
    name, version, _, _ = parse_wheel_filename(wheel.name)
    return str(name), str(version)


def _unpacked(wheel: Path, host: Host, cache: Path) -> Path:
    """``wheel`` unpacked in ``cache/host-copies``, reused if it was before."""
    key = json.dumps([host.fingerprint, wheel.name, sha256_of(wheel)])
    entry = cache / "host-copies" / hashlib.sha256(key.encode()).hexdigest()[:24]
    make_dirs(entry.parent)
    with filelock.FileLock(str(entry) + ".lock", mode=FILE_MODE):
        if entry.is_dir():
            return entry
        partial = Path(tempfile.mkdtemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".partial"))
        try:
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise HostRequirementError(
                            "the host wheel {wheel} has a member outside it ({member}); use another wheel",
                            wheel=wheel,
                            member=member,
                        )
                archive.extractall(partial)
            normalise_modes(partial)
            partial.chmod(DIR_MODE)
            fault_point("host-copy")
            partial.rename(entry)
        except (OSError, zipfile.BadZipFile) as error:
            problem = HostRequirementError("cannot unpack the host wheel {wheel}: {error}", wheel=wheel, error=error)
            raise problem from None
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return entry
