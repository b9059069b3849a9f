"""The host machine: its python inspected without running it, its layout, ELF files,
toolchain, root resolution and install schemes.  Imports nothing from the rooms above it
(:mod:`crossbuild.backend_env`, :mod:`crossbuild.wheel`, :mod:`crossbuild.installation`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["ElfTarget", "Host", "Toolchain", "inspect_host"]

if TYPE_CHECKING:
    from .elf import ElfTarget
    from .host import Host, inspect_host
    from .toolchain import Toolchain
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".elf": ("ElfTarget",),
            ".host": ("Host", "inspect_host"),
            ".toolchain": ("Toolchain",),
        },
    )
