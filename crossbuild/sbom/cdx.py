"""CycloneDX 1.6 JSON documents, made with ``cyclonedx-python-lib``.

The same facts give the same bytes: no time stamp unless one is given (the build's
``SOURCE_DATE_EPOCH``), keys sorted, and a serial number that is a UUID5 of the
document's own digest rather than a random one.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .linked import RootLibrary
from .model import BuildFacts, Layer, LayerDistribution, WheelDescription

logger = logging.getLogger("crossbuild")

if TYPE_CHECKING:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component

#: The namespace of the serial numbers' UUID5s.
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/crossbuild/sbom")


def pypi_purl(name: str, version: str) -> str:
    from packageurl import PackageURL
    from packaging.utils import canonicalize_name

    return str(PackageURL("pypi", None, canonicalize_name(name), version))


def wheel_document(wheel: WheelDescription, facts: BuildFacts, timestamp: int | None) -> bytes:
    """The PEP 770 SBOM of a cross-built wheel."""
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentScope, ComponentType

    project = Component(
        name=wheel.name,
        version=wheel.version,
        type=ComponentType.LIBRARY,
        purl=_purl(pypi_purl(wheel.name, wheel.version)),
        bom_ref=pypi_purl(wheel.name, wheel.version),
        properties=_properties(_source_properties(facts)),
    )
    if facts.sdist_sha256 and facts.sdist_name:
        project.external_references.add(
            ExternalReference(
                type=ExternalReferenceType.SOURCE_DISTRIBUTION,
                url=XsUri(facts.sdist_name),
                hashes=[_sha256(facts.sdist_sha256)],
            )
        )
    bom = Bom()
    bom.metadata.component = project
    bom.metadata.tools.components.add(
        Component(
            name="crossbuild",
            version=facts.crossbuild_version,
            type=ComponentType.APPLICATION,
            purl=_purl(pypi_purl("crossbuild", facts.crossbuild_version)),
        )
    )
    bom.metadata.properties.update(_properties(_build_properties(facts)))
    for name, version in facts.requirements:
        bom.components.add(
            Component(
                name=name,
                version=version,
                type=ComponentType.LIBRARY,
                scope=ComponentScope.EXCLUDED,  # it built the wheel; it is not in it
                purl=_purl(pypi_purl(name, version)),
                bom_ref=f"build:{pypi_purl(name, version)}",
                properties=_properties({"crossbuild:role": "build-requirement"}),
            )
        )
    for compiler in facts.compilers:
        bom.components.add(
            Component(
                name=compiler.program,
                version=compiler.version,
                type=ComponentType.APPLICATION,
                scope=ComponentScope.EXCLUDED,
                bom_ref=f"compiler:{compiler.language}",
                properties=_properties(
                    {
                        "crossbuild:role": "compiler",
                        "crossbuild:language": compiler.language,
                        "crossbuild:target": compiler.target,
                    }
                ),
            )
        )
    libraries = {
        library.soname: _library(library, library.soname in wheel.grafted) for library in wheel.linked.libraries
    }
    bom.components.update(libraries.values())
    files = []
    for member, digest in sorted(wheel.files.items()):
        file = Component(name=member, type=ComponentType.FILE, bom_ref=f"file:{member}", hashes=[_sha256(digest)])
        files.append(file)
        bom.components.add(file)
        bom.register_dependency(file, [libraries[s] for s in wheel.linked.direct.get(member, ()) if s in libraries])
    bom.register_dependency(project, files)
    _library_dependencies(bom, wheel.linked.libraries, libraries)
    return render(bom, timestamp)


def layer_document(layer: Layer, timestamp: int | None) -> bytes:
    """The SBOM of a root's Python layer."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    bom = Bom()
    bom.metadata.component = Component(
        name=layer.name,
        type=ComponentType.FIRMWARE,
        bom_ref=f"root:{layer.name}",
        properties=_properties({**{f"crossbuild:host:{k}": v for k, v in layer.host.items()}, **layer.properties}),
    )
    bom.metadata.tools.components.add(_crossbuild_tool())
    libraries = {library.soname: _library(library, False) for library in layer.libraries}
    bom.components.update(libraries.values())
    distributions = {d.name: _distribution(d) for d in layer.distributions}
    bom.components.update(distributions.values())
    for distribution in layer.distributions:
        component = distributions[distribution.name]
        needs = [distributions[n] for n in distribution.requires if n in distributions]
        needs += [libraries[s] for s in distribution.links if s in libraries]
        needs += _merge_embedded(bom, distribution, component, libraries)
        bom.register_dependency(component, needs)
    bom.register_dependency(bom.metadata.component, list(distributions.values()))
    _library_dependencies(bom, layer.libraries, libraries)
    return render(bom, timestamp)


def render(bom: Bom, timestamp: int | None) -> bytes:
    """``bom`` as CycloneDX 1.6 JSON, the same bytes for the same content."""
    from cyclonedx.output.json import JsonV1Dot6

    when = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc) if timestamp is not None else None
    bom.metadata.timestamp = when  # type: ignore[assignment]  # None: no time stamp
    bom.serial_number = uuid.UUID(int=0)
    with warnings.catch_warnings():
        # A wheel without binaries (an empty root) has no dependency edges: its graph is
        # complete, and the library's warning that it is not would reach the user.
        warnings.filterwarnings("ignore", message=_NO_EDGES, category=UserWarning)
        draft = _canonical(JsonV1Dot6(bom).output_as_string())
        bom.serial_number = uuid.uuid5(_SERIAL_NAMESPACE, hashlib.sha256(draft).hexdigest())
        return _canonical(JsonV1Dot6(bom).output_as_string())


