"""The ``crossbuild`` command: a thin layer over the library that prints and exits."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import __version__, _cli_defaults
from ._exceptions import BackendError, CommandError, CrossbuildError, OptionError, PureFallbackError
from ._progress import progress_reporter
from ._reporter import Reporter
from ._signals import Terminated, signals_raise
from ._summary import summary_lines
from .config import Configuration, HostProfile, load_configuration
from .host import Host, inspect_host
from .host.layout import host_python_in_root, python_of_prefix
from .install import InstallResult, check_root, install
from .install.options import UPGRADE_STRATEGIES, InstallOptions
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
    wheel.add_argument("sources", nargs="+", metavar="SOURCE", help="a source tree, an sdist, or a requirement")
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


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    chosen: argparse.ArgumentParser = commands.choices[command]
    return chosen


def _apply_defaults(
    parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str], configuration: Configuration
) -> list[_cli_defaults.Default]:
    """Fill the options the command line left out from CROSSBUILD_* variables and files."""
    actions = _cli_defaults.configurable(_subparser(parser, args.command))
    options = {
        s.key.removeprefix("options."): (s.value, s.origin)
        for s in configuration.settings
        if s.key.startswith("options.")
    }
    found = _cli_defaults.defaults(actions, options, os.environ)
    _cli_defaults.apply(args, found, argv, actions)
    return found


def _host(args: argparse.Namespace, configuration: Configuration) -> tuple[Host, HostProfile | None]:
    """The host: a profile's, the python given, or the only python of the root installed into."""
    if args.host is None:
        python = _python_of_target(args)
    elif args.host in configuration.hosts and not os.path.lexists(args.host):
        profile = configuration.hosts[args.host]
        return profile.inspect(sysroot=args.sysroot, cc=args.cc, cxx=args.cxx), profile
    else:
        python = Path(args.host)
    return inspect_host(python, sysroot=args.sysroot, cc=args.cc, cxx=args.cxx), None


def _python_of_target(args: argparse.Namespace) -> Path:
    """``install --root R`` or ``--prefix R/usr`` without ``--host``: the root's only python3.X."""
    root = getattr(args, "root", None)
    prefix = getattr(args, "prefix", None)
    if root is not None:
        return host_python_in_root(Path(root))
    if prefix is not None:
        return python_of_prefix(Path(prefix))
    raise OptionError(
        "no host given: pass {host} the host's python (ROOTFS/usr/bin/python3.X) or a host profile's name"
    )


def _run(args: argparse.Namespace, configuration: Configuration) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "config":
        return _config(configuration, args.verbose)
    host, profile = _host(args, configuration)
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
            repair=_repair_wanted(args),
            plat=args.plat if _repair_wanted(args) else None,
        ).for_host(host)
        quiet = bool(args.verbose or args.quiet)  # no live progress when asked for all, or for little
        with progress_reporter(sys.stderr, sys.stdout, verbose=quiet, environ=os.environ) as reporter:
            if args.command == "wheel":
                for source in args.sources:
                    print(build_wheel(source, host, args.wheel_dir, options, reporter=reporter))
                return 0
            result = _install(args, host, options, reporter)
    for line in summary_lines(result):  # once the progress is gone: what remains on the screen
        print(line)
    return 0


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
        if name.startswith(_cli_defaults.PREFIX) and name not in _NOT_OPTIONS:
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


class _LogFileHandler(logging.FileHandler):
    """``--log FILE``: everything, with times, appended."""

    def __init__(self, path: str) -> None:
        super().__init__(path, mode="a", encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The CLI's handler: messages only, on the stderr of the moment.  It sits on the root
    logger and shows crossbuild's records; the backend's output (``crossbuild.output``) and
    the other libraries' (unearth's "Failed to collect links … 404", httpx's, httpcore's…)
    only with ``-v``, their debugging only with ``-vv``."""

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "crossbuild.output" or record.name.startswith("crossbuild.output."):
            shown = bool(self.verbose) or record.levelno >= logging.WARNING
        elif record.name == "crossbuild" or record.name.startswith("crossbuild."):
            shown = True
        else:
            shown = self.verbose >= (1 if record.levelno >= logging.INFO else 2)
        return shown and bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # follow redirections between calls of main(), and rich's
        super().emit(record)


def _setup_logging(verbose: int, quiet: int = 0, log_file: str | None = None) -> None:
    """-q: warnings and errors; default: what happens; -v: commands, the backend's output
    and other libraries' messages; -vv: their debugging too.  ``--log FILE`` gets
    everything, whatever the level.  The handlers sit on the root logger: with one there,
    logging's last resort never prints another library's warnings behind our back."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, (_CliHandler, _LogFileHandler))]:
        root.removeHandler(handler)
        handler.close()
    terminal = _CliHandler(verbose)
    terminal.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    root.addHandler(terminal)
    root.setLevel(logging.DEBUG if verbose >= 2 or log_file else logging.INFO)
    logging.getLogger("crossbuild").setLevel(logging.DEBUG)
    logging.getLogger("crossbuild.output").setLevel(logging.INFO)  # shown with -v (see _CliHandler)
    if log_file:
        root.addHandler(_LogFileHandler(log_file))


#: The library's parameter names whose flag has another name (``dest``) on the command line.
_PARAMETER_DESTS = {
    "config_settings": "config_setting",
    "requirement_files": "requirement",
    "constraint_files": "constraint",
    "compile_bytecode": "compile",
}


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """How the CLI calls each parameter of the library: ``build_python`` → ``--build-python``."""
    flags: dict[str, str] = {}
    parsers = [parser]
    while parsers:
        current = parsers.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif action.option_strings:
                flags[action.dest] = action.option_strings[0]
    flags.update({parameter: flags[dest] for parameter, dest in _PARAMETER_DESTS.items() if dest in flags})
    return flags


def main(argv: Sequence[str] | None = None, prog: str = "crossbuild") -> int:
    parser = _parser(prog)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        configuration = load_configuration()
        _apply_defaults(parser, args, argv, configuration)
    except CrossbuildError as error:
        print(f"error: {error.render(flag_names(parser))}", file=sys.stderr)
        return 1
    _setup_logging(args.verbose, args.quiet, args.log)
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
