"""ELF headers made at test time, and a real binary of this machine."""

from __future__ import annotations

import io
import platform
import sys
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ARMHF, ET_REL, S390X, X86_64, Machine, elf_header

from crossbuild.host.elf import _E_MACHINES, ElfTarget, read_elf_header, read_elf_target


@pytest.mark.parametrize(
    ("machine", "e_machine", "name", "bits", "byteorder"),
    [
        (AARCH64, "EM_AARCH64", "aarch64", 64, "little"),
        (X86_64, "EM_X86_64", "x86_64", 64, "little"),
        (ARMHF, "EM_ARM", "armv7l", 32, "little"),
        (S390X, "EM_S390", "s390x", 64, "big"),
    ],
    ids=lambda value: value.uname if isinstance(value, Machine) else None,
)
def test_read_elf_target(machine: Machine, e_machine: str, name: str, bits: int, byteorder: str) -> None:
    target = read_elf_target(elf_header(machine))
    assert target == ElfTarget(e_machine=e_machine, bits=bits, byteorder=byteorder)
    assert target.machine == name
    assert str(target) == f"{name} ({bits}-bit, {byteorder}-endian)"


def test_path_stream_and_bytes_agree(tmp_path: Path) -> None:
    obj = tmp_path / "probe.o"
    obj.write_bytes(elf_header(S390X, ET_REL))
    from_path = read_elf_target(obj)
    with obj.open("rb") as stream:
        from_stream = read_elf_target(stream)
    assert from_path == from_stream == read_elf_target(io.BytesIO(obj.read_bytes()))
    assert from_path is not None and from_path.machine == "s390x"


def test_32_bit_s390_and_big_endian_aarch64_keep_their_names() -> None:
    s390 = Machine("s390", 22, 32, "big", "s390-linux-gnu", "s390-ibm-linux-gnu")
    aarch64_be = Machine("aarch64_be", 183, 64, "big", "aarch64_be-linux-gnu", "aarch64_be-unknown-linux-gnu")
    assert read_elf_target(elf_header(s390)).machine == "s390"  # type: ignore[union-attr]
    assert read_elf_target(elf_header(aarch64_be)).machine == "aarch64_be"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b'#!/bin/sh\nexec python3 "$@"\n',
        b"\x7fEL",
        b"\x7fELF",  # the magic and nothing else
        elf_header(AARCH64)[:30],  # a truncated header
        b"\x7fELF\x05\x01" + bytes(58),  # an ELF class that does not exist
    ],
    ids=["empty", "script", "short-magic", "magic-only", "truncated", "bad-class"],
)
def test_not_elf_is_none(data: bytes) -> None:
    assert read_elf_target(data) is None


def test_real_binary_of_this_machine() -> None:
    target = read_elf_target(Path("/bin/ls"))
    assert target is not None
    assert target.machine == platform.machine()
    assert target.byteorder == sys.byteorder
    assert target.bits == (64 if sys.maxsize > 2**32 else 32)


@pytest.mark.parametrize("machine", [AARCH64, X86_64, ARMHF, S390X], ids=lambda machine: machine.uname)
def test_the_header_alone_names_the_same_target(machine: Machine, tmp_path: Path) -> None:
    """The host's python and the root's libraries are told apart by their header only."""
    whole = elf_header(machine) + b"\0" * 100
    (tmp_path / "file").write_bytes(whole)
    assert read_elf_header(whole) == read_elf_header(tmp_path / "file") == read_elf_target(whole) is not None


@pytest.mark.parametrize("number", [*_E_MACHINES, 4, 0xBEEF])  # EM_68K: not a host's; 0xBEEF: no machine
def test_header_machine_names_are_pyelftools(number: int) -> None:
    from elftools.elf.enums import ENUM_E_MACHINE

    machine = Machine("any", number, 64, "little", "any-linux-gnu", "any-linux-gnu")
    target = read_elf_header(elf_header(machine))
    names = [name for name, value in ENUM_E_MACHINE.items() if value == number]
    assert target is not None and target.e_machine == (names[0] if names else str(number))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x7fELF", elf_header(AARCH64)[:63], elf_header(ARMHF)[:51], b"\x7fELF\x02\x03" + bytes(58)],
    ids=["empty", "magic-only", "truncated-64", "truncated-32", "bad-data"],
)
def test_no_whole_header_is_none(data: bytes) -> None:
    assert read_elf_header(data) is None
