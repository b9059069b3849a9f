"""PEP 739 ``build-details.json``: what a Python installation (3.14 and newer) says of itself.

Where the file exists crossbuild prefers it to ``_sysconfigdata_*.py``: it is the static,
specified description of an installation, written for tools that cannot run it.  Its
values are folded into the host's sysconfig variables (:meth:`BuildDetails.apply`), so
what crossbuild derives (version, tags, extension suffix) and what a backend reads through
sysconfig (``SOABI``, ``INCLUDEPY``, ``LIBDIR``…) can never disagree.

A file that cannot be read, or breaks the schema in a field crossbuild uses, is set aside
with a note under ``-v``, and ``_sysconfigdata`` alone describes the host: every CPython
installs it, and a damaged optional file must not stop a build that it describes well.
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("crossbuild")

_RELEASE_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}


class _Malformed(Exception):
    """The file breaks the schema; the message says where."""


@dataclass(frozen=True)
class BuildDetails:
    """The fields of ``build-details.json`` that crossbuild uses (paths as on the host)."""

    path: Path
    """The file, as a path on the build machine."""
    base_prefix: str | None
    """The installation prefix on the host; ``None`` when the file gives it relative to
    itself (a relocatable installation: sysconfig's prefix stays)."""
    version: str
    """``X.Y`` (``language.version``)."""
    full_version: str | None
    """``X.Y.Z`` with the pre-release part, e.g. ``3.14.0rc2`` (``language.version_info``)."""
    platform: str
    implementation: str
    multiarch: str | None
    abi_flags: tuple[str, ...] | None
    extension_suffix: str | None
    headers: str | None
    """``c_api.headers``: absolute, or relative to the prefix."""
    libpython: str | None
    """``libpython.dynamic``: absolute, or relative to the prefix."""

    def apply(self, config_vars: Mapping[str, Any]) -> dict[str, Any]:
        """``config_vars`` (sysconfig's ``build_time_vars``) with this file's values in place
        of theirs, and the variables derived from them kept in step."""
        result = dict(config_vars)
        old_prefix = str(result.get("prefix") or "")
        if self.base_prefix is not None and old_prefix and self.base_prefix != old_prefix:
            for name, value in config_vars.items():  # every path under the old prefix moves
                if isinstance(value, str) and (value == old_prefix or value.startswith(old_prefix + "/")):
                    result[name] = self.base_prefix + value[len(old_prefix) :]
        prefix = self.base_prefix or old_prefix or "/usr"
        result["prefix"] = prefix
        result["VERSION"] = self.version
        result["py_version_nodot"] = self.version.replace(".", "")
        if self.multiarch is not None:
            result["MULTIARCH"] = self.multiarch
        if self.abi_flags is not None:
            result["ABIFLAGS"] = "".join(self.abi_flags)
            result["Py_DEBUG"] = int("d" in self.abi_flags)
            result["Py_GIL_DISABLED"] = int("t" in self.abi_flags)
        if self.extension_suffix is not None:
            result["EXT_SUFFIX"] = self.extension_suffix
            shlib = str(result.get("SHLIB_SUFFIX") or ".so")
            if self.extension_suffix.startswith(".") and self.extension_suffix.endswith(shlib):
                result["SOABI"] = self.extension_suffix[1 : -len(shlib)]
        if self.headers is not None:
            headers = posixpath.join(prefix, self.headers)
            if result.get("CONFINCLUDEPY") in (None, result.get("INCLUDEPY")):
                result["CONFINCLUDEPY"] = headers  # pyconfig.h beside the other headers
            result["INCLUDEPY"] = headers
        if self.libpython is not None:
            result["LIBDIR"] = posixpath.dirname(posixpath.join(prefix, self.libpython))
        return result


def read_build_details(path: Path | None, version: str) -> BuildDetails | None:
    """The ``build-details.json`` at ``path`` of a Python ``version`` (``X.Y``: the stdlib
    directory it lies in), or ``None`` when there is none or it is malformed (noted at -v)."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        return _parse(path, data, version)
    except (OSError, ValueError, _Malformed) as error:
        logger.debug("ignoring %s: %s; the host is read from its _sysconfigdata", path, error)
        return None


def _parse(path: Path, data: object, version: str) -> BuildDetails:
    top = _object(data, "the file")
    schema = _string(top, "schema_version")
    if schema.split(".")[0] != "1":
        raise _Malformed(f"schema_version {schema!r} is not 1.x")
    language = _object(top.get("language"), "language")
    language_version = _string(language, "version", "language.")
    if language_version != version:
        raise _Malformed(f"language.version {language_version!r} but it lies in the stdlib of Python {version}")
    implementation = _object(top.get("implementation"), "implementation")
    abi = _object(top.get("abi", {}), "abi")
    c_api = _object(top.get("c_api", {}), "c_api")
    libpython = _object(top.get("libpython", {}), "libpython")
    base_prefix = _string(top, "base_prefix")
    flags = abi.get("flags")
    if flags is not None and not (isinstance(flags, list) and all(isinstance(f, str) for f in flags)):
        raise _Malformed("abi.flags is not a list of strings")
    return BuildDetails(
        path=path,
        base_prefix=base_prefix if base_prefix.startswith("/") else None,
        version=language_version,
        full_version=_full_version(language.get("version_info"), language_version),
        platform=_string(top, "platform"),
        implementation=_string(implementation, "name", "implementation."),
        multiarch=_string(implementation, "_multiarch", "implementation.", required=False),
        abi_flags=tuple(flags) if flags is not None else None,
        extension_suffix=_string(abi, "extension_suffix", "abi.", required=False),
        headers=_string(c_api, "headers", "c_api.", required=False),
        libpython=_string(libpython, "dynamic", "libpython.", required=False),
    )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{where} is not a JSON object")
    return value


def _string(container: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> Any:
    value = container.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _Malformed(f"{where}{key} is {'missing' if value is None else 'not a string'}")
    return value


def _full_version(info: object, version: str) -> str | None:
    """``3.14.0rc2`` from ``language.version_info``, as ``platform.python_version()`` says it."""
    if info is None:
        return None
    info = _object(info, "language.version_info")
    numbers = [info.get(key) for key in ("major", "minor", "micro", "serial")]
    level = info.get("releaselevel")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers) or level not in _RELEASE_LEVELS:
        raise _Malformed("language.version_info is not a version")
    major, minor, micro, serial = numbers
    if f"{major}.{minor}" != version:
        raise _Malformed(f"language.version_info {major}.{minor} differs from language.version {version}")
    return f"{major}.{minor}.{micro}" + (f"{_RELEASE_LEVELS[level]}{serial}" if level != "final" else "")
