"""The CycloneDX document of a wheel: valid against the official 1.6 schema, read back by
cyclonedx-python-lib, the same bytes for the same facts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from helpers.dpkg import write_dpkg_database
from helpers.nativebuild import MULTIARCH, demo_builds, needs_gcc, root_with

from crossbuild.host.elf import read_linkage
from crossbuild.host.libraries import HostLibraries
from crossbuild.sbom.cdx import wheel_document
from crossbuild.sbom.linked import Linked, linked_root_libraries
from crossbuild.sbom.model import BuildFacts, Compiler, WheelDescription

pytestmark = needs_gcc

LIBDEMO = ("libdemo1", "1.0-1", "amd64")
FACTS = BuildFacts(
    crossbuild_version="1.0",
    backend="setuptools.build_meta",
    backend_version="75.1.0",
    requirements=(("setuptools", "75.1.0"), ("wheel", "0.44.0")),
    compilers=(Compiler("c", "aarch64-linux-gnu-gcc", "12.2.0", "aarch64-linux-gnu"),),
    host={"machine": "aarch64", "libc": "glibc", "libc-version": "2.36", "python": "3.11.2"},
    root_digest="0" * 64,
    sdist_sha256="1" * 64,
    sdist_name="pkg-1.0.tar.gz",
)


@pytest.fixture
def libraries(tmp_path: Path) -> tuple[HostLibraries, Path]:
    """A root with this machine's libc and libdemo (of the package libdemo1), and an extension needing it."""
    builds = demo_builds(tmp_path / "builds")
    libraries = root_with(tmp_path, builds["new"])
    write_dpkg_database(libraries.root, {LIBDEMO: [f"/usr/lib/{MULTIARCH}/libdemo.so.1"]})
    return libraries, builds["ext"]


def describe(libraries: HostLibraries, ext: Path, version: str = "1.0") -> WheelDescription:
    linked = linked_root_libraries({"pkg/_ext.so": read_linkage(ext)}, libraries)
    return WheelDescription("pkg", version, {"pkg/_ext.so": "2" * 64}, linked)


def test_a_wheel_sbom_is_valid_and_names_the_roots_package(libraries: tuple[HostLibraries, Path]) -> None:
    root_libraries, ext = libraries
    document = wheel_document(describe(root_libraries, ext), FACTS, None)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document.decode()) is None
    data = json.loads(document)
    assert "timestamp" not in data["metadata"]
    bom = Bom.from_json(data)  # type: ignore[attr-defined]
    assert bom is not None
    assert str(bom.metadata.component.purl) == "pkg:pypi/pkg@1.0"
    purls = {str(c.purl) for c in bom.components if c.purl is not None}
    assert "pkg:deb/debian/libdemo1@1.0-1?arch=amd64" in purls
    assert {"pkg:pypi/setuptools@75.1.0", "pkg:pypi/wheel@0.44.0"} <= purls
    needs = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}
    assert needs["file:pkg/_ext.so"] == [f"pkg:deb/debian/libdemo1@1.0-1?arch=amd64#/usr/lib/{MULTIARCH}/libdemo.so.1"]
    properties = {p["name"]: p["value"] for p in data["metadata"]["properties"]}
    assert properties["crossbuild:host:machine"] == "aarch64"
    assert properties["crossbuild:build-backend-version"] == "75.1.0"


def test_a_wheel_without_binaries_has_a_complete_graph_and_no_warning() -> None:
    """A pure wheel's SBOM describes no files and no libraries: valid, and no warning that its
    dependency graph is incomplete (the suite turns warnings into errors)."""
    empty = WheelDescription("pkg", "1.0", {}, Linked(direct={}, libraries=()))
    document = wheel_document(empty, FACTS, None)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document.decode()) is None
    assert {d["ref"]: d.get("dependsOn", []) for d in json.loads(document)["dependencies"]}["pkg:pypi/pkg@1.0"] == []


def test_the_same_facts_give_the_same_bytes(libraries: tuple[HostLibraries, Path]) -> None:
    root_libraries, ext = libraries
    first = wheel_document(describe(root_libraries, ext), FACTS, None)
    assert wheel_document(describe(root_libraries, ext), FACTS, None) == first
    other = wheel_document(describe(root_libraries, ext, "1.1"), FACTS, None)
    serials = {json.loads(d)["serialNumber"] for d in (first, other)}
    assert len(serials) == 2 and "urn:uuid:00000000-0000-0000-0000-000000000000" not in serials
    dated = json.loads(wheel_document(describe(root_libraries, ext), FACTS, 1700000000))
    assert dated["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")


def test_without_a_dpkg_database_a_library_is_named_by_its_hash(libraries: tuple[HostLibraries, Path]) -> None:
    root_libraries, ext = libraries
    (root_libraries.root / "var/lib/dpkg/status").unlink()
    data = json.loads(wheel_document(describe(root_libraries, ext), FACTS, None))
    [library] = [c for c in data["components"] if c["name"] == "libdemo.so.1"]
    library_file = root_libraries.root / "usr/lib" / MULTIARCH / "libdemo.so.1"
    assert "purl" not in library
    assert library["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(library_file.read_bytes()).hexdigest()}]
    assert library["bom-ref"] == f"file:/usr/lib/{MULTIARCH}/libdemo.so.1"
