"""``crossbuild wheel``: build wheels for the host — of sources (tested under qemu if
asked), or with ``-r`` a wheelhouse."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ..._exceptions import OptionError
from ...config import Configuration
from ..build_run import BuildRun, build_run
from ..parser import OptionGroups


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    wheel = commands.add_parser(
        "wheel", parents=[groups.host, groups.build], allow_abbrev=False, help="build wheels for the host"
    )
    wheel.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="a source tree, an sdist, or a requirement (with -r: more requirements of the wheelhouse)",
    )
    wheel.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="make a wheelhouse, like pip wheel: a wheel for the host of every requirement of FILE and every "
        "dependency, copied from the index or cross-built (repeatable)",
    )
    wheel.add_argument(
        "-c", "--constraint", action="append", default=[], metavar="FILE", help="with -r: constrain versions"
    )
    wheel.add_argument(
        "--no-deps", action="store_true", help="with -r: only the named requirements, not their dependencies"
    )
    wheel.add_argument(
        "--test-command",
        metavar="COMMAND",
        help="run COMMAND with the host python under qemu-user before publishing each wheel, e.g. "
        "'pytest {project}/tests' ({project}: the source, {wheel}: the wheel); its first word is python, a script "
        "of the test requirements, or else a module run as python -m WORD",
    )
    wheel.add_argument(
        "--test-requires",
        action="append",
        default=[],
        metavar="REQUIREMENTS",
        help="requirements installed for the host with the wheel to run --test-command: one, or several in one "
        "quoted string as cibuildwheel takes them ('pytest hypothesis'); repeatable",
    )
    wheel.add_argument(
        "-w", "--wheel-dir", default="dist", metavar="DIR", help="where to put the wheels (default: dist)"
    )
    wheel.add_argument(
        "--repair",
        nargs="?",
        const="on",
        choices=("on", "off"),
        help="make manylinux wheels: graft the libraries they need from the host's root (auditwheel); default: off",
    )
    wheel.add_argument(
        "--plat",
        metavar="TAG",
        help="the manylinux tag to repair to, e.g. manylinux_2_28_aarch64 (implies --repair; default: auto, the "
        "most compatible tag the wheel allows)",
    )


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    with build_run(args, configuration) as build:
        for wheel in _wheels(args, build):
            print(wheel)
    return 0


def _wheels(args: argparse.Namespace, build: BuildRun) -> list[Path]:
    """Each source built (and tested), or with ``-r`` a wheelhouse.  A host profile's test
    command applies unless the command line names one."""
    from ...installation.options import InstallOptions
    from ...installation.wheel_tests import WheelTests, build_tested_wheel
    from ...installation.wheelhouse import build_wheelhouse
    from ...wheel.pipeline import build_wheel

    context, profile, reporter = build.context, build.profile, build.reporter
    host = context.host
    command = args.test_command or (profile.test_command if profile and not args.requirement else None)
    requires = _words(args.test_requires) or list(profile.test_requires if profile else ())
    tests = WheelTests(command, tuple(requires)) if command else None
    if args.requirement:
        if tests is not None:
            raise OptionError("{test_command} tests the wheels of sources, not a wheelhouse made with {requirement}")
        return build_wheelhouse(
            args.sources,
            host=host,
            wheel_dir=args.wheel_dir,
            requirement_files=args.requirement,
            constraint_files=args.constraint,
            options=context,
            install_options=InstallOptions(no_deps=args.no_deps),
            reporter=reporter,
        )
    if not args.sources:
        raise OptionError("nothing to build: name sources, or pass {requirement} requirements.txt for a wheelhouse")
    if args.no_deps or args.constraint:
        raise OptionError("{no_deps} and {constraint} go with {requirement} (a wheelhouse)")
    if tests is None:
        return [build_wheel(source, host, args.wheel_dir, context, reporter=reporter) for source in args.sources]
    return [
        build_tested_wheel(source, host, args.wheel_dir, tests, context, reporter=reporter) for source in args.sources
    ]


def _words(values: Sequence[str]) -> list[str]:
    """``--test-requires pytest hypothesis`` or ``--test-requires "pytest hypothesis"`` (cibuildwheel's)."""
    return [word for value in values for word in value.split()]
