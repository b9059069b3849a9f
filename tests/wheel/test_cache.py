"""The download and built-wheel caches: what is reused is checked first, and a damaged
entry is made again; nothing partial ever sits under a final name; nothing is world-writable."""

from __future__ import annotations

import hashlib
import http.server
import logging
import os
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import unearth
from helpers.fakehost import make_sdist, make_wheel
from packaging.tags import Tag

from crossbuild import HashMismatchError, SourceError
from crossbuild._cache import cache_dir
from crossbuild.host.host import Host
from crossbuild.index.finder import IndexSettings
from crossbuild.installation.artifacts import Artifact, ArtifactStore, artifact_of_link
from crossbuild.wheel.cache import BuiltWheels
from crossbuild.wheel.context import make_context
from crossbuild.wheel.options import BuildOptions

PYPROJECT = b'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'


class FileServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` by path; those in ``cut`` stop after half their bytes (a dropped connection)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.cut: set[str] = set()
        self.requests: list[str] = []

    def url(self, path: str, content: bytes | None = None) -> str:
        """The URL of ``path``, with the sha256 of ``content`` as an index gives it, if given."""
        fragment = f"#sha256={hashlib.sha256(content).hexdigest()}" if content is not None else ""
        return f"http://127.0.0.1:{self.server_address[1]}{path}{fragment}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FileServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        content = self.server.files.get(self.path)
        if content is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content[: len(content) // 2] if self.path in self.server.cut else content)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[FileServer]:
    files = FileServer()
    thread = threading.Thread(target=files.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield files
    files.shutdown()
    files.server_close()


@pytest.fixture
def sdist(tmp_path: Path) -> bytes:
    files = {"pyproject.toml": PYPROJECT, "PKG-INFO": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"}
    return make_sdist(tmp_path / "made" / "pkg-1.0.tar.gz", files).read_bytes()


def _store(tmp_path: Path, built: list[Path] | None = None) -> ArtifactStore:
    """A store on ``tmp_path/cache`` whose builds make a pure wheel and are listed in ``built``."""

    def build(source: Path) -> Path:
        wheel = make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True)
        if built is not None:
            built.append(source)
        return wheel

    finder = IndexSettings(no_index=True).finder()
    return ArtifactStore(finder, tmp_path / "cache", build, [Tag("py3", "none", "any")])


def _remote(server: FileServer, content: bytes, *, with_digest: bool = True) -> Artifact:
    server.files["/files/pkg-1.0.tar.gz"] = content
    return artifact_of_link(unearth.Link(server.url("/files/pkg-1.0.tar.gz", content if with_digest else None)))


@pytest.mark.parametrize("with_digest", [True, False], ids=["index-digest", "archive-check"])
def test_a_truncated_download_in_the_cache_is_downloaded_again(
    tmp_path: Path, server: FileServer, sdist: bytes, with_digest: bool, caplog: pytest.LogCaptureFixture
) -> None:
    cached = tmp_path / "cache" / "sdists" / "pkg-1.0.tar.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(sdist[: len(sdist) // 2])  # a run killed midway, or one still downloading
    artifact = _remote(server, sdist, with_digest=with_digest)
    with caplog.at_level(logging.INFO, logger="crossbuild"):
        path = _store(tmp_path).file(artifact)
    assert path == cached
    assert path.read_bytes() == sdist
    assert server.requests == ["/files/pkg-1.0.tar.gz"]
    assert "downloading pkg-1.0.tar.gz again: the copy in the cache " in caplog.text
    assert _store(tmp_path).file(artifact) == cached  # whole now: reused
    assert server.requests == ["/files/pkg-1.0.tar.gz"]


def test_an_interrupted_download_leaves_nothing_in_the_cache(tmp_path: Path, server: FileServer, sdist: bytes) -> None:
    artifact = _remote(server, sdist)
    server.cut.add("/files/pkg-1.0.tar.gz")
    with pytest.raises(SourceError, match=r"^cannot download http://127\.0\.0\.1:\d+/files/pkg-1\.0\.tar\.gz: "):
        _store(tmp_path).file(artifact)
    assert list((tmp_path / "cache" / "sdists").iterdir()) == []


def test_a_download_unlike_the_index_digest_is_refused(tmp_path: Path, server: FileServer, sdist: bytes) -> None:
    server.files["/files/pkg-1.0.tar.gz"] = sdist
    url = server.url("/files/pkg-1.0.tar.gz", b"what the index says it is")
    with pytest.raises(SourceError) as caught:
        _store(tmp_path).file(artifact_of_link(unearth.Link(url)))
    assert str(caught.value) == (
        f"{url.split('#')[0]} does not have the digest the index gives "
        f"(its sha256 is {hashlib.sha256(sdist).hexdigest()}); download it again later, or check the index"
    )
    assert list((tmp_path / "cache" / "sdists").iterdir()) == []


def test_a_download_unlike_the_required_hash_is_refused(tmp_path: Path, server: FileServer, sdist: bytes) -> None:
    artifact = _remote(server, sdist)
    store = _store(tmp_path)
    store.expect_hashes(artifact.name, (f"sha256:{'0' * 64}",))
    with pytest.raises(HashMismatchError, match=f"its sha256 is {hashlib.sha256(sdist).hexdigest()}$"):
        store.file(artifact)
    assert list((tmp_path / "cache" / "sdists").iterdir()) == []


def _truncate(wheel: Path) -> None:
    wheel.write_bytes(wheel.read_bytes()[:-40])


def _tamper(wheel: Path) -> None:
    """Change a file's content, keeping the zip valid: RECORD no longer matches."""
    with zipfile.ZipFile(wheel) as archive:
        members = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(wheel, "w") as archive:
        for info, data in members.items():
            archive.writestr(info, b"ANSWER = 41\n" if info.filename == "pkg/__init__.py" else data)


def _second_wheel(wheel: Path) -> None:
    (wheel.parent / "pkg-0.9-py3-none-any.whl").write_bytes(wheel.read_bytes())


@pytest.mark.parametrize("damage", [_truncate, _tamper, Path.unlink, _second_wheel])
def test_a_damaged_built_wheel_in_the_cache_is_built_again(
    tmp_path: Path, sdist: bytes, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "pkg-1.0.tar.gz"
    source.write_bytes(sdist)
    built = BuiltWheels(tmp_path / "cache", "key")
    built.put(source, make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True))
    [entry] = (tmp_path / "cache" / "built").iterdir()
    [cached] = entry.glob("*.whl")
    assert callable(damage)
    damage(cached)

    with caplog.at_level(logging.INFO, logger="crossbuild"):
        assert built.get(source) is None  # to be built again
    assert f"discarding the cached wheel {entry}: " in caplog.text
    assert not entry.exists()
    built.put(source, make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True))
    assert [p.name for p in (tmp_path / "cache" / "built").iterdir()] == [entry.name]  # cached again, nothing else
    assert [p.name for p in entry.iterdir()] == [cached.name]
    assert built.get(source) == cached  # whole now: reused
    assert zipfile.ZipFile(cached).read("pkg/__init__.py") == b"ANSWER = 42\n"


def test_cache_entries_are_not_world_writable_whatever_the_umask(
    tmp_path: Path, server: FileServer, sdist: bytes
) -> None:
    saved = os.umask(0)
    try:
        downloaded = _store(tmp_path).file(_remote(server, sdist))
        wheel = make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True)
        BuiltWheels(tmp_path / "cache", "key").put(downloaded, wheel)
    finally:
        os.umask(saved)
    cache = tmp_path / "cache"
    modes = {p.relative_to(cache).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in cache.rglob("*")}
    assert modes == {path: 0o755 if (cache / path).is_dir() else 0o644 for path in modes}
    assert sorted(path.split("/")[0] for path in modes if path.endswith((".whl", ".tar.gz"))) == ["built", "sdists"]


def test_a_relative_cache_dir_is_made_absolute(host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backends run in their source tree: a relative cache path would point elsewhere there."""
    monkeypatch.chdir(tmp_path)
    assert cache_dir("relative/cache") == tmp_path / "relative/cache"
    assert make_context(host, BuildOptions(cache_dir="relative/cache")).cache == tmp_path / "relative/cache"


def test_has_answers_as_get_would_without_touching_the_entry(tmp_path: Path, sdist: bytes) -> None:
    source = tmp_path / "pkg-1.0.tar.gz"
    source.write_bytes(sdist)
    built = BuiltWheels(tmp_path / "cache", "key")
    assert not built.has(source)
    built.put(source, make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True))
    assert built.has(source)
    [cached] = built.entry(source).glob("*.whl")
    _truncate(cached)
    assert not built.has(source)  # damaged: get() would build again
    assert cached.is_file()  # and has() removed nothing


def test_the_built_wheel_key_is_made_when_an_sdist_is_first_looked_up(tmp_path: Path, sdist: bytes) -> None:
    """The key digests the compilers and thousands of files of the root: an install of
    binary wheels never looks up an sdist, so it never pays for it."""
    source = tmp_path / "pkg-1.0.tar.gz"
    source.write_bytes(sdist)
    made: list[str] = []

    def key() -> str:
        made.append("key")
        return "key"

    built = BuiltWheels(tmp_path / "cache", key)
    assert made == []
    assert not built.has(source)
    built.put(source, make_wheel(tmp_path / "dist", name="pkg", tags="py3-none-any", purelib=True))
    assert built.get(source) is not None
    assert made == ["key"]  # once
    assert built.entry(source) == BuiltWheels(tmp_path / "cache", "key").entry(source)  # the same entry as given


def test_a_cached_download_the_index_vouches_for_is_not_fetched_again_for_a_wrong_hash(
    tmp_path: Path, server: FileServer, sdist: bytes
) -> None:
    """The cached file has the digest the index gives: a --hash it does not match is the
    requirement's mistake, and the same file fetched again would not match it either."""
    artifact = _remote(server, sdist)
    assert _store(tmp_path).file(artifact).read_bytes() == sdist
    store = _store(tmp_path)
    store.expect_hashes(artifact.name, (f"sha256:{'0' * 64}",))
    with pytest.raises(HashMismatchError, match=f"its sha256 is {hashlib.sha256(sdist).hexdigest()}$"):
        store.file(artifact)
    assert server.requests == ["/files/pkg-1.0.tar.gz"]  # once, by the first store
    assert (tmp_path / "cache" / "sdists" / "pkg-1.0.tar.gz").read_bytes() == sdist  # still good for others
