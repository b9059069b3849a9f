"""The files of a root whose bytes were found to be their RECORD's, kept by identity.

Whether an installed distribution is intact (every file of its RECORD there, with its
size and hash) is asked of every distribution a resolution keeps: hashing the files of a
root's numpy again on every install costs a tenth of a second per 60 MB.  A file whose
hash matched is kept here, in ``cache/verified``, with its identity then (inode, size,
mtime, ctime); while ``lstat`` gives that identity again, the file is those bytes: every
write, truncate or chmod sets the ctime to the current time, which nothing sets back, and
another file put in its place has another inode.  A file's identity is kept only if it
was last changed before this run began (by the files' own clock, which lags by a tick):
a write in the very tick of the hash would not show.  ``crossbuild check``, the image's
quality gate, always hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .. import _files
from .._files import file_identity, keep_in_cache


class HashedFiles:
    """Files of ``root`` hashed before and found to be what their RECORD says."""

    def __init__(self, cache: Path, root: Path) -> None:
        key = hashlib.sha256(str(root).encode()).hexdigest()[:32]
        self._path = cache / "verified" / f"root-files-{key}.json"
        self._began = time.time_ns() - _files.FILE_CLOCK_SLACK_NS
        self._known: dict[str, list[object]] | None = None
        self._changed = False

    def _entries(self) -> dict[str, list[object]]:
        if self._known is None:
            try:
                known = json.loads(self._path.read_bytes())
                self._known = known if isinstance(known, dict) else {}
            except (OSError, ValueError):
                self._known = {}
        return self._known

    def unchanged(self, path: str, info: os.stat_result, recorded: str) -> bool:
        """Whether the file at ``path`` (``info``: its ``stat``) was found to have the
        hash ``recorded`` and has not changed since."""
        return self._entries().get(path) == [*file_identity(info), recorded]

    def note(self, path: str, info: os.stat_result, recorded: str) -> None:
        """The file at ``path`` (``info``: its ``stat`` before it was hashed) has the hash ``recorded``."""
        if max(info.st_mtime_ns, info.st_ctime_ns) < self._began:
            self._entries()[path] = [*file_identity(info), recorded]
            self._changed = True

    def save(self) -> None:
        """Keep what was noted (best effort: a cache that cannot be written costs time)."""
        if self._changed and keep_in_cache(self._path, json.dumps(self._entries(), sort_keys=True).encode(), "hashes"):
            self._changed = False
