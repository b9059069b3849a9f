"""Everything about the package: isolated env, PEP 517 calls, verification, retagging."""

from __future__ import annotations

from .index import IndexSettings
from .install import InstalledDistribution, InstallResult, install
from .pipeline import build_wheel

__all__ = ["IndexSettings", "InstallResult", "InstalledDistribution", "build_wheel", "install"]
