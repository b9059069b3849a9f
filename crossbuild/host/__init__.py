"""Everything about the host: inspection, toolchain and sysroot, the runtime patch, cross files,
install schemes, paths inside a rootfs.  Imports nothing from :mod:`crossbuild.wheel` or
:mod:`crossbuild.install`."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["PATCH_ENV_VAR", "ElfTarget", "Host", "Toolchain", "inspect_host", "install_patch"]

if TYPE_CHECKING:
    from .elf import ElfTarget
    from .host import Host, inspect_host
    from .patch import PATCH_ENV_VAR, install_patch
    from .toolchain import Toolchain
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".elf": ("ElfTarget",),
            ".host": ("Host", "inspect_host"),
            ".patch": ("PATCH_ENV_VAR", "install_patch"),
            ".toolchain": ("Toolchain",),
        },
    )
