"""A resolution remembered while the index pages it read stay the same.

A warm ``install -r requirements.txt`` into a new root resolves again what it resolved
last time: unearth reads every page again and weighs each of its files, resolvelib walks
the dependencies round after round, the metadata of every candidate is read.  When the
inputs are the same and every page the resolution read is the same again (asked for all at
once, with HTTP caching as usual), the answer is the same: it is taken from the cache.

What the answer depends on, and so what a remembered one is checked against:

- the key: the requirements and constraints (with their hashes), the host's tags, markers
  and python version, the indexes and find-links, the options that choose among versions,
  and this code;
- every page unearth was handed (PEP 503/691 pages over http(s) and from ``file://``
  indexes), by URL, status and digest — a new release, a yanked file, a page that
  vanished or appeared all change it;
- the listing of each local find-links directory (each file's name, size, times, inode).

Only resolutions that depend on nothing else are remembered: no distribution installed in
the root (what is installed and whether it is intact steer the choice), no local source or
URL requirement, and every chosen file a wheel known by its sha256 (the metadata read from
it cannot change) or a local file, which must then be the same file (size, times, inode).
Local files are taken as they were before the resolution read them: one written while it
ran (a find-links directory whose listing changed, a file changed since the run began) is
not remembered, since which of its states the resolution saw is unknown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import unearth
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .. import _files
from .._cache import code_digest
from .._files import file_identity, identity_of, keep_in_cache
from ..host.host import Host
from ..index.finder import IndexSettings
from ..index.pages import ACCEPT, IndexClient, page_digest
from .artifacts import Artifact
from .options import InstallOptions
from .requirements import RequirementSet
from .resolver import Candidate

logger = logging.getLogger("crossbuild")

_LINK_FIELDS = ("url", "comes_from", "yank_reason", "requires_python", "dist_info_metadata", "hashes")


class ResolutionMemo:
    """The remembered resolution for one set of inputs, in ``cache/resolutions``."""

    def __init__(self, path: Path, index: IndexSettings) -> None:
        self.path = path
        self._index = index
        # what the local files were before the resolution read them (see :meth:`remember`)
        self._began = time.time_ns() - _files.FILE_CLOCK_SLACK_NS
        self._find_links = _find_links_listing(index)

    @classmethod
    def of(
        cls, cache: Path, host: Host, wanted: RequirementSet, choices: InstallOptions, index: IndexSettings
    ) -> ResolutionMemo | None:
        """The memo for these inputs; ``None`` when the resolution depends on more than
        they and the index pages say (local sources, URL requirements)."""
        if any(u.requirement is None or u.requirement.url for u in [*wanted.requirements, *wanted.constraints]):
            return None
        key = [
            code_digest("installation", "index"),
            [[str(u.requirement), u.origin, sorted(u.hashes)] for u in wanted.requirements],
            [[str(u.requirement), u.origin] for u in wanted.constraints],
            str(host.tag),
            host.platform_tags,
            host.marker_environment(),
            host.full_version,
            repr(index),
            [choices.no_binary, choices.only_binary, choices.prefer_binary, choices.pre, choices.no_deps],
        ]
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:40]
        return cls(cache / "resolutions" / f"{digest}.json", index)

    def recall(self, session: IndexClient) -> dict[NormalizedName, Candidate] | None:
        """The remembered resolution if every page it read is the same now (``None``: resolve)."""
        try:
            entry = json.loads(self.path.read_bytes())
            pages: Mapping[str, Sequence[object]] = entry["pages"]
            if entry["find_links"] != self._find_links:
                return None
            for url in pages:
                if url.startswith(("http:", "https:")):
                    session.prefetch(url)  # every page at once, not round after round
            for url, (status, digest) in pages.items():
                response = session.get(url, headers={"Accept": ACCEPT}, follow_redirects=False)  # hop by hop
                if [response.status_code, page_digest(response)] != [status, digest]:
                    logger.debug("resolving again: %s changed", url)
                    return None
            chosen = {}
            for name, version, fields, identity in entry["chosen"]:
                link = _link(fields)
                if identity is not None and identity != identity_of(link.file_path):
                    logger.debug("resolving again: %s changed", link.filename)
                    return None
                chosen[canonicalize_name(name)] = Candidate(
                    Artifact(canonicalize_name(name), Version(version), link=link)
                )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            logger.debug("resolving again: the remembered resolution %s is unusable (%s)", self.path, error)
            return None
        except Exception as error:  # the index cannot be asked: resolving says what fails
            logger.debug("resolving again: %s", error)
            return None
        logger.info("the resolution is the one made before: the %d index pages it read are the same", len(pages))
        return chosen

    def remember(self, chosen: Mapping[NormalizedName, Candidate], session: IndexClient) -> None:
        """Keep ``chosen`` with the pages ``session`` handed to the resolution, if it
        depends on nothing else."""
        rows = []
        for name, candidate in sorted(chosen.items()):
            link = candidate.artifact.link
            if link is None or not link.is_wheel or not (link.is_file or (link.hashes or {}).get("sha256")):
                return
            if "@" in link.parsed.netloc:  # credentials are not written to the cache
                return
            # a local file known by no hash: its metadata holds while the file is the same
            identity = identity_of(link.file_path) if not (link.hashes or {}).get("sha256") else None
            if identity is not None and identity[3] >= self._began:  # its ctime
                return  # written while it was read: which bytes the resolution saw is unknown
            rows.append([name, str(candidate.version), {f: getattr(link, f) for f in _LINK_FIELDS}, identity])
        pages = {url: list(seen) for url, seen in session.pages_seen.items()}
        if any("@" in url.partition("//")[2].partition("/")[0] for url in pages):
            return
        if _find_links_listing(self._index) != self._find_links:
            return  # a find-links directory changed while the resolution read it
        entry = {"pages": pages, "find_links": self._find_links, "chosen": rows}
        keep_in_cache(self.path, json.dumps(entry, sort_keys=True).encode(), "the resolution")


def _link(fields: Mapping[str, object]) -> unearth.Link:
    link = unearth.Link(**{f: fields[f] for f in _LINK_FIELDS})  # type: ignore[arg-type]
    if not isinstance(link.url, str):
        raise TypeError(f"a link's url is not text: {link.url!r}")
    return link


def _find_links_listing(index: IndexSettings) -> list[object]:
    """What the local find-links directories (or files) are: each file's name and identity."""
    listing: list[object] = []
    for location in index.find_links:
        path = Path(unearth.Link(location).file_path) if location.startswith("file:") else Path(location)
        if "://" in location and not location.startswith("file:"):
            continue  # a page: read through the session, so among the pages
        try:
            if path.is_dir():
                entries = sorted(os.scandir(path), key=lambda e: e.name)
                listing.append([location, [[e.name, *file_identity(e.stat())] for e in entries]])
            else:
                listing.append([location, list(file_identity(path.stat()))])
        except OSError as error:
            listing.append([location, error.strerror])
    return listing
