"""``crossbuild check``: verify a root's installed packages."""

from __future__ import annotations

import argparse
import json
import sys

from ...config import Configuration
from ..parser import OptionGroups


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    check = commands.add_parser(
        "check",
        parents=[groups.installed_root],
        allow_abbrev=False,
        help="verify a root's installed packages: files, dependencies, modes, machines",
    )
    check.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    """Print the problems (one a line) or a summary; exit 1 when there are problems."""
    from ...installation.check import check_root
    from ..host_lookup import host_spec

    host = host_spec(args, configuration) if args.host is not None else None  # None: the root's only python
    report = check_root(args.root, host=host)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for problem in report.problems:
            print(problem)
    print(report.summary(), file=sys.stderr if report.problems or args.json else sys.stdout)
    return 0 if report.ok else 1
