"""PEP 658: the resolver reads a wheel's metadata from the index's ``.metadata`` file,
without downloading the wheel, when the index offers one (a local HTTP index)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import unearth
from helpers.fakehost import make_wheel
from helpers.httpindex import Index, serving

from crossbuild.index.finder import IndexSettings
from crossbuild.index.pages import JSON_PAGE
from crossbuild.installation.artifacts import Artifact, ArtifactStore, artifact_of_link

WHEEL = "alpha-1.0-py3-none-any.whl"
TARGET = unearth.TargetPython(py_ver=(3, 11, 2), abis=["cp311"], impl="cp", platforms=["linux_aarch64"])


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Served:
    def __init__(self, index: Index, wheel: bytes, metadata: bytes) -> None:
        self.index, self.wheel, self.metadata = index, wheel, metadata

    def page(self, core_metadata: object) -> None:
        entry = {"filename": WHEEL, "url": f"/files/{WHEEL}", "hashes": {"sha256": _sha256(self.wheel)}}
        if core_metadata is not None:
            entry["core-metadata"] = core_metadata
        self.index.files["/simple/alpha/"] = json.dumps({"meta": {"api-version": "1.1"}, "files": [entry]}).encode()
        self.index.content_types["/simple/alpha/"] = JSON_PAGE


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    wheel = make_wheel(tmp_path / "dist", name="alpha", tags="py3-none-any", purelib=True, requires=["beta>=2"])
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("alpha-1.0.dist-info/METADATA")
    with serving() as index:
        index.files[f"/files/{WHEEL}"] = wheel.read_bytes()
        index.files[f"/files/{WHEEL}.metadata"] = metadata
        yield Served(index, wheel.read_bytes(), metadata)


def _store(served: Served, cache: Path) -> tuple[ArtifactStore, Artifact]:
    finder = IndexSettings(index_url=f"{served.index.url}/simple/").finder(cache, target_python=TARGET)
    [package] = finder.find_all_packages("alpha")
    store = ArtifactStore(finder, cache, lambda source: source, TARGET.supported_tags())
    return store, artifact_of_link(package.link)


def test_metadata_without_the_wheel(served: Served, tmp_path: Path) -> None:
    served.page({"sha256": _sha256(served.metadata)})
    store, artifact = _store(served, tmp_path / "cache")
    assert store.metadata(artifact).get_all("Requires-Dist") == ["beta>=2"]
    assert served.index.asked(f"/files/{WHEEL}") == []
    assert len(served.index.asked(f"/files/{WHEEL}.metadata")) == 1
    assert store.wheel(artifact).read_bytes() == served.wheel  # the wheel, when it is laid
    store, artifact = _store(served, tmp_path / "cache")  # a new run: the wheel is at hand
    assert store.metadata(artifact).get_all("Requires-Dist") == ["beta>=2"]
    assert len(served.index.asked(f"/files/{WHEEL}.metadata")) == 1
    store, artifact = _store(served, tmp_path / "other-cache")  # a new run, with its own cache
    served.index.files[f"/files/{WHEEL}.metadata"] = b"Name: alpha\nVersion: 1.0\n"  # not the digest given
    assert store.metadata(artifact).get_all("Requires-Dist") == ["beta>=2"]  # read from the wheel
    assert len(served.index.asked(f"/files/{WHEEL}")) == 2


def test_without_a_digest_and_kept(served: Served, tmp_path: Path) -> None:
    served.page(True)
    store, artifact = _store(served, tmp_path / "cache")
    assert store.metadata(artifact).get_all("Requires-Dist") == ["beta>=2"]
    store, artifact = _store(served, tmp_path / "cache")
    assert store.metadata(artifact).get_all("Requires-Dist") == ["beta>=2"]
    assert len(served.index.asked(f"/files/{WHEEL}.metadata")) == 1  # kept in the cache
    assert served.index.asked(f"/files/{WHEEL}") == []