#: cyclonedx-python-lib's warning for a described component with no dependency edges.
_NO_EDGES = r"The Component this BOM is describing .* has no defined dependencies"


def _canonical(text: str) -> bytes:
    return (json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _crossbuild_tool() -> Component:
    from cyclonedx.model.component import Component, ComponentType

    from .._version import __version__

    return Component(
        name="crossbuild",
        version=__version__,
        type=ComponentType.APPLICATION,
        purl=_purl(pypi_purl("crossbuild", __version__)),
    )


def _distribution(distribution: LayerDistribution) -> Component:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType

    purl = pypi_purl(distribution.name, distribution.version)
    origin = distribution.origin
    properties = {"crossbuild:source": origin.source} if origin else {"crossbuild:source": "unknown"}
    if origin and origin.source_sha256:
        properties["crossbuild:source-sha256"] = origin.source_sha256
    component = Component(
        name=distribution.name,
        version=distribution.version,
        type=ComponentType.LIBRARY,
        purl=_purl(purl),
        bom_ref=purl,
        hashes=[_sha256(origin.sha256)] if origin else None,
        properties=_properties(properties),
    )
    if origin and origin.url and "://" in origin.url:
        kind = (
            ExternalReferenceType.DISTRIBUTION
            if origin.source == "wheel"
            else ExternalReferenceType.SOURCE_DISTRIBUTION
        )
        hashes = [_sha256(origin.sha256 if origin.source == "wheel" else origin.source_sha256 or origin.sha256)]
        component.external_references.add(ExternalReference(type=kind, url=XsUri(origin.url), hashes=hashes))
    for file in distribution.files:
        component.components.add(
            Component(
                name=file.path,
                type=ComponentType.FILE,
                bom_ref=f"file:{file.path}",
                hashes=[_sha256(file.sha256)] if file.sha256 else None,
            )
        )
    return component


def _merge_embedded(
    bom: Bom, distribution: LayerDistribution, component: Component, libraries: Mapping[str, Component]
) -> list[Component]:
    """The components of the distribution's own SBOMs, added to ``bom`` under references of
    their own (``NAME@VERSION/sboms/FILE#REF``); those the document's subject depends on are returned."""
    from cyclonedx.model.component import Component as ComponentClass

    known = {str(c.purl) for c in libraries.values() if c.purl is not None}
    needed: list[Component] = []
    for file_name, document in distribution.embedded:
        subject = str((document.get("metadata", {}).get("component") or {}).get("bom-ref", ""))
        depends = {
            str(ref)
            for entry in document.get("dependencies", [])
            if entry.get("ref") == subject
            for ref in entry.get("dependsOn", [])
        }
        for data in document.get("components", []):
            if data.get("type") == "file" or data.get("bom-ref") == subject:
                continue  # the files are the distribution's, listed from RECORD
            if data.get("purl") in known and data.get("scope") != "excluded":
                continue  # the root's library, already described
            try:
                own = ComponentClass.from_json(data)  # type: ignore[attr-defined]  # added by its serializer
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                logger.warning("%s: sboms/%s: a component cannot be read (%s)", distribution.name, file_name, error)
                continue
            if own is None:
                continue
            original = str(data.get("bom-ref") or data.get("purl") or data.get("name"))
            own.bom_ref.value = f"{component.bom_ref.value}/sboms/{file_name}#{original}"
            own.properties.add(_property("crossbuild:from-sbom", f"{distribution.name}/sboms/{file_name}"))
            own.components.clear()
            bom.components.add(own)
            if original in depends:
                needed.append(own)
    return needed


def _library(library: RootLibrary, grafted: bool) -> Component:
    from cyclonedx.model.component import Component, ComponentType

    package = library.package
    properties = {"crossbuild:path": library.path, "crossbuild:soname": library.soname}
    if grafted:
        properties["crossbuild:grafted"] = "true"  # repair copied it into the wheel
    return Component(
        name=package.name if package else library.soname,
        version=package.version if package else None,
        type=ComponentType.LIBRARY,
        purl=_purl(package.purl) if package else None,
        bom_ref=library.ref,
        hashes=[_sha256(library.sha256)],
        properties=_properties(properties),
    )


def _library_dependencies(bom: Bom, found: Iterable[RootLibrary], components: Mapping[str, Component]) -> None:
    for library in found:
        bom.register_dependency(components[library.soname], [components[s] for s in library.needs if s in components])


def _source_properties(facts: BuildFacts) -> dict[str, str]:
    found = {}
    if facts.sdist_sha256:
        found["crossbuild:sdist-sha256"] = facts.sdist_sha256
    if facts.vcs_revision:
        found["crossbuild:vcs-revision"] = facts.vcs_revision
    return found


def _build_properties(facts: BuildFacts) -> dict[str, str]:
    found = {"crossbuild:build-backend": facts.backend, "crossbuild:root-digest": facts.root_digest}
    if facts.backend_version:
        found["crossbuild:build-backend-version"] = facts.backend_version
    found.update({f"crossbuild:host:{key}": value for key, value in facts.host.items()})
    return found


def _properties(values: Mapping[str, str]) -> list[Property]:
    return [_property(name, value) for name, value in sorted(values.items())]


def _property(name: str, value: str) -> Property:
    from cyclonedx.model import Property

    return Property(name=name, value=value)


def _sha256(hex_digest: str) -> Any:
    from cyclonedx.model import HashAlgorithm, HashType

    return HashType(alg=HashAlgorithm.SHA_256, content=hex_digest)


def _purl(text: str) -> Any:
    from packageurl import PackageURL

    return PackageURL.from_string(text)
