"""``crossbuild inspect``: show what crossbuild sees of the host."""

from __future__ import annotations

import argparse
import json

from ...config import Configuration
from ..parser import OptionGroups


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    inspect = commands.add_parser(
        "inspect", parents=[groups.host], allow_abbrev=False, help="show what crossbuild sees of the host"
    )
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--cache-dir", metavar="DIR", help="where a view of the root goes, if it needs one")


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    from ...wheel.options import DEFAULT_SOURCE_DATE_EPOCH, BuildOptions
    from ..host_lookup import context_of, host_spec

    options = BuildOptions(cache_dir=args.cache_dir, source_date_epoch=DEFAULT_SOURCE_DATE_EPOCH)  # builds nothing
    summary = context_of(args, host_spec(args, configuration), options, building=False).host.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    for key, value in summary.items():
        shown = json.dumps(value) if isinstance(value, (dict, list)) or not value else value
        print(f"{key:15} {shown}")
    return 0
