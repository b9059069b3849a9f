"""Compiler wrappers: the host compilers with ``--sysroot``, and a record of every call.

Backends are given the wrappers instead of the real compilers (``CC``, ``CXX``, ``FC``,
``LDSHARED``, sysconfig, the meson and CMake files).  Each call is appended to a
log; a failed call keeps the compiler's error output.  That log is how crossbuild notices
a project that quietly fell back to pure Python after its C build failed.

Every call also gets ``-ffile-prefix-map`` flags, so that no path of this machine (the
sysroot, the temporary build directories, the cached build environment) ends up in debug
information or ``__FILE__``: the same source makes the same binary wherever it is built.
The wrappers see every compiler call, which ``CFLAGS`` does not (backends override it).
For the same reason a run-time search path into the root (``-Wl,-rpath,ROOT/usr/lib/…``:
meson adds one for a library of a ``.pc`` file outside the system directories, as
Debian's OpenBLAS is) becomes the host's own path, as a build on the host would record.

A compiler launcher (ccache, sccache, distcc: ``launcher.py``) runs the compiler in the
wrapper, so every backend's compiles go through it; the log still records each call's exit
status and error output, the launcher's included.
"""

from __future__ import annotations

import ast
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..host.host import Host
from ..host.libraries import libraries_of
from ..host.toolchain import compiler_package_hint, sysroot_flags
from .launcher import CompilerLauncher
from .searchdirs import include_flags, library_flags
from .shims import build_dir_moves, write_shims

_WRAPPER = """#!{python} -IS
# crossbuild compiler wrapper: runs the host compiler with the sysroot and logs the call.
# It runs for every compiler call of a build, so it imports only os and sys.
import os, sys
command = {command!r}
option, maps = {prefix_map_option!r}, {maps!r}
moves, keep, root_flags, link_flags = {moves!r}, {keep!r}, {root_flags!r}, {link_flags!r}
roots, dropped = {roots!r}, {dropped!r}
args, rewritten = sys.argv[1:], []


def unrooted(directory):
    for root in roots:
        if directory == root or directory.startswith(root + "/"):
            return directory[len(root):] or "/"
    return directory


for at, arg in enumerate(args):  # -I/-L naming the build machine's system dirs: the root's instead
    if at and args[at - 1] in ("-I", "-L", "-isystem", "-idirafter", "-iquote"):
        flag = ""
    else:
        flag = next((f for f in ("-isystem", "-idirafter", "-iquote", "-I", "-L") if arg.startswith(f)), None)
        if flag is None or arg == flag:
            continue
    value = os.path.normpath(arg[len(flag):])
    if not value.startswith("/") or any(value == k or value.startswith(k + "/") for k in keep):
        continue
    for old, new in moves:
        if value == old or value.startswith(old + "/"):
            args[at] = flag + new + value[len(old):]
            rewritten.append([value, new + value[len(old):]])
            break
for at, arg in enumerate(args):  # run-time search paths into the root: the host's own paths
    if arg.startswith("-Wl,") and roots:
        parts, value_at = arg.split(","), 0
        for i, part in enumerate(parts):
            if i == value_at and i:
                parts[i] = ":".join(unrooted(d) for d in part.split(":"))
            elif part in ("-rpath", "--rpath", "-R"):
                value_at = i + 1
            elif part.startswith(("-rpath=", "--rpath=")):
                name, _, value = part.partition("=")
                parts[i] = name + "=" + ":".join(unrooted(d) for d in value.split(":"))
            elif part.startswith("-R/"):
                parts[i] = "-R" + ":".join(unrooted(d) for d in part[2:].split(":"))
        args[at] = ",".join(parts)
if "-nostdinc" in args:
    root_flags = [f for f in root_flags if not f.startswith(("-nostdinc", "-idirafter"))]
if not any(a in ("-c", "-E", "-S", "-M", "-MM") for a in args):  # a link: the root's libraries
    root_flags = root_flags + link_flags  # (clang: -Werror=unused-command-line-argument on a compile)
if dropped:  # linker options the compiler rejects (zig): out of -Wl,a,b and -Xlinker a
    kept, skip = [], 0
    for arg in args + root_flags:
        if arg.startswith("-Wl,"):
            parts = []
            for part in arg.split(",")[1:]:
                if skip:
                    skip -= 1
                elif part.partition("=")[0] in dropped:
                    skip = 0 if "=" in part else dropped[part]
                else:
                    parts.append(part)
            if parts:
                kept.append(",".join(["-Wl", *parts]))
        elif kept and kept[-1] == "-Xlinker" and (skip or arg.partition("=")[0] in dropped):
            kept.pop()
            skip = skip - 1 if skip else (0 if "=" in arg else dropped[arg])
        else:
            kept.append(arg)
    args, root_flags = kept, []
try:
    cwd = os.getcwd()
except OSError:  # removed under our feet
    cwd = "/"
if cwd != "/" and "=" not in cwd:  # a backend's own build directory: .mesonpy-XXXX, /tmp/tmpXXXX/build...
    maps.setdefault(cwd, ".")
# The compiler applies the last map that matches a path: the longest prefix goes last.
flags = [option + "=" + old + "=" + maps[old] for old in sorted(maps, key=len)] if option else []
argv = command + flags + args + root_flags if command else args
captured, missing = [], False
if not command:
    message = {missing!r}
    sys.stderr.write("crossbuild: " + message + "\\n")
    captured.append(message.encode())
    returncode = 1
    missing = True
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
if rewritten:
    record["rewritten"] = rewritten
if missing:
    record["missing"] = True
if returncode:
    record["stderr"] = b"".join(captured).decode(errors="replace")[-8000:]
with open({log!r}, "a", encoding="utf-8") as log:  # a Python literal: json costs 9 ms to import
    log.write(repr(record) + "\\n")
sys.exit(returncode if returncode >= 0 else 128 - returncode)
"""


