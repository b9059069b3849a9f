"""Building one wheel for the host: sources, isolated env, PEP 517 backend, verification, retagging.

Imports only from :mod:`crossbuild.host` (and crossbuild's shared helpers), never from
:mod:`crossbuild.install`.
"""

from __future__ import annotations

from .build_python import BuildPython
from .index import IndexSettings
from .options import BuildOptions
from .pipeline import build_wheel

__all__ = ["BuildOptions", "BuildPython", "IndexSettings", "build_wheel"]
