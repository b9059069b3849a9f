"""SPDX 2.3 JSON documents of a root's Python layer, made with ``spdx-tools``.

Each distribution and each root library is a package (with its ``purl``), linked by
``DEPENDS_ON``; the layer ``CONTAINS`` the distributions, and each distribution the files
of its RECORD (with RECORD's sha256, and the SHA-1 SPDX wants, read from the root).
SPDX needs a creation time: the given time stamp, else 1980-01-01 (the
wheels' own ``SOURCE_DATE_EPOCH`` default), so the same root gives the same bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

from ..host.rootfs import RootResolver
from .cdx import pypi_purl
from .linked import RootLibrary
from .model import Layer, LayerDistribution

#: The creation time when none is given: 1980-01-01 00:00 UTC.
_DEFAULT_CREATED = 315532800


def layer_spdx_document(layer: Layer, timestamp: int | None) -> bytes:
    """The SPDX 2.3 JSON document of ``layer``; :class:`ValueError` if spdx-tools finds it invalid."""
    from spdx_tools.spdx.model import Package, Relationship, RelationshipType, SpdxNoAssertion

    created = datetime.datetime.fromtimestamp(
        timestamp if timestamp is not None else _DEFAULT_CREATED, datetime.timezone.utc
    ).replace(tzinfo=None)
    packages: list[Package] = []
    files: list[Any] = []
    relationships: list[Relationship] = []
    root_id = _spdx_id("Root", layer.name)
    packages.append(
        Package(
            spdx_id=root_id,
            name=layer.name,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            comment="; ".join(f"{key}={value}" for key, value in sorted(layer.host.items())),
        )
    )
    relationships.append(Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root_id))
    library_ids = {library.soname: _spdx_id("Library", library.path) for library in layer.libraries}
    for library in layer.libraries:
        packages.append(_library_package(library, library_ids[library.soname]))
        for soname in library.needs:
            if soname in library_ids:
                relationships.append(
                    Relationship(library_ids[library.soname], RelationshipType.DEPENDS_ON, library_ids[soname])
                )
    dist_ids = {d.name: _spdx_id("Package", f"{d.name}-{d.version}") for d in layer.distributions}
    for distribution in layer.distributions:
        own = dist_ids[distribution.name]
        contained = _files(distribution, layer.root)
        files.extend(contained)
        packages.append(_distribution_package(distribution, own, contained))
        relationships.append(Relationship(root_id, RelationshipType.CONTAINS, own))
        relationships.extend(Relationship(own, RelationshipType.CONTAINS, file.spdx_id) for file in contained)
        for target in [dist_ids.get(n) for n in distribution.requires] + [
            library_ids.get(s) for s in distribution.links
        ]:
            if target is not None:
                relationships.append(Relationship(own, RelationshipType.DEPENDS_ON, target))
        for package, depended in _embedded_packages(distribution, own):
            packages.append(package)
            kind = RelationshipType.DEPENDS_ON if depended else RelationshipType.BUILD_DEPENDENCY_OF
            relationships.append(
                Relationship(own, kind, package.spdx_id) if depended else Relationship(package.spdx_id, kind, own)
            )
    draft = _write(layer, created, packages, files, relationships, "0" * 32)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, hashlib.sha256(draft).hexdigest()).hex
    return _write(layer, created, packages, files, relationships, namespace)


def _write(
    layer: Layer, created: datetime.datetime, packages: list[Any], files: list[Any], relationships: list[Any], tag: str
) -> bytes:
    from spdx_tools.spdx.model import Actor, ActorType, CreationInfo, Document
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    from .._version import __version__

    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"python layer of {layer.name}",
        document_namespace=f"https://spdx.org/spdxdocs/crossbuild-{_safe(layer.name)}-{tag}",
        creators=[Actor(ActorType.TOOL, f"crossbuild-{__version__}")],
        created=created,
    )
    document = Document(info, packages=packages, files=files, relationships=relationships)
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=True)
    return (json.dumps(json.loads(stream.getvalue()), indent=2, sort_keys=True) + "\n").encode()


def _files(distribution: LayerDistribution, root: Path | None) -> list[Any]:
    """The files of the distribution's RECORD that are in the root, as SPDX files."""
    from spdx_tools.spdx.model import Checksum, ChecksumAlgorithm, File

    if root is None:
        return []
    resolve = RootResolver(root)
    found = []
    for file in distribution.files:
        path = Path(resolve.followed(file.path))
        if not path.is_file():
            continue  # missing: check tells
        checksums = [Checksum(ChecksumAlgorithm.SHA1, hashlib.sha1(path.read_bytes()).hexdigest())]
        checksums += [Checksum(ChecksumAlgorithm.SHA256, file.sha256)] if file.sha256 else []
        found.append(File(name=f".{file.path}", spdx_id=_spdx_id("File", file.path), checksums=checksums))
    return found


