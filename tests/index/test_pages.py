"""Index pages: kept with HTTP's caching rules, and cut down to the host's wheels.

A local HTTP index (httpindex.py) serves one project page with the headers a test gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import unearth
from helpers.httpindex import Index, serving

from crossbuild.index import pages as index_pages
from crossbuild.index.finder import IndexSettings, _tag_set
from crossbuild.index.pages import JSON_PAGE, IndexClient, only_usable_files

TARGET = unearth.TargetPython(
    py_ver=(3, 11, 2), abis=["cp311", "abi3", "none"], impl="cp", platforms=["manylinux_2_17_aarch64", "linux_aarch64"]
)
FILES = [
    "pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
    "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    "pkg-1.0-cp311-cp311-win_amd64.whl",
    "pkg-1.0-PY3-NONE-ANY.whl",  # tags are case-insensitive
    "pkg-1.0-1build-cp311-abi3-manylinux_2_17_x86_64.manylinux_2_17_aarch64.whl",  # a build tag, two platforms
    "pkg-1.0.tar.gz",
    "pkg-1.0.whl",  # no tags to read: kept, unearth decides
    "pkg-0.9-cp310-cp310-manylinux_2_17_aarch64.whl",
]


def _page(files: list[str]) -> bytes:
    entries = [{"filename": n, "url": f"../../files/{n}", "hashes": {}} for n in files]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "pkg", "files": entries}).encode()


PAGE = "/simple/pkg/"


@pytest.fixture
def index() -> Iterator[Index]:
    with serving() as served:
        served.files[PAGE] = _page(FILES)
        served.content_types[PAGE] = JSON_PAGE
        yield served


def _versions_and_files(index: Index, cache: Path | None) -> list[str]:
    """A new finder (as a new run makes) for the fake host: the files it offers of pkg."""
    finder = IndexSettings(index_url=f"{index.url}/simple/").finder(cache, target_python=TARGET)
    try:
        return [package.link.filename for package in finder.find_all_packages("pkg")]
    finally:
        finder.session.close()  # type: ignore[attr-defined]


def test_only_the_hosts_wheels_reach_the_finder(index: Index) -> None:
    expected = [
        "pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
        "pkg-1.0-1build-cp311-abi3-manylinux_2_17_x86_64.manylinux_2_17_aarch64.whl",
        "pkg-1.0-PY3-NONE-ANY.whl",
        "pkg-1.0.tar.gz",
    ]
    assert sorted(_versions_and_files(index, None)) == sorted(expected)
    kept = json.loads(only_usable_files(_page(FILES), _tag_set(TARGET)))["files"]
    assert [f["filename"] for f in kept] == [
        "pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
        "pkg-1.0-PY3-NONE-ANY.whl",
        "pkg-1.0-1build-cp311-abi3-manylinux_2_17_x86_64.manylinux_2_17_aarch64.whl",
        "pkg-1.0.tar.gz",
        "pkg-1.0.whl",
    ]
    assert only_usable_files(b"<html></html>", _tag_set(TARGET)) == b"<html></html>"


def test_a_fresh_page_is_not_asked_for_again(index: Index, tmp_path: Path) -> None:
    index.headers = {"Cache-Control": "max-age=600, public", "ETag": '"v1"'}
    first = _versions_and_files(index, tmp_path)
    assert len(index.asked(PAGE)) == 1
    assert _versions_and_files(index, tmp_path) == first
    assert len(index.asked(PAGE)) == 1  # from the cache: the index was not asked


def test_a_stale_page_is_asked_for_with_its_etag(index: Index, tmp_path: Path) -> None:
    index.headers = {"Cache-Control": "max-age=0", "ETag": '"v1"'}
    first = _versions_and_files(index, tmp_path)
    assert _versions_and_files(index, tmp_path) == first
    assert len(index.asked(PAGE)) == 2
    assert "if-none-match" not in index.asked(PAGE)[0]
    assert index.asked(PAGE)[1]["if-none-match"] == '"v1"'  # answered 304: the kept page is used
    index.headers = {"Cache-Control": "max-age=0", "ETag": '"v2"'}
    index.files[PAGE] = _page(["pkg-2.0.tar.gz"])
    assert _versions_and_files(index, tmp_path) == ["pkg-2.0.tar.gz"]  # changed: the new page
    assert _versions_and_files(index, tmp_path) == ["pkg-2.0.tar.gz"]
    assert index.asked(PAGE)[3]["if-none-match"] == '"v2"'


def test_a_page_without_validators_or_with_no_store_is_not_kept(index: Index, tmp_path: Path) -> None:
    for headers in ({}, {"Cache-Control": "no-store", "ETag": '"v1"'}):
        index.headers = headers
        index.requests.clear()
        _versions_and_files(index, tmp_path)
        _versions_and_files(index, tmp_path)
        assert len(index.asked(PAGE)) == 2
        assert all("if-none-match" not in request for request in index.asked(PAGE))
    assert list(tmp_path.glob("index-pages/*.page")) == []


def test_no_cache_means_asking_every_time(index: Index, tmp_path: Path) -> None:
    index.headers = {"Cache-Control": "no-cache, max-age=600", "ETag": '"v1"'}
    _versions_and_files(index, tmp_path)
    _versions_and_files(index, tmp_path)
    assert index.asked(PAGE)[1]["if-none-match"] == '"v1"'


def test_a_damaged_kept_page_is_fetched_again(index: Index, tmp_path: Path) -> None:
    index.headers = {"Cache-Control": "max-age=600", "ETag": '"v1"'}
    first = _versions_and_files(index, tmp_path)
    [kept] = (tmp_path / "index-pages").glob("*.page")
    assert kept.stat().st_mode & 0o777 == 0o644
    kept.write_bytes(b"{not json\n")
    assert _versions_and_files(index, tmp_path) == first
    assert len(index.asked(PAGE)) == 2
    assert "if-none-match" not in index.asked(PAGE)[1]


def test_a_page_asked_for_ahead_is_not_asked_for_again(index: Index, tmp_path: Path) -> None:
    index.headers = {"ETag": '"v1"'}  # kept, but never fresh: every run asks
    finder = IndexSettings(index_url=f"{index.url}/simple/").finder(tmp_path, target_python=TARGET)
    try:
        finder.prefetch(["pkg", "pkg", "missing"])  # type: ignore[attr-defined]
        files = [package.link.filename for package in finder.find_all_packages("pkg")]
        assert [package.link.filename for package in finder.find_all_packages("missing")] == []
    finally:
        finder.session.close()  # type: ignore[attr-defined]
    assert "pkg-1.0.tar.gz" in files
    assert len(index.asked(PAGE)) == 1  # asked ahead, once; the finder waited for that answer
    assert len(index.asked("/simple/missing/")) == 2  # a 404 ahead: the finder asks itself
    assert list(tmp_path.glob("index-pages/*.page")) != []  # kept by the thread that used it


def test_only_pages_over_http_are_asked_for_ahead(
    index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a file:// index is read where it lies (its directory's index.html); asking ahead for
    # the directory itself only failed ("Is a directory")
    local = tmp_path / "local-index"
    (local / "pkg").mkdir(parents=True)
    (local / "pkg" / "index.html").write_text("<html><body></body></html>")
    asked: list[str] = []
    monkeypatch.setattr(IndexClient, "prefetch", lambda self, url: asked.append(url))
    settings = IndexSettings(index_url=local.as_uri() + "/", extra_index_urls=(f"{index.url}/simple/",))
    finder = settings.finder(tmp_path / "cache", target_python=TARGET)
    try:
        finder.prefetch(["pkg"])  # type: ignore[attr-defined]
    finally:
        finder.session.close()  # type: ignore[attr-defined]
    assert asked == [f"{index.url}/simple/pkg/"]


def test_an_unchanged_page_is_not_cut_again(index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no validators (this machine's index sends none): fetched each time, cut once
    cuts: list[bytes] = []
    cut = index_pages.only_usable_files
    monkeypatch.setattr(index_pages, "only_usable_files", lambda body, tags: cuts.append(body) or cut(body, tags))
    first = _versions_and_files(index, tmp_path)
    assert _versions_and_files(index, tmp_path) == first
    assert len(index.asked(PAGE)) == 2
    assert len(cuts) == 1
    assert sorted(first) == sorted(_versions_and_files(index, None))  # what a run without a cache sees
    cuts.clear()
    index.files[PAGE] = _page(["pkg-2.0.tar.gz", "pkg-2.0-cp311-cp311-win_amd64.whl"])  # the page changed
    assert _versions_and_files(index, tmp_path) == ["pkg-2.0.tar.gz"]
    assert len(cuts) == 1
    x86 = unearth.TargetPython(py_ver=(3, 11, 2), abis=["cp311"], impl="cp", platforms=["win_amd64"])
    finder = IndexSettings(index_url=f"{index.url}/simple/").finder(tmp_path, target_python=x86)
    try:  # another host's tags: cut for them
        assert [p.link.filename for p in finder.find_all_packages("pkg")] == [
            "pkg-2.0-cp311-cp311-win_amd64.whl",
            "pkg-2.0.tar.gz",
        ]
    finally:
        finder.session.close()  # type: ignore[attr-defined]
    assert len(cuts) == 2
    [kept] = tmp_path.glob("index-pages/*.usable")  # one file per page (and per request)
    assert kept.stat().st_mode & 0o777 == 0o644
