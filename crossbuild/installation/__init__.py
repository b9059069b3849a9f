"""Installing into a host root: requirements, resolver, artifacts, placement, transaction.

Builds what it cannot download through :mod:`crossbuild.wheel`; reads the host through
:mod:`crossbuild.host` and indexes through :mod:`crossbuild.index`.  Nothing in the rooms
below (:mod:`crossbuild.wheel`, :mod:`crossbuild.backend_env`, :mod:`crossbuild.host`)
imports from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "CheckReport",
    "InstallOptions",
    "InstallResult",
    "InstalledDistribution",
    "Problem",
    "check_root",
    "install",
]

if TYPE_CHECKING:
    from ._core import install
    from .check import CheckReport, Problem, check_root
    from .options import InstallOptions
    from .result import InstalledDistribution, InstallResult
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "._core": ("install",),
            ".check": ("CheckReport", "Problem", "check_root"),
            ".options": ("InstallOptions",),
            ".result": ("InstalledDistribution", "InstallResult"),
        },
    )
