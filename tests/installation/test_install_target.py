"""install() lays files only into a root that belongs to the host: never an x86_64 python's
wheels into an arm64 image, never python3.11 packages into a root whose python is 3.12."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, X86_64, FakeLayout, make_layout, make_wheel, snapshot

import crossbuild
from crossbuild import BuildOptions, IndexSettings, InstallTargetError


@pytest.fixture
def options(tmp_path: Path) -> BuildOptions:
    links = tmp_path / "links"
    make_wheel(links, name="tool", tags="py3-none-any", purelib=True)
    return BuildOptions(index=IndexSettings(no_index=True, find_links=(str(links),)), cache_dir=tmp_path / "cache")


def _install(host: crossbuild.Host, root: Path, options: BuildOptions) -> crossbuild.InstallResult:
    return crossbuild.install(["tool"], host=host, root=root, options=options)


def test_root_of_another_machine_is_refused(
    layout: FakeLayout, fake_cc: Path, options: BuildOptions, tmp_path: Path
) -> None:
    host = crossbuild.inspect_host(layout.python)
    image = make_layout(tmp_path / "x86-image", machine=X86_64).root
    before = snapshot(image)
    with pytest.raises(InstallTargetError) as caught:
        _install(host, image, options)
    assert str(caught.value) == (
        f"{image} is a root for x86_64 (64-bit, little-endian), python 3.11 (usr/bin/python3.11) but the host "
        f"python {layout.python} is for aarch64 (64-bit, little-endian), python 3.11; "
        f"pass host= the root's own python (e.g. {image}/usr/bin/python3.11)"
    )
    assert snapshot(image) == before


def test_root_of_another_python_version_is_refused(
    layout: FakeLayout, fake_cc: Path, options: BuildOptions, tmp_path: Path
) -> None:
    host = crossbuild.inspect_host(layout.python)
    image = make_layout(tmp_path / "py312-image", version="3.12", machine=AARCH64).root
    before = snapshot(image)
    with pytest.raises(InstallTargetError, match=r"is a root for aarch64 \(64-bit, little-endian\), python 3\.12 "):
        _install(host, image, options)
    assert snapshot(image) == before


def test_root_of_the_same_machine_and_version_is_accepted(
    layout: FakeLayout, fake_cc: Path, options: BuildOptions, tmp_path: Path
) -> None:
    """A second image of the same distribution: its own python agrees with the host."""
    host = crossbuild.inspect_host(layout.python)
    image = make_layout(tmp_path / "same-image", machine=AARCH64, sysconfig_py=True).root
    result = _install(host, image, options)
    assert [d.name for d in result.distributions] == ["tool"]
    assert (image / "usr/lib/python3.11/site-packages/tool/__init__.py").is_file()


def test_empty_root_takes_the_host_as_given(
    layout: FakeLayout, fake_cc: Path, options: BuildOptions, tmp_path: Path
) -> None:
    """An image being assembled from nothing holds no binary that could disagree."""
    host = crossbuild.inspect_host(layout.python)
    image = tmp_path / "empty-image"
    _install(host, image, options)
    assert (image / "usr/lib/python3.11/site-packages/tool/__init__.py").is_file()
