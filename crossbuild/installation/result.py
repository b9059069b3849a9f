"""What ``install`` did to a root: every distribution chosen, how it got there, its size,
and how the image changed — typed and frozen, for scripts and ``--report``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from ..host.host import Host
from .sizes import RootChange


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
