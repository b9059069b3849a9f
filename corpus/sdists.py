"""The corpus's sdists as files, for ``--from-sdists``: the pinned sdist of each package,
fetched from PyPI once into a folder of the cache.

``crossbuild install name==version`` takes the sdist from the index and, when its
metadata is not static (``Metadata-Version`` < 2.2, or ``Requires-Dist`` dynamic: nearly
every sdist of today), builds it while resolving, one after the other.  Local sdists are
built first, ``-j`` at a time.  Running the corpus both ways shows what ``install -j``
overlaps in each case.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import unearth

from corpus.catalog import Package

PYPI = "https://pypi.org/simple"


def fetch(packages: Sequence[Package], folder: Path) -> dict[str, Path]:
    """The sdist of every package, downloaded into ``folder`` unless it is there."""
    folder.mkdir(parents=True, exist_ok=True)
    finder = unearth.PackageFinder(index_urls=[PYPI], no_binary=[":all:"])
    found = {}
    for package in packages:
        matches = [m for m in finder.find_matches(package.requirement) if not m.link.is_wheel]
        if not matches:
            raise SystemExit(f"PyPI has no sdist of {package.requirement}")
        link = matches[0].link
        path = folder / link.filename
        if not path.is_file():
            partial = folder / "partial"
            partial.mkdir(exist_ok=True)
            downloaded = finder.download(link, partial, hashes=link.hash_option)
            downloaded.rename(path)
        found[package.name] = path
    return found
