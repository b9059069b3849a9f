"""Everything about the package: isolated env, PEP 517 calls, verification, retagging."""

from __future__ import annotations

from .index import IndexSettings
from .pipeline import build_wheel

__all__ = ["IndexSettings", "build_wheel"]
