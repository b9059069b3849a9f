"""What a PEP 517 backend is handed to build for the host: compiler wrappers and shims,
search directories, meson cross files and CMake toolchains, autoconf answers, config
scripts, host copies of build tools, the compiler launcher, Cargo/PyO3 settings, and the
runtime patch that makes the build python see the host.

Reads the machine through :mod:`crossbuild.host`; used only by :mod:`crossbuild.wheel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["PATCH_ENV_VAR", "CrossSettings", "install_patch", "prepare_settings"]

if TYPE_CHECKING:
    from .patch import PATCH_ENV_VAR, install_patch
    from .settings import CrossSettings, prepare_settings
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".patch": ("PATCH_ENV_VAR", "install_patch"),
            ".settings": ("CrossSettings", "prepare_settings"),
        },
    )
