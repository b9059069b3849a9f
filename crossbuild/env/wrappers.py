"""Compiler wrappers: the host compilers with ``--sysroot``, and a record of every call.

Backends are given the wrappers instead of the real compilers (``CC``, ``CXX``,
``LDSHARED``, sysconfig, the meson and CMake files).  Each call is appended to a JSON-lines
log; a failed call keeps the compiler's error output.  That log is how crossbuild notices
a project that quietly fell back to pure Python after its C build failed.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from .host import Host
from .toolchain import sysroot_flags

_WRAPPER = """#!{python} -IS
# crossbuild compiler wrapper: runs the host compiler with the sysroot and logs the call.
import json, subprocess, sys
command = {command!r}
argv = command + sys.argv[1:]
if not command:
    message = {missing!r}
    sys.stderr.write("crossbuild: " + message + "\\n")
    returncode, stderr = 1, message.encode()
else:
    try:
        process = subprocess.run(argv, stderr=subprocess.PIPE)
        returncode, stderr = process.returncode, process.stderr
    except OSError as error:
        returncode, stderr = 127, str(error).encode()
    sys.stderr.buffer.write(stderr)
    sys.stderr.flush()
record = {{"argv": argv, "returncode": returncode}}
if returncode:
    record["stderr"] = stderr.decode(errors="replace")[-8000:]
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
sys.exit(returncode)
"""


@dataclass(frozen=True)
class CompilerCall:
    argv: list[str]
    returncode: int
    stderr: str = ""


@dataclass(frozen=True)
class CompilerWrappers:
    """The wrapper scripts of one build and the log they write."""

    directory: Path
    cc: Path
    cxx: Path
    log: Path

    def calls(self) -> list[CompilerCall]:
        if not self.log.is_file():
            return []
        return [CompilerCall(**json.loads(line)) for line in self.log.read_text().splitlines() if line.strip()]

    def failed_calls(self) -> list[CompilerCall]:
        return [call for call in self.calls() if call.returncode != 0]


def write_wrappers(host: Host, directory: Path) -> CompilerWrappers:
    """Write ``cc`` and ``c++`` wrappers for ``host`` into ``directory``.

    They are also written under the real compilers' names (``aarch64-linux-gnu-gcc``…), so
    a tool that runs the compiler named in the host's sysconfig gets the wrapper too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "compiler-calls.jsonl"
    toolchain = host.toolchain
    flags = sysroot_flags(host.sysroot)
    hint = f"apt-get install g++-{host.multiarch}" if host.multiarch else "install a C++ cross compiler"
    paths = {}
    for name, command in (("cc", toolchain.cc), ("c++", toolchain.cxx)):
        text = _WRAPPER.format(
            python=sys.executable,
            command=[*command, *flags] if command else [],
            missing=f"no C++ compiler for {host.machine} was found; {hint} or pass --cxx",
            log=str(log),
        )
        wrapper = directory / f"crossbuild-{name}"
        wrapper.write_text(text)
        wrapper.chmod(0o755)
        if command:
            alias = directory / Path(command[0]).name
            alias.unlink(missing_ok=True)
            alias.symlink_to(wrapper.name)
        paths[name] = wrapper
    return CompilerWrappers(directory=directory, cc=paths["cc"], cxx=paths["c++"], log=log)


def replace_program(command_line: str, program: Path) -> str:
    """``command_line`` with its first word (the compiler) replaced by ``program``."""
    words = shlex.split(command_line)
    return shlex.join([str(program), *words[1:]])
