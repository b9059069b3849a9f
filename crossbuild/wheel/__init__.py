"""Building one wheel for the host: sources, isolated env, PEP 517 backend, verification, retagging.

Imports only from :mod:`crossbuild.host` (and crossbuild's shared helpers), never from
:mod:`crossbuild.install`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["BuildOptions", "BuildPython", "IndexSettings", "build_wheel"]

if TYPE_CHECKING:
    from .build_python import BuildPython
    from .index import IndexSettings
    from .options import BuildOptions
    from .pipeline import build_wheel
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".build_python": ("BuildPython",),
            ".index": ("IndexSettings",),
            ".options": ("BuildOptions",),
            ".pipeline": ("build_wheel",),
        },
    )
