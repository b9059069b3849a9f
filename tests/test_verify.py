"""verify_wheel: every ELF file in a wheel must be for the host."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakehost import AARCH64, ARMHF, ET_DYN, S390X, X86_64, Machine, elf_header, elf_target, make_wheel

from crossbuild import WheelVerificationError
from crossbuild.wheel.verify import WheelContents, verify_wheel

HOST = elf_target(AARCH64)
SO = "pkg/_native.cpython-311-aarch64-linux-gnu.so"


def _so(machine: Machine = AARCH64) -> bytes:
    return elf_header(machine, ET_DYN) + bytes(200)


def test_matching_binaries_pass(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path,
        files={
            "pkg/__init__.py": b"",
            SO: _so(),
            "pkg.libs/libfoo-1a2b3c.so.1": _so(),
            "pkg-1.0.data/scripts/tool": _so(),
            "pkg/tiny": b"\x7f",  # shorter than the ELF magic
        },
    )
    contents = verify_wheel(wheel, HOST)
    assert contents == WheelContents(elf_files=(SO, "pkg.libs/libfoo-1a2b3c.so.1", "pkg-1.0.data/scripts/tool"))
    assert contents.has_binaries


def test_pure_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, tags="py3-none-any", files={"pkg/__init__.py": b"", "pkg/data.bin": bytes(64)})
    contents = verify_wheel(wheel, HOST)
    assert contents.elf_files == ()
    assert not contents.has_binaries


def test_binary_for_this_machine_is_refused(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={"pkg/__init__.py": b"", "pkg/_native.so": _so(X86_64)})
    with pytest.raises(WheelVerificationError) as caught:
        verify_wheel(wheel, HOST)
    error = caught.value
    assert (error.wheel_name, error.member) == (wheel.name, "pkg/_native.so")
    assert error.found == "x86_64 (64-bit, little-endian)"
    assert error.expected == "aarch64 (64-bit, little-endian)"
    assert str(error) == (
        f"{wheel.name}: pkg/_native.so is built for x86_64 (64-bit, little-endian) but the host is "
        "aarch64 (64-bit, little-endian); the backend did not use the cross compiler (check its "
        "compiler settings, or rerun with the 'crossbuild.output' logger at INFO)"
    )


@pytest.mark.parametrize(
    ("machine", "found"),
    [(ARMHF, "armv7l (32-bit, little-endian)"), (S390X, "s390x (64-bit, big-endian)")],
    ids=["armhf", "s390x"],
)
def test_other_machines_are_refused(tmp_path: Path, machine: Machine, found: str) -> None:
    wheel = make_wheel(tmp_path, files={SO: _so(), "pkg/_other.so": _so(machine)})
    with pytest.raises(WheelVerificationError) as caught:
        verify_wheel(wheel, HOST)
    assert (caught.value.member, caught.value.found) == ("pkg/_other.so", found)


def test_unreadable_elf(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={"pkg/_broken.so": b"\x7fELF\x02\x01"})
    with pytest.raises(WheelVerificationError) as caught:
        verify_wheel(wheel, HOST)
    assert caught.value.found == "an unreadable ELF file"
    assert "pkg/_broken.so is built for an unreadable ELF file" in str(caught.value)
