"""A cross-built wheel's PEP 770 SBOM: ``<name>.dist-info/sboms/crossbuild.cdx.json``.

It says what the wheel is (its project's purl, the sdist's sha256 or the source tree's
git commit), how it was built (crossbuild, the backend and every distribution of the
isolated build environment with its version, the compilers and their target, the host
and the digest of the root built against) and what its binaries take from the root:
every library they load there, by the Debian package that installed it where the root
has a dpkg database.  A wheel ``repair`` grafted libraries into keeps auditwheel's own
``sboms/auditwheel.cdx.json`` beside it.

The document is made from the same facts the same way, so the same build gives the
same wheel bytes; its time stamp is the build's ``SOURCE_DATE_EPOCH`` only when one
was set.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name, parse_wheel_filename

from .._cache import content_digest
from .._subprocess import probe
from .._version import __version__
from ..backend_env.surface import root_surface_digest
from ..host.compilers import compiler_version
from ..host.elf import Linkage, read_linkage
from ..host.host import Host
from ..host.libraries import HostLibraries
from ..sbom.cdx import wheel_document
from ..sbom.linked import linked_root_libraries
from ..sbom.model import WHEEL_SBOM_NAME, BuildFacts, Compiler, WheelDescription
from .backend import build_backend_name
from .isolated_env import IsolatedEnv
from .members import elf_members
from .options import DEFAULT_SOURCE_DATE_EPOCH
from .sources import SourceTree


def build_facts(tree: SourceTree, env: IsolatedEnv, host: Host, sdist: Path | None) -> BuildFacts:
    """What the SBOM of a wheel built from ``tree`` (or the ``sdist`` it came from) in
    ``env`` says of its build."""
    backend = build_backend_name(tree)
    requirements = tuple(sorted(_environment(env.site_packages).items()))
    return BuildFacts(
        crossbuild_version=__version__,
        backend=backend,
        backend_version=_backend_version(backend, env.site_packages),
        requirements=requirements,
        compilers=_compilers(host),
        host=_host_facts(host),
        root_digest=root_surface_digest(host.sysroot, host.multiarch),
        sdist_sha256=content_digest(sdist) if sdist is not None else None,
        sdist_name=sdist.name if sdist is not None else None,
        vcs_revision=None if tree.unpacked else _git_revision(tree.path),
    )


def sbom_members(
    wheel: Path, unrepaired: Path, facts: BuildFacts, libraries: HostLibraries, source_date_epoch: int
) -> dict[str, bytes]:
    """The SBOM of ``wheel`` as the member to add when it is written (by
    :func:`~crossbuild.wheel.retag.retag_wheel`, which normalises it anyway: no second
    rewrite of a large wheel).  ``unrepaired`` is the wheel before ``repair`` (or
    ``wheel`` itself): the libraries repair grafted are described as the root's."""
    name, version, _, _ = parse_wheel_filename(wheel.name)
    with zipfile.ZipFile(unrepaired) as archive:
        linkages = {member: read_linkage(archive.read(member)) for member in _elf_members(archive)}
    with zipfile.ZipFile(wheel) as archive:
        files = {member: _sha256(archive.read(member)) for member in _elf_members(archive)}
        dist_info = _dist_info(archive)
        grafted = _grafted(archive.namelist(), linkages)
    in_wheel = {PurePosixPath(member).name for member in linkages}
    linked = linked_root_libraries(linkages, libraries, lambda member, soname: soname in in_wheel)
    description = WheelDescription(str(name), str(version), files, linked, grafted)
    timestamp = source_date_epoch if source_date_epoch != DEFAULT_SOURCE_DATE_EPOCH else None
    return {f"{dist_info}/sboms/{WHEEL_SBOM_NAME}": wheel_document(description, facts, timestamp)}


def _elf_members(archive: zipfile.ZipFile) -> list[str]:
    return sorted(info.filename for info in elf_members(archive))


def _dist_info(archive: zipfile.ZipFile) -> str:
    return sorted({n.split("/", 1)[0] for n in archive.namelist() if n.split("/", 1)[0].endswith(".dist-info")})[0]


def _grafted(names: list[str], linkages: Mapping[str, Linkage | None]) -> frozenset[str]:
    """The sonames ``repair`` copied into ``<pkg>.libs/`` (as ``libz-1a2b3c4d.so.1.2.13``)."""
    copied = [PurePosixPath(n).name for n in names if PurePosixPath(n).parent.name.endswith(".libs")]
    needed = {soname for linkage in linkages.values() if linkage for soname in linkage.needed}
    return frozenset(
        soname
        for soname in needed
        if any(re.fullmatch(re.escape(soname.split(".so")[0]) + r"-[0-9a-f]{8}\..*", name) for name in copied)
    )


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _environment(site_packages: Path) -> dict[str, str]:
    found = {}
    for distribution in metadata.distributions(path=[str(site_packages)]):
        name = distribution.metadata["Name"]
        if name:
            found[str(canonicalize_name(name))] = distribution.version
    return found


def _backend_version(backend: str, site_packages: Path) -> str | None:
    """The version of the distribution whose files hold the backend's top-level module."""
    top = backend.split(":")[0].split(".")[0]
    for distribution in metadata.distributions(path=[str(site_packages)]):
        for file in distribution.files or ():
            if file.parts[0] in (top, f"{top}.py"):
                return distribution.version
    return None


def _compilers(host: Host) -> tuple[Compiler, ...]:
    """The compilers of the build, with the versions they give (``-dumpfullversion`` for
    GCC, ``-dumpversion`` for clang): the C compiler's as the toolchain found it."""
    toolchain = host.toolchain
    found = []
    kinds = (
        ("c", toolchain.cc, toolchain.kind),
        ("c++", toolchain.cxx, toolchain.kind),
        ("fortran", toolchain.fortran, "gcc"),
    )
    for language, command, kind in kinds:
        if not command:
            continue
        version = toolchain.version if language == "c" else compiler_version(list(command), kind)
        found.append(
            Compiler(
                language=language, program=Path(command[0]).name, version=version or "unknown", target=toolchain.target
            )
        )
    return tuple(found)


def _host_facts(host: Host) -> dict[str, str]:
    return {
        "machine": host.machine,
        "libc": host.libc or "unknown",
        **({"libc-version": ".".join(map(str, version))} if (version := host.musl or host.glibc) else {}),
        "python": host.full_version,
        "tag": str(host.tag),
    }


def _git_revision(tree: Path) -> str | None:
    if not (tree / ".git").exists():
        return None
    answer = probe(["git", "-C", tree, "rev-parse", "HEAD"])
    revision = answer.stdout.strip()
    return revision if answer.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", revision) else None
