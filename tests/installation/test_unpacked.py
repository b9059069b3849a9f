"""Wheels unpacked once into the cache and laid in by copy or hard link (crossbuild.installation.unpacked).

An install after the first copies a wheel's installed files from the cache instead of
installing the wheel again; the copies never share an inode with the cache; hard links
(on request) do; a sound entry is checked by its files' stamps without reading them; a
damaged entry is noticed, and made again from the wheel.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.fakehost import snapshot
from helpers.installing import HOST_SITE, NATIVE, SITE, SO, Install, installed

from crossbuild import _faults
from crossbuild._signals import Terminated
from crossbuild.installation import entryfiles, unpacked
from crossbuild.installation import laying as placement

ENTRIES = "cache/unpacked"


def _entries(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / ENTRIES).iterdir() if not p.name.startswith("."))


def _tree_file(tmp_path: Path, host_path: str) -> Path:
    [found] = [entry / "tree" / host_path.lstrip("/") for entry in _entries(tmp_path)
               if (entry / "tree" / host_path.lstrip("/")).exists()]  # fmt: skip
    return found


@pytest.fixture
def no_installer(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Installing a wheel (not copying it from the cache) is recorded; returns the wheels' names."""
    calls: list[str] = []
    real = placement.install_wheel

    def counting(source: placement.WheelFile, *args: object, **kwargs: object) -> None:
        calls.append(source.distribution)
        real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(placement, "install_wheel", counting)
    yield calls


def test_a_wheel_is_installed_once_then_copied(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str]
) -> None:
    install(["alpha"])
    assert sorted(no_installer) == ["alpha", "beta"]
    first = {p: p.read_bytes() for p in (root / SITE).rglob("*") if p.is_file()}
    result = install(["alpha"], force_reinstall=True)
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert sorted(no_installer) == ["alpha", "beta"]  # nothing installed again: copied
    assert {p: p.read_bytes() for p in (root / SITE).rglob("*") if p.is_file()} == first
    assert (root / SITE / NATIVE).read_bytes() == SO
    assert len(_entries(tmp_path)) == 2


def test_laid_files_share_nothing_with_the_cache(install: Install, root: Path, tmp_path: Path) -> None:
    install(["alpha"])
    laid = root / SITE / NATIVE
    cached = _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}")
    assert laid.stat().st_nlink == 1
    assert laid.stat().st_ino != cached.stat().st_ino
    with laid.open("ab") as stream:  # an edit in place in the image...
        stream.write(b"patched")
    assert cached.read_bytes() == SO  # ...leaves the cache as it was


def test_a_damaged_entry_is_made_again(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    install(["alpha"])
    cached = _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}")
    cached.write_bytes(SO[:-1] + b"\1")  # same size, other bytes
    caplog.set_level(logging.INFO, logger="crossbuild")
    install(["alpha"], force_reinstall=True)
    assert (root / SITE / NATIVE).read_bytes() == SO
    assert sorted(no_installer) == ["alpha", "beta", "beta"]  # beta installed again from its wheel
    assert "unpacking beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl again" in caplog.text
    assert _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}").read_bytes() == SO  # the entry is sound again
    assert [p.name for p in (tmp_path / ENTRIES).iterdir() if p.name.startswith(".")] == []
    cached = _tree_file(tmp_path, f"{HOST_SITE}/beta/fast.py")
    cached.unlink()  # a file gone
    install(["alpha"], force_reinstall=True)
    assert (root / SITE / "beta/fast.py").read_bytes() == b"F = 2\n"
    assert sorted(no_installer) == ["alpha", "beta", "beta", "beta"]


def test_a_manifest_that_leads_outside_is_not_followed(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str]
) -> None:
    install(["beta"])
    [entry] = _entries(tmp_path)
    manifest = (entry / "manifest").read_text()
    (entry / "manifest").write_text(manifest.replace(f"{HOST_SITE}/beta/fast.py", "/../../../outside.py"))
    install(["beta"], force_reinstall=True)
    assert not (tmp_path / "outside.py").exists()
    assert not (root.parent / "outside.py").exists()
    assert (root / SITE / "beta/fast.py").read_bytes() == b"F = 2\n"
    assert no_installer == ["beta", "beta"]


