"""The root's ``*-config`` scripts, on the backend's ``PATH``, answering with the root's paths.

Many projects find a library with its config script (``curl-config --cflags --libs``,
``xml2-config``, ``pg_config --includedir``, ``mysql_config``…).  Those of the host live
in its root (``ROOT/usr/bin/curl-config``), not on this machine's ``PATH``, and print
the host's paths (``-I/usr/include/libxml2``).  For each executable of the root's
``bin`` directories named ``*-config`` or ``*_config`` (pkg-config aside: the build
machine's runs, with ``PKG_CONFIG_SYSROOT_DIR``), a wrapper of that name goes into the
wrapper directory, first on the backend's ``PATH``.  It runs the root's script on this
machine and maps the paths it prints into the root (see :mod:`._configrun`):

- a script (``#!/bin/sh``, ``#!/usr/bin/perl``) runs with this machine's interpreter of
  that path, or else of that name on ``PATH``; as the script's path is the root's, one
  that finds its prefix from its own location finds the root's;
- an ELF program (``pg_config`` of some distributions) runs under qemu-user with the
  root as its library prefix;
- one that cannot run (its interpreter, or qemu, missing here) fails with a one-line
  ``crossbuild: error: cannot run the root's …`` error, rather than the build machine's
  program of that name answering for the host.

A script named for the host's triplet (Debian's ``aarch64-linux-gnu-python3.11-config``)
also answers to its plain name when the root has none.  A name the root does not have
is left to the build machine's ``PATH``: the system directories its answer names
(``-I/usr/include/libxml2``) are mapped into the root by the compiler wrappers (see
:mod:`.shims`), so the build finds the root's files or fails; others (``/opt/…``) stay
the build machine's.

Each call is logged; :meth:`ConfigScripts.mappings` lists what was mapped, shown under ``-v``.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..host.host import Host
from ..host.machines import QEMU
from ..host.rootfs import resolve_in_root
from . import _configrun

#: The host's directories of programs, in the order of its ``PATH``.
BIN_DIRS = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin")
#: Names of config scripts.  pkg-config is not one: the build machine's answers for the root.
CONFIG_NAME = re.compile(r"(?!(.*-)?pkg-config$)[A-Za-z0-9][\w.+-]*[-_]config")
_RUNTIME = "_crossbuild_configrun"
_LOG = "config-scripts.log"

_WRAPPER = """#!{python} -IS
# crossbuild: the root's {host_path}, run on this machine, the paths it prints moved into the root.
import sys
sys.path.insert(0, {directory!r})
from {runtime} import run
run({name!r}, {command!r}, {error!r}, {root!r}, {keep!r}, {log!r})
"""


@dataclass(frozen=True)
class ConfigScriptCall:
    script: str
    args: list[str]
    returncode: int
    mapped: list[list[str]] | None = None
    """``[path as printed, path in the root]`` of each path moved into the root."""
    error: str | None = None
    """Why the script could not run."""


@dataclass(frozen=True)
class ConfigScripts:
    """The wrappers of the root's config scripts, by name (to the script's host path), and their log."""

    directory: Path
    scripts: dict[str, str]

    @property
    def log(self) -> Path:
        return self.directory / _LOG

    @property
    def programs(self) -> dict[str, Path]:
        """Each wrapper, by name."""
        return {name: self.directory / name for name in self.scripts}

    def calls(self) -> list[ConfigScriptCall]:
        if not self.log.is_file():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [ConfigScriptCall(**ast.literal_eval(line)) for line in lines if line.strip()]

    def mappings(self) -> list[tuple[str, str, str]]:
        """``(script, path as printed, path in the root)`` of each path mapped, once."""
        found = ((call.script, old, new) for call in self.calls() for old, new in call.mapped or ())
        return list(dict.fromkeys(found))

    def errors(self) -> list[str]:
        """Why a config script could not run, once each."""
        return list(dict.fromkeys(call.error for call in self.calls() if call.error))


def find_config_scripts(root: Path, multiarch: str = "") -> dict[str, str]:
    """The config scripts of ``root`` by name, each to its path on the host (``/usr/bin/curl-config``).

    A directory earlier on the host's ``PATH`` wins; a script named for the host's
    triplet also answers to its plain name when the root has none of that name.
    """
    found: dict[str, str] = {}
    for directory in BIN_DIRS:
        where = resolve_in_root(root, directory)
        try:
            names = sorted(entry.name for entry in where.iterdir())
        except OSError:
            continue
        for name in names:
            if name in found or not CONFIG_NAME.fullmatch(name):
                continue
            program = resolve_in_root(root, f"{directory}/{name}")
            if program.is_file() and os.access(program, os.X_OK):
                found[name] = f"{directory}/{name}"
    prefix = f"{multiarch}-" if multiarch else None
    for name, path in list(found.items()):
        if prefix and name.startswith(prefix):
            found.setdefault(name.removeprefix(prefix), path)
    return found


def script_command(host: Host, path: Path, host_path: str) -> tuple[list[str], str]:
    """How this machine runs the root's program at ``path``: a command, or why it cannot."""
    try:
        with path.open("rb") as stream:
            head = stream.read(256)
    except OSError as exc:
        return [], f"cannot run the root's {host_path}: {exc.strerror}"
    if head.startswith(b"\x7fELF"):
        if host.emulator is None:
            qemu = QEMU.get(host.cpu, f"qemu-{host.cpu}")
            return [], (
                f"cannot run the root's {host_path}, a program for {host.machine}: {qemu} is not on PATH; "
                "install it (Debian: apt-get install qemu-user)"
            )
        return [*host.emulator, str(path)], ""
    if not head.startswith(b"#!"):
        return ["/bin/sh", str(path)], ""  # what execve's callers do with a script without #!
    words = head[2:].split(b"\n", 1)[0].decode(errors="replace").strip().split(None, 1)
    if not words:
        return ["/bin/sh", str(path)], ""
    interpreter, argument = words[0], words[1:]
    # this machine's interpreter of that name: /usr/bin/perl, or perl on PATH (a root's
    # #!/usr/bin/bash where /bin is not /usr/bin here)
    program = interpreter if os.access(interpreter, os.X_OK) else shutil.which(Path(interpreter).name)
    if Path(interpreter).name == "env" and argument and not argument[0].startswith("-"):
        interpreter = argument[0]
        program, argument = shutil.which(interpreter), []
    if program is None:
        missing = f"its interpreter {interpreter} is not on this machine; install it"
        return [], f"cannot run the root's {host_path}: {missing}"
    return [program, *argument, str(path)], ""


def write_config_scripts(host: Host, directory: Path) -> ConfigScripts:
    """Write a wrapper into ``directory`` for each config script of the host's root."""
    log = directory / _LOG
    if host.sysroot == Path("/"):
        return ConfigScripts(directory, {})
    root = host.build_sysroot  # the view of an as-is root, where the root's own links stay inside
    scripts = find_config_scripts(root, host.multiarch)
    if scripts:
        shutil.copyfile(_configrun.__file__, directory / f"{_RUNTIME}.py")
    keep = list(dict.fromkeys(os.path.normpath(p) for r in (root, host.sysroot) for p in (r, os.path.realpath(r))))
    for name, host_path in scripts.items():
        command, error = script_command(host, root / host_path.lstrip("/"), host_path)
        wrapper = directory / name
        wrapper.write_text(
            _WRAPPER.format(
                python=sys.executable,
                host_path=host_path,
                directory=str(directory),
                runtime=_RUNTIME,
                name=name,
                command=command,
                error=error,
                root=os.path.normpath(root),
                keep=keep,
                log=str(log),
            )
        )
        wrapper.chmod(0o755)
    return ConfigScripts(directory, scripts)
