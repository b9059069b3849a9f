"""crossbuild: cross-compile Python packages with C/C++/Cython extensions for another machine.

>>> host = crossbuild.inspect_host("rootfs/usr/bin/python3.11")
>>> crossbuild.build_wheel("markupsafe==2.1.5", host, "dist/")
PosixPath('dist/MarkupSafe-2.1.5-cp311-cp311-linux_aarch64.whl')
"""

from __future__ import annotations

from ._exceptions import (
    BackendError,
    CommandError,
    CrossbuildError,
    HostPythonError,
    PureFallbackError,
    ResolutionError,
    SourceError,
    ToolchainError,
    VersionMismatchError,
    WheelVerificationError,
)
from ._version import __version__
from .host import ElfTarget, Host, Toolchain, inspect_host
from .install import InstalledDistribution, InstallResult, install
from .wheel import IndexSettings, build_wheel

__all__ = [
    "BackendError",
    "CommandError",
    "CrossbuildError",
    "ElfTarget",
    "Host",
    "HostPythonError",
    "IndexSettings",
    "InstallResult",
    "InstalledDistribution",
    "PureFallbackError",
    "ResolutionError",
    "SourceError",
    "Toolchain",
    "ToolchainError",
    "VersionMismatchError",
    "WheelVerificationError",
    "__version__",
    "build_wheel",
    "inspect_host",
    "install",
]
