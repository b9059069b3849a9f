"""The corpus's data: the pinned packages of ``packages.toml`` and what each needs."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATALOG = Path(__file__).with_name("packages.toml")


@dataclass(frozen=True)
class Package:
    name: str
    """The project's canonical name (``python-ldap``)."""
    version: str
    backend: str
    kind: str
    probes: bool = False
    links: tuple[str, ...] = ()
    sysroot: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    quick: bool = False
    verdict: str | None = None
    """A failure diagnosed by hand: ``package: <why>`` or ``root: <why>``."""
    notes: tuple[str, ...] = field(default=())

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


def load(path: Path = CATALOG) -> list[Package]:
    """Every package of the catalog at ``path``, in its order."""
    with path.open("rb") as stream:
        entries = tomllib.load(stream)["package"]
    packages = []
    for entry in entries:
        unknown = set(entry) - {f for f in Package.__dataclass_fields__}
        if unknown:
            raise SystemExit(f"{path}: {entry.get('name')}: unknown fields {sorted(unknown)}")
        entry = dict(entry, name=canonicalize_name(entry["name"]))
        for listed in ("links", "sysroot", "imports", "notes"):
            entry[listed] = tuple(entry.get(listed, ()))
        if entry.get("verdict") and entry["verdict"].split(":")[0] not in ("package", "root"):
            raise SystemExit(f"{path}: {entry['name']}: a verdict starts with 'package:' or 'root:'")
        packages.append(Package(**entry))
    names = [p.name for p in packages]
    if len(set(names)) != len(names):
        raise SystemExit(f"{path}: a package is listed twice")
    return packages


def select(packages: Sequence[Package], only: Sequence[str] = (), quick: bool = False) -> list[Package]:
    """The packages named in ``only`` (all if empty), or the quick subset."""
    if only:
        wanted = {canonicalize_name(name) for name in only}
        unknown = wanted - {p.name for p in packages}
        if unknown:
            raise SystemExit(f"not in the corpus: {', '.join(sorted(unknown))}")
        return [p for p in packages if p.name in wanted]
    return [p for p in packages if p.quick] if quick else list(packages)


def sysroot_packages(packages: Sequence[Package]) -> list[str]:
    """The union of the Debian packages the selected packages need in the root."""
    return sorted({debian for package in packages for debian in package.sysroot})
