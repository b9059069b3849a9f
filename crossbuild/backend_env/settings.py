"""What a build backend is handed so that it builds for the host.

:func:`prepare_settings` writes, into a per-build directory, the compiler wrappers and
those of the root's ``*-config`` scripts, the host description the runtime patch reads,
the meson cross file and the CMake toolchain file, and computes the environment variables
of the backend process (``CC``, ``FC``, ``LDSHARED``, ``_PYTHON_HOST_PLATFORM``,
``PKG_CONFIG_*``, ``CMAKE_TOOLCHAIN_FILE``, Cargo and PyO3 settings…).
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from ..host.host import Host
from .autoconf import build_compilers_environ, write_config_site
from .configscripts import ConfigScripts, write_config_scripts
from .crossfiles import pkg_config_dirs, rust_environ, write_cmake_toolchain, write_meson_cross_file
from .hostcopies import HostTools
from .launcher import CompilerLauncher
from .patch import PATCH_ENV_VAR
from .rust import RustToolchain, VendoredCrates, rust_build_environ
from .shims import build_dir_moves
from .wrappers import BuildDirs, CompilerWrappers, replace_program, write_wrappers

#: ccache's record of each compile of a build, in the settings directory.
_STATS_LOG = "ccache-stats.log"
#: The runtime patch's record of each build machine file looked up in the root instead.
_SYSTEM_FILES_LOG = "system-files.log"

#: sysconfig variables that hold a compiler or linker command line, and which compiler.
_COMMAND_VARS = {
    "CC": "cc",
    "CPP": "cc",
    "LINKCC": "cc",
    "MAINCC": "cc",
    "LDSHARED": "cc",
    "BLDSHARED": "cc",
    "CXX": "c++",
    "LDCXXSHARED": "c++",
}


class BackendContext(Protocol):
    """What the settings of a build are made from: the run's
    :class:`~crossbuild.wheel.context.BuildContext` (which this package, below ``wheel``,
    does not import), taken whole."""

    @property
    def host(self) -> Host:
        """The machine the build is for."""

    @property
    def rust_toolchain(self) -> RustToolchain | None:
        """Rust builds run it (default: cargo on ``PATH``)."""

    @property
    def vendored_crates(self) -> VendoredCrates | None:
        """Cargo takes every crate from there (default: crates.io)."""

    @property
    def compiler_launcher(self) -> CompilerLauncher | None:
        """Runs every compile (ccache…), if any."""

    @property
    def parallel_extensions(self) -> int | None:
        """How many extensions setuptools compiles at once (``None``: one at a time, as pip)."""

    @property
    def cache(self) -> Path:
        """crossbuild's cache, where the launcher keeps its own."""


@dataclass(frozen=True)
class CrossSettings:
    """The settings of one cross build."""

    directory: Path
    wrappers: CompilerWrappers
    host_config: Path
    """The JSON file the runtime patch reads (``CROSSBUILD_HOST_CONFIG``)."""
    meson_cross_file: Path
    cmake_toolchain_file: Path
    environ: Mapping[str, str]
    """Variables to set for the backend process, on top of the isolated env's."""
    launcher: CompilerLauncher | None = None
    """What runs every compile (ccache…), if anything."""
    config_scripts: ConfigScripts | None = None
    """The root's ``*-config`` scripts, on the backend's ``PATH`` in the wrapper directory."""
    host_tools: HostTools = field(default_factory=HostTools)
    """What points the build at host copies of build requirements (``numpy-config``…)."""

    @property
    def launcher_stats_log(self) -> Path:
        """Where ccache writes the result of each compile of this build (``CCACHE_STATSLOG``)."""
        return self.directory / _STATS_LOG

    def system_file_lookups(self) -> list[tuple[str, str]]:
        """Each file of the build machine's system the backend asked about, and the root's
        file it was shown instead (see :mod:`crossbuild.backend_env._hostpatch`)."""
        log = self.directory / _SYSTEM_FILES_LOG
        if not log.is_file():
            return []
        pairs = (line.split("\t", 1) for line in log.read_text(encoding="utf-8").splitlines() if "\t" in line)
        return list(dict.fromkeys((old, new) for old, new in pairs))


