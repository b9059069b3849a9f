"""Installed files hashed once, then known by identity (install/hashed.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.installing import SITE, Install, installed

from crossbuild import _files
from crossbuild.host.host import Host
from crossbuild.installation import check

pytestmark = pytest.mark.usefixtures("exact_file_clock")


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The root's files hashed against their RECORD, by name."""
    names: list[str] = []
    real = check._hash_mismatch

    def counted(path: Path, recorded: str) -> str:
        names.append(path.name)
        return real(path, recorded)

    monkeypatch.setattr(check, "_hash_mismatch", counted)
    return names


KEPT = [("alpha", "1.0", "already installed", True), ("beta", "2.0", "already installed", False)]


def test_an_intact_root_is_hashed_once(install: Install, root: Path, hashing: list[str]) -> None:
    install(["alpha"])
    assert installed(install(["alpha"])) == KEPT
    assert "__init__.py" in hashing  # the first time the installed files were asked about
    hashing.clear()
    assert installed(install(["alpha"])) == KEPT
    assert hashing == []  # known, unchanged


def test_an_edit_that_keeps_size_and_mtime_is_still_noticed(install: Install, root: Path, hashing: list[str]) -> None:
    install(["alpha"])
    install(["alpha"])  # hashed and known now
    fast = root / SITE / "beta/fast.py"
    before = fast.stat()
    fast.write_bytes(b"F = 3\n")  # the same size
    os.utime(fast, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the mtime put back: the ctime tells
    result = install(["alpha"])
    assert installed(result)[1] == ("beta", "2.0", "repaired", False)
    assert fast.read_bytes() == b"F = 2\n"
    assert "fast.py" in hashing


def test_a_file_changed_during_the_run_is_not_kept(
    install: Install, root: Path, tmp_path: Path, hashing: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install(["alpha"])
    monkeypatch.setattr(_files, "FILE_CLOCK_SLACK_NS", 10**18)  # every file counts as changed since the run began
    install(["alpha"])
    hashing.clear()
    install(["alpha"])
    assert "fast.py" in hashing  # nothing was kept: hashed again


def test_check_always_hashes(install: Install, root: Path, rootfs_host: Host, hashing: list[str]) -> None:
    install(["alpha"])
    install(["alpha"])  # known now
    hashing.clear()
    assert check.check_root(root, host=rootfs_host).problems == ()
    assert "fast.py" in hashing  # the image's quality gate trusts no cache
