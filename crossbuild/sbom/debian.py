"""Which Debian package of a root provides a file: the root's dpkg database.

A Debian or Ubuntu rootfs keeps ``var/lib/dpkg/status`` (every package, its version and
architecture) and ``var/lib/dpkg/info/<package>.list`` (the paths each one installed,
``<package>:<arch>.list`` for ``Multi-Arch: same`` ones).  They name a library by the
path its package shipped it at; on a merged-/usr root ``/lib/x`` is ``/usr/lib/x``, so
both spellings are tried.  A root without the database (Buildroot, Yocto without
``package-management``) has no owners: its libraries are named by their file hash.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..host.rootfs import resolve_in_root

#: Where the database lives in a root.
STATUS = "var/lib/dpkg/status"
INFO = "var/lib/dpkg/info"
#: The top directories a merged-/usr root keeps under /usr.
_MERGED = ("/lib", "/bin", "/sbin", "/lib32", "/lib64", "/libx32")


@dataclass(frozen=True, order=True)
class DebianPackage:
    """An installed package of the root."""

    name: str
    version: str
    architecture: str
    vendor: str = "debian"

    @property
    def purl(self) -> str:
        """``pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=arm64`` (the purl spec's ``deb`` type)."""
        from packageurl import PackageURL

        qualifiers = {"arch": self.architecture} if self.architecture else None
        return str(PackageURL("deb", self.vendor, self.name, self.version, qualifiers))


class DpkgDatabase:
    """The dpkg database of ``root`` (empty when it has none)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.packages = _installed(root / STATUS, _vendor(root))
        self._owners: dict[str, DebianPackage] | None = None

    def __bool__(self) -> bool:
        return bool(self.packages)

    def owner(self, host_path: str) -> DebianPackage | None:
        """The package that installed ``host_path`` (either spelling on a merged-/usr root)."""
        owners = self._read_lists()
        for candidate in _spellings(host_path):
            if candidate in owners:
                return owners[candidate]
        return None

    def _read_lists(self) -> dict[str, DebianPackage]:
        if self._owners is None:
            self._owners = {}
            for (name, architecture), package in sorted(self.packages.items()):
                for list_name in (f"{name}:{architecture}.list", f"{name}.list"):
                    listing = self.root / INFO / list_name
                    if listing.is_file():
                        for line in listing.read_text(errors="replace").splitlines():
                            if line and line != "/.":
                                self._owners.setdefault(line, package)
                        break
        return self._owners


def _spellings(host_path: str) -> list[str]:
    """``host_path``, and its other spelling on a merged-/usr root."""
    path = str(PurePosixPath(host_path))
    for top in _MERGED:
        if path.startswith(f"{top}/"):
            return [path, f"/usr{path}"]
        if path.startswith(f"/usr{top}/"):
            return [path, path.removeprefix("/usr")]
    return [path]


def _installed(status: Path, vendor: str) -> dict[tuple[str, str], DebianPackage]:
    """The packages ``status`` says are installed, by (name, architecture)."""
    try:
        text = status.read_text(errors="replace")
    except OSError:
        return {}
    found = {}
    for paragraph in text.split("\n\n"):
        fields = _fields(paragraph)
        if fields.get("status", "").split()[-1:] != ["installed"] or "package" not in fields:
            continue
        package = DebianPackage(fields["package"], fields.get("version", ""), fields.get("architecture", ""), vendor)
        found[(package.name, package.architecture)] = package
    return found


def _fields(paragraph: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t") or ":" not in line:
            continue  # a continuation line
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    return fields


@functools.lru_cache(maxsize=8)
def _vendor(root: Path) -> str:
    """The purl namespace: the root's ``ID`` in os-release (``debian``, ``ubuntu``), else ``debian``."""
    for name in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            text = resolve_in_root(root, name).read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("ID="):
                return line.removeprefix("ID=").strip().strip("\"'") or "debian"
    return "debian"