@pytest.mark.parametrize("link_mode", ["copy", "hardlink"])
def test_modes_whatever_the_umask(install: Install, root: Path, tmp_path: Path, link_mode: str) -> None:
    saved = os.umask(0)
    try:
        install(["tool"], link_mode=link_mode)
        install(["tool"], force_reinstall=True, link_mode=link_mode)  # from the cache
    finally:
        os.umask(saved)
    script = root / "usr/local/bin/tool"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert stat.S_IMODE((root / SITE / "tool/__init__.py").stat().st_mode) == 0o644
    for path in [*(tmp_path / ENTRIES).rglob("*"), tmp_path / ENTRIES]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode in (0o644, 0o755), path
        assert mode == 0o755 or not path.is_dir()


@pytest.mark.usefixtures("stop_signals_raise")
@pytest.mark.parametrize("link_mode", ["copy", "hardlink"])
@pytest.mark.parametrize("action", ["raise", "sigint", "sigterm"])
def test_stopped_while_copying_leaves_nothing_behind(
    install: Install, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str, link_mode: str
) -> None:
    install(["alpha"], link_mode=link_mode)
    before = snapshot(root)
    entries = snapshot(tmp_path / ENTRIES)
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse(f"copy:{action}"))
    with pytest.raises((RuntimeError, KeyboardInterrupt, Terminated)):
        install(["alpha"], force_reinstall=True, link_mode=link_mode)  # alpha and beta: from the cache
    assert snapshot(root) == before
    assert snapshot(tmp_path / ENTRIES) == entries  # the cache as it was
    monkeypatch.setattr(_faults, "_ARMED", {})
    result = install(["alpha"], force_reinstall=True, link_mode=link_mode)
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]


def test_an_entry_published_meanwhile_by_another_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs unpack the same wheel at once: the second to finish keeps the first's entry,
    copies from its own work, and leaves nothing of it behind."""
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"the wheel's bytes")

    def install(tree: Path, content: bytes = b"X = 1\n") -> None:
        (tree / "usr/lib/pkg").mkdir(parents=True)
        (tree / "usr/lib/pkg/x.py").write_bytes(content)

    def place_in(directory: Path) -> Callable[[str], Path]:
        def place(host_path: str) -> Path:
            target = directory / host_path.lstrip("/").replace("/", "_")
            directory.mkdir(exist_ok=True)
            return target

        return place

    cache = tmp_path / "cache"
    assert unpacked.UnpackedWheels(cache).stage(wheel, "layout", install, place_in(tmp_path / "a")) == (
        "/usr/lib/pkg/x.py",
    )
    entries = snapshot(cache / "unpacked")
    monkeypatch.setattr(unpacked, "_read_manifest", lambda entry: None)  # not there yet when the second looked
    second = unpacked.UnpackedWheels(cache).stage(wheel, "layout", install, place_in(tmp_path / "b"))
    assert second == ("/usr/lib/pkg/x.py",)
    assert (tmp_path / "b/usr_lib_pkg_x.py").read_bytes() == b"X = 1\n"
    assert snapshot(cache / "unpacked") == entries  # the first entry as it was, no work directory left


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The host paths of the entries' files read to be hashed (not those checked by their stamps)."""
    paths: list[str] = []
    real_check, real_copy = unpacked.check_hash, unpacked.copy_hashed

    def check_hash(source: str, file: entryfiles.EntryFile) -> None:
        paths.append(file.path)
        real_check(source, file)

    def copy_hashed(source: str, target: Path, file: entryfiles.EntryFile, laid: list[Path]) -> None:
        paths.append(file.path)
        real_copy(source, target, file, laid)

    monkeypatch.setattr(unpacked, "check_hash", check_hash)
    monkeypatch.setattr(unpacked, "copy_hashed", copy_hashed)
    return paths


