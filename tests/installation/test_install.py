"""crossbuild install, offline, end to end: resolve for a fake aarch64 host, lay wheels into its rootfs atomically.

The resolver's choices are tested in test_resolver.py, how wheels are laid into the root
(replacing, bytecode, schemes, scripts) in test_laying.py, the command in test_cli_install.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers.fakehost import FakeLayout, make_layout, make_sdist, make_wheel, snapshot
from helpers.installing import HOST_SITE, NATIVE, SITE, SO, SO_X86, Install, installed, site_listing

import crossbuild
import crossbuild.cli.main as cli
from crossbuild import (
    BuildOptions,
    CrossbuildError,
    IndexSettings,
    InstallResult,
    ToolchainError,
    WheelVerificationError,
)
from crossbuild.host.host import Host
from crossbuild.installation import laying as placement_module


def test_install_for_the_host(install: Install, root: Path, links: Path) -> None:
    result = install(["alpha", 'nope; platform_machine == "x86_64"'])
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert result.root == root
    assert result.prefix == "/usr"
    assert result.removed == ()
    assert site_listing(root) == [
        "alpha-1.0.dist-info/INSTALLER",
        "alpha-1.0.dist-info/METADATA",
        "alpha-1.0.dist-info/RECORD",
        "alpha-1.0.dist-info/WHEEL",
        "alpha-1.0.dist-info/crossbuild-origin.json",
        "alpha/__init__.py",
        "beta-2.0.dist-info/INSTALLER",
        "beta-2.0.dist-info/METADATA",
        "beta-2.0.dist-info/RECORD",
        "beta-2.0.dist-info/WHEEL",
        "beta-2.0.dist-info/crossbuild-origin.json",
        "beta/__init__.py",
        NATIVE,  # the aarch64 wheel of beta 2.0
        "beta/fast.py",
    ]
    site = root / SITE
    assert (site / NATIVE).read_bytes() == SO
    assert (site / "alpha-1.0.dist-info/INSTALLER").read_bytes() == b"crossbuild"
    assert not (root / "usr/lib/python3.11/site-packages").exists()
    assert list(root.glob(".crossbuild-*")) == []
    [alpha, beta] = result.distributions
    assert alpha.origin == (links / "alpha-1.0-py3-none-any.whl").as_uri()
    assert beta.origin == (links / "beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl").as_uri()
    assert f"{HOST_SITE}/{NATIVE}" in beta.files
    assert all(path.startswith(HOST_SITE + "/") for path in alpha.files + beta.files)


def test_report(install: Install, root: Path, links: Path) -> None:
    result = install(["alpha"])
    report = json.loads(json.dumps(result.report()))
    assert report["version"] == "1"
    assert report["installer"] == "crossbuild"
    assert report["host"] == {
        "python": "/usr/bin/python3.11",
        "tag": "cp311-cp311-linux_aarch64",
        "platform_tags": ["manylinux_2_36_aarch64", "manylinux_2_35_aarch64", "manylinux_2_34_aarch64"],
        "environment": result.host.marker_environment(),
    }
    assert report["host"]["environment"]["platform_machine"] == "aarch64"
    assert report["root"] == str(root)
    assert report["prefix"] == "/usr"
    assert report["scheme"] == {
        "purelib": HOST_SITE,
        "platlib": HOST_SITE,
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/local/bin",
        "data": "/usr/local",
    }
    assert [
        (entry["metadata"], entry["source"], entry["download_info"]["url"], entry["requested"])
        for entry in report["install"]
    ] == [
        ({"name": "alpha", "version": "1.0"}, "wheel", (links / "alpha-1.0-py3-none-any.whl").as_uri(), True),
        (
            {"name": "beta", "version": "2.0"},
            "wheel",
            (links / "beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl").as_uri(),
            False,
        ),
    ]
    assert report["install"][0]["files"] == [
        f"{HOST_SITE}/alpha-1.0.dist-info/{name}"
        for name in ("INSTALLER", "METADATA", "RECORD", "WHEEL", "crossbuild-origin.json")
    ] + [f"{HOST_SITE}/alpha/__init__.py"]
    assert report["removed"] == []


def test_local_wheel(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "local", name="delta", tags="py3-none-any", purelib=True, requires=["beta<2"])
    result = install([wheel])
    assert installed(result) == [("beta", "1.0", "wheel", False), ("delta", "1.0", "local wheel", True)]
    assert result.distributions[1].origin == str(wheel)
    report = json.loads(json.dumps(result.report()))
    assert report["install"][1]["download_info"] == {"url": str(wheel)}
    assert report["install"][1]["source"] == "local wheel"
    assert (root / SITE / "delta/__init__.py").is_file()
    assert (root / SITE / "beta-1.0.dist-info/METADATA").is_file()


def test_installing_wheels_never_digests_what_the_root_offers_builds(
    install: Install, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the built-wheel key lists the root's headers and libraries: a cost only a build needs
    def refuse(*args: object) -> str:
        raise AssertionError("the root's surface was digested with no source to build")

    monkeypatch.setattr("crossbuild.wheel.cache.root_surface_digest", refuse)
    result = install(["alpha"])
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]


def test_prefix_is_the_same_as_root(tmp_path: Path, fake_cc: Path, links: Path) -> None:
    by_root = make_layout(tmp_path / "by-root", sysconfig_py=True)
    by_prefix = make_layout(tmp_path / "by-prefix", sysconfig_py=True)

    def run(layout: FakeLayout, root: Path | None = None, prefix: Path | None = None) -> InstallResult:
        host = crossbuild.inspect_host(layout.python)
        index = IndexSettings(no_index=True, find_links=(str(links),))
        options = BuildOptions(index=index, cache_dir=tmp_path / "cache")
        return crossbuild.install(["alpha", "tool"], host=host, root=root, prefix=prefix, options=options)

    first = run(by_root, root=by_root.root)
    second = run(by_prefix, prefix=by_prefix.root / "usr")
    assert (first.root, first.prefix) == (by_root.root, "/usr")
    assert (second.root, second.prefix) == (by_prefix.root, "/usr")
    assert first.scheme == second.scheme
    assert (by_prefix.root / SITE / NATIVE).is_file()
    assert snapshot(by_root.root) == snapshot(by_prefix.root)


def test_binary_wheels_install_without_a_cross_compiler(
    fake_bin: Path, rootfs: FakeLayout, links: Path, tmp_path: Path
) -> None:
    """Laying wheels into a root runs no compiler (as pip and uv need none): the host's
    compilers are looked for only when something must be built, and then still refused."""
    host = crossbuild.inspect_host(rootfs.python)  # PATH has no compiler at all
    options = BuildOptions(index=IndexSettings(no_index=True, find_links=(str(links),)), cache_dir=tmp_path / "cache")
    result = crossbuild.install(["alpha"], host=host, root=rootfs.root, options=options)
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert (rootfs.root / SITE / NATIVE).read_bytes() == SO
    sdist = make_sdist(tmp_path / "sdists/delta-1.0.tar.gz", {"PKG-INFO": b"Name: delta\nVersion: 1.0\n"})
    with pytest.raises(ToolchainError, match=r"^no C compiler for aarch64 \(64-bit, little-endian\) found on PATH"):
        crossbuild.install([sdist], host=host, root=rootfs.root, options=options)
    assert not (rootfs.root / SITE / "delta").exists()


def test_bad_targets(rootfs_host: Host, root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"prefix": tmp_path / "elsewhere/opt"},
            f"--prefix {tmp_path}/elsewhere/opt does not end with the host python's prefix /usr; "
            "pass --root ROOTFS, or --root ROOTFS --prefix /some/prefix",
        ),
        ({"root": root, "prefix": "usr"}, "--prefix usr with --root must be a path on the host, like /usr"),
        ({}, "say where to install: --root ROOTFS (the host's /) or --prefix ROOTFS/usr"),
    ]
    for where, message in cases:
        with pytest.raises(CrossbuildError) as caught:
            crossbuild.install(["tool"], host=rootfs_host, options=BuildOptions(cache_dir=tmp_path / "cache"), **where)
        assert caught.value.render(cli.flag_names(cli.make_parser("crossbuild"))) == message
    assert snapshot(root) == before


def test_wrong_machine_wheel_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    install(["tool"])
    before = snapshot(root)
    wheel = make_wheel(
        tmp_path / "local",
        name="epsilon",
        tags="cp311-cp311-linux_aarch64",  # says aarch64, is x86_64 inside
        files={"epsilon/__init__.py": b"", "epsilon/_c.cpython-311-aarch64-linux-gnu.so": SO_X86},
    )
    with pytest.raises(WheelVerificationError) as caught:
        install(["alpha", wheel])
    assert caught.value.member == "epsilon/_c.cpython-311-aarch64-linux-gnu.so"
    assert str(caught.value).startswith(
        f"{wheel.name}: epsilon/_c.cpython-311-aarch64-linux-gnu.so is built for x86_64 (64-bit, little-endian) "
        "but the host is aarch64 (64-bit, little-endian)"
    )
    assert snapshot(root) == before


def test_interrupted_install_leaves_the_root_as_it_was(
    install: Install, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(["beta==1.0", "tool"])
    before = snapshot(root)
    original = os.rename  # (Path.rename calls it too)
    renamed: list[str | os.PathLike[str]] = []

    def rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        renamed.append(source)
        if len(renamed) == 9:  # the 5 files of beta 1.0 moved aside, 3 of alpha in place
            raise KeyboardInterrupt
        original(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        install(["alpha"])
    monkeypatch.undo()
    assert snapshot(root) == before


def test_local_wheel_for_another_python_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path / "local",
        name="sigma",
        tags="cp312-cp312-manylinux_2_17_aarch64",
        files={"sigma/__init__.py": b"", "sigma/_c.cpython-312-aarch64-linux-gnu.so": SO},
    )
    before = snapshot(root)
    with pytest.raises(CrossbuildError, match="not a supported wheel"):
        install([wheel])
    assert snapshot(root) == before


def test_direct_reference_in_a_requirements_file(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "local", name="delta", tags="py3-none-any", purelib=True)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"delta @ {wheel.as_uri()}\n")
    result = install(requirement_files=[requirements])
    assert installed(result) == [("delta", "1.0", "local wheel", True)]


def test_hash_mismatch_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"tool==1.0 --hash=sha256:{'0' * 64}\n")
    before = snapshot(root)
    with pytest.raises(CrossbuildError, match="hash"):
        install(requirement_files=[requirements])
    assert snapshot(root) == before


def test_the_root_is_read_once_per_install(install: Install, monkeypatch: pytest.MonkeyPatch) -> None:
    install(["alpha"])
    reads: list[object] = []
    find = placement_module.find_installed
    monkeypatch.setattr(placement_module, "find_installed", lambda *a, **k: reads.append(a) or find(*a, **k))
    for choices in ({}, {"dry_run": True}, {"ignore_installed": True}, {"force_reinstall": True}):
        reads.clear()
        install(["alpha", "tool"], **choices)
        assert len(reads) == 1, choices  # locked: builds never write to it, nothing else may