def _distribution_package(distribution: LayerDistribution, spdx_id: str, files: list[Any]) -> Any:
    from spdx_tools.spdx.model import Checksum, ChecksumAlgorithm, Package, PackageVerificationCode, SpdxNoAssertion

    origin = distribution.origin
    url = origin.url if origin and origin.url and "://" in origin.url else None
    return Package(
        spdx_id=spdx_id,
        name=distribution.name,
        version=distribution.version,
        download_location=url or SpdxNoAssertion(),
        files_analyzed=bool(files),
        verification_code=PackageVerificationCode(_verification_code(files)) if files else None,
        checksums=[Checksum(ChecksumAlgorithm.SHA256, origin.sha256)] if origin else [],
        source_info=f"crossbuild: {origin.source}" if origin else None,
        external_references=[_purl_ref(pypi_purl(distribution.name, distribution.version))],
    )


def _library_package(library: RootLibrary, spdx_id: str) -> Any:
    from spdx_tools.spdx.model import Checksum, ChecksumAlgorithm, Package, SpdxNoAssertion

    package = library.package
    return Package(
        spdx_id=spdx_id,
        name=package.name if package else library.soname,
        version=package.version if package else None,
        download_location=SpdxNoAssertion(),
        files_analyzed=False,
        checksums=[Checksum(ChecksumAlgorithm.SHA256, library.sha256)],
        comment=f"{library.path} ({library.soname})",
        external_references=[_purl_ref(package.purl)] if package else [],
    )


def _embedded_packages(distribution: LayerDistribution, owner: str) -> list[tuple[Any, bool]]:
    """The components of the distribution's own SBOMs as packages, and whether the
    distribution depends on each (else it is one that built it)."""
    from spdx_tools.spdx.model import Package, SpdxNoAssertion

    found = []
    for file_name, document in distribution.embedded:
        subject = (document.get("metadata", {}).get("component") or {}).get("bom-ref")
        depends = {
            ref
            for entry in document.get("dependencies", [])
            if entry.get("ref") == subject
            for ref in entry.get("dependsOn", [])
        }
        for data in document.get("components", []):
            if data.get("type") == "file" or data.get("bom-ref") == subject or not data.get("name"):
                continue
            reference = f"{owner}/{file_name}/{data.get('bom-ref') or data.get('purl') or data['name']}"
            purl = data.get("purl")
            package = Package(
                spdx_id=_spdx_id("Embedded", reference),
                name=str(data["name"]),
                version=str(data["version"]) if data.get("version") else None,
                download_location=SpdxNoAssertion(),
                files_analyzed=False,
                comment=f"from {distribution.name}'s sboms/{file_name}",
                external_references=[_purl_ref(str(purl))] if purl else [],
            )
            found.append((package, data.get("bom-ref") in depends and data.get("scope") != "excluded"))
    return found


def _verification_code(files: list[Any]) -> str:
    """SPDX's package verification code: the SHA-1 of its files' SHA-1s, sorted and joined."""
    from spdx_tools.spdx.model import ChecksumAlgorithm

    sha1s = sorted(c.value for file in files for c in file.checksums if c.algorithm == ChecksumAlgorithm.SHA1)
    return hashlib.sha1("".join(sha1s).encode()).hexdigest()


def _purl_ref(purl: str) -> Any:
    from spdx_tools.spdx.model import ExternalPackageRef, ExternalPackageRefCategory

    return ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)


def _spdx_id(kind: str, key: str) -> str:
    """``SPDXRef-<kind>-<key made safe>-<digest>``: unique, and the same for the same key."""
    return f"SPDXRef-{kind}-{_safe(key)[-60:]}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "x"
