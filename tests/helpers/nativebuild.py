"""Real ELF files for the fast tests, compiled at test time with this machine's gcc.

A library ``libdemo.so.1`` with symbol versions, extensions that need it, a root that
holds this machine's libc (and the library, or not), and wheels of them: what the
checks of loadability, repair and strip read.  The "host" is this machine's kind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crossbuild.host.elf import read_elf_target
from crossbuild.host.libraries import HostLibraries
from helpers.fakehost import make_wheel

MULTIARCH = "x86_64-linux-gnu"

#: Found once: some fixtures put fake compilers first on PATH.
GCC = shutil.which("gcc") or "gcc"

needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None or sys.platform != "linux", reason="needs this machine's gcc"
)


def compile_shared(directory: Path, name: str, source: str, *flags: str) -> Path:
    """``directory/name``, a shared object made of the C ``source``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.c").write_text(source)
    output = directory / name
    subprocess.run([GCC, "-shared", "-fPIC", "-o", output, directory / f"{name}.c", *flags], check=True)
    return output


def libdemo(directory: Path, versions: list[str]) -> Path:
    """``libdemo.so.1`` defining ``demo_<N>`` in version node ``DEMO_<N>`` for each version."""
    script = directory / "demo.map"
    directory.mkdir(parents=True, exist_ok=True)
    nodes, previous = [], ""
    for version in versions:
        nodes.append(f"DEMO_{version} {{ global: demo_{version.replace('.', '_')}; }} {previous};")
        previous = f"DEMO_{version}"
    script.write_text("\n".join(nodes) + "\n")
    source = "".join(f"int demo_{v.replace('.', '_')}(void) {{ return 1; }}\n" for v in versions)
    return compile_shared(
        directory, "libdemo.so.1", source, f"-Wl,--version-script={script}", "-Wl,-soname,libdemo.so.1"
    )


def demo_builds(directory: Path) -> dict[str, Path]:
    """``new`` (libdemo with DEMO_1.0 and DEMO_2.0), ``old`` (DEMO_1.0 only) and ``ext``,
    an extension that needs both versions of libdemo, all under ``directory``."""
    new = libdemo(directory / "new", ["1.0", "2.0"])
    old = libdemo(directory / "old", ["1.0"])
    ext = compile_shared(
        directory / "ext",
        "_ext.so",
        "int demo_1_0(void); int demo_2_0(void);\nint use(void) { return demo_1_0() + demo_2_0(); }\n",
        f"-L{new.parent}",
        "-l:libdemo.so.1",
    )
    return {"new": new, "old": old, "ext": ext}


def root_with(tmp_path: Path, libdemo: Path | None) -> HostLibraries:
    """A root with this machine's libc, and ``libdemo`` (if given) in /usr/lib/MULTIARCH."""
    root = tmp_path / "root"
    libdir = root / "usr/lib" / MULTIARCH
    libdir.mkdir(parents=True, exist_ok=True)
    libc = Path("/lib") / MULTIARCH / "libc.so.6"
    shutil.copy(libc, libdir / "libc.so.6")
    if libdemo is not None:
        shutil.copy(libdemo, libdir / "libdemo.so.1")
    target = read_elf_target(libc)
    assert target is not None
    return HostLibraries(root, MULTIARCH, target)


def wheel_of(tmp_path: Path, files: dict[str, Path]) -> Path:
    """``pkg-1.0-cp311-cp311-linux_x86_64.whl`` holding ``files`` (member name: file)."""
    return make_wheel(
        tmp_path / "dist",
        name="pkg",
        tags="cp311-cp311-linux_x86_64",
        files={member: path.read_bytes() for member, path in files.items()},
    )
