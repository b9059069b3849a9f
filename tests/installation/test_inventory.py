"""The SBOM of a root's Python layer: every distribution laid, where it came from, its
files, its dependencies on the host, and the components of its own SBOMs; valid CycloneDX
1.6 and SPDX 2.3, read back by their libraries; ``check`` notes an SBOM that no longer
matches."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, make_wheel
from helpers.installing import HOST_SITE, SITE, Install
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from crossbuild import OptionError, check_root, describe_root
from crossbuild.host.host import Host

DELTA_INIT = b"D = 4\n"
#: What auditwheel writes for a library it grafted (its own SBOM, CycloneDX 1.4).
AUDITWHEEL = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "metadata": {"component": {"type": "library", "bom-ref": "pkg:pypi/delta@1.0", "name": "delta", "version": "1.0"}},
    "components": [
        {"type": "library", "bom-ref": "pkg:pypi/delta@1.0", "name": "delta", "version": "1.0"},
        {
            "type": "library",
            "bom-ref": "pkg:rpm/almalinux/libgfortran@8.5.0#abc",
            "name": "libgfortran",
            "version": "8.5.0",
            "purl": "pkg:rpm/almalinux/libgfortran@8.5.0",
        },
    ],
    "dependencies": [{"ref": "pkg:pypi/delta@1.0", "dependsOn": ["pkg:rpm/almalinux/libgfortran@8.5.0#abc"]}],
}
#: What crossbuild writes into a wheel it built: the wheel's files, with their hashes.
CROSSBUILD = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "metadata": {"component": {"type": "library", "bom-ref": "pkg:pypi/delta@1.0", "name": "delta", "version": "1.0"}},
    "components": [
        {"type": "file", "bom-ref": "file:delta/__init__.py", "name": "delta/__init__.py",
         "hashes": [{"alg": "SHA-256", "content": hashlib.sha256(DELTA_INIT).hexdigest()}]},
    ],
}  # fmt: skip


@pytest.fixture
def laid(install: Install, links: Path) -> Path:
    """alpha (needs beta>=2, the aarch64 wheel) and delta (with its own two SBOMs) laid."""
    make_wheel(
        links,
        name="delta",
        tags="py3-none-any",
        purelib=True,
        files={
            "delta/__init__.py": DELTA_INIT,
            "delta-1.0.dist-info/sboms/auditwheel.cdx.json": json.dumps(AUDITWHEEL).encode(),
            "delta-1.0.dist-info/sboms/crossbuild.cdx.json": json.dumps(CROSSBUILD).encode(),
        },
    )
    install(["alpha", "delta"])
    return links


def test_the_cyclonedx_document_of_a_root(root: Path, rootfs_host: Host, laid: Path) -> None:
    document = describe_root(root, host=rootfs_host)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document.decode()) is None
    assert describe_root(root, host=rootfs_host) == document  # the same root, the same bytes
    data = json.loads(document)
    bom = Bom.from_json(data)  # type: ignore[attr-defined]  # read back as a scanner's reader does
    assert bom is not None
    by_purl = {str(c.purl): c for c in bom.components if c.purl is not None}
    alpha = by_purl["pkg:pypi/alpha@1.0"]
    [wheel] = laid.glob("alpha-1.0-*.whl")
    assert [h.content for h in alpha.hashes] == [hashlib.sha256(wheel.read_bytes()).hexdigest()]
    assert {p.name: p.value for p in alpha.properties}["crossbuild:source"] == "wheel"
    files = {c.name: [h.content for h in c.hashes] for c in alpha.components}
    assert files[f"{HOST_SITE}/alpha/__init__.py"] == [hashlib.sha256(b"import beta\n").hexdigest()]
    assert f"{HOST_SITE}/alpha-1.0.dist-info/crossbuild-origin.json" in files
    needs = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}
    assert needs["pkg:pypi/alpha@1.0"] == ["pkg:pypi/beta@2.0"]  # gamma is for x86_64 only
    merged = by_purl["pkg:rpm/almalinux/libgfortran@8.5.0"]  # from delta's own SBOM, not dropped
    assert str(merged.bom_ref.value) in needs["pkg:pypi/delta@1.0"]


def test_the_spdx_document_of_a_root(root: Path, rootfs_host: Host, laid: Path, tmp_path: Path) -> None:
    path = tmp_path / "root.spdx.json"
    path.write_bytes(describe_root(root, host=rootfs_host, sbom_format="spdx"))
    document = parse_file(str(path))
    assert validate_full_spdx_document(document) == []
    packages = {p.name: p for p in document.packages}
    assert {"alpha", "beta", "delta", "libgfortran"} <= set(packages)
    [reference] = packages["beta"].external_references
    assert reference.locator == "pkg:pypi/beta@2.0"
    depends = {(r.spdx_element_id, r.related_spdx_element_id) for r in document.relationships}
    assert (packages["alpha"].spdx_id, packages["beta"].spdx_id) in depends
    contained = {
        r.related_spdx_element_id for r in document.relationships if r.spdx_element_id == packages["alpha"].spdx_id
    }
    files = {f.name: {c.algorithm.name: c.value for c in f.checksums} for f in document.files if f.spdx_id in contained}
    assert files[f".{HOST_SITE}/alpha/__init__.py"] == {
        "SHA1": hashlib.sha1(b"import beta\n").hexdigest(),
        "SHA256": hashlib.sha256(b"import beta\n").hexdigest(),
    }
    assert packages["alpha"].files_analyzed and packages["alpha"].verification_code is not None


def test_the_cli_and_install_sbom(
    rootfs: FakeLayout, links: Path, tmp_path: Path, no_pip_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--host", str(rootfs.python), "--root", str(rootfs.root)]
    installed = tmp_path / "installed.cdx.json"
    code, _, err = run_cli(
        ["install", *base, "--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "c"), "alpha",
         "--sbom", str(installed)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli(["sbom", "--root", str(rootfs.root), "--host", str(rootfs.python)], capsys)
    assert (code, err) == (0, "")
    assert out.encode() == installed.read_bytes()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None


def test_check_notes_an_sbom_that_no_longer_matches(root: Path, rootfs_host: Host, laid: Path) -> None:
    assert check_root(root, host=rootfs_host).ok
    site = root / SITE
    (site / "delta/__init__.py").write_bytes(b"D = 5\n")  # replaced, and RECORD made to agree with it
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"D = 5\n").digest()).decode().rstrip("=")
    record = site / "delta-1.0.dist-info/RECORD"
    record.write_text(
        "".join(
            f"delta/__init__.py,sha256={digest},6\n" if line.startswith("delta/__init__.py,") else line
            for line in record.read_text().splitlines(keepends=True)
        )
    )
    report = check_root(root, host=rootfs_host)
    assert [(p.kind, p.distribution, p.path, p.detail) for p in report.problems] == [
        ("sbom", "delta 1.0", f"{HOST_SITE}/delta/__init__.py", "content differs from the SBOM (sha256)")
    ]


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["sbom", "--root", str(tmp_path / "missing")], capsys)
    assert (code, out) == (1, "")
    assert err == f"error: --root {tmp_path / 'missing'} is not a directory\n"
    with pytest.raises(OptionError, match="SBOM format 'xml' is not one of cyclonedx, spdx"):
        describe_root(tmp_path, sbom_format="xml")


def test_a_component_that_cannot_be_read_is_left_out(
    root: Path, rootfs_host: Host, laid: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sboms = root / SITE / "delta-1.0.dist-info/sboms"
    odd = {**AUDITWHEEL, "components": [{"type": "no-such-type", "name": "odd", "bom-ref": "odd"}]}
    (sboms / "auditwheel.cdx.json").write_text(json.dumps(odd))
    data = json.loads(describe_root(root, host=rootfs_host))
    assert "odd" not in {c["name"] for c in data["components"]}
    assert "delta: sboms/auditwheel.cdx.json: a component cannot be read" in caplog.text
