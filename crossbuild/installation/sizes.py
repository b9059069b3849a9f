"""How many bytes an install puts into a root: per distribution, and for the whole image.

Firmware images have a byte budget, so ``install`` says what each distribution occupies
(the sum of its files' sizes, as ``du -b`` counts them, symlinks as links) and how the
image changed: the paths an install touched are measured before and after it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import RootfsError
from ..host.rootfs import RootResolver


@dataclass(frozen=True)
class RootChange:
    """How an install changed the root: files and bytes, over every path it touched."""

    bytes_before: int = 0
    """Bytes of the touched paths before: the files removed or overwritten."""
    bytes_after: int = 0
    """Bytes of the touched paths after: the files added or overwritten."""
    files_added: int = 0
    """Paths that hold a file now and did not."""
    files_removed: int = 0
    """Paths that held a file and do not now."""
    files_replaced: int = 0
    """Paths that held a file before and hold another (or the same) now."""

    @property
    def growth(self) -> int:
        """Bytes the image grew by (negative: it shrank)."""
        return self.bytes_after - self.bytes_before

    @classmethod
    def between(cls, before: Mapping[str, int], after: Mapping[str, int]) -> RootChange:
        """The change from ``before`` to ``after``, two :func:`measure` results of the same paths."""
        return cls(
            bytes_before=sum(before.values()),
            bytes_after=sum(after.values()),
            files_added=len(after.keys() - before.keys()),
            files_removed=len(before.keys() - after.keys()),
            files_replaced=len(before.keys() & after.keys()),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "growth": self.growth,
            "files_added": self.files_added,
            "files_removed": self.files_removed,
            "files_replaced": self.files_replaced,
        }


def measure(root: Path, host_paths: Iterable[str]) -> dict[str, int]:
    """The size of each of ``host_paths`` that is a file (or a symlink) in ``root``."""
    sizes = {}
    resolve = RootResolver(root)  # nothing changes in the root meanwhile
    for host_path in host_paths:
        try:
            info = os.lstat(resolve.text(host_path))  # a Path for each costs more than the call
        except (OSError, RootfsError):  # not there (or unreachable): it holds no bytes
            continue
        if not stat.S_ISDIR(info.st_mode):
            sizes[host_path] = info.st_size
    return sizes