#: Each language's name in messages, and the option that names its compiler.
_LANGUAGES = {"c": ("C", ", or pass --cc"), "c++": ("C++", ", or pass --cxx"), "fortran": ("Fortran", "")}


@dataclass(frozen=True)
class CompilerCall:
    argv: list[str]
    returncode: int
    stderr: str = ""
    rewritten: list[list[str]] = field(default_factory=list)
    """``[build machine directory, its root's]`` of each ``-I``/``-L`` mapped into the root."""
    missing: bool = False
    """The call was to a compiler the host has none of (no C++ or Fortran compiler)."""


@dataclass(frozen=True)
class CompilerWrappers:
    """The wrapper scripts of one build and the log they write."""

    directory: Path
    cc: Path
    cxx: Path
    log: Path
    fortran: Path

    def calls(self) -> list[CompilerCall]:
        if not self.log.is_file():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [CompilerCall(**ast.literal_eval(line)) for line in lines if line.strip()]

    def rewrites(self) -> list[tuple[str, str]]:
        """Each build machine directory the compiler calls named, and the root's used instead."""
        pairs = (tuple(pair) for call in self.calls() for pair in call.rewritten)
        return list(dict.fromkeys((old, new) for old, new in pairs))

    def failed_calls(self) -> list[CompilerCall]:
        return [call for call in self.calls() if call.returncode != 0]

    def missing_compiler(self) -> str | None:
        """What the first call to a compiler the host lacks said (it names the package)."""
        return next((call.stderr for call in self.calls() if call.missing), None)


@dataclass(frozen=True)
class BuildDirs:
    """The directories of one build on this machine, and the stable names the binaries get.

    The source tree becomes ``.``, as the compiler's working directory does (a backend's
    random build directory: ``.mesonpy-XXXX``, scikit-build-core's ``/tmp/tmpXXXX``):
    Debian's ``dpkg-buildflags`` does the same, relative names read well in a debugger
    (``directory`` / ``set substitute-path``), and a tree and its unpacked sdist look the
    same.  The others get fixed absolute names, so that a path says where it came from.
    """

    source: Path
    work: Path
    """The build's temporary directory: unpacked sdist, wrappers, cross files, output."""
    env: Path
    """The cached build environment (headers of pybind11, numpy…); named without its key."""

    def stable_names(self) -> dict[Path, str]:
        return {self.work: "/crossbuild/work", self.env: "/crossbuild/env", self.source: "."}


def prefix_maps(sysroot: Path, dirs: BuildDirs | None) -> dict[str, str]:
    """The ``-ffile-prefix-map`` pairs of a build: each directory of this machine → its name.

    The sysroot maps to ``/``, so debug information names the host's own paths
    (``/usr/include/python3.11``).  A directory is mapped as given and as resolved, since
    the compiler sees whichever the backend passes.
    """
    named = dirs.stable_names() if dirs is not None else {}
    if sysroot != Path("/"):
        named[sysroot] = "/"
    maps: dict[str, str] = {}
    for path, name in named.items():
        for spelling in dict.fromkeys([str(path), os.path.realpath(path)]):
            if "=" in spelling:  # -ffile-prefix-map=OLD=NEW cannot say it
                continue
            maps[spelling] = name
            if name == "/":  # SYSROOT/usr → /usr, where SYSROOT → / alone gives //usr
                maps[spelling + "/"] = name
    return maps


