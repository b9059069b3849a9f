"""Package indexes as pip is configured to use them: finding distributions for the host
(:mod:`.finder`), the index pages kept and cut to the host's tags (:mod:`.pages`), and
checked downloads (:mod:`.downloads`).  Used by :mod:`crossbuild.wheel` (sdists, build
requirements) and :mod:`crossbuild.installation` (resolution)."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["IndexSettings"]

if TYPE_CHECKING:
    from .finder import IndexSettings
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {".finder": ("IndexSettings",)})
