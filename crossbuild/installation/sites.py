"""Where a host root keeps its Python distributions: the one way ``check`` and ``sbom``
open a root they read (and never write)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import InstallTargetError
from ..host.host import Host
from ..host.layout import host_python_in_root
from ..host.rootfs import resolve_in_root
from ..host.schemes import all_install_paths
from ..wheel.context import HostSpec, make_context


@dataclass(frozen=True)
class RootSites:
    """A root, its host, and the directories of every install scheme of the host python,
    each directory once (Debian's ``/usr/lib/python3/dist-packages`` is ``posix_prefix``'s
    and ``deb_system``'s)."""

    root: Path
    """The directory that is ``/`` on the host, absolute."""
    host: Host
    sites: list[str]
    """``purelib`` and ``platlib``, as paths on the host."""
    scripts: list[str]


def root_sites(root: str | os.PathLike[str], host: HostSpec | None = None) -> RootSites:
    """The sites of ``root`` for ``host``: a :class:`Host`, a host python's path or a host
    profile (default: the only ``python3.X`` in ``root``), through the one door."""
    root_dir = Path(root).absolute()
    if not root_dir.is_dir():
        raise InstallTargetError("{root} {path} is not a directory", path=root_dir)
    found = make_context(host or host_python_in_root(root_dir), building=False).host
    schemes = all_install_paths(found, found.prefix).values()
    return RootSites(
        root_dir,
        found,
        distinct_directories(root_dir, (paths[key] for paths in schemes for key in ("purelib", "platlib"))),
        distinct_directories(root_dir, (paths["scripts"] for paths in schemes)),
    )


def distinct_directories(root: Path, host_paths: Iterable[str]) -> list[str]:
    """``host_paths`` without those that lead to the same directory as an earlier one."""
    by_directory: dict[Path, str] = {}
    for host_path in host_paths:
        by_directory.setdefault(resolve_in_root(root, host_path), host_path)
    return list(by_directory.values())
