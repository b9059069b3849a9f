"""Named host profiles and option defaults, from configuration files found like pip's.

Files are read from the lowest precedence to the highest; a later one wins key by key:

1. site: ``$XDG_CONFIG_DIRS/crossbuild/crossbuild.toml`` (``/etc/xdg/…``), then
   ``/etc/crossbuild.toml``;
2. user: ``~/.config/crossbuild/crossbuild.toml`` (the platform's user config directory);
3. project: ``crossbuild.toml``, or ``[tool.crossbuild]`` of ``pyproject.toml``, in the
   working directory or the nearest parent that has one (the root of a firmware
   repository that names its boards), found as uv finds ``uv.toml`` and ruff
   ``ruff.toml``: the nearest directory wins, and in it ``crossbuild.toml`` wins over
   ``pyproject.toml``;
4. ``$CROSSBUILD_CONFIG_FILE``, a file named explicitly.

What a file may hold::

    [hosts.rpi64]                          # --host rpi64
    python = "rootfs/usr/bin/python3.11"   # relative paths are relative to the file
    sysroot = "rootfs"
    cc = "aarch64-linux-gnu-gcc -mcpu=cortex-a72"
    cxx = "aarch64-linux-gnu-g++ -mcpu=cortex-a72"   # or cc = "clang-16", or cc = "zig"
    glibc = "2.17"                         # zig only: the oldest glibc the binaries load with
    build-python = "python3.11"
    config-settings = { "setup-args" = ["-Dblas=none"] }
    test-command = "pytest {project}/tests"   # crossbuild wheel runs it under qemu
    test-requires = ["pytest"]

    [options]                              # defaults of the command's options, by long name
    cache-dir = "/var/cache/crossbuild"
    index-url = "https://mirror.example/simple/"

(in ``pyproject.toml``: ``[tool.crossbuild.hosts.rpi64]`` and ``[tool.crossbuild.options]``).
Environment variables ``CROSSBUILD_<OPTION>`` come above every file, and the command line
above them; the command line applies both (this module only reads the files).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import platformdirs

from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    from .host.host import Host
    from .wheel.options import ConfigSettings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

FILE_NAME = "crossbuild.toml"
FILE_VARIABLE = "CROSSBUILD_CONFIG_FILE"

#: The keys of a host profile, and whether their value is a path (relative to its file).
PROFILE_KEYS = {
    "python": True,
    "sysroot": True,
    "cc": False,
    "cxx": False,
    "glibc": False,
    "build-python": False,
    "config-settings": False,
    "test-command": False,
    "test-requires": False,
}


@dataclass(frozen=True)
class HostProfile:
    """A named host: how to find and build for it."""

    name: str
    python: Path
    origin: str
    """The file that defines it (the last one that set a key of it)."""
    sysroot: Path | None = None
    cc: str | None = None
    cxx: str | None = None
    glibc: str | None = None
    """The oldest glibc the binaries must load with (zig only), e.g. ``2.17``."""
    build_python: str | None = None
    config_settings: ConfigSettings = field(default_factory=dict)
    test_command: str | None = None
    """Run on the host under qemu before a wheel is published (``crossbuild wheel``)."""
    test_requires: tuple[str, ...] = ()
    """Installed for the host with the wheel, for ``test_command``."""

    def inspect(
        self,
        *,
        sysroot: str | os.PathLike[str] | None = None,
        cc: str | None = None,
        cxx: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        glibc_floor: str | None = None,
    ) -> Host:
        """The host, inspected; arguments given here win over the profile's."""
        from .host.host import inspect_host  # every command reads the configuration, few inspect a host

        return inspect_host(
            self.python,
            sysroot=sysroot or self.sysroot,
            cc=cc or self.cc,
            cxx=cxx or self.cxx,
            cache_dir=cache_dir,
            glibc_floor=glibc_floor or self.glibc,
        )


@dataclass(frozen=True)
class Setting:
    """One value and where it came from, as ``crossbuild config list`` shows it."""

    key: str
    """``hosts.NAME.KEY`` or ``options.NAME``."""
    value: object
    origin: str


@dataclass(frozen=True)
class Configuration:
    """What the configuration files say, merged."""

    hosts: Mapping[str, HostProfile]
    options: Mapping[str, object]
    """Option defaults by long name (``cache-dir``), as the files give them."""
    settings: tuple[Setting, ...]
    """Every value in force, with its file, in the order of precedence."""
    files: tuple[Path, ...]
    """The files that were read, lowest precedence first."""


