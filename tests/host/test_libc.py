"""The host's C library: musl read from its loader, glibc as before, and the tags that follow."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ARMHF, MIPSEL, MUSL_PROGRAMS, S390X, make_layout, musl_library
from packaging import _manylinux, _musllinux, tags
from packaging._elffile import ELFFile

from crossbuild import HostPythonError, inspect_host
from crossbuild.host.elf import read_interpreter
from crossbuild.host.libc import is_musl_loader, read_musl_version
from crossbuild.host.libraries import HostLibraries, libraries_of


@pytest.mark.parametrize(
    ("program", "interpreter"),
    [
        (MUSL_PROGRAMS / "musl-hello-aarch64", "/lib/ld-musl-aarch64.so.1"),  # 64-bit
        (MUSL_PROGRAMS / "musl-hello-mipsel", "/lib/ld-musl-mipsel.so.1"),  # 32-bit
    ],
)
def test_reads_the_interpreter_of_real_musl_programs(program: Path, interpreter: str) -> None:
    assert read_interpreter(program) == interpreter
    with program.open("rb") as file:
        assert ELFFile(file).interpreter == interpreter  # packaging reads the same
    assert is_musl_loader(read_interpreter(program))


def test_reads_the_interpreter_of_this_python() -> None:
    executable = Path(sys.executable).resolve()
    with executable.open("rb") as file:
        expected = ELFFile(file).interpreter
    assert read_interpreter(executable) == expected
    assert not is_musl_loader(expected)


def test_no_interpreter(tmp_path: Path) -> None:
    (tmp_path / "text").write_text("#!/bin/sh\n")
    assert read_interpreter(tmp_path / "text") is None
    assert read_musl_version(tmp_path / "missing") is None


def test_musl_version_is_read_from_the_library(tmp_path: Path) -> None:
    library = tmp_path / "ld-musl-aarch64.so.1"
    library.write_bytes(musl_library("1.2.3"))
    assert read_musl_version(library) == (1, 2)
    library.write_bytes(musl_library("1.1.24_git20200801"))
    assert read_musl_version(library) == (1, 1)
    library.write_bytes(musl_library("1.2.3").replace(b"musl libc (", b"some libc ("))
    assert read_musl_version(library) is None  # not musl's
    library.write_bytes(musl_library("1.2.3") + b"\x001.1.9\x00")
    assert read_musl_version(library) is None  # which one? none is guessed


def test_a_musl_host(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", glibc=None, musl="1.2.3")
    host = inspect_host(layout.python)
    assert (host.musl, host.glibc, host.libc) == ((1, 2), None, "musl")
    summary = json.loads(json.dumps(host.summary()))
    assert (summary["libc"], summary["musl"], summary["glibc"]) == ("musl", "1.2", None)
    assert host.platform_tags == [
        "musllinux_1_2_aarch64",
        "musllinux_1_1_aarch64",
        "musllinux_1_0_aarch64",
        "linux_aarch64",
    ]


def test_a_glibc_host_stays_one(tmp_path: Path) -> None:
    host = inspect_host(make_layout(tmp_path / "root").python)
    assert (host.glibc, host.musl, host.libc) == ((2, 36), None, "glibc")
    assert host.summary()["libc"] == "glibc"
    assert not any(tag.startswith("musllinux") for tag in host.platform_tags)


def test_a_musl_python_without_its_loader(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", glibc=None, musl="1.2.3")
    (layout.root / "lib" / "ld-musl-aarch64.so.1").unlink()
    with pytest.raises(HostPythonError) as caught:
        inspect_host(layout.python)
    message = str(caught.value)
    assert "runs on musl (/lib/ld-musl-aarch64.so.1)" in message
    assert "is not a musl library whose version can be read" in message


@pytest.mark.parametrize("musl", ["1.1.24", "1.2.3", "1.2.5"])
@pytest.mark.parametrize("machine", [AARCH64, MIPSEL])
def test_musl_tags_are_packagings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, musl: str, machine: object) -> None:
    """packaging.tags on the device: its platform is the host's, its python runs on that musl."""
    layout = make_layout(tmp_path / "root", machine=machine, glibc=None, musl=musl)  # type: ignore[arg-type]
    host = inspect_host(layout.python)
    major, minor = (int(part) for part in musl.split(".")[:2])
    monkeypatch.setattr(tags.sysconfig, "get_platform", lambda: host.platform)
    monkeypatch.setattr(_musllinux, "_get_musl_version", lambda executable: _musllinux._MuslVersion(major, minor))
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: (-1, -1))  # no glibc on the device
    theirs = list(tags._linux_platforms(is_32bit=host.pointer_bits == 32))
    assert set(host.platform_tags) == set(theirs)
    ours_musl = [tag for tag in host.platform_tags if tag.startswith("musllinux")]
    assert ours_musl == [tag for tag in theirs if tag.startswith("musllinux")]  # best first
    assert host.platform_tags[-1] == host.tag.platform == f"linux_{host.machine}"


@pytest.mark.parametrize("machine", [AARCH64, ARMHF, MIPSEL, S390X])
def test_glibc_tags_are_packagings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine: object) -> None:
    """packaging.tags on a glibc 2.36 device, its python being the host's (MIPS gets no manylinux tag)."""
    layout = make_layout(tmp_path / "root", machine=machine, glibc=(17, 36))  # type: ignore[arg-type]
    host = inspect_host(layout.python)
    compatible = _manylinux._have_compatible_abi
    monkeypatch.setattr(tags.sysconfig, "get_platform", lambda: host.platform)
    monkeypatch.setattr(_manylinux, "_have_compatible_abi", lambda _, archs: compatible(str(layout.python), archs))
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: (2, 36))
    monkeypatch.setattr(_musllinux, "_get_musl_version", lambda executable: None)
    theirs = list(tags._linux_platforms(is_32bit=host.pointer_bits == 32))
    assert set(host.platform_tags) == set(theirs)
    assert [t for t in host.platform_tags if t.startswith("many")] == [t for t in theirs if t.startswith("many")]
    assert any(t.startswith("manylinux") for t in theirs) == (machine is not MIPSEL)


def test_musl_libraries_are_found_as_musl_finds_them(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", glibc=None, musl="1.2.3")
    libraries = libraries_of(inspect_host(layout.python))
    loader = layout.root / "lib" / "ld-musl-aarch64.so.1"
    for name in ("libc.so", "libc.musl-aarch64.so.1", "libm.so.6", "libpthread.so.0", "libdl.so.2"):
        assert libraries.find(name) == loader  # musl is all of them, whatever files the root has
    assert libraries.find("libz.so.1") is None
    assert libraries.directories == ("/lib", "/usr/local/lib", "/usr/lib")
    (layout.root / "etc").mkdir()
    (layout.root / "etc" / "ld-musl-aarch64.path").write_text("/opt/lib:/usr/lib\n/lib\n")
    configured = HostLibraries(layout.root, "", libraries.target, "/lib/ld-musl-aarch64.so.1")
    assert configured.directories == ("/opt/lib", "/usr/lib", "/lib")
