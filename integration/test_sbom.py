"""SBOMs for real: a wheel cross-built against the arm64 sysroot, and an image laid from
PyPI and from a local source.

The sysroot has a dpkg database (integration/sysroot.py writes one, as a Debian root has),
so the root's zlib is named as Debian's ``zlib1g`` package.  Both documents are checked
against the official CycloneDX 1.6 schema and read back with cyclonedx-python-lib; the
image's SPDX document with spdx-tools.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, run_crossbuild
from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

SBOM_MEMBER = "zlibext-1.0.dist-info/sboms/crossbuild.cdx.json"
ZLIB1G = "pkg:deb/debian/zlib1g@"


def valid(document: str) -> dict[str, object]:
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    data: dict[str, object] = json.loads(document)
    assert Bom.from_json(data) is not None  # type: ignore[attr-defined]
    return data


def build(source: Path, host_python: Path, dist: Path, cache: Path, *options: str) -> Path:
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist, "--cache-dir", cache, *options)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def test_a_wheel_sbom_names_the_build_and_the_roots_zlib(
    host_python: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    source = project("zlib_ext")
    first = build(source, host_python, tmp_path / "one", tmp_path / "cache")
    second = build(source, host_python, tmp_path / "two", tmp_path / "cache")
    assert first.read_bytes() == second.read_bytes()  # the same build, the same bytes, SBOM and all
    with zipfile.ZipFile(first) as archive:
        data = valid(archive.read(SBOM_MEMBER).decode())
        assert f"{SBOM_MEMBER},sha256=" in archive.read("zlibext-1.0.dist-info/RECORD").decode()
    metadata: dict[str, object] = data["metadata"]  # type: ignore[assignment]
    assert metadata["component"]["purl"] == "pkg:pypi/zlibext@1.0"  # type: ignore[index]
    properties = {p["name"]: p["value"] for p in metadata["properties"]}  # type: ignore[index, union-attr]
    assert properties["crossbuild:build-backend"] == "setuptools.build_meta"
    assert properties["crossbuild:host:machine"] == "aarch64"
    assert properties["crossbuild:host:libc-version"] == "2.36"
    components: list[dict[str, object]] = data["components"]  # type: ignore[assignment]
    [zlib] = [c for c in components if str(c.get("purl", "")).startswith(ZLIB1G)]
    assert str(zlib["purl"]).endswith("?arch=arm64")
    gcc = subprocess.run([f"{ARCH.triplet}-gcc", "-dumpfullversion"], capture_output=True, text=True, check=True)
    [compiler] = [c for c in components if c["bom-ref"] == "compiler:c"]
    assert (compiler["name"], compiler["version"]) == (f"{ARCH.triplet}-gcc", gcc.stdout.strip())
    assert any(str(c.get("purl", "")).startswith("pkg:pypi/setuptools@") for c in components)
    needs = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}  # type: ignore[attr-defined, index]
    [extension] = [ref for ref in needs if ref.startswith("file:zlibext")]
    assert zlib["bom-ref"] in needs[extension]


def test_an_image_sbom_from_pypi_a_local_build_and_the_root(
    host_python: Path, rootfs: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    sbom = tmp_path / "image.cdx.json"
    result = run_crossbuild(
        "install", "numpy==2.2.6", project("zlib_ext"), "--host", rootfs / "usr/bin/python3.11", "--root", rootfs,
        "--sbom", sbom,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = valid(sbom.read_text())
    components: list[dict[str, object]] = data["components"]  # type: ignore[assignment]
    by_purl = {str(c["purl"]): c for c in components if "purl" in c}
    numpy = by_purl["pkg:pypi/numpy@2.2.6"]
    [download] = numpy["externalReferences"]  # type: ignore[misc]
    assert download["type"] == "distribution" and download["url"].startswith("https://")
    assert numpy["hashes"][0]["content"] == download["hashes"][0]["content"]  # type: ignore[index]
    zlibext = by_purl["pkg:pypi/zlibext@1.0"]
    properties = {p["name"]: p["value"] for p in zlibext["properties"]}  # type: ignore[attr-defined]
    assert properties["crossbuild:source"] == "built"
    [zlib] = [
        c for c in components if str(c.get("purl", "")).startswith(ZLIB1G) and "crossbuild:from-sbom" not in str(c)
    ]
    needs = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}  # type: ignore[attr-defined, index]
    assert zlib["bom-ref"] in needs["pkg:pypi/zlibext@1.0"]
    built_with = [c for c in components if "zlibext/sboms/crossbuild.cdx.json" in json.dumps(c.get("properties", []))]
    assert any(str(c.get("purl", "")).startswith("pkg:pypi/setuptools@") for c in built_with)  # merged, not dropped

    again = run_crossbuild("sbom", "--root", rootfs)
    assert again.returncode == 0, again.stderr
    assert again.stdout == sbom.read_text()
    spdx = tmp_path / "image.spdx.json"
    assert run_crossbuild("sbom", "--root", rootfs, "--format", "spdx", "-o", spdx).returncode == 0
    document = parse_file(str(spdx))
    assert validate_full_spdx_document(document) == []
    locators = {r.locator for p in document.packages for r in p.external_references}
    assert {"pkg:pypi/numpy@2.2.6", "pkg:pypi/zlibext@1.0"} <= locators
    assert any(locator.startswith(ZLIB1G) for locator in locators)
    check = run_crossbuild("check", "--root", rootfs)
    assert check.returncode == 0, check.stdout + check.stderr


def test_repair_marks_the_grafted_library(
    sysroot_with: Callable[..., Path], project: Callable[[str], Path], tmp_path: Path
) -> None:
    """libffi is no manylinux library: repair grafts it, and the SBOM says whose it was."""
    ffi_python = sysroot_with("libffi-dev") / "usr/bin/python3.11"
    wheel = build(project("libffi_ext"), ffi_python, tmp_path / "dist", tmp_path / "cache", "--repair")
    with zipfile.ZipFile(wheel) as archive:
        [member] = [n for n in archive.namelist() if n.endswith("/sboms/crossbuild.cdx.json")]
        data = valid(archive.read(member).decode())
        grafted_files = [n for n in archive.namelist() if ".libs/libffi-" in n]
    assert grafted_files
    components: list[dict[str, object]] = data["components"]  # type: ignore[assignment]
    [libffi] = [c for c in components if str(c.get("purl", "")).startswith("pkg:deb/debian/libffi8@")]
    assert {"name": "crossbuild:grafted", "value": "true"} in libffi["properties"]  # type: ignore[operator]
