"""``crossbuild install``: install packages into the host's root, atomically."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..._exceptions import CrossbuildError
from ...config import Configuration
from ...installation.options import LINK_MODES, UPGRADE_STRATEGIES
from ..build_run import BuildRun, build_run
from ..parser import OptionGroups

if TYPE_CHECKING:
    from ...host.host import Host
    from ...installation.result import InstallResult


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], groups: OptionGroups) -> None:
    install = commands.add_parser(
        "install",
        parents=[groups.host, groups.build],
        allow_abbrev=False,
        help="install packages into the host's root, atomically",
    )
    install.add_argument("requirements", nargs="*", metavar="REQUIREMENT", help="a requirement or a local source")
    install.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="install from a requirements file (repeatable)",
    )
    install.add_argument(
        "-c",
        "--constraint",
        action="append",
        default=[],
        metavar="FILE",
        help="constrain versions with a constraints file (repeatable)",
    )
    install.add_argument("--root", metavar="DIR", help="the directory that is / on the host (a rootfs)")
    install.add_argument(
        "--prefix", metavar="DIR", help="the host's prefix: ROOTFS/usr, or a path on the host such as /usr with --root"
    )
    install.add_argument(
        "--scheme", metavar="NAME", help="the host's install scheme (default: Debian's posix_local, else posix_prefix)"
    )
    install.add_argument(
        "--no-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="never take wheels of these projects from an index (:all: for all)",
    )
    install.add_argument(
        "--only-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="never cross-build these projects from sdists (:all: for all)",
    )
    install.add_argument("--prefer-binary", action="store_true", help="prefer older wheels over newer sdists")
    install.add_argument("--compile", action="store_true", help="compile .pyc files for the host")
    install.add_argument("--force-reinstall", action="store_true", help="reinstall projects already installed")
    install.add_argument(
        "-U", "--upgrade", action="store_true", help="upgrade the named projects even if an installed version fits"
    )
    install.add_argument(
        "--upgrade-strategy",
        choices=UPGRADE_STRATEGIES,
        default="only-if-needed",
        help="with -U: upgrade dependencies only when needed (default) or always (eager)",
    )
    install.add_argument("--no-deps", action="store_true", help="install the named projects, not their dependencies")
    install.add_argument("--pre", action="store_true", help="include pre-releases and development versions")
    install.add_argument(
        "--ignore-installed", action="store_true", help="resolve as if nothing were installed, and reinstall"
    )
    install.add_argument(
        "--require-hashes",
        action="store_true",
        help="every requirement pinned with == and with --hash (on whenever any requirement has a hash)",
    )
    install.add_argument(
        "--dry-run", action="store_true", help="resolve and build, print what would change, change nothing"
    )
    install.add_argument(
        "--link-mode",
        choices=LINK_MODES,
        default="copy",
        help="lay files from the cache by copy (default) or by hard link (shared with the cache: see the README)",
    )
    install.add_argument("--report", metavar="FILE", help="write what was installed and why as JSON")
    install.add_argument("--sbom", metavar="FILE", help="write the SBOM of the root's Python layer (CycloneDX JSON)")
    install.add_argument(
        "--check-imports",
        action="store_true",
        help="after installing, import every installed top-level module with the root's python under qemu-user",
    )


def run(args: argparse.Namespace, configuration: Configuration) -> int:
    from ..summary import summary_lines

    with build_run(args, configuration) as build:
        result = _install(args, build)
    for line in summary_lines(result):  # once the progress is gone: what remains on the screen
        print(line)
    if args.report:
        report = args.report
        _write_after_commit(
            "--report", report, lambda: _write_report(report, result), "the summary above is what it would say"
        )
    if args.sbom and not result.dry_run:
        sbom = args.sbom
        _write_after_commit(
            "--sbom",
            sbom,
            lambda: _write_sbom(result.root, build.context.host, sbom),
            f"crossbuild sbom --root {result.root} -o {sbom} writes it again",
        )
    if args.check_imports and not result.dry_run:
        return _check_imports(result)
    return 0


def _install(args: argparse.Namespace, build: BuildRun) -> InstallResult:
    from ...installation._core import install
    from ...installation.options import InstallOptions

    result = install(
        args.requirements,
        host=build.context.host,
        root=args.root,
        prefix=args.prefix,
        options=build.context,
        install_options=InstallOptions(
            no_binary=tuple(_names(args.no_binary)),
            only_binary=tuple(_names(args.only_binary)),
            prefer_binary=args.prefer_binary,
            scheme=args.scheme,
            compile_bytecode=args.compile,
            force_reinstall=args.force_reinstall,
            upgrade=args.upgrade,
            upgrade_strategy=args.upgrade_strategy,
            no_deps=args.no_deps,
            pre=args.pre,
            ignore_installed=args.ignore_installed,
            require_hashes=args.require_hashes,
            dry_run=args.dry_run,
            link_mode=args.link_mode,
        ),
        requirement_files=args.requirement,
        constraint_files=args.constraint,
        reporter=build.reporter,
    )
    return result


def _write_report(path: str, result: InstallResult) -> None:
    """``--report FILE``: written once the install is done, whole or not at all."""
    from ..._files import atomic_file

    with atomic_file(Path(path)) as stream:
        stream.write((json.dumps(result.report(), indent=2) + "\n").encode())


def _write_sbom(root: Path, host: Host, path: str) -> None:
    """``--sbom FILE``: the SBOM of the root's Python layer, as ``crossbuild sbom`` writes it."""
    from .sbom import write_sbom

    write_sbom(root, host, path, "cyclonedx")


def _write_after_commit(flag: str, path: str, write: Callable[[], object], instead: str) -> None:
    """An output written once the install is committed (checked before the run): a disk
    that filled up since is a warning, never a failure of the install that is done."""
    try:
        write()
    except (OSError, CrossbuildError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        print(
            f"warning: the install is committed, but {flag} {path} could not be written ({reason}); {instead}",
            file=sys.stderr,
        )


def _names(values: Sequence[str]) -> list[str]:
    """``--no-binary a,b --no-binary c`` as pip takes them."""
    return [name for value in values for name in value.split(",") if name]


def _check_imports(result: InstallResult) -> int:
    """``--check-imports``: one line per module that does not import; exit 1 if any."""
    from ...installation.imports import check_imports

    report = check_imports(result)
    for failure in report.failures:
        print(f"import failed: {failure}", file=sys.stderr)
    if report.ok:
        print(f"imported {len(report.modules)} modules under qemu")
        return 0
    print(
        f"error: {len(report.failures)} of {len(report.modules)} installed modules do not import on the host "
        "(the install is committed)",
        file=sys.stderr,
    )
    return 1
