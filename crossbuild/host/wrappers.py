"""Compiler wrappers: the host compilers with ``--sysroot``, and a record of every call.

Backends are given the wrappers instead of the real compilers (``CC``, ``CXX``,
``LDSHARED``, sysconfig, the meson and CMake files).  Each call is appended to a
log; a failed call keeps the compiler's error output.  That log is how crossbuild notices
a project that quietly fell back to pure Python after its C build failed.
"""

from __future__ import annotations

import ast
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from .host import Host
from .toolchain import compiler_package_hint, sysroot_flags

_WRAPPER = """#!{python} -IS
# crossbuild compiler wrapper: runs the host compiler with the sysroot and logs the call.
# It runs for every compiler call of a build, so it imports only os and sys.
import os, sys
command = {command!r}
argv = command + sys.argv[1:]
captured = []
if not command:
    message = {missing!r}
    sys.stderr.write("crossbuild: " + message + "\\n")
    captured.append(message.encode())
    returncode = 1
else:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the compiler, with its stderr into the pipe
        os.close(read_end)
        os.dup2(write_end, 2)
        try:
            os.execv(argv[0], argv)
        except OSError as error:
            os.write(2, (str(error) + "\\n").encode())
        os._exit(127)
    os.close(write_end)
    while True:  # pass stderr through as it comes, and keep it
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        captured.append(chunk)
        os.write(2, chunk)
    os.close(read_end)
    returncode = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
record = {{"argv": argv, "returncode": returncode}}
if returncode:
    record["stderr"] = b"".join(captured).decode(errors="replace")[-8000:]
with open({log!r}, "a", encoding="utf-8") as log:  # a Python literal: json costs 9 ms to import
    log.write(repr(record) + "\\n")
sys.exit(returncode if returncode >= 0 else 128 - returncode)
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
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [CompilerCall(**ast.literal_eval(line)) for line in lines if line.strip()]

    def failed_calls(self) -> list[CompilerCall]:
        return [call for call in self.calls() if call.returncode != 0]


def write_wrappers(host: Host, directory: Path) -> CompilerWrappers:
    """Write ``cc`` and ``c++`` wrappers for ``host`` into ``directory``.

    They are also written under the real compilers' names (``aarch64-linux-gnu-gcc``…), so
    a tool that runs the compiler named in the host's sysconfig gets the wrapper too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "compiler-calls.log"
    toolchain = host.toolchain
    flags = sysroot_flags(host.build_sysroot)
    hint = compiler_package_hint(host.multiarch, "c++")
    paths = {}
    for name, command in (("cc", toolchain.cc), ("c++", toolchain.cxx)):
        text = _WRAPPER.format(
            python=sys.executable,
            command=[*command, *flags] if command else [],
            missing=f"no C++ compiler for {host.machine} was found; {hint}, or pass --cxx",
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
