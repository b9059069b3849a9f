"""What crossbuild install chooses for the host: its markers, extras, Requires-Python,
constraints, and resolution failures that name the requirement and where it came from."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.fakehost import make_sdist, make_wheel, snapshot
from helpers.installing import Install, installed
from packaging.utils import parse_sdist_filename

import crossbuild
from crossbuild import BuildOptions, CrossbuildError, Host, IndexSettings, ResolutionError


def test_markers_are_the_hosts(install: Install, root: Path) -> None:
    # gamma (needed on x86_64 only) is on no index: asking for it would fail the resolution.
    result = install(["alpha", 'nope; platform_machine == "x86_64"', 'tool; platform_machine == "aarch64"'])
    assert [d.name for d in result.distributions] == ["alpha", "beta", "tool"]


def test_extras(install: Install, links: Path) -> None:
    make_wheel(
        links,
        name="kappa",
        tags="py3-none-any",
        purelib=True,
        requires=['tool; extra == "cli"', 'alpha; extra == "cli" and platform_machine == "x86_64"'],
    )
    assert installed(install(["kappa"])) == [("kappa", "1.0", "wheel", True)]
    assert installed(install(["kappa[cli]"])) == [
        ("kappa", "1.0", "already installed", True),
        ("tool", "1.0", "wheel", False),
    ]


def test_nothing_left_after_markers(install: Install, root: Path) -> None:
    before = snapshot(root)
    with pytest.raises(CrossbuildError) as caught:
        install(['nope; platform_machine == "x86_64"'])
    assert str(caught.value) == "nothing to install: name requirements, or pass requirement_files= requirements.txt"
    assert snapshot(root) == before


def test_requirement_and_constraint_files(install: Install, root: Path, tmp_path: Path, links: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {links}\nbeta\ntool ; platform_machine == 'x86_64'\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("beta<2\n")
    result = install(index=IndexSettings(), requirement_files=[requirements], constraint_files=[constraints])
    assert installed(result) == [("beta", "1.0", "wheel", True)]


def test_resolution_failure_names_the_requirement(install: Install, root: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tool\nno-such-project>=1\n")
    before = snapshot(root)
    with pytest.raises(ResolutionError) as caught:
        install(["alpha"], requirement_files=[requirements])
    assert str(caught.value) == (
        f"no version satisfies no-such-project>=1 (from {requirements}:2) on the host; "
        "check the versions, or where they come from"
    )
    assert snapshot(root) == before


def test_resolution_failure_of_a_dependency(install: Install, root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    with pytest.raises(ResolutionError, match=r"beta>=2 \(from alpha 1.0\)") as caught:
        install(["alpha", "beta<2"])
    assert "beta<2 (from command line)" in str(caught.value)
    assert snapshot(root) == before


def test_requires_python_is_the_hosts(install: Install, links: Path) -> None:
    make_wheel(links, name="rho", version="1.0", tags="py3-none-any", purelib=True)
    make_wheel(links, name="rho", version="2.0", tags="py3-none-any", purelib=True, requires_python=">=3.12")
    assert installed(install(["rho"])) == [("rho", "1.0", "wheel", True)]


def test_constraint_conflict_names_the_constraints_file_and_line(install: Install, root: Path, tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# pins of the image\ntool==1.0\nbeta<2\nalpha ; platform_machine == 'x86_64'\n")
    before = snapshot(root)
    with pytest.raises(ResolutionError) as caught:
        install(["beta>=2", "tool"], constraint_files=[constraints])
    assert str(caught.value) == (
        f"no version satisfies beta>=2 (from command line) and the constraint beta<2 ({constraints}:3) on the host; "
        "check the versions, or where they come from"
    )
    assert snapshot(root) == before
    with pytest.raises(ResolutionError) as caught:  # not the constraint's fault: there is no beta 3
        install(["beta>=3"], constraint_files=[constraints])
    assert str(caught.value) == (
        "no version satisfies beta>=3 (from command line) on the host; check the versions, or where they come from"
    )


def test_constraint_conflict_with_a_dependency(install: Install, tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("beta<2\n")
    with pytest.raises(ResolutionError) as caught:
        install(["alpha"], constraint_files=[constraints])
    assert str(caught.value) == (
        f"no version satisfies beta>=2 (from alpha 1.0) and the constraint beta<2 ({constraints}:1) on the host; "
        "check the versions, or where they come from"
    )


def test_constraints_with_markers_of_another_machine_do_not_apply(install: Install, tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("beta<2 ; platform_machine == 'x86_64'\n")
    assert installed(install(["beta"], constraint_files=[constraints])) == [("beta", "2.0", "wheel", True)]


@pytest.mark.parametrize("old", ["beta-0.5.tar.bz2", "beta-0.6.tar.xz", "beta-0.7.tgz", "beta-0.8.tar"])
def test_old_sdist_formats_on_the_index_do_not_break_the_resolution(install: Install, links: Path, old: str) -> None:
    # PyPI still lists such sdists of old releases (coverage-4.0a6.tar.bz2, xxhash-0.6.1.tar.bz2):
    # pip takes their names and versions as it does a .tar.gz's
    (links / old).write_bytes(b"")
    assert installed(install(["beta"])) == [("beta", "2.0", "wheel", True)]


def _sdists_built_by(
    on_build: Callable[[str], object], links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> BuildOptions:
    """Sdists of sigma, tau and upsilon 1.0 that do not declare their dependencies statically
    (Metadata-Version 2.1), whose cross-build calls ``on_build(name)`` and makes a pure wheel;
    the options of an offline ``-j 2`` install from them."""
    for name in ("sigma", "tau", "upsilon"):
        make_sdist(
            links / f"{name}-1.0.tar.gz", {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()}
        )

    def build_wheel(source: Path, host: Host, wheel_dir: Path, *args: object, **kwargs: object) -> Path:
        name, version = parse_sdist_filename(source.name)
        on_build(name)
        return make_wheel(Path(wheel_dir), name=name, version=str(version), tags="py3-none-any", purelib=True)

    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build_wheel)
    index = IndexSettings(no_index=True, find_links=(str(links),))
    return BuildOptions(index=index, cache_dir=tmp_path / "cache", jobs=2)


def test_pinned_sdists_are_built_jobs_at_a_time_before_the_resolution(
    rootfs_host: Host, root: Path, links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """resolvelib asks for metadata one project at a time; sdists that do not declare their
    dependencies are cross-built for it.  Those a lock file pins are built together."""
    both_building = threading.Barrier(2, timeout=10)  # broken if the builds run one after the other
    options = _sdists_built_by(lambda name: both_building.wait(), links, tmp_path, monkeypatch)
    result = crossbuild.install(["sigma==1.0", "tau==1.0"], host=rootfs_host, root=root, options=options)
    assert installed(result) == [("sigma", "1.0", "built", True), ("tau", "1.0", "built", True)]


def test_a_pinned_version_already_installed_is_kept_not_built(
    rootfs_host: Host, root: Path, links: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    options = _sdists_built_by(built.append, links, tmp_path, monkeypatch)
    crossbuild.install(["sigma==1.0"], host=rootfs_host, root=root, options=options)
    built.clear()
    result = crossbuild.install(
        ["sigma==1.0", "tau==1.0", "upsilon==1.0"], host=rootfs_host, root=root, options=options
    )
    assert installed(result) == [
        ("sigma", "1.0", "already installed", True),
        ("tau", "1.0", "built", True),
        ("upsilon", "1.0", "built", True),
    ]
    assert sorted(built) == ["tau", "upsilon"]