def prepare_settings(
    context: BackendContext,
    directory: Path,
    python: Path,
    dirs: BuildDirs | None = None,
    host_tools: HostTools | None = None,
) -> CrossSettings:
    """Write the settings of a build for ``context.host`` whose backend runs with ``python``.

    ``dirs`` are the build's directories, which the compilers keep out of the binaries;
    Rust builds run the context's Rust toolchain on its vendored crates; setuptools builds
    compile one extension at a time, as under pip, unless ``context.parallel_extensions``
    says otherwise; the context's compiler launcher runs every compile, with its cache in
    crossbuild's.  ``host_tools`` point the build at host copies of build requirements.
    """
    host, launcher = context.host, context.compiler_launcher
    host_tools = host_tools or HostTools()
    directory.mkdir(parents=True, exist_ok=True)
    wrappers = write_wrappers(host, directory / "bin", dirs, launcher)
    config_scripts = write_config_scripts(host, wrappers.directory)
    config_vars = host_config_vars(host, wrappers)
    host_config = directory / "host.json"
    host_config.write_text(
        json.dumps(
            {
                "config_vars": config_vars,
                "paths": {
                    "include": config_vars.get("INCLUDEPY"),
                    "platinclude": config_vars.get("CONFINCLUDEPY") or config_vars.get("INCLUDEPY"),
                },
                "machine": host.machine,
                "glibc": ".".join(map(str, host.glibc)) if host.glibc else None,
                "multiarch": host.multiarch,
                "system_files": _system_files(host, directory / _SYSTEM_FILES_LOG),
                "get_include": dict(host_tools.includes),
            },
            indent=1,
        )
    )
    cmake_toolchain_file = write_cmake_toolchain(host, wrappers, directory / "toolchain.cmake", host_tools)
    environ = {
        **_environ(host, wrappers, config_vars, host_config, host_tools),
        **rust_environ(host, wrappers),
        **rust_build_environ(directory, wrappers.directory, context.rust_toolchain, context.vendored_crates),
        "CMAKE_TOOLCHAIN_FILE": str(cmake_toolchain_file),
        **_setuptools_parallel(directory, context.parallel_extensions or 1),
    }
    if launcher is not None:
        environ.update(launcher.environ(context.cache, _base_dir(dirs), directory / _STATS_LOG))
    return CrossSettings(
        directory=directory,
        wrappers=wrappers,
        host_config=host_config,
        meson_cross_file=write_meson_cross_file(
            host, wrappers, python, directory / "cross.ini", config_scripts.programs, host_tools
        ),
        cmake_toolchain_file=cmake_toolchain_file,
        environ=environ,
        launcher=launcher,
        config_scripts=config_scripts,
        host_tools=host_tools,
    )


def _system_files(host: Host, log: Path) -> dict[str, Any] | None:
    """Where the runtime patch looks up the build machine's headers and libraries in the root."""
    moves, keep = build_dir_moves(host)
    if not moves:
        return None
    return {"moves": moves, "keep": keep, "log": str(log)}


def _base_dir(dirs: BuildDirs | None) -> Path | None:
    """The directory under which ccache hashes paths as relative: the one that holds both
    the work directory and the source tree, unless that is ``/`` (the system's headers
    would be hashed relative to each build's directory, and miss): then the work directory."""
    if dirs is None:
        return None
    common = Path(os.path.commonpath([dirs.work, dirs.source]))
    return dirs.work if common == Path("/") else common