def configuration_files(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files that exist, lowest precedence first."""
    environ = os.environ if environ is None else environ
    named = environ.get(FILE_VARIABLE)
    if named and not Path(named).is_file():
        raise ConfigurationError("{variable}={path} names no file", variable=FILE_VARIABLE, path=named)
    candidates = [*_system_and_user_files(environ), _project_file(cwd or Path.cwd())]
    if named:
        candidates.append(Path(named))
    return [path for path in dict.fromkeys(candidates) if path is not None and path.is_file()]


def looked_for(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Where configuration files are looked for, in words (for ``config list -v``)."""
    environ = os.environ if environ is None else environ
    project = f"{FILE_NAME} or pyproject.toml [tool.crossbuild] in {cwd or Path.cwd()} or a parent"
    return [*map(str, _system_and_user_files(environ)), project, f"${FILE_VARIABLE}"]


def _system_and_user_files(environ: Mapping[str, str]) -> list[Path]:
    xdg_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    candidates = [Path(d) / "crossbuild" / FILE_NAME for d in reversed(xdg_dirs.split(os.pathsep)) if d]
    candidates.append(Path("/etc") / FILE_NAME)
    candidates.append(Path(platformdirs.user_config_dir("crossbuild", appauthor=False)) / FILE_NAME)
    return candidates


def _project_file(cwd: Path) -> Path | None:
    """The project's file: in ``cwd`` or the nearest parent that has one, ``crossbuild.toml``
    before a ``pyproject.toml`` with ``[tool.crossbuild]`` (one without is passed over)."""
    for directory in (cwd.absolute(), *cwd.absolute().parents):
        if (directory / FILE_NAME).is_file():
            return directory / FILE_NAME
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _settings_of(pyproject) is not None:
            return pyproject
    return None


def load_configuration(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Configuration:
    """Read and merge every configuration file (see the module's documentation)."""
    files = []
    values: dict[str, Setting] = {}
    for path in configuration_files(cwd, environ):
        found = _settings_of(path)
        if found is None:  # a pyproject.toml without [tool.crossbuild]
            continue
        files.append(path)
        for setting in found:
            values.pop(setting.key, None)  # a later file's value comes later in the listing too
            values[setting.key] = setting
    settings = tuple(values.values())
    return Configuration(
        hosts=MappingProxyType(_profiles(settings)),
        options=MappingProxyType(
            {s.key.removeprefix("options."): s.value for s in settings if s.key.startswith("options.")}
        ),
        settings=settings,
        files=tuple(files),
    )


def _settings_of(path: Path) -> list[Setting] | None:
    """The settings of one file; ``None`` for a ``pyproject.toml`` that has none."""
    try:
        with path.open("rb") as stream:
            data: dict[str, Any] = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError("cannot read {path}: {error}", path=path, error=error) from None
    if path.name == "pyproject.toml":
        if "crossbuild" not in data.get("tool", {}):
            return None
        data = data["tool"]["crossbuild"]
    origin = str(path)
    unknown = sorted(set(data) - {"hosts", "options"})
    if unknown:
        raise ConfigurationError(
            "{path}: unknown table {table!r}; crossbuild reads [hosts.NAME] and [options]", path=path, table=unknown[0]
        )
    settings = [Setting(f"options.{key}", value, origin) for key, value in _table(path, data, "options").items()]
    for name, profile in _table(path, data, "hosts").items():
        if not isinstance(profile, dict):
            raise ConfigurationError("{path}: hosts.{name} must be a table", path=path, name=name)
        for key, value in profile.items():
            if key not in PROFILE_KEYS:
                raise ConfigurationError(
                    "{path}: hosts.{name} has an unknown key {key!r}; known keys: {known}",
                    path=path,
                    name=name,
                    key=key,
                    known=", ".join(PROFILE_KEYS),
                )
            settings.append(Setting(f"hosts.{name}.{key}", _value(path, name, key, value), origin))
    return settings


def _table(path: Path, data: Mapping[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigurationError("{path}: {name} must be a table", path=path, name=name)
    return table


def _value(path: Path, name: str, key: str, value: object) -> object:
    """A profile's value, checked, with a path made absolute against its file's directory."""
    if key == "config-settings":
        if not isinstance(value, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v)) for v in value.values()
        ):
            raise ConfigurationError(
                "{path}: hosts.{name}.config-settings must map names to strings or lists of strings",
                path=path,
                name=name,
            )
        return {k: v if isinstance(v, str) else tuple(v) for k, v in value.items()}
    if key == "test-requires":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigurationError(
                "{path}: hosts.{name}.test-requires must be a list of requirements", path=path, name=name
            )
        return tuple(value)
    if not isinstance(value, str) or not value:
        raise ConfigurationError("{path}: hosts.{name}.{key} must be a non-empty string", path=path, name=name, key=key)
    return str((path.parent / value).absolute()) if PROFILE_KEYS[key] else value


def _profiles(settings: tuple[Setting, ...]) -> dict[str, HostProfile]:
    fields: dict[str, dict[str, object]] = {}
    origins: dict[str, str] = {}
    for setting in settings:
        if setting.key.startswith("hosts."):
            name, _, key = setting.key.removeprefix("hosts.").rpartition(".")
            fields.setdefault(name, {})[key.replace("-", "_")] = setting.value
            origins[name] = setting.origin
    profiles = {}
    for name, values in fields.items():
        if "python" not in values:
            raise ConfigurationError(
                'host profile {name} ({origin}) has no python; add python = "ROOTFS/usr/bin/python3.X"',
                name=name,
                origin=origins[name],
            )
        python = Path(str(values.pop("python")))
        sysroot = values.pop("sysroot", None)
        profiles[name] = HostProfile(
            name=name,
            python=python,
            origin=origins[name],
            sysroot=Path(str(sysroot)) if sysroot else None,
            **values,  # type: ignore[arg-type]
        )
    return profiles