def write_wrappers(
    host: Host, directory: Path, dirs: BuildDirs | None = None, launcher: CompilerLauncher | None = None
) -> CompilerWrappers:
    """Write ``cc``, ``c++`` and ``fortran`` wrappers for ``host`` into ``directory``.

    They are also written under the real compilers' names (``aarch64-linux-gnu-gcc``…), so
    a tool that runs the compiler named in the host's sysconfig gets the wrapper too.
    ``dirs`` are the build's directories, hidden from the binaries with the sysroot;
    ``launcher`` runs every compile (the compiler's path is its first argument).
    """
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "compiler-calls.log"
    toolchain = host.toolchain
    flags = sysroot_flags(host.build_sysroot)
    # the user's root and the view the toolchain gets of it (see host/view.py) both read as /
    maps = {**prefix_maps(host.sysroot, dirs), **prefix_maps(host.build_sysroot, None)}
    launch = [str(launcher.program)] if launcher is not None else []
    moves, keep = build_dir_moves(host)
    libraries = library_flags(host.build_sysroot, host.multiarch)  # the view of an as-is root
    musl_loader = libraries_of(host).musl_loader
    if musl_loader is not None:  # programs (meson's, CMake's checks) for the root's loader, not glibc's
        libraries = [*libraries, f"-Wl,--dynamic-linker={musl_loader}"]
    paths = {}
    compilers = (("cc", toolchain.cc, "c"), ("c++", toolchain.cxx, "c++"), ("fortran", toolchain.fortran, "fortran"))
    for name, command, language in compilers:
        # Not for Fortran: gfortran's -nostdinc also drops its own modules (omp_lib.mod), and
        # Fortran sources seldom include C headers; its links take the root's libraries first.
        root_flags: list[str] = []
        if command:
            includes = (
                include_flags([*command, *flags], host.build_sysroot, language, host.multiarch)
                if language != "fortran"
                else []
            )
            root_flags = includes
        what, option = _LANGUAGES[language]
        hint = compiler_package_hint(host.multiarch, language) + option
        # the linker choice only on links: clang warns of it on a compile, which meson's checks make an error
        linker_choice = [arg for arg in command or () if arg.startswith("-fuse-ld=")]
        command = tuple(arg for arg in command or () if arg not in linker_choice)
        text = _WRAPPER.format(
            python=sys.executable,
            command=[*launch, *command, *flags] if command else [],
            prefix_map_option=toolchain.prefix_map_option,
            maps=maps,
            moves=moves,
            keep=keep,
            root_flags=root_flags,
            link_flags=[*linker_choice, *libraries] if command else [],
            roots=root_spellings(host),
            dropped=dict(toolchain.dropped_linker_options),
            missing=f"no {what} compiler for {host.machine} was found; {hint}",
            log=str(log),
        )
        wrapper = directory / f"crossbuild-{name}"
        wrapper.write_text(text)
        wrapper.chmod(0o755)
        if command and toolchain.kind != "zig":  # zig cc and zig c++ are one program
            alias = directory / Path(command[0]).name
            alias.unlink(missing_ok=True)
            alias.symlink_to(wrapper.name)
        paths[name] = wrapper
    write_shims(host, directory, paths["cc"], paths["c++"])
    gfortran = directory / "gfortran"
    if not gfortran.exists():  # a build that runs plain gfortran gets the host's
        gfortran.symlink_to(paths["fortran"].name)
    return CompilerWrappers(directory=directory, cc=paths["cc"], cxx=paths["c++"], fortran=paths["fortran"], log=log)


def root_spellings(host: Host) -> list[str]:
    """The host's root as the build may name it (given, resolved; the view of an as-is root)."""
    spellings = [str(root) for root in (host.build_sysroot, host.sysroot)]
    spellings += [os.path.realpath(spelling) for spelling in spellings]
    return [spelling for spelling in dict.fromkeys(spellings) if spelling != "/"]


def replace_program(command_line: str, program: Path) -> str:
    """``command_line`` with its first word (the compiler) replaced by ``program``."""
    words = shlex.split(command_line)
    return shlex.join([str(program), *words[1:]])
