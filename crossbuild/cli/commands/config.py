"""``crossbuild config list``: the configuration in force, and where each value comes from."""

from __future__ import annotations

import argparse
import os

from ...config import Configuration
from ..defaults import PREFIX
from ..parser import OptionGroups

#: CROSSBUILD_* variables that are not option defaults.
_NOT_OPTIONS = {"CROSSBUILD_HOST_CONFIG", "CROSSBUILD_CONFIG_FILE", "CROSSBUILD_TEST_CACHE", "CROSSBUILD_FAULT"}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    config = commands.add_parser(
        "config",
        parents=[groups.output],
        allow_abbrev=False,
        help="show the configuration: host profiles and option defaults, and where from (-v: the files read)",
    )
    config.add_argument("action", choices=["list"], help="list every setting in force with its origin")


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    """Every setting in force, lowest precedence first, and the CROSSBUILD_* variables."""
    if args.verbose:
        for path in configuration.files:
            print(f"# read {path}")
    for setting in configuration.settings:
        print(f"{setting.key} = {setting.value!r}  # {setting.origin}")
    for name, value in sorted(os.environ.items()):
        if name.startswith(PREFIX) and name not in _NOT_OPTIONS:
            print(f"{name} = {value!r}  # environment")
    return 0