def host_config_vars(host: Host, wrappers: CompilerWrappers) -> dict[str, Any]:
    """The host's sysconfig variables as the backend must see them on this machine.

    Paths under the host's prefix move into the build sysroot (``/usr/include/python3.11``
    → ``SYSROOT/usr/include/python3.11``) and compiler commands become the wrappers.
    """
    prefixes = {str(host.config_vars.get(k)) for k in ("prefix", "exec_prefix") if host.config_vars.get(k)}
    programs = {"cc": wrappers.cc, "c++": wrappers.cxx}
    result: dict[str, Any] = {}
    for name, value in host.config_vars.items():
        if isinstance(value, str) and name in _COMMAND_VARS and value.strip():
            value = replace_program(value, programs[_COMMAND_VARS[name]])
        elif isinstance(value, str) and _is_path_under(value, prefixes):
            value = str(host.in_build_sysroot(value))
        result[name] = value
    if host.toolchain.ar:
        result["AR"] = host.toolchain.ar
    return result


def _is_path_under(value: str, prefixes: set[str]) -> bool:
    if not value.startswith("/") or any(c in value for c in " :;"):
        return False
    path = PurePosixPath(value)
    return any(path == PurePosixPath(p) or PurePosixPath(p) in path.parents for p in prefixes)


def _setuptools_parallel(directory: Path, jobs: int) -> dict[str, str]:
    """Make setuptools build up to ``jobs`` extensions at once (``build_ext --parallel``),
    when the user asks: pip never does, and a ``setup.py`` written for a serial build may
    have one extension compile what another's build step generates.

    setuptools reads an extra configuration file named by ``DIST_EXTRA_CONFIG`` after the
    project's own (PEP 517 builds take no command options); other backends ignore it.  A
    file the user names there already is kept: its settings are copied in, and its own
    ``build_ext`` ``parallel`` wins.
    """
    if jobs <= 1:
        return {}
    config = configparser.ConfigParser(interpolation=None)
    users = os.environ.get("DIST_EXTRA_CONFIG")
    if users:
        config.read(users, encoding="utf-8")  # a missing file is what setuptools ignores too
    if not config.has_section("build_ext"):
        config.add_section("build_ext")
    if not config.has_option("build_ext", "parallel"):
        config.set("build_ext", "parallel", str(jobs))
    path = directory / "setuptools.cfg"
    with path.open("w", encoding="utf-8") as stream:
        config.write(stream)
    return {"DIST_EXTRA_CONFIG": str(path)}


def _environ(
    host: Host, wrappers: CompilerWrappers, config_vars: Mapping[str, Any], host_config: Path, host_tools: HostTools
) -> dict[str, str]:
    environ = {
        PATCH_ENV_VAR: str(host_config),
        "_PYTHON_HOST_PLATFORM": host.platform,
        "SETUPTOOLS_EXT_SUFFIX": host.ext_suffix,
        "CC": shlex.quote(str(wrappers.cc)),
        "CXX": shlex.quote(str(wrappers.cxx)),
        "CPP": shlex.join([str(wrappers.cc), "-E"]),
        "LDSHARED": str(config_vars.get("LDSHARED") or shlex.join([str(wrappers.cc), "-shared"])),
        "LDCXXSHARED": str(config_vars.get("LDCXXSHARED") or shlex.join([str(wrappers.cxx), "-shared"])),
        "PKG_CONFIG_SYSROOT_DIR": str(host.build_sysroot),
        "PKG_CONFIG_LIBDIR": os.pathsep.join(map(str, pkg_config_dirs(host, host_tools))),
    }
    if host.toolchain.fortran:  # else unset: a build that runs plain gfortran gets the wrapper's one-line error
        environ.update(dict.fromkeys(("FC", "F77", "F90"), shlex.quote(str(wrappers.fortran))))
    environ.update({name.upper(): tool for name, tool in host.toolchain.binutils.items()})
    environ.update(build_compilers_environ())
    if host.sysroot != Path("/"):
        environ["CONFIG_SITE"] = str(write_config_site(host, wrappers.directory.parent / "config.site"))
    return environ
