"""Whether a distribution's own SBOMs still describe what is installed.

A wheel's CycloneDX SBOM (``sboms/*.cdx.json``) names its project and version, and
crossbuild's lists the wheel's binaries with their sha256.  Once installed, a binary
replaced in place — even with RECORD rewritten to match — or a ``.dist-info`` copied
onto another version no longer agrees with it.  Read with ``json`` alone: checking a
root never loads the document libraries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name


def sbom_mismatches(dist_info: Path, name: str, version: str, locate: Callable[[str], Path]) -> list[tuple[str, str]]:
    """``(where, what)`` for each disagreement between the SBOMs in ``dist_info`` and the
    distribution ``name`` ``version``; ``locate`` gives the file on this machine of a path
    relative to its site directory (inside the root: links are followed there), and
    ``where`` is such a path."""
    found = []
    for path in sorted((dist_info / "sboms").glob("*.cdx.json")):
        where = f"{dist_info.name}/sboms/{path.name}"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            subject = document.get("metadata", {}).get("component") or {}
            components = list(document.get("components", []))
        except (OSError, ValueError, AttributeError):
            found.append((where, "the SBOM is not a readable CycloneDX JSON document"))
            continue
        described = (canonicalize_name(str(subject.get("name", ""))), str(subject.get("version", "")))
        if subject and described != (canonicalize_name(name), version):
            found.append((where, f"the SBOM describes {described[0]} {described[1]}, not {name} {version}"))
        for component in components:
            problem = _file_problem(component, locate) if isinstance(component, dict) else None
            if problem is not None:
                found.append(problem)
    return found


def _file_problem(component: dict[str, object], locate: Callable[[str], Path]) -> tuple[str, str] | None:
    """A ``file`` component (a wheel member) whose installed file is missing or differs."""
    member = str(component.get("name", ""))
    hashes = component.get("hashes")
    entries = hashes if isinstance(hashes, list) else []
    wanted = [h.get("content") for h in entries if isinstance(h, dict) and h.get("alg") == "SHA-256"]
    parts = PurePosixPath(member).parts
    if component.get("type") != "file" or not wanted or not parts or ".." in parts or parts[0].endswith(".data"):
        return None  # a .data member's place depends on the install scheme
    path = locate(member)
    if not path.is_file():
        return member, "listed in the SBOM, missing"
    if hashlib.sha256(path.read_bytes()).hexdigest() not in wanted:
        return member, "content differs from the SBOM (sha256)"
    return None
