"""verify_wheel: a sound archive, and every ELF file in it for the host."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ARMHF, ET_DYN, S390X, X86_64, Machine, elf_header, elf_target, make_wheel

from crossbuild import ForeignExtensionError, InvalidWheelError, WheelVerificationError
from crossbuild.wheel.verify import WheelContents, check_extension_names, verify_wheel

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


def test_an_extension_named_for_another_host_is_a_stale_build(tmp_path: Path) -> None:
    stale = "pkg/_native.cpython-311-aarch64-linux-musl.so"
    wheel = make_wheel(tmp_path, files={SO: _so(), stale: _so(), "pkg/_abi3.abi3.so": _so(), "pkg/_plain.so": _so()})
    with pytest.raises(ForeignExtensionError) as caught:
        check_extension_names(wheel, ".cpython-311-aarch64-linux-gnu.so")
    assert isinstance(caught.value, WheelVerificationError)  # a binary not for the host, by kind
    assert (caught.value.found, caught.value.expected) == (
        ".cpython-311-aarch64-linux-musl.so",
        ".cpython-311-aarch64-linux-gnu.so",
    )
    assert str(caught.value) == (
        f"{wheel.name}: {stale} is an extension module named for another host (this host's end in "
        ".cpython-311-aarch64-linux-gnu.so); the source tree holds an earlier build for another host: "
        "remove the project's build/ directory and build again"
    )
    fresh = make_wheel(tmp_path / "fresh", files={SO: _so(), "pkg/_abi3.abi3.so": _so(), "pkg/_plain.so": _so()})
    check_extension_names(fresh, ".cpython-311-aarch64-linux-gnu.so")  # the host's own, abi3 and plain names pass


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


def _rewritten(wheel: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> Path:
    """The wheel with some members' contents replaced and others added, RECORD untouched."""
    tampered = wheel.with_name("tampered-" + wheel.name)
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            target.writestr(info, replace.get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return tampered.replace(wheel)


def test_truncated_wheel_is_refused(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={"pkg/__init__.py": b"x = 1\n" * 100})
    wheel.write_bytes(wheel.read_bytes()[:200])
    with pytest.raises(InvalidWheelError) as caught:
        verify_wheel(wheel, HOST)
    assert str(caught.value) == (
        f"{wheel.name} is not a readable zip archive (File is not a zip file); it is damaged or unsafe: "
        "build or download it again"
    )


@pytest.mark.parametrize("member", ["../evil.py", "pkg/../../evil.py", "/etc/evil.conf", "pkg\\..\\..\\evil.py"])
def test_member_outside_the_wheel_is_refused(tmp_path: Path, member: str) -> None:
    wheel = make_wheel(tmp_path, files={"pkg/__init__.py": b"", member: b"owned\n"})
    with pytest.raises(InvalidWheelError) as caught:
        verify_wheel(wheel, HOST)
    assert str(caught.value) == (
        f"{wheel.name} has a member {member!r} that points outside the wheel; it is damaged or unsafe: "
        "build or download it again"
    )


def test_member_that_does_not_match_record_is_refused(tmp_path: Path) -> None:
    wheel = _rewritten(make_wheel(tmp_path, files={"pkg/__init__.py": b"x = 1\n"}), {"pkg/__init__.py": b"x = 2\n"})
    with pytest.raises(InvalidWheelError) as caught:
        verify_wheel(wheel, HOST)
    assert str(caught.value) == (
        f"{wheel.name} does not match its RECORD: hash / size of pkg/__init__.py didn't match RECORD; "
        "it is damaged or unsafe: build or download it again"
    )


def test_member_missing_from_record_is_refused(tmp_path: Path) -> None:
    wheel = _rewritten(make_wheel(tmp_path), {}, add={"pkg/smuggled.py": b"import os\n"})
    with pytest.raises(
        InvalidWheelError, match=r"does not match its RECORD: pkg/smuggled.py is not mentioned in RECORD"
    ):
        verify_wheel(wheel, HOST)
