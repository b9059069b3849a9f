"""The ``crossbuild`` commands, one module each: its options (``add_parser``) and what it
does (``run``).  A command imports what it needs in ``run``: ``--help``, ``config`` or an
install of wheels load only what they use."""

from __future__ import annotations

import argparse
from types import ModuleType

from ... import __version__
from ..parser import option_groups
from . import check, config, inspect, install, sbom, wheel

#: Every command by name, in the order ``--help`` lists them.
COMMANDS: dict[str, ModuleType] = {
    "inspect": inspect,
    "wheel": wheel,
    "install": install,
    "check": check,
    "sbom": sbom,
    "config": config,
}


def make_parser(prog: str) -> argparse.ArgumentParser:
    """The parser of the ``crossbuild`` command line, every command's options included."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Cross-compile Python packages for another machine.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"crossbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups = option_groups()
    for command in COMMANDS.values():
        command.add_parser(commands, groups)
    return parser
