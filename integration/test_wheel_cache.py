"""crossbuild wheel keeps what it built from an sdist and reuses it, as pip's wheel cache
does; --no-cache-dir turns every cache off; source trees are always built."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import run_crossbuild
from helpers.fakehost import snapshot

WHEEL = "markupsafe-2.1.5-cp311-cp311-linux_aarch64.whl"


def _wheel(host_python: Path, source: str | Path, dist: Path, *args: str | Path) -> str:
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist, *args)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_an_sdist_is_built_once(host_python: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _wheel(host_python, "markupsafe==2.1.5", tmp_path / "one", "--cache-dir", cache)
    assert "building markupsafe==2.1.5" in first
    second = _wheel(host_python, "markupsafe==2.1.5", tmp_path / "two", "--cache-dir", cache)
    assert f"reusing {WHEEL}, cross-built before from MarkupSafe-2.1.5.tar.gz" in second
    assert "building" not in second  # no backend ran
    assert (tmp_path / "two" / WHEEL).read_bytes() == (tmp_path / "one" / WHEEL).read_bytes()

    # the same sdist given as a file is the same entry
    [sdist] = (cache / "sdists").glob("MarkupSafe-2.1.5.tar.gz")
    third = _wheel(host_python, sdist, tmp_path / "three", "--cache-dir", cache)
    assert f"reusing {WHEEL}, cross-built before from MarkupSafe-2.1.5.tar.gz" in third

    # another setting is another wheel
    fourth = _wheel(host_python, sdist, tmp_path / "four", "--cache-dir", cache, "-C--build-option=--quiet")
    assert "cross-built before" not in fourth


def test_no_cache_dir_uses_no_cache(host_python: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _wheel(host_python, "markupsafe==2.1.5", tmp_path / "one", "--cache-dir", cache)
    before = snapshot(cache)
    output = _wheel(host_python, "markupsafe==2.1.5", tmp_path / "two", "--cache-dir", cache, "--no-cache-dir")
    assert "cross-built before" not in output and "building markupsafe==2.1.5" in output
    assert snapshot(cache) == before
    assert (tmp_path / "two" / WHEEL).is_file()


def test_a_source_tree_is_always_built(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    source = project("c_ext")
    for dist in ("one", "two"):
        output = _wheel(host_python, source, tmp_path / dist, "--cache-dir", tmp_path / "cache")
        assert "cross-built before" not in output
