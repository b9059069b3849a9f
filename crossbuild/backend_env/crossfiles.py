"""Files that tell meson, CMake and Cargo how to build for the host.

- a meson **cross file** (meson-python gets it through ``setup-args``),
- a CMake **toolchain file** (``CMAKE_TOOLCHAIN_FILE``, read by CMake ≥ 3.21 and so by
  scikit-build-core and any setup.py that runs CMake),
- the **environment** Cargo, PyO3, maturin and setuptools-rust read.

All of them name the compiler wrappers, so every compiler call gets the sysroot and is
recorded.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from ..host.host import Host
from ..host.machines import MESON_CPU_FAMILY, longdouble_format, rust_target
from .hostcopies import HostTools
from .shims import EMULATOR
from .wrappers import CompilerWrappers


def pkg_config_dirs(host: Host, host_tools: HostTools | None = None) -> list[Path]:
    """Where the host's ``.pc`` files are, on the build machine: host copies' first."""
    copies = [host_tools.pkgconfig_dir] if host_tools and host_tools.pkgconfig_dir else []
    return copies + [
        host.build_sysroot / d
        for d in (f"usr/lib/{host.multiarch}/pkgconfig", "usr/lib/pkgconfig", "usr/share/pkgconfig")
    ]


def write_meson_cross_file(
    host: Host,
    wrappers: CompilerWrappers,
    python: Path,
    path: Path,
    tools: Mapping[str, Path] | None = None,
    host_tools: HostTools | None = None,
) -> Path:
    """Write the meson cross file of ``host``; ``python`` is the backend's interpreter.

    ``tools`` are more programs that answer for the host, by name (the root's config
    scripts): in a cross build meson looks for a config tool (``dependency('cups')``:
    ``cups-config``) only among the cross file's binaries, not on ``PATH``.
    ``host_tools`` name the config tools of host requirements (``numpy-config``).
    """
    binaries: dict[str, str | list[str]] = {name: str(program) for name, program in (tools or {}).items()}
    # The compilers by name: the wrapper directory comes first on the backend's PATH, and
    # what a project records of its compiler (numpy's __config__.py) names no directory of
    # this build, so two builds give the same bytes.
    compilers = {"c": wrappers.cc, "cpp": wrappers.cxx, "fortran": wrappers.fortran}
    binaries.update({language: [wrapper.name] for language, wrapper in compilers.items()})
    binaries["python"] = str(python)
    binaries.update(host.toolchain.binutils)
    pkg_config = shutil.which("pkg-config") or shutil.which("pkgconf")
    if pkg_config:
        binaries["pkg-config"] = pkg_config
    if host.emulator:
        binaries["exe_wrapper"] = list(host.emulator)
    if host_tools:
        binaries.update(host_tools.binaries)

    properties: dict[str, str | list[str] | bool] = {
        "sys_root": str(host.build_sysroot),
        "pkg_config_libdir": [str(d) for d in pkg_config_dirs(host, host_tools)],
        "needs_exe_wrapper": True,
    }
    size = host.config_vars.get("SIZEOF_LONG_DOUBLE")
    numpy_format = longdouble_format(host.cpu, int(size), host.byteorder) if size else None
    if numpy_format:
        properties["longdouble_format"] = numpy_format

    machine = {
        "system": "linux",
        "cpu_family": MESON_CPU_FAMILY.get(host.cpu, host.machine),
        "cpu": host.machine,
        "endian": host.byteorder,
    }
    sections: dict[str, dict[str, str | list[str] | bool]] = {
        "binaries": dict(binaries),
        "properties": properties,
        "host_machine": dict(machine),
    }
    text = "# meson cross file written by crossbuild\n"
    for section, values in sections.items():
        text += f"\n[{section}]\n" + "".join(f"{key} = {_meson_value(value)}\n" for key, value in values.items())
    path.write_text(text)
    return path


def _meson_value(value: str | list[str] | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_meson_value(v) for v in value) + "]"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_cmake_toolchain(
    host: Host, wrappers: CompilerWrappers, path: Path, host_tools: HostTools | None = None
) -> Path:
    """Write the CMake toolchain file of ``host``, with ``FindPython``'s hints for the
    host copies of ``host_tools`` (``Python_NumPy_INCLUDE_DIR``)."""
    settings: list[tuple[str, str, str]] = [
        ("CMAKE_SYSTEM_NAME", "Linux", ""),
        ("CMAKE_SYSTEM_PROCESSOR", host.machine, ""),
        ("CMAKE_SYSROOT", str(host.build_sysroot), ""),
        ("CMAKE_C_COMPILER", str(wrappers.cc), ""),
        ("CMAKE_CXX_COMPILER", str(wrappers.cxx), ""),
        ("CMAKE_Fortran_COMPILER", str(wrappers.fortran), ""),
    ]
    if host.toolchain.kind == "clang":  # what CMake's checks of the compiler build for (the wrappers say it too)
        settings += [(f"CMAKE_{lang}_COMPILER_TARGET", host.toolchain.target, "") for lang in ("C", "CXX")]
    for name, tool in host.toolchain.binutils.items():
        settings.append((f"CMAKE_{name.upper()}", tool, 'CACHE FILEPATH ""'))
    settings += [
        ("CMAKE_FIND_ROOT_PATH", str(host.build_sysroot), ""),
        # Programs run here; libraries and headers come from the sysroot; CMake packages may
        # come from the build env too (pybind11, nanobind are found in its site-packages).
        ("CMAKE_FIND_ROOT_PATH_MODE_PROGRAM", "NEVER", ""),
        ("CMAKE_FIND_ROOT_PATH_MODE_LIBRARY", "ONLY", ""),
        ("CMAKE_FIND_ROOT_PATH_MODE_INCLUDE", "ONLY", ""),
        ("CMAKE_FIND_ROOT_PATH_MODE_PACKAGE", "BOTH", ""),
    ]
    if host.emulator:  # qemu for the host's programs; this machine's (the build python) run as they are
        settings.append(("CMAKE_CROSSCOMPILING_EMULATOR", str(wrappers.directory / EMULATOR), ""))
    if host_tools:
        settings += [(name, value, 'CACHE PATH ""') for name, value in host_tools.cmake.items()]
    lines = ["# CMake toolchain file written by crossbuild"]
    lines += [f"set({name} {_cmake_quote(value)}{' ' + extra if extra else ''})" for name, value, extra in settings]
    provider = _write_python_soabi_provider(host, path.with_name("python-soabi.cmake"))
    if provider is not None:
        quoted = _cmake_quote(str(provider))
        lines += [
            f"if(NOT {quoted} IN_LIST CMAKE_PROJECT_TOP_LEVEL_INCLUDES)",
            f"  list(PREPEND CMAKE_PROJECT_TOP_LEVEL_INCLUDES {quoted})",
            "endif()",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


# FindPython asks no interpreter for the SOABI when cross-compiling (CMAKE_CROSSCOMPILING):
# Python_SOABI is left empty, and python_add_library(... WITH_SOABI) names the module
# plain ``name.so``, where CMake on the device, as pip runs it there, names it
# ``name.cpython-311-aarch64-linux-gnu.so``.  FindPython unsets a Python_SOABI given
# beforehand, so it is set after: a dependency provider (CMake >= 3.24; older CMake ignores
# CMAKE_PROJECT_TOP_LEVEL_INCLUDES) wraps find_package(Python|Python3) and fills in the
# host's SOABI where FindPython left none.  It comes first in the list, so a provider of
# the user's (conan's) included after it replaces it.
_PYTHON_SOABI_PROVIDER = """# written by crossbuild: the host's SOABI for FindPython, which cannot ask the host's python
macro(crossbuild_find_package crossbuild_method crossbuild_package)
  find_package(${{crossbuild_package}} ${{ARGN}} BYPASS_PROVIDER)
  if("${{crossbuild_package}}" MATCHES "^Python3?$" AND ${{crossbuild_package}}_FOUND
     AND "${{${{crossbuild_package}}_VERSION_MAJOR}}.${{${{crossbuild_package}}_VERSION_MINOR}}" STREQUAL "{version}"
     AND NOT ${{crossbuild_package}}_SOABI)
    set(${{crossbuild_package}}_SOABI "{soabi}")
  endif()
