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
    from ...config import looked_for

    if args.verbose:
        for place in looked_for():
            print(f"# looked for {place}")
        for path in configuration.files:
            print(f"# read {path}")
    for setting in configuration.settings:
        print(f"{setting.key} = {setting.value!r}  # {setting.origin}")
    variables = sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX) and k not in _NOT_OPTIONS)
    for name, value in variables:
        print(f"{name} = {value!r}  # environment")
    if not configuration.settings and not variables:
        print(
            "nothing is configured: no configuration file and no CROSSBUILD_* variable "
            "(see crossbuild config list -v for where files are looked for)"
        )
    return 0
