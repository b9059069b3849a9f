"""A resolution remembered while the pages it read stay the same (install/memo.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.fakehost import make_wheel
from helpers.httpindex import Index, serving
from helpers.installing import Install, installed

from crossbuild import IndexSettings, ResolutionError
from crossbuild.index.pages import JSON_PAGE
from crossbuild.installation import resolution
from crossbuild.installation.memo import ResolutionMemo

ALPHA_AND_BETA = [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]


pytestmark = pytest.mark.usefixtures("exact_file_clock")


@pytest.fixture
def resolutions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every resolution resolvelib made (the requirements it was given)."""
    made: list[str] = []
    resolve = resolution.resolve

    def counted(provider: object, requirements: list[object]) -> object:
        made.append(", ".join(map(str, requirements)))
        return resolve(provider, requirements)  # type: ignore[arg-type]

    monkeypatch.setattr(resolution, "resolve", counted)
    return made


def _memos(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "resolutions").glob("*.json"))


def test_the_same_inputs_and_pages_give_the_remembered_resolution(
    install: Install, tmp_path: Path, resolutions: list[str]
) -> None:
    assert installed(install(["alpha"], dry_run=True)) == ALPHA_AND_BETA
    assert resolutions == ["alpha"]
    [memo] = _memos(tmp_path)
    assert memo.stat().st_mode & 0o777 == 0o644
    result = install(["alpha"])  # a root without distributions, as the dry run saw it
    assert resolutions == ["alpha"]  # not resolved again
    assert installed(result) == ALPHA_AND_BETA
    assert result.distributions[1].origin.endswith("beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl")
    install(["alpha", "tool"], dry_run=True)  # other requirements: another resolution
    assert resolutions == ["alpha", "alpha, tool"]


def test_a_new_file_in_a_find_links_directory_is_seen(
    install: Install, links: Path, tmp_path: Path, resolutions: list[str]
) -> None:
    install(["alpha"], dry_run=True)
    make_wheel(links, name="beta", version="3.0", tags="py3-none-any", purelib=True)
    assert installed(install(["alpha"], dry_run=True))[1] == ("beta", "3.0", "wheel", False)
    assert len(resolutions) == 2


