"""Building one wheel for the host: sources, isolated env, PEP 517 backend, verification, retagging.

Imports only from :mod:`crossbuild.host` (and crossbuild's shared helpers), never from
:mod:`crossbuild.install`.
"""

from __future__ import annotations

from .index import IndexSettings
from .pipeline import build_wheel

__all__ = ["IndexSettings", "build_wheel"]
