"""``check``: the quality gate of a firmware image's Python packages, beyond ``pip check``.

In the site directories of every install scheme of the host (Debian: ``posix_local`` and
``deb_system``…) and their scripts directories, :func:`check_root` verifies that

- every distribution's ``.dist-info`` has its METADATA and a readable RECORD (a system
  package manager's may have none: see :data:`~.installed.PYTHON_INSTALLERS`);
- every file of every distribution's RECORD exists with its recorded size and hash
  (entries without a hash, like RECORD itself and bytecode, only exist), and its own
  SBOMs (``sboms/*.cdx.json``) still name it and its binaries;
- every distribution's dependencies are installed in versions that satisfy them, with
  the host's markers and the extras other distributions ask for;
- no file or directory is world-writable;
- no ELF file is for another machine than the host's;
- no install was interrupted (a work directory of a killed install left in the root).
- no ELF file needs the other C library: glibc's (``libc.so.6``, a manylinux wheel) on a
  musl host, musl's (``libc.musl-<arch>.so.1``, a musllinux wheel) on a glibc one.

Installing uses the same file verification: a distribution whose files are damaged is
not "already installed" (:func:`record_problems`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from ..host.elf import is_elf, read_elf_target, read_linkage
from ..host.host import Host
from ..host.rootfs import RootResolver, resolve_in_root
from ..sbom.checking import sbom_mismatches
from ..wheel.context import HostSpec
from .hashed import HashedFiles
from .installed import Existing, find_installed
from .journal import interrupted_installs
from .lock import install_in_progress
from .sites import root_sites


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a root."""

    kind: str
    """``metadata``, ``missing``, ``size``, ``hash``, ``sbom``, ``dependency``, ``world-writable``,
    ``machine``, ``libc`` or ``interrupted``."""
    distribution: str
    """``NAME VERSION`` of the distribution concerned (of each, for a directory several
    share), ``""`` for a file no RECORD lists and for an interrupted install."""
    path: str
    """The host path of the file (for a dependency: the distribution's metadata directory)."""
    detail: str

    def __str__(self) -> str:
        owner = "interrupted install" if self.kind == "interrupted" else self.distribution or "no distribution"
        return f"{owner}: {self.path}: {self.detail}"


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_root` found."""

    root: Path
    host: Host
    distributions: int
    """How many distributions were checked."""
    files: int
    """How many files were checked (RECORD files and the other files of the directories)."""
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: ``N distributions, M files checked: no problems`` (or how many)."""
        found = "no problems" if self.ok else f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        return f"{self.distributions} distributions, {self.files} files checked: {found}"

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly."""
        return {
            "root": str(self.root),
            "host": {"python": self.host.python_on_host, "machine": str(self.host.elf)},
            "distributions": self.distributions,
            "files": self.files,
            "problems": [
                {"kind": p.kind, "distribution": p.distribution, "path": p.path, "detail": p.detail}
                for p in self.problems
            ],
        }


def check_root(root: str | os.PathLike[str], *, host: HostSpec | None = None) -> CheckReport:
    """Check the Python distributions installed in ``root`` (the directory that is ``/`` on
    the host) for ``host``: a :class:`Host`, a host python's path or a host profile
    (default: the only ``python3.X`` in ``root``)."""
    opened = root_sites(root, host)
    root_dir, host, sites, scripts = opened.root, opened.host, opened.sites, opened.scripts
    distributions = find_installed(root_dir, sites, egg_info=True)

    problems = _interrupted(root_dir)
    owners: dict[Path, Existing] = {}
    for distribution in distributions:
        problems += record_problems(root_dir, distribution)
        problems += sbom_problems(root_dir, distribution)
        for host_path in distribution.files or ():
            owners.setdefault(resolve_in_root(root_dir, host_path), distribution)
    problems += _dependency_problems(distributions, host.marker_environment())
    files = dict.fromkeys(owners)
    for directory in (*sites, *scripts):
        files.update(dict.fromkeys(_tree(resolve_in_root(root_dir, directory))))
    tops = {root_dir, *(resolve_in_root(root_dir, site) for site in (*sites, *scripts))}
    labels = _directory_owners(owners, tops)
    labels.update((path, owner.label) for path, owner in owners.items())
    for path in files:
        problems += _file_problems(root_dir, path, labels.get(path, ""), host)
    checked = sum(1 for path in files if path.is_file() and not path.is_symlink())
    order = sorted(
        problems, key=lambda p: (p.kind != "interrupted", p.distribution == "", p.distribution.lower(), p.path, p.kind)
    )
    return CheckReport(root_dir, host, len(distributions), checked, tuple(order))


def record_problems(root: Path, distribution: Existing, hashed: HashedFiles | None = None) -> list[Problem]:
    """The files of ``distribution``'s RECORD that are missing, or differ in size or hash;
    ``hashed`` answers for the files hashed before and unchanged since (and learns the rest)."""
    problems = []
    if distribution.damage:
        detail = f"{distribution.damage}; install it again to repair it"
        problems.append(Problem("metadata", distribution.label, distribution.metadata_path, detail))
    resolve = RootResolver(root)
    for entry in distribution.record or ():
        path = Path(resolve.followed(entry.path))  # the file itself may be a link: followed inside the root
        kind, detail = "", ""
        info = path.stat() if path.is_file() else None
        if info is None:
            kind, detail = "missing", "missing" if not path.exists() else "not a file"
        elif entry.size.isdigit() and int(entry.size) != info.st_size:
            kind, detail = "size", f"size {info.st_size}, RECORD says {entry.size}"
        elif entry.hash and not (hashed is not None and hashed.unchanged(str(path), info, entry.hash)):
            kind, detail = "hash", _hash_mismatch(path, entry.hash)
            if not detail and hashed is not None:
                hashed.note(str(path), info, entry.hash)
        if detail:
            problems.append(Problem(kind, distribution.label, entry.path, detail))
    return problems


def sbom_problems(root: Path, distribution: Existing) -> list[Problem]:
    """Where the distribution's own SBOMs (``sboms/*.cdx.json``) no longer match it."""
    site = distribution.site.rstrip("/")
    resolve = RootResolver(root)

    def locate(member: str) -> Path:
        return Path(resolve.followed(f"{site}/{member}"))

    return [
        Problem("sbom", distribution.label, f"{site}/{where}", detail)
        for where, detail in sbom_mismatches(distribution.dist_info, distribution.name, distribution.version, locate)
    ]


def _hash_mismatch(path: Path, recorded: str) -> str:
    """How the file's digest differs from ``recorded`` (``sha256=<urlsafe base64>``), or ``""``."""
    algorithm, _, value = recorded.partition("=")
    if algorithm not in hashlib.algorithms_available:
        return f"RECORD's hash algorithm {algorithm!r} is unknown"
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if base64.urlsafe_b64encode(digest.digest()).decode("ascii").rstrip("=") == value.rstrip("="):
        return ""
    return f"content differs from RECORD ({algorithm})"


def _dependency_problems(installed: list[Existing], environment: dict[str, str]) -> list[Problem]:
    """``Requires-Dist`` that no installed distribution satisfies, as ``pip check`` tells them,
    with the host's markers and the extras other distributions ask for."""
    by_name: dict[NormalizedName, Existing] = {}
    for distribution in installed:
        by_name.setdefault(distribution.key, distribution)  # the first on the host's sys.path wins
    problems = []
    parsed: list[tuple[Existing, list[Requirement]]] = []
    for distribution in installed:
        parsed.append((distribution, []))
        for line in distribution.requires():
            try:
                parsed[-1][1].append(Requirement(line))
            except InvalidRequirement:
                detail = f"has an invalid requirement {line!r}"
                problems.append(Problem("dependency", distribution.label, distribution.metadata_path, detail))
    asked = _extras_asked(parsed, environment)
    for distribution, requirements in parsed:
        for requirement in requirements:
            needed_by = _needed_by(requirement, asked[distribution.key], environment)
            if not needed_by:
                continue
            wanted = _without_marker(requirement) + ("" if "" in needed_by else f" (for its extra {needed_by[0]!r})")
            found = by_name.get(canonicalize_name(requirement.name))
            if found is None:
                detail = f"requires {wanted}, which is not installed"
            elif not _satisfies(found.version, requirement):
                detail = f"requires {wanted}, but {found.label} is installed"
            else:
                continue
            problems.append(Problem("dependency", distribution.label, distribution.metadata_path, detail))
    return problems


def _extras_asked(
    parsed: list[tuple[Existing, list[Requirement]]], environment: dict[str, str]
) -> defaultdict[NormalizedName, set[str]]:
    """The extras each distribution is asked for by the requirements that apply on the host
    (``""`` always: its own requirements), until no extra asks for another."""
    asked: defaultdict[NormalizedName, set[str]] = defaultdict(lambda: {""})
    changed = True
    while changed:
        changed = False
        for distribution, requirements in parsed:
            for requirement in requirements:
                if _needed_by(requirement, asked[distribution.key], environment):
                    extras = asked[canonicalize_name(requirement.name)]
                    new = {canonicalize_name(extra) for extra in requirement.extras} - extras
                    extras |= new
                    changed = changed or bool(new)
    return asked


def _needed_by(requirement: Requirement, extras: set[str], environment: dict[str, str]) -> list[str]:
    """Those of ``extras`` (``""``: none) for which ``requirement``'s marker holds on the host."""
    marker = requirement.marker
    return [extra for extra in sorted(extras) if marker is None or marker.evaluate({**environment, "extra": extra})]


def _without_marker(requirement: Requirement) -> str:
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def _satisfies(version: str, requirement: Requirement) -> bool:
    try:
        return requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _file_problems(root: Path, path: Path, owner: str, host: Host) -> list[Problem]:
    """A world-writable file or directory, an ELF file for another machine."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return []  # a missing RECORD file: told by record_problems
    if stat.S_ISLNK(info.st_mode):
        return []
    host_path = "/" + path.relative_to(root).as_posix()
    problems = []
    if info.st_mode & stat.S_IWOTH:
        what = "world-writable directory" if stat.S_ISDIR(info.st_mode) else "world-writable"
        detail = f"{what} (mode {stat.S_IMODE(info.st_mode):04o})"
        problems.append(Problem("world-writable", owner, host_path, detail))
    if stat.S_ISREG(info.st_mode) and info.st_size >= 4:
        with path.open("rb") as stream:
            elf = is_elf(stream.read(4))
        target = read_elf_target(path) if elf else None
        if elf and target != host.elf:
            detail = f"ELF for {target}, the host is {host.elf}" if target else "unreadable ELF header"
            problems.append(Problem("machine", owner, host_path, detail))
        elif elf:
            problems += _libc_problems(path, host_path, owner, host)
    return problems


def _directory_owners(owners: dict[Path, Existing], tops: set[Path]) -> dict[Path, str]:
    """The directories that hold the distributions' files, below the site and scripts
    directories (and the root) ``tops``: each with the labels of the distributions whose
    files it holds."""
    held: defaultdict[Path, set[str]] = defaultdict(set)
    for path, owner in owners.items():
        for parent in path.parents:
            if parent in tops or parent == parent.parent:
                break
            if owner.label in held[parent]:
                break  # and so are the parents above it
            held[parent].add(owner.label)
    return {directory: ", ".join(sorted(labels)) for directory, labels in held.items()}


def _interrupted(root: Path) -> list[Problem]:
    """The work directories of installs into ``root`` that did not end: what state each
    left the root in, and what the next install does about it."""
    if install_in_progress(root):
        return [Problem("interrupted", "", "/", "an install into this root is in progress; check again once it ends")]
    return [Problem("interrupted", "", f"/{work.name}", _STATES[state]) for work, state in interrupted_installs(root)]


_STATES = {
    "staged": "an install was interrupted before its commit: the root is as it was, with its staging directory "
    "left inside; running crossbuild install again removes it",
    "committing": "an install was interrupted during its commit: the root is half changed; running crossbuild "
    "install again rolls it back",
    "committed": "an install was interrupted after its commit: the new files are in place, the old ones still in "
    "its backup; running crossbuild install again finishes it",
    "unknown": "an install was interrupted and left backups without a journal (an older crossbuild?): look "
    "inside; crossbuild install leaves it as it is",
}


def _libc_problems(path: Path, host_path: str, owner: str, host: Host) -> list[Problem]:
    """An ELF file that needs the C library the host does not run on."""
    linkage = read_linkage(path)
    needed = linkage.needed if linkage else ()
    if host.libc == "musl":
        other = [name for name in needed if name == "libc.so.6" or name.startswith("ld-linux")]
    elif host.libc == "glibc":
        other = [name for name in needed if name.startswith(("libc.musl-", "ld-musl-"))]
    else:
        other = []
    if not other:
        return []
    version = ".".join(map(str, host.musl or host.glibc or ()))
    detail = (
        f"needs {other[0]} of {'musl' if host.libc == 'glibc' else 'glibc'}, the host runs on {host.libc} {version}"
    )
    return [Problem("libc", owner, host_path, detail)]


def _tree(directory: Path) -> Iterator[Path]:
    """``directory`` and everything under it (symlinks are listed, never followed)."""
    if not directory.is_dir():
        return
    yield directory
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in sorted(dirnames) + sorted(filenames):
            yield Path(dirpath) / name
