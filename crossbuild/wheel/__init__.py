"""Building one wheel for the host: sources, isolated env, PEP 517 backend, verification, retagging.

Hands the backend what :mod:`crossbuild.backend_env` prepares, reads the machine through
:mod:`crossbuild.host` and indexes through :mod:`crossbuild.index`; never imports from
:mod:`crossbuild.installation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["BuildContext", "BuildOptions", "BuildPython", "build_wheel", "make_context"]

if TYPE_CHECKING:
    from .build_python import BuildPython
    from .context import BuildContext, make_context
    from .options import BuildOptions
    from .pipeline import build_wheel
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".build_python": ("BuildPython",),
            ".context": ("BuildContext", "make_context"),
            ".options": ("BuildOptions",),
            ".pipeline": ("build_wheel",),
        },
    )
