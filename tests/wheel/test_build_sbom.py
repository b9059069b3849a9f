"""A built wheel carries its SBOM: in RECORD, beside auditwheel's, the same bytes twice."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers.dpkg import write_dpkg_database
from helpers.fakehost import make_wheel
from helpers.nativebuild import MULTIARCH, demo_builds, needs_gcc, root_with
from packaging.tags import parse_tag

from crossbuild.host.host import Host
from crossbuild.sbom.inputs import sbom_inputs
from crossbuild.sbom.model import BuildFacts, Compiler
from crossbuild.wheel import BuildOptions
from crossbuild.wheel.build_sbom import _git_revision, build_facts, sbom_members
from crossbuild.wheel.cache import built_wheel_key
from crossbuild.wheel.context import make_context
from crossbuild.wheel.isolated_env import IsolatedEnv
from crossbuild.wheel.options import DEFAULT_SOURCE_DATE_EPOCH
from crossbuild.wheel.retag import retag_wheel
from crossbuild.wheel.sources import SourceTree
from crossbuild.wheel.verify import verify_wheel

FACTS = BuildFacts("1.0", "setuptools.build_meta", "75.1.0", (("setuptools", "75.1.0"),), (), {}, "0" * 64)
TAGS = frozenset(parse_tag("cp311-cp311-linux_x86_64"))
AUDITWHEEL_SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": []}'


@needs_gcc
def test_the_sbom_is_in_the_wheel_and_its_record(tmp_path: Path) -> None:
    builds = demo_builds(tmp_path / "builds")
    libraries = root_with(tmp_path, builds["new"])
    write_dpkg_database(libraries.root, {("libdemo1", "1.0-1", "amd64"): [f"/usr/lib/{MULTIARCH}/libdemo.so.1"]})
    ext = builds["ext"].read_bytes()
    files = {"pkg/_ext.so": ext, "pkg-1.0.dist-info/sboms/auditwheel.cdx.json": AUDITWHEEL_SBOM}
    made = make_wheel(tmp_path / "dist", name="pkg", tags="cp311-cp311-linux_x86_64", files=files)
    wheels = []
    for attempt in ("one", "two"):
        (tmp_path / attempt).mkdir()
        wheel = shutil.copy(made, tmp_path / attempt / made.name)
        extra = sbom_members(Path(wheel), made, FACTS, libraries, DEFAULT_SOURCE_DATE_EPOCH)
        wheels.append(retag_wheel(Path(wheel), TAGS, tmp_path / attempt, DEFAULT_SOURCE_DATE_EPOCH, extra))
    assert wheels[0].read_bytes() == wheels[1].read_bytes()
    assert libraries.target is not None
    verify_wheel(wheels[0], libraries.target, libraries)  # RECORD lists the SBOM with its hash
    with zipfile.ZipFile(wheels[0]) as archive:
        document = json.loads(archive.read("pkg-1.0.dist-info/sboms/crossbuild.cdx.json"))
        assert archive.read("pkg-1.0.dist-info/sboms/auditwheel.cdx.json") == AUDITWHEEL_SBOM  # kept beside it
        record = archive.read("pkg-1.0.dist-info/RECORD").decode()
    assert "pkg-1.0.dist-info/sboms/crossbuild.cdx.json,sha256=" in record
    [ext_file] = [c for c in document["components"] if c["type"] == "file"]
    assert ext_file["hashes"][0]["content"] == hashlib.sha256(ext).hexdigest()
    assert any(c.get("purl", "").startswith("pkg:deb/debian/libdemo1@1.0-1") for c in document["components"])


def test_the_cache_key_follows_the_roots_dpkg_database(host: Host) -> None:
    """A wheel's SBOM names the packages of the root's libraries: a wheel built before the
    root's packages changed is not the one built after."""
    context = make_context(host, BuildOptions())
    before = built_wheel_key(context), sbom_inputs(host.sysroot)
    write_dpkg_database(host.sysroot, {("zlib1g", "1:1.2.13", "arm64"): ["/lib/libz.so.1"]})
    after = built_wheel_key(context), sbom_inputs(host.sysroot)
    assert before[0] != after[0] and before[1] != after[1]
    assert (built_wheel_key(context), sbom_inputs(host.sysroot)) == after


def _dist_info(site: Path, name: str, version: str) -> None:
    dist_info = site / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist_info / "RECORD").write_text(f"{name}/__init__.py,,\n{dist_info.name}/RECORD,,\n")


def test_the_facts_of_a_build(host: Host, tmp_path: Path) -> None:
    site = tmp_path / "env/lib/python3.11/site-packages"
    _dist_info(site, "setuptools", "75.1.0")
    _dist_info(site, "wheel", "0.44.0")
    env = IsolatedEnv(tmp_path / "env", tmp_path / "env/bin/python", tmp_path / "env/bin", site)
    tree = tmp_path / "src"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[build-system]\nbuild-backend = "setuptools.build_meta"\n')
    sdist = tmp_path / "pkg-1.0.tar.gz"
    sdist.write_bytes(b"an sdist")
    facts = build_facts(SourceTree(tree, "pkg", unpacked=True), env, host, sdist)
    assert (facts.backend, facts.backend_version) == ("setuptools.build_meta", "75.1.0")
    assert facts.requirements == (("setuptools", "75.1.0"), ("wheel", "0.44.0"))
    assert (facts.sdist_sha256, facts.sdist_name) == (hashlib.sha256(b"an sdist").hexdigest(), sdist.name)
    assert facts.vcs_revision is None  # an unpacked sdist
    # the C compiler's version as the toolchain found it (the fake gcc says 12.2.0)
    assert facts.compilers[0] == Compiler("c", "aarch64-linux-gnu-gcc", host.toolchain.version, "aarch64-linux-gnu")
    assert host.toolchain.version == "12.2.0"
    assert dict(facts.host) == {
        "machine": "aarch64",
        "libc": "glibc",
        "libc-version": "2.36",
        "python": "3.11.2",
        "tag": "cp311-cp311-linux_aarch64",
    }


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_checkout_gives_its_commit(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "setup.py").write_text("")
    subprocess.run([*git, "add", "setup.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    assert _git_revision(tmp_path) == head
    assert _git_revision(tmp_path / "nothing") is None