def test_a_root_with_distributions_is_resolved_every_time(
    install: Install, tmp_path: Path, resolutions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install(["alpha"])
    monkeypatch.setattr(ResolutionMemo, "recall", lambda *args: pytest.fail("what is installed steers the choice"))
    assert [action for action, *_ in _actions(install(["alpha", "tool"]))] == ["kept", "kept", "installed"]
    assert resolutions == ["alpha", "alpha, tool"]


def _actions(result: object) -> list[tuple[str, str]]:
    return [(d.action, d.name) for d in result.distributions]  # type: ignore[attr-defined]


def test_a_damaged_memo_is_resolved_again_and_rewritten(
    install: Install, tmp_path: Path, resolutions: list[str]
) -> None:
    install(["alpha"], dry_run=True)
    [memo] = _memos(tmp_path)
    for damage in (b"{not json", b'{"pages": {}, "find_links": [], "chosen": [["beta", "x", {}]]}'):
        memo.write_bytes(damage)
        assert installed(install(["alpha"], dry_run=True)) == ALPHA_AND_BETA
        json.loads(memo.read_bytes())["chosen"]  # rewritten whole
    assert len(resolutions) == 3


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """An http index of pkg 1.0 (a pure wheel, with its sha256 on the page)."""
    with serving() as served:
        _publish(served, tmp_path, ["1.0"])
        yield served


def _publish(index: Index, tmp_path: Path, versions: list[str], hashes: bool = True) -> None:
    entries = []
    for version in versions:
        wheel = make_wheel(tmp_path / "served", name="pkg", version=version, tags="py3-none-any", purelib=True)
        index.files[f"/files/{wheel.name}"] = wheel.read_bytes()
        digest = {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()} if hashes else {}
        entries.append({"filename": wheel.name, "url": f"../../files/{wheel.name}", "hashes": digest})
    index.files["/simple/pkg/"] = json.dumps({"meta": {"api-version": "1.1"}, "name": "pkg", "files": entries}).encode()
    index.content_types["/simple/pkg/"] = JSON_PAGE


def test_a_changed_index_page_is_resolved_again(
    install: Install, index: Index, tmp_path: Path, resolutions: list[str]
) -> None:
    settings = IndexSettings(index_url=f"{index.url}/simple/")
    assert installed(install(["pkg"], index=settings, dry_run=True)) == [("pkg", "1.0", "wheel", True)]
    assert installed(install(["pkg"], index=settings, dry_run=True)) == [("pkg", "1.0", "wheel", True)]
    assert len(resolutions) == 1
    assert len(index.asked("/simple/pkg/")) == 2  # the page is asked for each time: it has no validators
    _publish(index, tmp_path, ["1.0", "1.1"])  # a release
    assert installed(install(["pkg"], index=settings, dry_run=True)) == [("pkg", "1.1", "wheel", True)]
    assert len(resolutions) == 2
    del index.files["/simple/pkg/"]  # gone: the resolution says so, as it would have
    with pytest.raises(ResolutionError, match=r"^no version satisfies pkg \(from command line\)"):
        install(["pkg"], index=settings, dry_run=True)


def test_files_known_by_no_hash_are_not_remembered(
    install: Install, index: Index, tmp_path: Path, resolutions: list[str]
) -> None:
    _publish(index, tmp_path, ["1.0"], hashes=False)  # the file at a URL could change: its metadata too
    settings = IndexSettings(index_url=f"{index.url}/simple/")
    install(["pkg"], index=settings, dry_run=True)
    install(["pkg"], index=settings, dry_run=True)
    assert len(resolutions) == 2
    assert _memos(tmp_path) == []


def test_a_local_file_known_by_no_hash_must_be_the_same_file(
    install: Install, links: Path, tmp_path: Path, resolutions: list[str]
) -> None:
    # a file:// index whose page names its file without a hash: the page stays the same
    # when the file is written over, so the file itself is what is checked
    index = tmp_path / "file-index"
    (index / "pkg").mkdir(parents=True)
    files = tmp_path / "files"
    wheel = make_wheel(files, name="pkg", tags="py3-none-any", purelib=True)
    (index / "pkg" / "index.html").write_text(f'<html><body><a href="{wheel.as_uri()}">{wheel.name}</a></body></html>')
    settings = IndexSettings(index_url=index.as_uri() + "/", find_links=(str(links),))
    assert installed(install(["pkg"], index=settings, dry_run=True)) == [("pkg", "1.0", "wheel", True)]
    assert installed(install(["pkg"], index=settings, dry_run=True)) == [("pkg", "1.0", "wheel", True)]
    assert len(resolutions) == 1
    make_wheel(files, name="pkg", tags="py3-none-any", purelib=True, requires=["tool"])  # the same name, anew
    result = install(["pkg"], index=settings, dry_run=True)
    assert installed(result) == [("pkg", "1.0", "wheel", True), ("tool", "1.0", "wheel", False)]
    assert len(resolutions) == 2


def test_a_find_links_directory_written_during_the_resolution_is_not_remembered(
    install: Install, links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve = resolution.resolve

    def written_meanwhile(provider: object, requirements: list[object]) -> object:
        chosen = resolve(provider, requirements)  # type: ignore[arg-type]
        make_wheel(links, name="beta", version="3.0", tags="py3-none-any", purelib=True)
        return chosen

    monkeypatch.setattr(resolution, "resolve", written_meanwhile)
    install(["alpha"], dry_run=True)
    assert _memos(tmp_path) == []


def test_a_local_file_written_during_the_resolution_is_not_remembered(
    install: Install, links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "file-index"
    (index / "pkg").mkdir(parents=True)
    wheel = make_wheel(tmp_path / "files", name="pkg", tags="py3-none-any", purelib=True)
    (index / "pkg" / "index.html").write_text(f'<html><body><a href="{wheel.as_uri()}">{wheel.name}</a></body></html>')
    resolve = resolution.resolve

    def written_meanwhile(provider: object, requirements: list[object]) -> object:
        make_wheel(tmp_path / "files", name="pkg", tags="py3-none-any", purelib=True, requires=["tool"])
        return resolve(provider, requirements)  # type: ignore[arg-type]

    monkeypatch.setattr(resolution, "resolve", written_meanwhile)
    settings = IndexSettings(index_url=index.as_uri() + "/", find_links=(str(links),))
    install(["pkg"], index=settings, dry_run=True)
    assert _memos(tmp_path) == []
