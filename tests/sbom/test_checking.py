"""A distribution's own SBOMs against what is installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crossbuild.sbom.checking import sbom_mismatches


def _sbom(dist_info: Path, name: str, document: object) -> None:
    (dist_info / "sboms").mkdir(parents=True, exist_ok=True)
    (dist_info / "sboms" / name).write_text(json.dumps(document) if not isinstance(document, str) else document)


def _file(member: str, content: bytes) -> dict[str, object]:
    return {
        "type": "file",
        "name": member,
        "hashes": [{"alg": "SHA-256", "content": hashlib.sha256(content).hexdigest()}],
    }


def test_what_an_sbom_no_longer_matches(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist_info = site / "delta-1.0.dist-info"
    (site / "delta").mkdir(parents=True)
    (site / "delta/_fast.so").write_bytes(b"new")
    (site / "delta/same.so").write_bytes(b"same")
    subject = {"type": "library", "name": "Delta", "version": "0.9"}
    components = [
        _file("delta/_fast.so", b"old"),
        _file("delta/same.so", b"same"),
        _file("delta/gone.so", b"gone"),
        _file("delta-1.0.data/scripts/tool", b"elsewhere"),  # its place depends on the scheme: not checked
        _file("../outside", b"x"),
    ]
    _sbom(dist_info, "crossbuild.cdx.json", {"metadata": {"component": subject}, "components": components})
    _sbom(dist_info, "broken.cdx.json", "{not json")
    found = sbom_mismatches(dist_info, "delta", "1.0", lambda member: site / member)
    assert found == [
        ("delta-1.0.dist-info/sboms/broken.cdx.json", "the SBOM is not a readable CycloneDX JSON document"),
        ("delta-1.0.dist-info/sboms/crossbuild.cdx.json", "the SBOM describes delta 0.9, not delta 1.0"),
        ("delta/_fast.so", "content differs from the SBOM (sha256)"),
        ("delta/gone.so", "listed in the SBOM, missing"),
    ]


def test_no_sboms_nothing_to_say(tmp_path: Path) -> None:
    assert sbom_mismatches(tmp_path / "x-1.0.dist-info", "x", "1.0", lambda member: tmp_path / member) == []
