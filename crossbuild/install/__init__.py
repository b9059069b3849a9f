"""Installing into a host root: requirements, resolver, artifacts, placement, transaction.

Builds what it cannot download through :mod:`crossbuild.wheel`; reads the host through
:mod:`crossbuild.host`.  Nothing in :mod:`crossbuild.wheel` or :mod:`crossbuild.host`
imports from here.
"""

from __future__ import annotations

from ._core import InstalledDistribution, InstallResult, install
from .options import InstallOptions

__all__ = ["InstallOptions", "InstallResult", "InstalledDistribution", "install"]
