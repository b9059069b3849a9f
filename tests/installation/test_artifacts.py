"""ArtifactStore and --hash: a local file is accepted when one of its requirement's hashes
matches, refused with its path and real sha256 otherwise."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers.fakehost import make_sdist, make_wheel
from packaging.tags import Tag

from crossbuild import HashMismatchError, IndexSettings, RequirementError
from crossbuild.installation.artifacts import ArtifactStore, BuildFunction, _hash_dict
from crossbuild.installation.requirements import parse_argument

TAGS = [Tag("cp311", "cp311", "linux_aarch64"), Tag("py3", "none", "any")]


def _never_built(source: Path) -> Path:
    raise AssertionError(f"{source} is a wheel: nothing to build")


def _store(tmp_path: Path, build: BuildFunction = _never_built) -> ArtifactStore:
    """A store with no index, a cache in ``tmp_path``, and ``build`` for sources."""
    return ArtifactStore(IndexSettings(no_index=True).finder(), tmp_path / "cache", build, TAGS)


def _digest(path: Path, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return make_wheel(tmp_path / "local", name="delta", tags="py3-none-any", purelib=True)


def test_hash_dict() -> None:
    assert _hash_dict(()) == {}
    assert _hash_dict(("sha256:aa", "sha512:cc", "sha256:bb")) == {"sha256": ["aa", "bb"], "sha512": ["cc"]}


def test_local_wheel_whose_hash_matches(tmp_path: Path, wheel: Path) -> None:
    hashes = (f"sha256:{'0' * 64}", f"sha256:{_digest(wheel)}")  # one of them is enough
    store = _store(tmp_path)
    artifact = store.local_artifact(parse_argument(str(wheel), hashes=hashes))
    assert (artifact.name, str(artifact.version), artifact.path) == ("delta", "1.0", wheel)
    store.expect_hashes(artifact.name, hashes)
    assert store.file(artifact) == wheel
    assert store.wheel(artifact) == wheel


def test_local_wheel_without_hashes(tmp_path: Path, wheel: Path) -> None:
    store = _store(tmp_path)
    assert store.file(store.local_artifact(parse_argument(str(wheel)))) == wheel


def test_local_wheel_whose_hash_differs(tmp_path: Path, wheel: Path) -> None:
    with pytest.raises(HashMismatchError) as caught:
        _store(tmp_path).local_artifact(parse_argument(str(wheel), hashes=(f"sha256:{'0' * 64}",)))
    assert caught.value.what == str(wheel)
    assert str(caught.value) == (
        f"the hash of {wheel} does not match the requirement (--hash); its sha256 is {_digest(wheel)}"
    )


def test_file_checks_the_hashes_expected_of_its_project(tmp_path: Path, wheel: Path) -> None:
    store = _store(tmp_path)
    artifact = store.local_artifact(parse_argument(str(wheel)))
    store.expect_hashes(artifact.name, (f"sha256:{'1' * 64}",))
    with pytest.raises(HashMismatchError, match=f"its sha256 is {_digest(wheel)}$") as caught:
        store.file(artifact)
    assert caught.value.what == str(wheel)
    store.expect_hashes(artifact.name, (f"sha256:{_digest(wheel)}",))  # hashes add up, as with pip
    assert store.file(artifact) == wheel


def test_hashes_of_another_algorithm_only(tmp_path: Path, wheel: Path) -> None:
    store = _store(tmp_path)
    accepted = store.local_artifact(parse_argument(str(wheel), hashes=(f"sha512:{_digest(wheel, 'sha512')}",)))
    assert accepted.path == wheel
    for hashes in [(f"sha512:{_digest(wheel)}",), (f"sha384:{'0' * 96}",), (f"nosuchalgorithm:{_digest(wheel)}",)]:
        with pytest.raises(HashMismatchError) as caught:
            _store(tmp_path).local_artifact(parse_argument(str(wheel), hashes=hashes))
        assert str(caught.value).endswith(f"its sha256 is {_digest(wheel)}")  # the digest pip users know


def test_local_sdist_whose_hash_matches_is_built(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path / "local/delta-1.0.tar.gz", {"PKG-INFO": b"Metadata-Version: 2.1\nName: delta\n"})
    built = make_wheel(tmp_path / "built", name="delta", tags="py3-none-any", purelib=True)
    hashes = (f"sha256:{_digest(sdist)}",)
    store = _store(tmp_path, build=lambda source: built)
    artifact = store.local_artifact(parse_argument(str(sdist), hashes=hashes))
    assert (artifact.path, artifact.source_path) == (built, sdist)
    store.expect_hashes(artifact.name, hashes)  # as install() does for every requirement
    assert store.wheel(artifact) == built


def test_hash_of_a_source_tree_is_refused(tmp_path: Path) -> None:
    """pip refuses --hash on a directory: there is no file whose digest could match."""
    tree = tmp_path / "src/delta"
    tree.mkdir(parents=True)
    with pytest.raises(RequirementError) as caught:
        _store(tmp_path).local_artifact(parse_argument(str(tree), hashes=(f"sha256:{'0' * 64}",)))
    assert str(caught.value) == (
        f"{tree} is a directory and cannot be checked against --hash; pass an sdist or a wheel, or drop the hash"
    )


def test_a_wheel_cross_built_before_is_said_to_be_reused(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path / "local/delta-1.0.tar.gz", {"PKG-INFO": b"Metadata-Version: 2.1\nName: delta\n"})
    built = make_wheel(tmp_path / "built", name="delta", tags="py3-none-any", purelib=True)
    asked: list[Path] = []

    def built_before(source: Path) -> bool:
        asked.append(source)
        return True

    fresh = _store(tmp_path, build=lambda source: built)
    assert fresh.source_of(fresh.local_artifact(parse_argument(str(sdist)))) == "built"
    # the build fills the cache: asked after it, the cache would call every first build reused
    filled: list[Path] = []
    filling = ArtifactStore(
        IndexSettings(no_index=True).finder(),
        tmp_path / "cache",
        lambda source: filled.append(source) or built,
        TAGS,
        None,
        lambda source: bool(filled),
    )
    assert filling.source_of(filling.local_artifact(parse_argument(str(sdist)))) == "built"
    store = ArtifactStore(
        IndexSettings(no_index=True).finder(), tmp_path / "cache", lambda s: built, TAGS, None, built_before
    )
    assert store.source_of(store.local_artifact(parse_argument(str(sdist)))) == "reused"
    assert asked == [sdist]
