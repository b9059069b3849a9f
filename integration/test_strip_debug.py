"""--strip: a cross-built extension loses its debug information and still imports under qemu.

The host python's CFLAGS (Debian's) carry ``-g``, so tests/packages/c_ext is built with
debug information; the plain wheel proves it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from conftest import QemuHost, run_crossbuild
from elftools.elf.elffile import ELFFile
from installer.sources import WheelFile

import crossbuild
from crossbuild.wheel.verify import verify_wheel

AARCH64 = crossbuild.ElfTarget("EM_AARCH64", 64, "little")
EXTENSION = "cext/_native.cpython-311-aarch64-linux-gnu.so"


def sections(elf: bytes) -> list[str]:
    return [section.name for section in ELFFile(io.BytesIO(elf)).iter_sections()]


def dynamic_symbols(elf: bytes) -> set[str]:
    return {symbol.name for symbol in ELFFile(io.BytesIO(elf)).get_section_by_name(".dynsym").iter_symbols()}


def member(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name)


def test_stripped_extension_is_smaller_and_imports(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path, qemu: QemuHost
) -> None:
    source = project("c_ext")
    plain = run_crossbuild("wheel", source, "--host", host_python, "-w", tmp_path / "plain")
    stripped = run_crossbuild("wheel", source, "--host", host_python, "-w", tmp_path / "stripped", "--strip")

    assert plain.returncode == 0, plain.stderr
    assert stripped.returncode == 0, stripped.stderr
    plain_wheel, stripped_wheel = Path(plain.stdout.strip()), Path(stripped.stdout.strip())
    assert plain_wheel.name == stripped_wheel.name == "cext-1.0-cp311-cp311-linux_aarch64.whl"
    before, after = member(plain_wheel, EXTENSION), member(stripped_wheel, EXTENSION)
    assert ".debug_info" in sections(before) and ".symtab" in sections(before)
    assert [name for name in sections(after) if name.startswith((".debug", ".zdebug", ".symtab"))] == []
    assert len(after) < len(before)
    assert "PyInit__native" in dynamic_symbols(after)  # what the interpreter looks up stays
    [line] = [line for line in stripped.stderr.splitlines() if line.startswith("stripped ")]
    assert re.fullmatch(rf"stripped 1 file: [\d.]+ kB → {len(after) / 1000:.1f} kB", line), line

    with WheelFile.open(stripped_wheel) as wheel:
        wheel.validate_record()  # every member's hash and size, by installer
    assert verify_wheel(stripped_wheel, AARCH64).elf_files == (EXTENSION,)
    qemu.install(stripped_wheel)
    assert qemu.python("import cext; print(cext.machine(), cext.add(2, 3))") == "aarch64 5"


def test_install_strip_lays_stripped_extensions_into_the_root(
    project: Callable[[str], Path], rootfs: Path, tmp_path: Path
) -> None:
    result = run_crossbuild("install", project("c_ext"), "--root", rootfs, "--strip")

    assert result.returncode == 0, result.stderr
    [installed] = rootfs.glob(f"usr/local/lib/python3.11/dist-packages/{EXTENSION}")
    assert [name for name in sections(installed.read_bytes()) if name.startswith(".debug")] == []
    check = run_crossbuild("check", "--root", rootfs)
    assert check.returncode == 0, check.stdout + check.stderr  # RECORD matches what is in the root
