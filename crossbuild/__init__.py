"""crossbuild: cross-compile Python packages with C/C++/Cython extensions for another machine.

>>> host = crossbuild.inspect_host("rootfs/usr/bin/python3.11")
>>> options = crossbuild.BuildOptions(config_settings={"setup-args": "-Dblas=none"})
>>> crossbuild.build_wheel("markupsafe==2.1.5", host, "dist/", options)
PosixPath('dist/MarkupSafe-2.1.5-cp311-cp311-linux_aarch64.whl')

The implementation lives in rooms imported in one direction:
``crossbuild.installation`` (lays wheels into a root) → ``crossbuild.wheel`` (builds one
wheel) → ``crossbuild.backend_env`` (what a backend is handed: wrappers, cross files, the
runtime patch) → ``crossbuild.host`` (the machine).  ``crossbuild.index`` (package
indexes) serves both ``wheel`` and ``installation``; ``crossbuild.cli`` is the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__

__all__ = [
    "BackendError",
    "BuildContext",
    "BuildOptions",
    "BuildPython",
    "BuildPythonError",
    "CheckReport",
    "CommandError",
    "Configuration",
    "ConfigurationError",
    "CrossbuildError",
    "ElfTarget",
    "ForeignExtensionError",
    "HashMismatchError",
    "Host",
    "HostProfile",
    "HostPythonError",
    "HostRequirementError",
    "ImportFailure",
    "ImportReport",
    "IndexSettings",
    "InstallOptions",
    "InstallResult",
    "InstallTargetError",
    "InstalledDistribution",
    "InvalidWheelError",
    "OptionError",
    "Problem",
    "PureFallbackError",
    "RepairError",
    "Reporter",
    "RequirementError",
    "ResolutionError",
    "RootfsError",
    "SourceError",
    "Step",
    "Terminated",
    "Toolchain",
    "ToolchainError",
    "UnloadableWheelError",
    "VersionMismatchError",
    "WheelTests",
    "WheelVerificationError",
    "__version__",
    "build_tested_wheel",
    "build_wheel",
    "build_wheelhouse",
    "check_imports",
    "check_root",
    "describe_root",
    "inspect_host",
    "install",
    "load_configuration",
    "make_context",
    "run_wheel_tests",
]

if TYPE_CHECKING:
    from ._exceptions import (
        BackendError,
        BuildPythonError,
        CommandError,
        ConfigurationError,
        CrossbuildError,
        ForeignExtensionError,
        HashMismatchError,
        HostPythonError,
        HostRequirementError,
        InstallTargetError,
        InvalidWheelError,
        OptionError,
        PureFallbackError,
        RepairError,
        RequirementError,
        ResolutionError,
        RootfsError,
        SourceError,
        ToolchainError,
        UnloadableWheelError,
        VersionMismatchError,
        WheelVerificationError,
    )
    from ._reporter import Reporter, Step
    from ._signals import Terminated
    from .config import Configuration, HostProfile, load_configuration
    from .host import ElfTarget, Host, Toolchain, inspect_host
    from .index import IndexSettings
    from .installation import (
        CheckReport,
        InstalledDistribution,
        InstallOptions,
        InstallResult,
        Problem,
        check_root,
        install,
    )
    from .installation.imports import ImportFailure, ImportReport, check_imports
    from .installation.inventory import describe_root
    from .installation.wheel_tests import WheelTests, build_tested_wheel, run_wheel_tests
    from .installation.wheelhouse import build_wheelhouse
    from .wheel import BuildContext, BuildOptions, BuildPython, build_wheel, make_context
else:
    from ._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "._exceptions": (
                "BackendError",
                "BuildPythonError",
                "CommandError",
                "ConfigurationError",
                "CrossbuildError",
                "ForeignExtensionError",
                "HashMismatchError",
                "HostPythonError",
                "HostRequirementError",
                "InstallTargetError",
                "InvalidWheelError",
                "OptionError",
                "PureFallbackError",
                "RepairError",
                "RequirementError",
                "ResolutionError",
                "RootfsError",
                "SourceError",
                "ToolchainError",
                "UnloadableWheelError",
                "VersionMismatchError",
                "WheelVerificationError",
            ),
            "._reporter": ("Reporter", "Step"),
            "._signals": ("Terminated",),
            ".config": ("Configuration", "HostProfile", "load_configuration"),
            ".host": ("ElfTarget", "Host", "Toolchain", "inspect_host"),
            ".index": ("IndexSettings",),
            ".installation": (
                "CheckReport",
                "InstalledDistribution",
                "InstallOptions",
                "InstallResult",
                "Problem",
                "check_root",
                "install",
            ),
            ".installation.imports": ("ImportFailure", "ImportReport", "check_imports"),
            ".installation.inventory": ("describe_root",),
            ".installation.wheel_tests": ("WheelTests", "build_tested_wheel", "run_wheel_tests"),
            ".installation.wheelhouse": ("build_wheelhouse",),
            ".wheel": ("BuildContext", "BuildOptions", "BuildPython", "build_wheel", "make_context"),
        },
    )
