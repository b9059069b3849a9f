"""verify_wheel with a cache: what a sound wheel holds is read once per content and host
target, and whether it loads from the host's root is checked every time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ET_DYN, X86_64, elf_header, elf_target, make_wheel
from helpers.nativebuild import MULTIARCH, demo_builds, needs_gcc, root_with, wheel_of

from crossbuild import UnloadableWheelError, WheelVerificationError
from crossbuild.host import libraries
from crossbuild.host.libraries import HostLibraries
from crossbuild.wheel import verify
from crossbuild.wheel.verify import WheelContents, verify_wheel

HOST = elf_target(AARCH64)
SO = "pkg/_native.so"


def _no_more_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, opening a wheel as an archive fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the wheel was read again")

    monkeypatch.setattr(verify.zipfile, "ZipFile", refuse)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "verified").glob("*.json"))


def test_a_sound_wheel_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = make_wheel(tmp_path, files={"pkg/__init__.py": b"", SO: elf_header(AARCH64, ET_DYN) + bytes(200)})
    cache = tmp_path / "cache"
    first = verify_wheel(wheel, HOST, cache=cache)
    assert first == WheelContents(elf_files=(SO,))
    [entry] = _entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o644
    _no_more_reading(monkeypatch)
    assert verify_wheel(wheel, HOST, cache=cache) == first


def test_other_bytes_or_another_target_are_verified_anew(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={SO: elf_header(AARCH64, ET_DYN) + bytes(200)})
    cache = tmp_path / "cache"
    verify_wheel(wheel, HOST, cache=cache)
    with pytest.raises(WheelVerificationError):  # the same wheel for another host
        verify_wheel(wheel, elf_target(X86_64), cache=cache)
    other = make_wheel(tmp_path, files={SO: elf_header(X86_64, ET_DYN) + bytes(200)})  # same name, new bytes
    assert other == wheel
    with pytest.raises(WheelVerificationError) as caught:
        verify_wheel(other, HOST, cache=cache)
    assert caught.value.member == SO
    assert len(_entries(cache)) == 1  # refused wheels are not kept


def test_a_damaged_entry_is_verified_again(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, files={SO: elf_header(AARCH64, ET_DYN) + bytes(200)})
    cache = tmp_path / "cache"
    verify_wheel(wheel, HOST, cache=cache)
    [entry] = _entries(cache)
    entry.write_text('{"elf_files": [["pkg/_native.so", {"needed": 3}]]}')
    assert verify_wheel(wheel, HOST, cache=cache).elf_files == (SO,)
    assert json.loads(entry.read_text())["elf_files"] == [[SO, None]]  # rewritten (no dynamic section)


@needs_gcc
def test_a_kept_wheel_is_checked_against_the_root_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = demo_builds(tmp_path)
    new, old = built["new"], built["old"]
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    cache = tmp_path / "cache"
    good = root_with(tmp_path / "good", new)
    assert verify_wheel(wheel, good.target, good, cache).elf_files == ("pkg/_ext.so",)
    _no_more_reading(monkeypatch)
    stale = root_with(tmp_path / "stale", old)
    with pytest.raises(UnloadableWheelError) as caught:
        verify_wheel(wheel, stale.target, stale, cache)
    assert "needs demo_2_0@DEMO_2.0 from libdemo.so.1" in str(caught.value)
    bare = root_with(tmp_path / "bare", None)
    with pytest.raises(UnloadableWheelError, match=r"needs libdemo\.so\.1, which is neither in the wheel"):
        verify_wheel(wheel, bare.target, bare, cache)
    assert verify_wheel(wheel, good.target, good, cache).elf_files == ("pkg/_ext.so",)


@needs_gcc
def test_the_roots_libraries_are_read_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a library of the root defines is kept by its bytes: the next run reads no ELF
    file, and a library replaced by another build is read again."""
    built = demo_builds(tmp_path)
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    cache = tmp_path / "cache"
    first = root_with(tmp_path / "host", built["new"])
    assert verify_wheel(wheel, first.target, first, cache).elf_files == ("pkg/_ext.so",)
    with monkeypatch.context() as patch:

        def refuse(path: Path) -> None:
            raise AssertionError(f"{path} was read again")

        patch.setattr(libraries, "read_linkage", refuse)
        again = HostLibraries(first.root, MULTIARCH, first.target)  # the next run's
        assert verify_wheel(wheel, again.target, again, cache).elf_files == ("pkg/_ext.so",)
    shutil.copy(built["old"], first.root / "usr/lib" / MULTIARCH / "libdemo.so.1")  # an older build in its place
    replaced = HostLibraries(first.root, MULTIARCH, first.target)
    with pytest.raises(UnloadableWheelError, match=r"needs demo_2_0@DEMO_2\.0 from libdemo\.so\.1"):
        verify_wheel(wheel, replaced.target, replaced, cache)
