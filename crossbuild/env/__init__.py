"""Everything about the host: inspection, toolchain, the runtime patch, cross files."""

from __future__ import annotations

from .elf import ElfTarget
from .host import Host, inspect_host
from .toolchain import Toolchain

__all__ = ["ElfTarget", "Host", "Toolchain", "inspect_host"]