def test_a_sound_entry_is_checked_by_stamps_without_reading_it(
    install: Install, root: Path, tmp_path: Path, hashing: list[str], no_installer: list[str]
) -> None:
    install(["alpha"])
    for entry in _entries(tmp_path):
        files = json.loads((entry / "manifest").read_text())["files"]
        stamps = json.loads((entry / "stamps").read_text())
        for (path, *_), recorded in zip(files, stamps, strict=True):
            info = (entry / "tree" / path.lstrip("/")).lstat()
            assert recorded == [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode]
    install(["alpha"], force_reinstall=True)
    assert hashing == []
    assert sorted(no_installer) == ["alpha", "beta"]
    assert (root / SITE / NATIVE).read_bytes() == SO
    assert stat.S_IMODE((root / SITE / NATIVE).stat().st_mode) == 0o644


def test_an_edit_that_puts_the_mtime_back_is_noticed(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str]
) -> None:
    """Same size, same mtime: only the ctime tells, and it is enough."""
    install(["alpha"])
    cached = _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}")
    before = cached.stat()
    with cached.open("r+b") as stream:
        stream.write(b"\0")  # the ELF magic broken
    os.utime(cached, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (cached.stat().st_size, cached.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    install(["alpha"], force_reinstall=True)
    assert (root / SITE / NATIVE).read_bytes() == SO
    assert sorted(no_installer) == ["alpha", "beta", "beta"]


def test_a_copied_cache_is_hashed_once_not_made_again(
    install: Install, root: Path, tmp_path: Path, hashing: list[str], no_installer: list[str]
) -> None:
    """``cp -a`` keeps the mtimes, not the inodes or ctimes: the files are hashed and
    their new stamps recorded; the next install reads none of them."""
    install(["alpha"])
    cache = tmp_path / "cache"
    cache.rename(tmp_path / "old-cache")
    shutil.copytree(tmp_path / "old-cache", cache, copy_function=shutil.copy2, symlinks=True)
    install(["alpha"], force_reinstall=True)
    assert f"{HOST_SITE}/{NATIVE}" in hashing
    assert sorted(no_installer) == ["alpha", "beta"]
    hashing.clear()
    install(["alpha"], force_reinstall=True)
    assert hashing == []
    assert (root / SITE / NATIVE).read_bytes() == SO


def test_stamps_only_for_files_older_than_the_recording(tmp_path: Path) -> None:
    """File times are coarse: a file changed in the tick the stamps are taken in (here:
    dated later) gets none, and is hashed the next time."""
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"the wheel's bytes")

    def install(tree: Path) -> None:
        (tree / "usr/lib/pkg").mkdir(parents=True)
        (tree / "usr/lib/pkg/old.py").write_bytes(b"OLD = 1\n")
        (tree / "usr/lib/pkg/new.py").write_bytes(b"NEW = 1\n")
        os.utime(tree / "usr/lib/pkg/new.py", ns=(0, 2**62))

    def place(host_path: str) -> Path:
        (tmp_path / "staged").mkdir(exist_ok=True)
        return tmp_path / "staged" / host_path.rpartition("/")[2]

    cache = tmp_path / "cache"
    unpacked.UnpackedWheels(cache).stage(wheel, "layout", install, place)
    [entry] = (cache / "unpacked").iterdir()
    new, old = json.loads((entry / "stamps").read_text())  # in the manifest's order
    assert new is None
    assert old is not None and old[0] == (entry / "tree/usr/lib/pkg/old.py").stat().st_ino


def test_copies_are_made_in_the_kernel_or_else_read_and_written(
    install: Install, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(["alpha"])
    calls: list[int] = []
    real = os.copy_file_range

    def copy_file_range(source: int, target: int, count: int) -> int:
        calls.append(count)
        return real(source, target, count)

    monkeypatch.setattr(os, "copy_file_range", copy_file_range)
    install(["alpha"], force_reinstall=True)
    assert len(SO) in calls
    assert (root / SITE / NATIVE).read_bytes() == SO

    def refused(source: int, target: int, count: int) -> int:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "copy_file_range", refused)
    install(["alpha"], force_reinstall=True)
    assert (root / SITE / NATIVE).read_bytes() == SO
    assert stat.S_IMODE((root / SITE / NATIVE).stat().st_mode) == 0o644


def test_hard_links_share_the_cache_entry(install: Install, root: Path, tmp_path: Path, hashing: list[str]) -> None:
    install(["alpha", "tool"], link_mode="hardlink")
    laid = root / SITE / NATIVE
    cached = _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}")
    assert laid.stat().st_ino == cached.stat().st_ino
    assert laid.stat().st_nlink == 2
    assert stat.S_IMODE((root / "usr/local/bin/tool").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / SITE / "tool/__init__.py").stat().st_mode) == 0o644
    other = tmp_path / "other"
    install(["alpha"], root=other, link_mode="hardlink")
    assert (other / SITE / NATIVE).stat().st_ino == cached.stat().st_ino
    assert hashing == []  # the first link moved the files' ctimes, nothing else: linked unread


