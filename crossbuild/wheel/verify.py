"""Check a wheel before it is published or laid into a root.

A wheel is refused when it is not a sound archive (a corrupt or truncated zip, a member
whose content does not match RECORD, a member named outside the wheel: ``../x`` or
``/etc/x``) or when it holds a binary that is not for the host.

Reading every member, hashing it and parsing every ELF file costs most of a warm
install: given a cache, what a wheel holds (its ELF files and what each needs of the
loader) is kept under the wheel's sha256, the host's ELF target and this code's digest,
once the archive was found sound.  A wheel with those bytes needs no second look; only
whether its libraries load from the host's root — which may have changed — is checked
every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from installer.exceptions import InstallerError
from installer.sources import WheelFile

from .._cache import code_digest, content_digest
from .._exceptions import ForeignExtensionError, InvalidWheelError, UnloadableWheelError, WheelVerificationError
from .._files import keep_in_cache
from ..host.elf import ElfTarget, Linkage, read_elf_target, read_linkage
from ..host.libraries import HostLibraries
from .members import elf_members

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class WheelContents:
    """What verification learnt about a wheel."""

    elf_files: tuple[str, ...]

    @property
    def has_binaries(self) -> bool:
        return bool(self.elf_files)


def verify_wheel(
    wheel: Path, expected: ElfTarget, libraries: HostLibraries | None = None, cache: Path | None = None
) -> WheelContents:
    """Raise :class:`InvalidWheelError` for an unsound archive,
    :class:`WheelVerificationError` naming the first ELF file not built for ``expected``,
    and, given the host's ``libraries``, :class:`UnloadableWheelError` naming the first
    library or symbol version an ELF file needs that neither the wheel nor the host has.
    ``cache`` keeps what a sound wheel holds, so the same bytes are read once."""
    kept = _kept_path(wheel, expected, cache) if cache is not None else None
    linkages = _read_kept(kept) if kept is not None else None
    if linkages is None:
        try:
            with zipfile.ZipFile(wheel) as archive:
                _check_names(wheel, archive)
                _check_record(wheel, archive)
                elf_files = _elf_files(wheel, archive, expected)
                wanted = libraries is not None or kept is not None
                linkages = {member: read_linkage(archive.read(member)) for member in elf_files} if wanted else {}
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, OSError) as error:
            raise InvalidWheelError(wheel, "is not a readable zip archive ({error})", error=error) from None
        if kept is not None:
            _keep(kept, elf_files, linkages)
    else:
        elf_files = tuple(linkages)
    if libraries is not None:
        _check_loadable(wheel, linkages, libraries, cache)
    return WheelContents(elf_files=tuple(elf_files))


_CPYTHON_EXTENSION = re.compile(r"\.cpython-[^./]+\.so$")


def check_extension_names(wheel: Path, extension_suffix: str) -> None:
    """Raise :class:`ForeignExtensionError` for an extension module named for another
    CPython than the host's (``extension_suffix``, e.g. ``.cpython-311-aarch64-linux-gnu.so``):
    an earlier build of the source tree for another host, packed with this one."""
    if not _CPYTHON_EXTENSION.search(extension_suffix):
        return
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if _CPYTHON_EXTENSION.search(name) and not name.endswith(extension_suffix):
                raise ForeignExtensionError(wheel.name, name, extension_suffix)


def _check_names(wheel: Path, archive: zipfile.ZipFile) -> None:
    """Every member stays inside the wheel: no absolute path, no ``..``, no backslash."""
    for name in archive.namelist():
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or "\\" in name or posixpath.isabs(posixpath.normpath(name)):
            raise InvalidWheelError(wheel, "has a member {member!r} that points outside the wheel", member=name)


def _check_record(wheel: Path, archive: zipfile.ZipFile) -> None:
    """Every member is in RECORD with its size and hash (read with ``installer``)."""
    try:
        WheelFile(archive).validate_record(validate_contents=True)
    except (InstallerError, ValueError) as error:
        issues = getattr(error, "issues", None) or [str(error)]
        detail = str(issues[0]).replace(f"In {wheel}, ", "")
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise InvalidWheelError(wheel, "does not match its RECORD: {detail}{more}", detail=detail, more=more) from None


def _elf_files(wheel: Path, archive: zipfile.ZipFile, expected: ElfTarget) -> tuple[str, ...]:
    elf_files = []
    for info in elf_members(archive):
        target = read_elf_target(archive.read(info))
        if target != expected:
            found = str(target) if target else "an unreadable ELF file"
            raise WheelVerificationError(wheel.name, info.filename, found, str(expected))
        elf_files.append(info.filename)
    return tuple(elf_files)


def _check_loadable(
    wheel: Path, linkages: Mapping[str, Linkage | None], libraries: HostLibraries, cache: Path | None
) -> None:
    """Every library each ELF file (``linkages``: each one's linkage, by member) needs is
    in the wheel or the host's root, and defines every symbol version the file needs of it."""
    in_wheel = {PurePosixPath(member).name: linkage for member, linkage in linkages.items() if linkage}
    for member, linkage in linkages.items():
        if linkage is None:
            continue
        absolute = tuple(p for p in linkage.search_paths if p.startswith("/"))  # $ORIGIN: inside the wheel
        _check_search_paths(wheel, member, absolute, libraries.root)
        for library in dict.fromkeys([*linkage.needed, *linkage.versions_needed]):
            if library in in_wheel:
                defined, where = in_wheel[library].versions_defined, "the wheel's"
            else:
                found = libraries.find(library, absolute)
                if found is None:
                    raise UnloadableWheelError(
                        "{wheel_name}: {member} needs {library}, which is neither in the wheel nor in the host's "
                        "root {root}; add it to the root (its -dev package in a sysroot), or build without it",
                        wheel_name=wheel.name,
                        member=member,
                        library=library,
                        root=libraries.root,
                    )
                found_linkage = _library_linkage(found, libraries, cache)
                defined = found_linkage.versions_defined if found_linkage else frozenset()
                where = "the host's"
            needed = linkage.versions_needed.get(library, {})
            missing = [version for version in needed if version not in defined]
            if missing:
                version = missing[0]
                raise UnloadableWheelError(
                    "{wheel_name}: {member} needs {symbol}@{version} from {library}, which {where} {library} does "
                    "not define{newest}; build it against the host's root, or give the root a newer {library}",
                    wheel_name=wheel.name,
                    member=member,
                    symbol=needed[version] or "a symbol",
                    version=version,
                    library=library,
                    where=where,
                    newest=_newest_hint(version, defined),
                )


def _check_search_paths(wheel: Path, member: str, search_paths: tuple[str, ...], root: Path) -> None:
    """No run-time search path (``RUNPATH``/``RPATH``) names the root where it is on this
    machine: on the device that directory does not exist.  crossbuild's own builds have
    such paths mended before they get here (``runpaths.py``); a wheel that still has one
    was made some other way against this root (a wheelhouse of another tool)."""
    here = {str(root), os.path.realpath(root)} - {"/"}
    for path in search_paths:
        for prefix in here:
            if path == prefix or path.startswith(prefix + "/"):
                raise UnloadableWheelError(
                    "{wheel_name}: {member} searches {path} for libraries at run time, a directory of this "
                    "machine (the host's root is {root} here) that the host does not have; build the wheel "
                    "from its sdist with crossbuild, which gives such a file the host's path ({host_path}), or set "
                    "that path yourself with patchelf --set-rpath",
                    wheel_name=wheel.name,
                    member=member,
                    path=path,
                    root=root,
                    host_path="/" + path[len(prefix) :].lstrip("/"),
                )


def _newest_hint(version: str, defined: frozenset[str]) -> str:
    """`` (it has up to GLIBC_2.36)`` for a missing ``GLIBC_2.38``."""
    family = version.rpartition("_")[0]
    numbers = []
    for other in defined:
        other_family, _, other_number = other.rpartition("_")
        if other_family == family and other_number.replace(".", "").isdigit():
            numbers.append((tuple(int(x) for x in other_number.split(".") if x), other))
    return f" (it has up to {max(numbers)[1]})" if family and numbers else ""


def _kept_path(wheel: Path, expected: ElfTarget, cache: Path) -> Path:
    """Where what ``wheel`` holds is kept: its bytes, the target and this code decide."""
    return _kept_entry(cache, content_digest(wheel), str(expected))


def _kept_entry(cache: Path, *parts: str) -> Path:
    """The entry in ``cache`` for what was read of ``parts`` (digests of bytes…) by this code."""
    code = code_digest("wheel/verify.py", "host/elf.py")
    key = hashlib.sha256("\0".join([*parts, code]).encode())
    return cache / "verified" / f"{key.hexdigest()[:40]}.json"


def _library_linkage(library: Path, libraries: HostLibraries, cache: Path | None) -> Linkage | None:
    """What a library of the root offers, kept in ``cache`` under its bytes' digest: with
    the wheels' verification kept too, a warm install parses no ELF file at all."""
    if cache is None:
        return libraries.linkage(library)
    kept = _kept_entry(cache, "library", content_digest(library))
    try:
        return _linkage_of(json.loads(kept.read_bytes()))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        logger.debug("reading %s again: %s is damaged (%s)", library, kept, error)
    linkage = libraries.linkage(library)
    _write_kept(kept, _linkage_json(linkage))
    return linkage


def _keep(kept: Path, elf_files: tuple[str, ...], linkages: Mapping[str, Linkage | None]) -> None:
    _write_kept(kept, {"elf_files": [[member, _linkage_json(linkages.get(member))] for member in elf_files]})


def _write_kept(kept: Path, entry: object) -> None:
    keep_in_cache(kept, json.dumps(entry, sort_keys=True).encode(), "what verification read")


def _read_kept(kept: Path) -> dict[str, Linkage | None] | None:
    """The ELF files and their linkages kept for a sound wheel; ``None`` if none are (or
    the entry is unreadable: the wheel is then verified again, and the entry rewritten)."""
    try:
        entry = json.loads(kept.read_bytes())
        return {member: _linkage_of(value) for member, value in entry["elf_files"]}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        logger.debug("verifying again: %s is damaged (%s)", kept, error)
        return None


def _linkage_json(linkage: Linkage | None) -> object:
    if linkage is None:
        return None
    return {
        "needed": list(linkage.needed),
        "search_paths": list(linkage.search_paths),
        "versions_needed": {library: dict(versions) for library, versions in linkage.versions_needed.items()},
        "versions_defined": sorted(linkage.versions_defined),
    }


def _linkage_of(value: object) -> Linkage | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"a linkage is not a mapping: {value!r}")
    needed = value["versions_needed"]
    return Linkage(
        needed=tuple(map(str, value["needed"])),
        search_paths=tuple(map(str, value["search_paths"])),
        versions_needed={str(lib): {str(v): str(s) for v, s in versions.items()} for lib, versions in needed.items()},
        versions_defined=frozenset(map(str, value["versions_defined"])),
    )
