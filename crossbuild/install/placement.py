"""Lay wheels into a host root: what is installed there already, staging, bytecode.

Wheels are installed with ``installer`` into the staging directory of a
:class:`~crossbuild.install.transaction.RootTransaction`, with the host's install scheme
and shebangs for the host python; the versions they replace are removed by their RECORD.
Staged files get pip's modes — 0644, or 0755 where the wheel marks them executable and
for scripts — whatever the umask.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from installer import install as install_wheel
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from packaging.utils import NormalizedName, parse_wheel_filename

from .._exceptions import InstallTargetError
from .._files import normalise_modes
from .._subprocess import run
from .._warnings import warnings_to_log
from ..host.host import Host
from .installed import Existing, find_installed
from .transaction import RootTransaction

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
        before = set(transaction.staged_files())
        destination = SchemeDictionaryDestination(
            {**self.scheme, "headers": self.scheme["headers"].format(name=parse_wheel_filename(wheel.name)[0])},
            interpreter=self.host.python_on_host,
            script_kind="posix",
            destdir=str(transaction.stage_dir),
        )
        with WheelFile.open(wheel) as source, warnings_to_log(logger, logging.DEBUG):
            install_wheel(source, destination, {"INSTALLER": b"crossbuild"})
        added = sorted(set(transaction.staged_files()) - before)
        if self.compile_with is not None:
            self._compile(transaction.stage_dir, added)
            added = sorted(set(transaction.staged_files()) - before)
        normalise_modes(transaction.stage_dir)
        return tuple(added)

    def _compile(self, stage_dir: Path, host_paths: Iterable[str]) -> None:
        """Write ``__pycache__`` files that name the modules by their host paths."""
        sites = tuple(f"{self.scheme[key].rstrip('/')}/" for key in ("purelib", "platlib"))
        modules = [str(stage_dir) + p for p in host_paths if p.endswith(".py") and p.startswith(sites)]
        if modules:
            assert self.compile_with is not None
            command = [str(self.compile_with), "-m", "compileall", "-q", "-s", str(stage_dir), "-p", "/", *modules]
            run(command, what="compiling bytecode for the host")
