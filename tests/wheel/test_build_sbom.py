"""A built wheel carries its SBOM: in RECORD, beside auditwheel's, the same bytes twice."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from helpers.dpkg import write_dpkg_database
from helpers.fakehost import make_wheel
from helpers.nativebuild import MULTIARCH, demo_builds, needs_gcc, root_with

from crossbuild.sbom.inputs import sbom_inputs
from crossbuild.sbom.model import BuildFacts
from crossbuild.wheel.build_sbom import with_sbom
from crossbuild.wheel.options import DEFAULT_SOURCE_DATE_EPOCH
from crossbuild.wheel.verify import verify_wheel

FACTS = BuildFacts("1.0", "setuptools.build_meta", "75.1.0", (("setuptools", "75.1.0"),), (), {}, "0" * 64)
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
        wheels.append(with_sbom(Path(wheel), made, FACTS, libraries, DEFAULT_SOURCE_DATE_EPOCH))
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


def test_the_cache_key_follows_the_roots_dpkg_database(tmp_path: Path) -> None:
    before = sbom_inputs(tmp_path)
    write_dpkg_database(tmp_path, {("zlib1g", "1:1.2.13", "arm64"): ["/lib/libz.so.1"]})
    after = sbom_inputs(tmp_path)
    assert before != after
    assert sbom_inputs(tmp_path) == after
