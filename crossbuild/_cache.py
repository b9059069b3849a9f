"""Where crossbuild keeps what it can reuse: build environments and downloads."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "CROSSBUILD_CACHE_DIR"


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``override``, else ``$CROSSBUILD_CACHE_DIR``, else the user cache dir."""
    chosen = override or os.environ.get(ENV_VAR) or platformdirs.user_cache_dir("crossbuild", appauthor=False)
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path
