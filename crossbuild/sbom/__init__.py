"""Software bills of materials: what a cross-built wheel and a root's Python layer hold.

A shared room: :mod:`crossbuild.wheel` writes each built wheel's PEP 770 SBOM with it,
:mod:`crossbuild.installation` describes the Python layer of a root.  It reads the host
(:mod:`crossbuild.host`) and never what imports it.  The document libraries
(``cyclonedx-python-lib``, ``spdx-tools``) are imported only when a document is made:
an install of wheels never loads them.
"""

#: The formats of a root's SBOM: CycloneDX 1.6 JSON, SPDX 2.3 JSON.
SBOM_FORMATS = ("cyclonedx", "spdx")