def test_an_edit_in_place_of_the_same_size_is_noticed_before_linking(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str]
) -> None:
    install(["alpha"], link_mode="hardlink")
    with (root / SITE / NATIVE).open("r+b") as stream:  # the cache's file too: they are one
        stream.write(b"\0")
    other = tmp_path / "other"
    install(["alpha"], root=other, link_mode="hardlink")
    assert (other / SITE / NATIVE).read_bytes() == SO  # the entry was made again
    assert sorted(no_installer) == ["alpha", "beta", "beta"]


def test_hard_links_refused_copy_said_once(
    install: Install, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The cache on another file system than the root: copies, and one line that says so."""
    install(["alpha"])

    def cross_device(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "link", cross_device)
    caplog.set_level(logging.INFO, logger="crossbuild")
    install(["alpha"], force_reinstall=True, link_mode="hardlink")  # alpha and beta
    laid = root / SITE / NATIVE
    assert laid.read_bytes() == SO
    assert laid.stat().st_nlink == 1
    assert laid.stat().st_ino != _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}").stat().st_ino
    said = [r.getMessage() for r in caplog.records if "hard link" in r.getMessage()]
    assert said == ["copying files from the cache instead of hard linking them: Invalid cross-device link"]


def test_an_edit_in_a_hard_linked_root_is_noticed_in_the_cache(
    install: Install, root: Path, tmp_path: Path, no_installer: list[str]
) -> None:
    """The cost of hard links: an edit in place in one root changes the cache entry (and
    stays in that root); the next install notices and makes the entry again."""
    install(["alpha"], link_mode="hardlink")
    with (root / SITE / NATIVE).open("ab") as stream:
        stream.write(b"patched")
    assert _tree_file(tmp_path, f"{HOST_SITE}/{NATIVE}").read_bytes() == SO + b"patched"
    other = tmp_path / "other"
    install(["alpha"], root=other, link_mode="hardlink")
    assert sorted(no_installer) == ["alpha", "beta", "beta"]
    assert (other / SITE / NATIVE).read_bytes() == SO
    assert (root / SITE / NATIVE).read_bytes() == SO + b"patched"
    assert (other / SITE / NATIVE).stat().st_ino != (root / SITE / NATIVE).stat().st_ino


def test_a_link_made_meanwhile_by_another_run_is_no_damage(
    install: Install, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_installer: list[str]
) -> None:
    """Another run that hard links an entry's file while this one copies it changes the
    file's ctime: the copy is hashed, and the entry stays."""
    install(["alpha"])
    real = unpacked.copy_unchanged
    others = tmp_path / "other-root"
    others.mkdir()

    def linked_meanwhile(source: str, target: Path, *args: Any) -> bool:
        os.link(source, others / target.name)
        return real(source, target, *args)

    monkeypatch.setattr(unpacked, "copy_unchanged", linked_meanwhile)
    install(["alpha"], force_reinstall=True)
    assert sorted(no_installer) == ["alpha", "beta"]
    assert (root / SITE / NATIVE).read_bytes() == SO


def test_an_entry_removed_while_linked_from_is_made_again(
    install: Install, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_installer: list[str]
) -> None:
    install(["beta"])
    real = unpacked.link
    removed: list[str] = []

    def removed_meanwhile(source: str, *args: Any) -> None:
        if not removed:
            removed.append(source)
            shutil.rmtree(source.partition("/tree/")[0])  # another run found it damaged
        real(source, *args)

    monkeypatch.setattr(unpacked, "link", removed_meanwhile)
    install(["beta"], force_reinstall=True, link_mode="hardlink")
    assert no_installer == ["beta", "beta"]
    assert (root / SITE / NATIVE).read_bytes() == SO
