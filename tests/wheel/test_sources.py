"""prepare_source: directories, sdists, requirements (from a local find-links directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.fakehost import make_sdist

from crossbuild import SourceError
from crossbuild.index.finder import IndexSettings
from crossbuild.wheel.backend import build_system_requires
from crossbuild.wheel.sources import SourceTree, prepare_source

PYPROJECT = b'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
PKG_INFO = b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative SOURCE arguments are resolved against an empty directory."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    return directory


def _error(source: str | Path, workdir: Path, index: IndexSettings | None = None) -> str:
    with pytest.raises(SourceError) as caught:
        prepare_source(source, workdir, index, workdir / "cache")
    return str(caught.value)


def test_missing_path(workdir: Path) -> None:
    assert _error("./nope", workdir) == "./nope: no such file or directory"
    assert _error("sub/dir", workdir) == "sub/dir: no such file or directory"
    assert _error("pkg-1.0.tar.gz", workdir) == "pkg-1.0.tar.gz: no such file or directory"


def test_not_an_sdist(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "README.txt").write_text("hello\n")
    assert _error("README.txt", workdir) == (
        "README.txt is not an sdist (.tar.gz or .zip); pass a source tree, an sdist or a requirement"
    )


def test_directory_without_a_project(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert _error(tmp_path / "empty", workdir) == (
        f"{tmp_path / 'empty'} has neither pyproject.toml nor setup.py; pass a Python project's directory"
    )


def test_invalid_requirement(workdir: Path) -> None:
    assert _error("foo bar!!", workdir) == (
        "'foo bar!!' is neither a directory, an sdist nor a requirement; "
        "pass e.g. ./project, foo-1.0.tar.gz or 'foo==1.0'"
    )


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.py"])
def test_directory(tmp_path: Path, workdir: Path, marker: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / marker).write_text("")
    assert prepare_source("project", workdir, None, workdir / "cache") == SourceTree(project, "project")
    assert list(workdir.iterdir()) == []  # a tree is used where it is


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz", ".zip"])
def test_sdist_is_unpacked_under_workdir(tmp_path: Path, workdir: Path, suffix: str) -> None:
    sdist = make_sdist(tmp_path / f"pkg-1.0{suffix}", {"pyproject.toml": PYPROJECT, "PKG-INFO": PKG_INFO}, "pkg-1.0")
    tree = prepare_source(sdist, workdir, None, workdir / "cache")
    assert tree.name == f"pkg-1.0{suffix}"
    assert tree.path.is_relative_to(workdir)
    assert (tree.path / "pyproject.toml").read_bytes() == PYPROJECT  # the top-level directory is stripped
    assert (tree.path / "PKG-INFO").read_bytes() == PKG_INFO


def test_unknown_archive_content(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "pkg-1.0.tar.gz").write_bytes(b"not an archive")
    assert _error("pkg-1.0.tar.gz", workdir) == (
        f"cannot unpack {Path('pkg-1.0.tar.gz')}: Unknown archive type: pkg-1.0.tar.gz"
    )


@pytest.mark.parametrize("name", ["pkg-1.0.zip", "pkg-1.0.tgz"])
def test_corrupt_archive(tmp_path: Path, workdir: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"not an archive")
    assert _error(name, workdir).startswith(f"cannot unpack {name}: ")


@pytest.fixture
def find_links(tmp_path: Path) -> IndexSettings:
    links = tmp_path / "links"
    make_sdist(links / "pkg-1.0.tar.gz", {"pyproject.toml": PYPROJECT, "PKG-INFO": PKG_INFO})
    return IndexSettings(no_index=True, find_links=(str(links),))


def test_requirement_from_find_links(find_links: IndexSettings, workdir: Path) -> None:
    tree = prepare_source("pkg==1.0", workdir, find_links, workdir / "cache")
    assert tree.name == "pkg==1.0"
    assert tree.path.is_relative_to(workdir)
    assert (tree.path / "pyproject.toml").read_bytes() == PYPROJECT


def test_requirement_not_found(find_links: IndexSettings, workdir: Path, tmp_path: Path) -> None:
    assert _error("pkg==2.0", workdir, find_links) == (
        f"no sdist of pkg==2.0 on {tmp_path / 'links'}; check the name and version, or pass a local source"
    )


@pytest.mark.parametrize(
    ("pyproject", "problem"),
    [
        (b"[build-system\n", "Failed to parse pyproject.toml: Expected ']' at the end of a table declaration"),
        (b"[build-system]\nrequires = 1\n", "Failed to validate `build-system` in pyproject.toml: "),
    ],
)
def test_errors_of_an_unpacked_sdist_name_the_sdist(
    tmp_path: Path, workdir: Path, pyproject: bytes, problem: str
) -> None:
    """The unpacked tree is temporary: gone when the message is read, so never named."""
    sdist = make_sdist(tmp_path / "pkg-1.0.tar.gz", {"pyproject.toml": pyproject, "PKG-INFO": PKG_INFO}, "pkg-1.0")
    tree = prepare_source(sdist, workdir, None, workdir / "cache")
    with pytest.raises(SourceError) as caught:
        build_system_requires(tree)
    assert str(caught.value).startswith(f"pkg-1.0.tar.gz: {problem}")
    assert str(workdir) not in str(caught.value)


def test_errors_of_a_directory_name_its_path(tmp_path: Path, workdir: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_bytes(b"[build-system\n")
    tree = prepare_source(project, workdir, None, workdir / "cache")
    with pytest.raises(SourceError) as caught:
        build_system_requires(tree)
    assert str(caught.value).startswith(f"{project}: Failed to parse {project / 'pyproject.toml'}: ")


@pytest.mark.parametrize("how", ["sdist.tar.gz", "sdist.zip", "requirement"])
def test_unpacking_an_executable_keeps_the_umask(tmp_path: Path, workdir: Path, how: str) -> None:
    # unearth (0.19) sets the umask to 0 to chmod +x an executable member, and leaves it so:
    # every file the process wrote next, into the host's root too, was world-writable.
    links = tmp_path / "links"
    suffix = ".zip" if how == "sdist.zip" else ".tar.gz"
    files = {"pyproject.toml": PYPROJECT, "PKG-INFO": PKG_INFO, "tools/run.sh": b"#!/bin/sh\n"}
    sdist = make_sdist(links / f"pkg-1.0{suffix}", files, modes={"tools/run.sh": 0o755})
    source = "pkg==1.0" if how == "requirement" else str(sdist)
    index = IndexSettings(no_index=True, find_links=(str(links),))
    before = os.umask(0o027)
    try:
        tree = prepare_source(source, workdir, index, workdir / "cache")
        after = os.umask(0o027)
    finally:
        os.umask(before)
    assert oct(after) == oct(0o027)
    assert os.access(tree.path / "tools/run.sh", os.X_OK)
