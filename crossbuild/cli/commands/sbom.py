"""``crossbuild sbom``: describe a root's Python layer — its packages, their files and the
libraries they load — as a CycloneDX 1.6 or SPDX 2.3 document."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ...config import Configuration
from ...sbom import SBOM_FORMATS
from ..parser import OptionGroups

if TYPE_CHECKING:
    from ...config import HostProfile
    from ...host.host import Host


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    sbom = commands.add_parser(
        "sbom",
        parents=[groups.installed_root],
        allow_abbrev=False,
        help="describe a root's Python layer: an SBOM of its packages, their files and the libraries they load",
    )
    sbom.add_argument("-o", "--output", metavar="FILE", help="write it to FILE (default: standard output)")
    sbom.add_argument(
        "--format", dest="sbom_format", choices=SBOM_FORMATS, default="cyclonedx", help="CycloneDX 1.6 or SPDX 2.3 JSON"
    )


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    from ..host_lookup import host_spec

    host = host_spec(args, configuration) if args.host is not None else None  # None: the root's only python
    write_sbom(args.root, host, args.output, args.sbom_format)
    return 0


def write_sbom(
    root: str | os.PathLike[str],
    host: Host | HostProfile | str | os.PathLike[str] | None,
    output: str | None,
    sbom_format: str,
) -> None:
    """The root's SBOM to ``output`` (or standard output), dated by ``SOURCE_DATE_EPOCH``
    when it is set; ``install --sbom`` writes it the same way."""
    from ..._files import atomic_file
    from ...installation.inventory import describe_root
    from ...wheel.options import source_date_epoch_from_environ

    timestamp = source_date_epoch_from_environ() if os.environ.get("SOURCE_DATE_EPOCH", "").strip() else None
    document = describe_root(root, host=host, sbom_format=sbom_format, timestamp=timestamp)
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    with atomic_file(Path(output)) as stream:
        stream.write(document)
