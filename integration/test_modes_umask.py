"""What crossbuild writes has pip's modes whatever the umask: the rootfs, ``-w``, the cache.

spidev's sdist has an executable ``setup.py``: unearth extracts it with
``os.chmod(path, 0o777 & ~os.umask(0) | 0o111)``, which leaves the umask at 0 for the rest
of the run.  Every run starts from an empty cache, so every step writes.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SITE = "usr/local/lib/python3.11/dist-packages"
SPIDEV = "spidev==3.6"


def run_with_umask(umask: int, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """The CLI started with ``umask``, as a shell with ``umask 000; exec crossbuild …`` does."""
    command = [sys.executable, "-m", "crossbuild", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, umask=umask, check=False)


def modes(tree: Path, paths: set[Path] | None = None) -> dict[str, int]:
    """The permission bits of everything under ``tree`` (or of ``paths``), but symbolic links."""
    chosen = paths if paths is not None else set(tree.rglob("*"))
    return {p.relative_to(tree).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in chosen if not p.is_symlink()}


def executable_members(wheel: Path) -> set[str]:
    """The members a wheel marks executable (any x bit in ``external_attr``, as pip reads it)."""
    with zipfile.ZipFile(wheel) as archive:
        return {info.filename for info in archive.infolist() if (info.external_attr >> 16) & 0o111}


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_install_and_wheel_write_pips_modes(umask: int, rootfs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = set(rootfs.rglob("*"))

    host = rootfs / "usr/bin/python3.11"
    installed = run_with_umask(umask, "install", SPIDEV, "--host", host, "--root", rootfs, "--cache-dir", cache)
    assert installed.returncode == 0, installed.stderr
    built = run_with_umask(umask, "wheel", SPIDEV, "--host", host, "-w", tmp_path / "out/dist", "--cache-dir", cache)
    assert built.returncode == 0, built.stderr

    # the rootfs: pip's modes, executable where the wheel says so
    [cached_wheel] = (cache / "built").glob("*/spidev-3.6-*.whl")
    executable = {f"{SITE}/{member}" for member in executable_members(cached_wheel)}
    added = modes(rootfs, set(rootfs.rglob("*")) - before)
    assert f"{SITE}/spidev-3.6.dist-info/RECORD" in added
    assert added == {path: 0o755 if (rootfs / path).is_dir() or path in executable else 0o644 for path in added}
    assert added[f"{SITE}/spidev.cpython-311-aarch64-linux-gnu.so"] == 0o755  # the linker's output is executable

    # -w: a directory and a wheel as a careful packager leaves them
    wheel = tmp_path / "out/dist/spidev-3.6-cp311-cp311-linux_aarch64.whl"
    assert built.stdout.strip() == str(wheel)
    assert modes(tmp_path / "out") == {"dist": 0o755, f"dist/{wheel.name}": 0o644}

    # the cache: nothing group- or world-writable, every file 0644 or 0755, every directory 0755
    cached = modes(cache)
    assert {path.split("/")[0] for path in cached} == {
        *("built", "ccache", "envs", "logs", "sdists"),
        *("pip-config", "unpacked", "verified"),  # what a warm install reuses
        "index-pages",  # only what is left of each page for the host (this index sends no validators)
    }
    assert cached == {
        path: 0o755 if (cache / path).is_dir() else (0o755 if mode & 0o111 else 0o644) for path, mode in cached.items()
    }
    assert stat.S_IMODE(cache.stat().st_mode) == 0o755
