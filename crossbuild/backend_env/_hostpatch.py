"""crossbuild's runtime patch: make this interpreter look like the host python.

This file is copied into every isolated build environment as ``_crossbuild_hostpatch.py``
with a ``.pth`` file that calls :func:`activate` at start-up.  It does nothing unless
``CROSSBUILD_HOST_CONFIG`` names a host description written by crossbuild, so pip in the
same environment still installs native packages.  Only the standard library is used.

With the patch on, the build backend sees the host in ``sysconfig`` (config vars, the
platform, include paths), ``platform.machine()``/``os.uname()``,
``sys.implementation._multiarch`` and the glibc version (``os.confstr``);
``packaging.tags`` (every vendored copy of it) follows from those.  A module given a
host copy (``get_include``: numpy) answers ``get_include()`` with the host copy's headers.

A ``setup.py`` also looks at the machine's files itself: Pillow enables a feature when
``/usr/include/xcb/xcb.h`` and ``libxcb.so`` exist, evdev generates its key codes from
``/usr/include/linux/input-event-codes.h``.  Those are the build machine's files, so the
patch shows the root's instead: headers under the system include directories, and library
files (``lib*.so*``, ``lib*.a``) under the system library directories, are looked up (stat,
access, listing, reading) in the root, the build machine's multiarch directories becoming
the host's.  Every other path, the interpreter's own files included, is left alone.  Each
path looked up in the root is appended to a log that crossbuild shows under ``-v``.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any

ENV_VAR = "CROSSBUILD_HOST_CONFIG"
SYSCONFIGDATA_NAME = "_sysconfigdata_crossbuild_host"


def activate() -> None:
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    with open(path, encoding="utf-8") as stream:
        config = json.load(stream)
    _patch_sysconfig(config["config_vars"], config["paths"])
    _patch_uname(config["machine"])
    _patch_glibc(config.get("glibc"))
    if config.get("multiarch"):
        sys.implementation._multiarch = config["multiarch"]  # type: ignore[attr-defined]
    if config.get("system_files"):
        _patch_system_files(SystemFiles(**config["system_files"]))
    if config.get("get_include") and not any(isinstance(f, _HostIncludes) for f in sys.meta_path):
        sys.meta_path.insert(0, _HostIncludes(config["get_include"]))


def _patch_sysconfig(config_vars: dict[str, Any], paths: dict[str, str]) -> None:
    import sysconfig
    import types

    module = types.ModuleType(SYSCONFIGDATA_NAME)
    module.build_time_vars = config_vars  # type: ignore[attr-defined]
    sys.modules[SYSCONFIGDATA_NAME] = module
    # sysconfig imports the module this function names; make it ours and start afresh.
    sysconfig._get_sysconfigdata_name = lambda: SYSCONFIGDATA_NAME  # type: ignore[attr-defined]
    sysconfig._CONFIG_VARS = None  # type: ignore[attr-defined]
    if hasattr(sysconfig, "_CONFIG_VARS_INITIALIZED"):
        sysconfig._CONFIG_VARS_INITIALIZED = False

    native_get_paths = sysconfig.get_paths

    def get_paths(*args: Any, **kwargs: Any) -> dict[str, str]:
        result = native_get_paths(*args, **kwargs)
        result.update(paths)
        return result

    sysconfig.get_paths = get_paths


def _patch_uname(machine: str) -> None:
    native_uname = os.uname

    def uname() -> os.uname_result:
        native = native_uname()
        return os.uname_result((native.sysname, native.nodename, native.release, native.version, machine))

    os.uname = uname


def _patch_glibc(version: str | None) -> None:
    """Make ``os.confstr("CS_GNU_LIBC_VERSION")`` answer with the host's glibc."""
    native_confstr = os.confstr

    def confstr(name: str | int) -> str | None:
        if name in ("CS_GNU_LIBC_VERSION", os.confstr_names.get("CS_GNU_LIBC_VERSION")):
            return f"glibc {version}" if version else None
        return native_confstr(name)

    os.confstr = confstr


_LIBRARY_FILE = re.compile(r"lib[^/]*\.(so(\.[0-9.]+)?|a)")


class SystemFiles:
    """Where a path of the build machine's system is looked up in the host's root."""

    def __init__(self, moves: list[list[str]], keep: list[str], log: str | None = None) -> None:
        self.moves = [(old, new) for old, new in moves]  # longest first
        self.keep = keep
        self.log = log
        self._logged: set[str] = set()

    def in_root(self, path: Any) -> str | None:
        """The root's path for ``path``, or None when it stays as it is."""
        try:
            name = os.fspath(path)
        except TypeError:
            return None  # a file descriptor
        if not isinstance(name, str) or not name.startswith("/"):
            return None
        name = os.path.normpath(name)
        if any(name == k or name.startswith(k + "/") for k in self.keep):
            return None
        for old, new in self.moves:
            if name == old or name.startswith(old + "/"):
                if "/include" not in old and not _LIBRARY_FILE.fullmatch(name.rsplit("/", 1)[-1]):
                    return None  # a library directory: only its libraries are the system's
                return new + name[len(old) :]
        return None

    def note(self, old: Any, new: str, native_open: Callable[..., Any]) -> None:
        if not self.log or new in self._logged:
            return
        self._logged.add(new)
        try:
            with native_open(self.log, "a", encoding="utf-8") as stream:
                stream.write(f"{os.fspath(old)}\t{new}\n")
        except OSError:
            pass


def _patch_system_files(files: SystemFiles) -> None:
    native_open = io.open

    def mapped(path: Any) -> Any:
        new = files.in_root(path)
        if new is None:
            return path
        files.note(path, new, native_open)
        return new

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args:
                args = (mapped(args[0]), *args[1:])
            elif "path" in kwargs:
                kwargs["path"] = mapped(kwargs["path"])
            return function(*args, **kwargs)

        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
        return wrapper

    for name in ("stat", "lstat", "access", "listdir", "scandir"):
        setattr(os, name, wrap(getattr(os, name)))

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if not any(c in mode for c in "wax+"):
            file = mapped(file)
        return native_open(file, mode, *args, **kwargs)

    io.open = builtins.open = open_


class _HostIncludes:
    """Make ``<module>.get_include()`` return the host copy's headers, once the native
    module (which is what runs here) is imported: ``numpy.get_include()`` in a setup.py, a
    meson ``run_command`` or CMake's FindPython gives the host's ``_numpyconfig.h``."""

    def __init__(self, includes: dict[str, str]) -> None:
        self.includes = includes
        self.searching: set[str] = set()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.includes or name in self.searching:
            return None  # searching: another finder asks importlib again; let it find the module
        self.searching.add(name)
        try:
            spec = self._native_spec(name, path, target)
        finally:
            self.searching.discard(name)
        if spec is None:
            return None
        loader, include = spec.loader, self.includes[name]
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        native_exec = loader.exec_module

        def exec_module(module: Any) -> None:
            native_exec(module)
            module.get_include = lambda: include

        loader.exec_module = exec_module
        return spec

    def _native_spec(self, name: str, path: Any, target: Any) -> Any:
        for finder in sys.meta_path:
            if isinstance(finder, _HostIncludes) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                return spec
        return None