endmacro()
cmake_language(SET_DEPENDENCY_PROVIDER crossbuild_find_package SUPPORTED_METHODS FIND_PACKAGE)
"""


def _write_python_soabi_provider(host: Host, path: Path) -> Path | None:
    """Write the provider that sets ``Python_SOABI`` to the host's (from its ``EXT_SUFFIX``,
    as FindPython computes it on the device); ``None`` for a suffix with no SOABI in it."""
    match = re.fullmatch(r"\.(cpython-[^./]+)\.so", host.ext_suffix)
    if match is None:
        return None
    path.write_text(_PYTHON_SOABI_PROVIDER.format(soabi=match.group(1), version=host.version))
    return path


def _cmake_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rust_environ(host: Host, wrappers: CompilerWrappers) -> dict[str, str]:
    """What Cargo, PyO3, maturin and setuptools-rust read to build for ``host``."""
    target = rust_target(host.cpu, host.multiarch)
    if target is None:
        return {}
    env_target = target.upper().replace("-", "_")
    cc_target = target.replace("-", "_")
    environ = {
        "CARGO_BUILD_TARGET": target,
        f"CARGO_TARGET_{env_target}_LINKER": str(wrappers.cc),
        f"CC_{cc_target}": str(wrappers.cc),
        f"CXX_{cc_target}": str(wrappers.cxx),
        "PYO3_CROSS": "1",
        "PYO3_CROSS_LIB_DIR": str(host.sysconfigdata.parent),
        "PYO3_CROSS_PYTHON_VERSION": host.version,
        "PYO3_CROSS_PYTHON_IMPLEMENTATION": "CPython",
        "PKG_CONFIG_ALLOW_CROSS": "1",
    }
    if host.toolchain.ar:
        environ[f"AR_{cc_target}"] = host.toolchain.ar
    if host.emulator:
        environ[f"CARGO_TARGET_{env_target}_RUNNER"] = " ".join(host.emulator)
    return environ
