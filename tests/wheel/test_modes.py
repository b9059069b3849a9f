"""What crossbuild writes has pip's modes whatever the umask, and the umask stays as it was."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.fakehost import make_sdist, make_wheel

from crossbuild._cache import cache_dir
from crossbuild.wheel.pipeline import _publish
from crossbuild.wheel.sources import prepare_source

PYPROJECT = b'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'


@pytest.fixture
def umask() -> Iterator[int]:
    """The umask of the test (0o022), put back afterwards whatever the code under test did."""
    saved = os.umask(0o022)
    try:
        yield 0o022
    finally:
        os.umask(saved)


def _current_umask() -> int:
    value = os.umask(0o077)
    os.umask(value)
    return value


def _modes(tree: Path) -> dict[str, int]:
    return {p.relative_to(tree).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in tree.rglob("*")}


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_unpacking_an_sdist_leaves_the_umask_as_it_was(tmp_path: Path, umask: int, suffix: str) -> None:
    # unearth extracts an executable member with os.chmod(path, 0o777 & ~os.umask(0) | 0o111)
    # and never puts the umask back: everything written after it was world-writable.
    files = {"pyproject.toml": PYPROJECT, "configure": b"#!/bin/sh\n", "src/mod.c": b"int x;\n"}
    sdist = make_sdist(tmp_path / f"pkg-1.0{suffix}", files, modes={"configure": 0o775, "src/mod.c": 0o666})
    (tmp_path / "work").mkdir()
    tree = prepare_source(sdist, tmp_path / "work", None, tmp_path / "cache")
    assert _current_umask() == umask
    assert _modes(tree.path) == {"pyproject.toml": 0o644, "configure": 0o755, "src": 0o755, "src/mod.c": 0o644}


def test_published_wheels_and_the_cache_are_not_world_writable(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "built", name="pkg", tags="py3-none-any", purelib=True)
    saved = os.umask(0)
    try:
        published = _publish(wheel, tmp_path / "out" / "wheels")
        cache = cache_dir(tmp_path / "cache" / "crossbuild")
    finally:
        os.umask(saved)
    assert published == tmp_path / "out/wheels" / wheel.name
    assert published.read_bytes() == wheel.read_bytes()
    assert _modes(tmp_path / "out") == {"wheels": 0o755, f"wheels/{wheel.name}": 0o644}
    assert cache.is_dir()
    assert _modes(tmp_path / "cache") == {"crossbuild": 0o755}
