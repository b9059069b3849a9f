"""Wheels unpacked once into the cache and laid in by copy (crossbuild.install.unpacked).

An install after the first copies a wheel's installed files from the cache instead of
installing the wheel again; the copies never share an inode with the cache; a damaged
entry is noticed while copying, and made again from the wheel.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fakehost import snapshot
from installing import HOST_SITE, NATIVE, SITE, SO, Install, installed

from crossbuild import _faults
from crossbuild._signals import Terminated
from crossbuild.install import placement, unpacked

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


def test_modes_whatever_the_umask(install: Install, root: Path, tmp_path: Path) -> None:
    saved = os.umask(0)
    try:
        install(["tool"])
        install(["tool"], force_reinstall=True)  # the copy
    finally:
        os.umask(saved)
    script = root / "usr/local/bin/tool"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert stat.S_IMODE((root / SITE / "tool/__init__.py").stat().st_mode) == 0o644
    for path in [*(tmp_path / ENTRIES).rglob("*"), tmp_path / ENTRIES]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode in (0o644, 0o755), path
        assert mode == 0o755 or not path.is_dir()


@pytest.mark.parametrize("action", ["raise", "sigint", "sigterm"])
def test_stopped_while_copying_leaves_nothing_behind(
    install: Install, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    install(["alpha"])
    before = snapshot(root)
    entries = snapshot(tmp_path / ENTRIES)
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse(f"copy:{action}"))
    with pytest.raises((RuntimeError, KeyboardInterrupt, Terminated)):
        install(["alpha"], force_reinstall=True)  # alpha and beta: copied from the cache
    assert snapshot(root) == before
    assert snapshot(tmp_path / ENTRIES) == entries  # the cache as it was
    monkeypatch.setattr(_faults, "_ARMED", {})
    result = install(["alpha"], force_reinstall=True)
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
