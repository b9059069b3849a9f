"""Installing into a host root: requirements, resolver, artifacts, placement, transaction.

Builds what it cannot download through :mod:`crossbuild.wheel`; reads the host through
:mod:`crossbuild.host`.  Nothing in :mod:`crossbuild.wheel` or :mod:`crossbuild.host`
imports from here.
"""

from __future__ import annotations

from ._core import install
from .check import CheckReport, Problem, check_root
from .options import InstallOptions
from .result import InstalledDistribution, InstallResult

__all__ = [
    "CheckReport",
    "InstallOptions",
    "InstallResult",
    "InstalledDistribution",
    "Problem",
    "check_root",
    "install",
]
