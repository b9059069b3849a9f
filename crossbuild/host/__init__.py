"""Everything about the host: inspection, toolchain and sysroot, the runtime patch, cross files,
install schemes, paths inside a rootfs.  Imports nothing from :mod:`crossbuild.wheel` or
:mod:`crossbuild.install`."""

from __future__ import annotations

from .elf import ElfTarget
from .host import Host, inspect_host
from .patch import PATCH_ENV_VAR, install_patch
from .toolchain import Toolchain

__all__ = ["PATCH_ENV_VAR", "ElfTarget", "Host", "Toolchain", "inspect_host", "install_patch"]
