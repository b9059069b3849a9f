"""Lay wheels into a host root, in one transaction.

:class:`Placement` is where and how wheels go: they are installed with ``installer``
into the staging directory of a
:class:`~crossbuild.installation.transaction.RootTransaction`, with the host's install
scheme and shebangs for the host python; the versions they replace are removed by their
RECORD.  Staged files get pip's modes — 0644, or 0755 where the wheel marks them
executable and for scripts — whatever the umask.  With a cache, a wheel is installed once
per layout and staged by copying, or by hard link (:mod:`crossbuild.installation.unpacked`).

:func:`lay` lays the chosen distributions — replaced versions removed, intact ones kept,
damaged ones repaired — and :func:`plan` says, for a dry run, what would be laid, with
the sizes of what is there afterwards.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import installer
from installer import install as install_wheel
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from packaging.utils import NormalizedName, parse_wheel_filename

from .._cache import code_digest
from .._exceptions import InstallTargetError
from .._faults import fault_point
from .._files import make_dirs, normalise_modes
from .._reporter import Reporter, reporting
from .._subprocess import run
from .._warnings import warnings_to_log
from ..host.host import Host
from .artifacts import Artifact, ArtifactStore
from .check import record_problems
from .installed import Existing, find_installed
from .options import InstallOptions
from .resolver import Candidate
from .result import InstalledDistribution, InstallResult
from .sizes import RootChange, measure
from .transaction import RootTransaction
from .unpacked import UnpackedWheels

#: What ``installer`` writes as ``INSTALLER``.
_INSTALLER = b"crossbuild"

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class Placement:
    """Where and how wheels go: the root, the host's scheme, and who compiles bytecode."""

    host: Host
    root: Path
    scheme: Mapping[str, str]
    """Host-side ``purelib``, ``platlib``, ``headers``, ``scripts``, ``data`` directories."""
    compile_with: Path | None = None
    """A python of the host's X.Y that compiles ``.pyc`` files, or ``None`` for no bytecode."""
    cache: Path | None = None
    """Where installed wheels are kept (``unpacked/``), or ``None`` to install each anew."""
    hardlink: bool = False
    """Lay files from the cache by hard link rather than by copy (see :mod:`~crossbuild.installation.unpacked`)."""

    def installed(self) -> dict[NormalizedName, Existing]:
        """Distributions already in the root's ``purelib``/``platlib``."""
        sites = sorted({self.scheme["purelib"], self.scheme["platlib"]})
        return {existing.key: existing for existing in find_installed(self.root, sites)}

    def remove(self, existing: Existing, transaction: RootTransaction) -> None:
        """Have ``transaction`` remove ``existing`` (every file its RECORD lists)."""
        if existing.files is None:
            raise InstallTargetError(
                "cannot replace {name} {version}: {dist_info} has no RECORD; remove it from the root by hand first",
                name=existing.name,
                version=existing.version,
                dist_info=existing.dist_info,
            )
        for host_path in existing.files:
            transaction.remove(host_path)

    def stage(self, wheel: Path, transaction: RootTransaction) -> tuple[str, ...]:
        """Install ``wheel`` into the transaction's staging directory; return the new host paths."""
        scheme = {**self.scheme, "headers": self.scheme["headers"].format(name=parse_wheel_filename(wheel.name)[0])}
        before = set(transaction.staged_files()) if self.cache is None or self.compile_with is not None else set()
        if self.cache is None:
            self._install(wheel, scheme, transaction.stage_dir)
            added = sorted(set(transaction.staged_files()) - before)
        else:
            layout = self._layout(scheme)
            install = functools.partial(self._install, wheel, scheme)
            # bytecode is compiled in the stage's tree; without, each file gets a name of its own
            place = _in_tree(transaction.stage_dir) if self.compile_with is not None else transaction.new_file
            added = list(self._unpacked.stage(wheel, layout, install, place))
        if self.compile_with is not None:
            self._compile(transaction.stage_dir, added)
            added = sorted(set(transaction.staged_files()) - before)
        if self.cache is None or self.compile_with is not None:
            normalise_modes(transaction.stage_dir)  # copies from the cache have their modes already
        return tuple(added)

    @functools.cached_property
    def _unpacked(self) -> UnpackedWheels:
        """The cache's unpacked wheels, one for every wheel of an install (it says once
        that links are refused)."""
        assert self.cache is not None
        return UnpackedWheels(self.cache, hardlink=self.hardlink)

    def _install(self, wheel: Path, scheme: Mapping[str, str], destdir: Path) -> None:
        destination = SchemeDictionaryDestination(
            dict(scheme), interpreter=self.host.python_on_host, script_kind="posix", destdir=str(destdir)
        )
        with WheelFile.open(wheel) as source, warnings_to_log(logger, logging.DEBUG):
            install_wheel(source, destination, {"INSTALLER": _INSTALLER})

    def _layout(self, scheme: Mapping[str, str]) -> str:
        """A digest of everything but the wheel that shapes the installed files."""
        shaping = [
            sorted(scheme.items()),
            self.host.python_on_host,
            "posix",
            _INSTALLER.decode(),
            installer.__version__,
            code_digest("installation/laying.py", "installation/unpacked.py"),
        ]
        return hashlib.sha256(json.dumps(shaping).encode()).hexdigest()

    def _compile(self, stage_dir: Path, host_paths: Iterable[str]) -> None:
        """Write ``__pycache__`` files that name the modules by their host paths."""
        sites = tuple(f"{self.scheme[key].rstrip('/')}/" for key in ("purelib", "platlib"))
        modules = [str(stage_dir) + p for p in host_paths if p.endswith(".py") and p.startswith(sites)]
        if modules:
            assert self.compile_with is not None
            command = [str(self.compile_with), "-m", "compileall", "-q", "-s", str(stage_dir), "-p", "/", *modules]
            run(command, what="compiling bytecode for the host")


def _in_tree(stage_dir: Path) -> Callable[[str], Path]:
    """Where a host path goes in the tree of ``stage_dir``, its directory made (0755)."""
    made: set[Path] = set()

    def place(host_path: str) -> Path:
        target = stage_dir / host_path.lstrip("/")
        if target.parent not in made:
            make_dirs(target.parent)
            made.add(target.parent)
        return target

    return place


def plan(
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


def lay(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    wheels: dict[NormalizedName, Path],
    store: ArtifactStore,
    requested: set[NormalizedName],
    existing: Mapping[NormalizedName, Existing],
    force_reinstall: bool,
    reporter: Reporter | None = None,
) -> InstallResult:
    """Replace or add every chosen distribution in the root (which holds ``existing``),
    in one transaction."""
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
