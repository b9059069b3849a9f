"""strip: the ELF files of a wheel lose debug information, RECORD follows, the rest is untouched.

Real ELF files made with this machine's gcc and stripped with its strip; the host is this
machine's kind.  The arm64 end-to-end strip, under qemu, is integration/test_strip_debug.py.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from helpers.fakehost import make_wheel
from helpers.nativebuild import GCC, compile_shared, needs_gcc
from installer.sources import WheelFile

from crossbuild import CommandError, ToolchainError
from crossbuild.host.host import Host
from crossbuild.wheel.strip import strip_for_host, strip_wheel

SOURCE = "static int helper(int x) { return x * 2; }\nint PyInit__ext(void) { return helper(21); }\n"


def _sections(content: bytes) -> set[str]:
    return {section.name for section in ELFFile(io.BytesIO(content)).iter_sections()}


def _members(wheel: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(wheel) as archive:
        return {info.filename: info for info in archive.infolist()}


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    """An extension and an object file built with ``-g``, a script, a Python module."""
    extension = compile_shared(tmp_path / "build", "_ext.so", SOURCE, "-g")
    obj = tmp_path / "build/helper.o"
    subprocess.run([GCC, "-g", "-c", "-o", obj, tmp_path / "build/_ext.so.c"], check=True)
    return make_wheel(
        tmp_path / "dist",
        files={
            "pkg/__init__.py": b"from ._ext import *\n",
            "pkg/_ext.so": extension.read_bytes(),
            "pkg/helper.o": obj.read_bytes(),
            "pkg/tool": extension.read_bytes(),
        },
        executable=["pkg/tool"],
    )


@needs_gcc
def test_debug_information_goes_and_record_follows(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        before = {name: archive.read(name) for name in archive.namelist()}
    assert {".debug_info", ".symtab"} <= _sections(before["pkg/_ext.so"])

    result = strip_wheel(wheel, "strip", ["pkg/_ext.so", "pkg/helper.o", "pkg/tool"], tmp_path / "out")

    assert result.wheel == tmp_path / "out" / wheel.name
    with zipfile.ZipFile(result.wheel) as archive:
        after = {name: archive.read(name) for name in archive.namelist()}
    # shared objects and executables: --strip-unneeded; .dynsym (PyInit__ext) stays
    for name in ("pkg/_ext.so", "pkg/tool"):
        assert not {s for s in _sections(after[name]) if s.startswith((".debug", ".symtab"))}
        assert ".dynsym" in _sections(after[name]) and b"PyInit__ext" in after[name]
        assert len(after[name]) < len(before[name])
    # an object file: --strip-debug, its symbols are needed to link it
    assert ".symtab" in _sections(after["pkg/helper.o"]) and ".debug_info" not in _sections(after["pkg/helper.o"])
    assert after["pkg/__init__.py"] == before["pkg/__init__.py"]
    stripped = ("pkg/_ext.so", "pkg/helper.o", "pkg/tool")
    assert (result.files, result.size_before, result.size_after) == (
        3,
        sum(len(before[name]) for name in stripped),
        sum(len(after[name]) for name in stripped),
    )
    assert str(result) == f"stripped 3 files: {result.size_before / 1000:.1f} kB → {result.size_after / 1000:.1f} kB"
    with WheelFile.open(result.wheel) as source:
        source.validate_record()
    old, new = _members(wheel), _members(result.wheel)
    for name in (*stripped, "pkg/__init__.py"):  # modes and dates are kept
        assert (new[name].external_attr, new[name].date_time) == (old[name].external_attr, old[name].date_time)


@needs_gcc
def test_a_failing_strip_leaves_no_wheel(wheel: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=rf"^strip --strip-unneeded of {wheel.name} failed \(exit code 1\)"):
        strip_wheel(wheel, shutil.which("false") or "false", ["pkg/_ext.so"], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_host_without_strip(host: Host, tmp_path: Path) -> None:
    no_strip = dataclasses.replace(host, toolchain=dataclasses.replace(host.toolchain, strip=None))
    with pytest.raises(ToolchainError) as caught:
        strip_for_host(tmp_path / "pkg-1.0-cp311-cp311-linux_aarch64.whl", no_strip, ["pkg/_ext.so"], tmp_path)
    assert str(caught.value) == (
        f"no strip for aarch64 found beside {host.toolchain.cc[0]}; Debian: apt-get install gcc-aarch64-linux-gnu "
        "(it brings binutils), or build without strip="
    )
