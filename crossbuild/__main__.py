"""The ``crossbuild`` command: a thin layer over the library that prints and exits."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._cli_defaults import PREFIX, apply_defaults, flag_names
from ._cli_host import host_of
from ._cli_logging import setup_logging
from ._exceptions import BackendError, CommandError, CrossbuildError, OptionError, PureFallbackError
from ._progress import progress_reporter
from ._reporter import Reporter
from ._signals import Terminated, signals_raise
from ._summary import summary_lines
from .config import Configuration, load_configuration
from .host import Host
from .install import InstallResult, check_root, install
from .install.imports import check_imports
from .install.options import UPGRADE_STRATEGIES, InstallOptions
from .install.testing import WheelTests, build_tested_wheel
from .install.wheelhouse import build_wheelhouse
from .wheel import IndexSettings, build_wheel
from .wheel.options import BuildOptions, parse_config_settings

HOST_HELP = (
    "the host's python inside its sysroot or rootfs (e.g. ROOTFS/usr/bin/python3.11), or the name of a host "
    "profile of the configuration (crossbuild config list)"
)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Cross-compile Python packages for another machine.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"crossbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    output_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    output_options.add_argument(
        "-v", "--verbose", action="count", default=0, help="show commands and backend output (-vv: and the index's)"
    )
    output_options.add_argument("-q", "--quiet", action="count", default=0, help="show only warnings and errors")
    output_options.add_argument("--log", metavar="FILE", help="append a verbose log to FILE")

    host_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False, parents=[output_options])
    host_options.add_argument("--host", metavar="PYTHON", help=HOST_HELP)
    host_options.add_argument("--sysroot", metavar="DIR", help="the host's root directory (default: from --host)")
    host_options.add_argument("--cc", metavar="COMMAND", help="the host's C compiler (default: found from the host)")
    host_options.add_argument("--cxx", metavar="COMMAND", help="the host's C++ compiler")

    inspect = commands.add_parser(
        "inspect", parents=[host_options], allow_abbrev=False, help="show what crossbuild sees of the host"
    )
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--cache-dir", metavar="DIR", help="where a view of the root goes, if it needs one")

    build_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    build_options.add_argument(
        "-C",
        "--config-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the build backend (repeatable)",
    )
    build_options.add_argument(
        "--build-python",
        metavar="PYTHON",
        help="the native python that runs the backend (default: this one, or a native pythonX.Y of the host's X.Y "
        "found on PATH, in pyenv or uv)",
    )
    build_options.add_argument(
        "--allow-pure-fallback", action="store_true", help="accept a pure-Python wheel even when a compiler call failed"
    )
    build_options.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="how much runs at once: sdists cross-built in parallel by install, extensions compiled in parallel "
        "by setuptools (default: the number of cores; 1: one at a time)",
    )
    build_options.add_argument(
        "--strip", action="store_true", help="strip debug information and static symbols from built wheels' ELF files"
    )
    build_options.add_argument("-i", "--index-url", metavar="URL", help="the package index (default: pip's)")
    build_options.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    build_options.add_argument("-f", "--find-links", action="append", default=[], metavar="DIR_OR_URL")
    build_options.add_argument("--no-index", action="store_true", help="ignore package indexes")
    build_options.add_argument(
        "--cache-dir", metavar="DIR", help="where to keep build environments, downloads and built wheels"
    )
    build_options.add_argument(
        "--no-cache-dir",
        "--no-cache",
        action="store_true",
        help="use no cache: everything is made anew in a temporary directory, removed at the end",
    )
    build_options.add_argument(
        "--compiler-launcher",
        metavar="PROGRAM",
        help="run every compile through PROGRAM: ccache, sccache, distcc (a build farm), or none (default: ccache "
        "if it is on PATH)",
    )
    build_options.add_argument(
        "--rust-toolchain",
        metavar="DIR",
        help="the Rust toolchain with bin/cargo and bin/rustc that builds for the host, e.g. /usr for Debian's "
        "(default: cargo on PATH)",
    )
    build_options.add_argument(
        "--vendored-crates",
        metavar="DIR",
        help="take every crate from DIR, offline: cargo vendor's output, or /usr/share/cargo/registry (Debian)",
    )

    wheel = commands.add_parser(
        "wheel", parents=[host_options, build_options], allow_abbrev=False, help="build wheels for the host"
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
        action="extend",
        nargs="+",
        default=[],
        metavar="REQUIREMENT",
        help="requirements installed for the host with the wheel to run --test-command (e.g. pytest)",
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

    install = commands.add_parser(
        "install",
        parents=[host_options, build_options],
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
    install.add_argument("--report", metavar="FILE", help="write what was installed and why as JSON")
    install.add_argument(
        "--check-imports",
        action="store_true",
        help="after installing, import every installed top-level module with the root's python under qemu-user",
    )

    check = commands.add_parser(
        "check",
        parents=[output_options],
        allow_abbrev=False,
        help="verify a root's installed packages: files, dependencies, modes, machines",
    )
    check.add_argument("--root", required=True, metavar="DIR", help="the directory that is / on the host (a rootfs)")
    check.add_argument("--host", metavar="PYTHON", help=HOST_HELP + " (default: the root's only python3.X)")
    check.add_argument("--json", action="store_true", help="print JSON")

    config = commands.add_parser(
        "config",
        parents=[output_options],
        allow_abbrev=False,
        help="show the configuration: host profiles and option defaults, and where from (-v: the files read)",
    )
    config.add_argument("action", choices=["list"], help="list every setting in force with its origin")
    return parser


def _run(args: argparse.Namespace, configuration: Configuration) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "config":
        return _config(configuration, args.verbose)
    host, profile = host_of(args, configuration)
    if args.command == "inspect":
        summary = host.summary()
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            for key, value in summary.items():
                shown = json.dumps(value) if isinstance(value, (dict, list)) or not value else value
                print(f"{key:15} {shown}")
        return 0
    with contextlib.ExitStack() as scope:
        cache_dir = args.cache_dir
        if args.no_cache_dir:  # pip's --no-cache-dir: every cache, for this run only
            cache_dir = scope.enter_context(tempfile.TemporaryDirectory(prefix="crossbuild-nocache-"))
        options = BuildOptions(
            config_settings={
                **(profile.config_settings if profile else {}),
                **parse_config_settings(args.config_setting),
            },
            build_python=args.build_python or (profile.build_python if profile else None),
            index=_index_settings(args),
            cache_dir=cache_dir,
            allow_pure_fallback=args.allow_pure_fallback,
            rust_toolchain=args.rust_toolchain,
            vendored_crates=args.vendored_crates,
            compiler_launcher=args.compiler_launcher,
            strip=args.strip,
            jobs=args.jobs,
            repair=_repair_wanted(args),
            plat=args.plat if _repair_wanted(args) else None,
        ).for_host(host)
        quiet = bool(args.verbose or args.quiet)  # no live progress when asked for all, or for little
        with progress_reporter(sys.stderr, sys.stdout, verbose=quiet, environ=os.environ) as reporter:
            if args.command == "wheel":
                for wheel in _wheels(args, host, options, reporter):
                    print(wheel)
                return 0
            result = _install(args, host, options, reporter)
    for line in summary_lines(result):  # once the progress is gone: what remains on the screen
        print(line)
    if args.check_imports and not result.dry_run:
        return _check_imports(result)
    return 0


def _wheels(args: argparse.Namespace, host: Host, options: BuildOptions, reporter: Reporter | None) -> list[Path]:
    """``wheel``: each source built (and tested), or with ``-r`` a wheelhouse."""
    tests = WheelTests(args.test_command, tuple(_words(args.test_requires))) if args.test_command else None
    if args.requirement:
        if tests is not None:
            raise OptionError("{test_command} tests the wheels of sources, not a wheelhouse made with {requirement}")
        return build_wheelhouse(
            args.sources,
            host=host,
            wheel_dir=args.wheel_dir,
            requirement_files=args.requirement,
            constraint_files=args.constraint,
            options=options,
            install_options=InstallOptions(no_deps=args.no_deps),
            reporter=reporter,
        )
    if not args.sources:
        raise OptionError("nothing to build: name sources, or pass {requirement} requirements.txt for a wheelhouse")
    if args.no_deps or args.constraint:
        raise OptionError("{no_deps} and {constraint} go with {requirement} (a wheelhouse)")
    if tests is None:
        return [build_wheel(source, host, args.wheel_dir, options, reporter=reporter) for source in args.sources]
    return [
        build_tested_wheel(source, host, args.wheel_dir, tests, options, reporter=reporter) for source in args.sources
    ]


def _words(values: Sequence[str]) -> list[str]:
    """``--test-requires pytest hypothesis`` or ``--test-requires "pytest hypothesis"`` (cibuildwheel's)."""
    return [word for value in values for word in value.split()]


def _check_imports(result: InstallResult) -> int:
    """``--check-imports``: one line per module that does not import; exit 1 if any."""
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


def _repair_wanted(args: argparse.Namespace) -> bool:
    """``--repair``, or ``--plat TAG`` alone, repairs; ``--repair=off`` does not, whatever ``--plat`` says."""
    if args.command != "wheel":
        return False
    if args.repair not in (None, "on", "off"):  # from a file or a variable
        raise OptionError("{repair} takes on or off, not {value!r}", value=args.repair)
    return args.repair == "on" or (args.repair is None and args.plat is not None)


def _check(args: argparse.Namespace) -> int:
    """Print the problems (one a line) or a summary; exit 1 when there are problems."""
    report = check_root(args.root, host=args.host)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for problem in report.problems:
            print(problem)
    print(report.summary(), file=sys.stderr if report.problems or args.json else sys.stdout)
    return 0 if report.ok else 1


def _config(configuration: Configuration, verbose: bool) -> int:
    """Every setting in force, lowest precedence first, and the CROSSBUILD_* variables."""
    if verbose:
        for path in configuration.files:
            print(f"# read {path}")
    for setting in configuration.settings:
        print(f"{setting.key} = {setting.value!r}  # {setting.origin}")
    for name, value in sorted(os.environ.items()):
        if name.startswith(PREFIX) and name not in _NOT_OPTIONS:
            print(f"{name} = {value!r}  # environment")
    return 0


#: CROSSBUILD_* variables that are not option defaults.
_NOT_OPTIONS = {"CROSSBUILD_HOST_CONFIG", "CROSSBUILD_CONFIG_FILE", "CROSSBUILD_TEST_CACHE", "CROSSBUILD_FAULT"}


def _index_settings(args: argparse.Namespace) -> IndexSettings | None:
    if not (args.index_url or args.extra_index_url or args.find_links or args.no_index):
        return None
    return IndexSettings.from_pip_config().with_options(
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url),
        find_links=tuple(args.find_links),
        no_index=args.no_index,
    )


