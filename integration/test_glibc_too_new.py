"""Every ELF file laid into a root must load there: a wheel that needs a newer glibc than
the root's is refused before anything is written, with the symbol named."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, QemuHost, error_line, run_crossbuild
from helpers.fakehost import snapshot


def _libc_claiming(directory: Path, newest: str, old: str = "old_call") -> Path:
    """An aarch64 ``libc.so.6`` whose symbol versions end at ``newest`` (GLIBC_2.17 … newest),
    with the function ``old`` at GLIBC_2.17."""
    directory.mkdir(parents=True)
    (directory / "libc.map").write_text(
        f"GLIBC_2.17 {{ global: {old}; }};\n{newest} {{ global: new_call; }} GLIBC_2.17;\n"
    )
    (directory / "libc.c").write_text(f"int {old}(void) {{ return 0; }}\nint new_call(void) {{ return 1; }}\n")
    libc = directory / "libc.so.6"
    subprocess.run(
        [
            f"{ARCH.triplet}-gcc",
            "-shared",
            "-fPIC",
            "-nostdlib",
            "-o",
            libc,
            directory / "libc.c",
            f"-Wl,--version-script={directory / 'libc.map'}",
            "-Wl,-soname,libc.so.6",
        ],
        check=True,
    )
    return libc


def test_wheel_needing_a_newer_glibc_than_the_root_is_refused(
    project: Callable[[str], Path], sysroot: Path, qemu: QemuHost, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    built = run_crossbuild("wheel", project("glibc_new"), "--host", sysroot / "usr/bin/python3.11", "-w", dist)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.iterdir()
    qemu.install(wheel)  # on bookworm's glibc 2.36 it loads
    assert qemu.python("import glibcnew; print(glibcnew.random32() >= 0)") == "True"

    old = tmp_path / "old-image"  # the same image with a C library that stops at 2.35
    shutil.copytree(sysroot, old, symlinks=True)
    libc = old / "lib" / ARCH.triplet / "libc.so.6"
    libc.unlink()
    shutil.copy(_libc_claiming(tmp_path / "stub", "GLIBC_2.35"), libc)
    before = snapshot(old)
    result = run_crossbuild("install", wheel, "--root", old, "--no-index")
    assert result.returncode == 1, result.stderr
    assert error_line(result.stderr) == (
        f"error: {wheel.name}: glibcnew.cpython-311-aarch64-linux-gnu.so needs arc4random@GLIBC_2.36 from "
        "libc.so.6, which the host's libc.so.6 does not define (it has up to GLIBC_2.35); build it against the "
        "host's root, or give the root a newer libc.so.6"
    )
    assert snapshot(old) == before
