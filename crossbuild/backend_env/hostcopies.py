"""Host copies of build requirements: what a build is told so it compiles against them.

A build requirement runs on this machine, natively; but a project that compiles against
its C headers needs the *host's* copy of them: numpy's ``_numpyconfig.h`` says
``NPY_SIZEOF_LONG 8`` on x86_64 and ``4`` on armhf, and its ``libnpymath.a`` is built for
one machine.  ``wheel/host_requires.py`` gets a host-arch copy of such a requirement and
unpacks it on this machine (a :class:`HostCopy`); this module points the build at it:

- a ``<name>-config`` tool (``numpy-config``) that reports the copy's version and include
  directory, named in the meson cross file's ``[binaries]`` (meson's ``dependency('numpy')``
  looks a host config tool up there, never on ``PATH``) and first on ``PATH``;
- the copy's ``.pc`` files (``numpy.pc``), rewritten to name the copy wherever it is;
- ``<module>.get_include()`` in the build python returns the copy's include directory
  (the runtime patch, from the host description);
- CMake's ``FindPython`` hints (``Python_NumPy_INCLUDE_DIR``).

Architecture-independent requirements need no copy: their native config tool is named in
the cross file (:data:`NATIVE_CONFIG_TOOLS`, e.g. ``pybind11-config``: headers only).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .._files import EXECUTABLE_MODE

#: Build requirements whose headers depend on the host: they get a host copy by default.
HOST_DEPENDENT = frozenset({"numpy"})

#: Config tools of architecture-independent requirements, installed natively in the build
#: environment and valid for the host as they are (``pybind11-config --includes``).
NATIVE_CONFIG_TOOLS = ("pybind11-config",)

#: Where a package keeps its headers in its wheel (numpy ≥ 2, numpy 1.x, most others).
_INCLUDE_DIRS = ("{module}/_core/include", "{module}/core/include", "{module}/include")

#: CMake variables that FindPython/FindPython3 read instead of asking the build python.
_CMAKE_HINTS = {"numpy": ("Python_NumPy_INCLUDE_DIR", "Python3_NumPy_INCLUDE_DIR")}

_CONFIG_TOOL = """#!/bin/sh
# crossbuild: {name}-config of the host's copy of {name} {version}
case "$1" in
  --version) echo {version} ;;
  --cflags) echo -I{include} ;;
  --includes) echo -I{include} ;;
  --pkgconfigdir) echo {pkgconfig} ;;
  *) echo "usage: $0 --version | --cflags | --pkgconfigdir" >&2; exit 1 ;;
esac
"""


@dataclass(frozen=True)
class HostCopy:
    """A requirement's host-arch wheel, unpacked on this machine (a site-packages layout)."""

    name: str
    """The distribution's normalised name (``numpy``)."""
    version: str
    prefix: Path

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @property
    def include_dir(self) -> Path | None:
        """The copy's C headers, if it ships any."""
        for pattern in _INCLUDE_DIRS:
            candidate = self.prefix / pattern.format(module=self.module)
            if candidate.is_dir():
                return candidate
        return None

    def pc_files(self) -> list[Path]:
        return sorted(self.prefix.glob(f"{self.module}/**/pkgconfig/*.pc"))


@dataclass(frozen=True)
class HostTools:
    """What a build is handed for its host copies and native config tools."""

    binaries: Mapping[str, str] = field(default_factory=dict)
    """``[binaries]`` entries of the meson cross file: config tool name → program."""
    bin_dir: Path | None = None
    """A directory of the copies' config tools, to go first on ``PATH``."""
    pkgconfig_dir: Path | None = None
    """The copies' ``.pc`` files, rewritten: to go first in the pkg-config path."""
    includes: Mapping[str, str] = field(default_factory=dict)
    """module → include directory: what ``<module>.get_include()`` returns (runtime patch)."""
    cmake: Mapping[str, str] = field(default_factory=dict)
    """CMake cache variables for the toolchain file."""


def write_host_tools(copies: tuple[HostCopy, ...], env_scripts: Path, sysroot: Path, directory: Path) -> HostTools:
    """Write the config tools and ``.pc`` files of ``copies`` into ``directory``; name the
    native config tools the build environment (``env_scripts``) has."""
    binaries = {tool: str(env_scripts / tool) for tool in NATIVE_CONFIG_TOOLS if (env_scripts / tool).is_file()}
    if not copies:
        return HostTools(binaries=binaries)
    bin_dir, pkgconfig_dir = directory / "bin", directory / "pkgconfig"
    bin_dir.mkdir(parents=True, exist_ok=True)
    pkgconfig_dir.mkdir(exist_ok=True)
    includes: dict[str, str] = {}
    cmake: dict[str, str] = {}
    for copy in copies:
        include = copy.include_dir
        pc_files = copy.pc_files()
        for pc_file in pc_files:
            (pkgconfig_dir / pc_file.name).write_text(_relocated_pc(pc_file, sysroot))
        if include is None:
            continue
        includes[copy.module] = str(include)
        cmake.update(dict.fromkeys(_CMAKE_HINTS.get(copy.name, ()), str(include)))
        tool = bin_dir / f"{copy.name}-config"
        tool.write_text(
            _CONFIG_TOOL.format(
                name=copy.name,
                version=shlex.quote(copy.version),
                include=shlex.quote(str(include)),
                pkgconfig=shlex.quote(str(pkgconfig_dir)),
            )
        )
        tool.chmod(EXECUTABLE_MODE)
        binaries[tool.name] = str(tool)
    return HostTools(binaries, bin_dir, pkgconfig_dir, includes, cmake)


def _relocated_pc(pc_file: Path, sysroot: Path) -> str:
    """``pc_file``'s text naming its copy by absolute path, so that pkg-config finds it
    with the host's sysroot set.

    pkg-config puts ``PKG_CONFIG_SYSROOT_DIR`` in front of every ``-I``/``-L`` path that
    does not start with it already, which would send a copy outside the sysroot into it.
    So the path is written from the sysroot up to ``/`` and down again
    (``${pc_sysrootdir}/../../cache/…``): it starts with the sysroot, and is the copy's.
    ``..`` goes up the real directories, so it is counted on the sysroot's real path.
    """
    depth = len(Path(os.path.realpath(sysroot)).parts) - 1
    up = "${pc_sysrootdir}" + "/.." * depth
    here = up + str(pc_file.parent.resolve())
    return re.sub(r"\$\{pcfiledir\}", lambda _: here, pc_file.read_text())