def _names(values: Sequence[str]) -> list[str]:
    """``--no-binary a,b --no-binary c`` as pip takes them."""
    return [name for value in values for name in value.split(",") if name]


def _install(args: argparse.Namespace, host: Host, options: BuildOptions, reporter: Reporter | None) -> InstallResult:
    result = install(
        args.requirements,
        host=host,
        root=args.root,
        prefix=args.prefix,
        options=options,
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
        ),
        requirement_files=args.requirement,
        constraint_files=args.constraint,
        reporter=reporter,
    )
    if args.report:
        with open(args.report, "w", encoding="utf-8") as stream:
            json.dump(result.report(), stream, indent=2)
    return result


def main(argv: Sequence[str] | None = None, prog: str = "crossbuild") -> int:
    parser = _parser(prog)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        configuration = load_configuration()
        apply_defaults(parser, args, argv, configuration)
    except CrossbuildError as error:
        print(f"error: {error.render(flag_names(parser))}", file=sys.stderr)
        return 1
    setup_logging(args.verbose, args.quiet, args.log)
    try:
        with signals_raise():  # SIGTERM too unwinds, cleaning up; once an install is complete, signals wait
            status = _run(args, configuration)
    except CrossbuildError as error:
        detail = ""
        if isinstance(error, (BackendError, CommandError)) and not args.verbose:
            detail = error.output_tail
        elif isinstance(error, PureFallbackError):
            detail = error.compiler_output
        if detail.strip():
            sys.stderr.write("".join(f"  | {line}\n" for line in detail.rstrip().splitlines()))
        if error.log is not None:
            print(f"full log: {error.log}", file=sys.stderr)
        print(f"error: {error.render(flag_names(parser))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Terminated as stop:
        print("error: terminated", file=sys.stderr)
        return stop.exit_code
    except BrokenPipeError:  # whoever read our output went away: `crossbuild inspect … | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        print("error: the output was closed before crossbuild finished writing it", file=sys.stderr)
        return 1
    except OSError as error:  # a file system error crossbuild could not name better
        where = f" ({error.filename})" if error.filename else ""
        print(f"error: {error.strerror or error}{where}; check free space and permissions there", file=sys.stderr)
        return 1
    return status


def entrypoint() -> None:
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main(prog="python -m crossbuild"))
