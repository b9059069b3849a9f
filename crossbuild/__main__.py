"""The ``crossbuild`` command: a thin layer over the library that prints and exits."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__
from ._exceptions import BackendError, CommandError, CrossbuildError, PureFallbackError
from .host import Host, inspect_host
from .install import check_root, install
from .install.options import InstallOptions
from .wheel import IndexSettings, build_wheel
from .wheel.options import BuildOptions, parse_config_settings

HOST_HELP = "the host's python inside its sysroot or rootfs, e.g. ROOTFS/usr/bin/python3.11"


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Cross-compile Python packages for another machine.")
    parser.add_argument("--version", action="version", version=f"crossbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    host_options = argparse.ArgumentParser(add_help=False)
    host_options.add_argument("--host", required=True, metavar="PYTHON", help=HOST_HELP)
    host_options.add_argument("--sysroot", metavar="DIR", help="the host's root directory (default: from --host)")
    host_options.add_argument("--cc", metavar="COMMAND", help="the host's C compiler (default: found from the host)")
    host_options.add_argument("--cxx", metavar="COMMAND", help="the host's C++ compiler")
    host_options.add_argument("-v", "--verbose", action="store_true", help="show commands and backend output")

    inspect = commands.add_parser("inspect", parents=[host_options], help="show what crossbuild sees of the host")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--cache-dir", metavar="DIR", help="where a view of the root goes, if it needs one")

    build_options = argparse.ArgumentParser(add_help=False)
    build_options.add_argument(
        "-C",
        "--config-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the build backend (repeatable)",
    )
    build_options.add_argument("--build-python", metavar="PYTHON", help="the native python that runs the backend")
    build_options.add_argument(
        "--allow-pure-fallback", action="store_true", help="accept a pure-Python wheel even when a compiler call failed"
    )
    build_options.add_argument("-i", "--index-url", metavar="URL", help="the package index (default: pip's)")
    build_options.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    build_options.add_argument("-f", "--find-links", action="append", default=[], metavar="DIR_OR_URL")
    build_options.add_argument("--no-index", action="store_true", help="ignore package indexes")
    build_options.add_argument("--cache-dir", metavar="DIR", help="where to keep build environments and downloads")

    wheel = commands.add_parser("wheel", parents=[host_options, build_options], help="build wheels for the host")
    wheel.add_argument("sources", nargs="+", metavar="SOURCE", help="a source tree, an sdist, or a requirement")
    wheel.add_argument(
        "-w", "--wheel-dir", default="dist", metavar="DIR", help="where to put the wheels (default: dist)"
    )

    install = commands.add_parser(
        "install", parents=[host_options, build_options], help="install packages into the host's root, atomically"
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
    install.add_argument("--report", metavar="FILE", help="write what was installed and why as JSON")

    check = commands.add_parser(
        "check", help="verify a root's installed packages: files, dependencies, modes, machines"
    )
    check.add_argument("--root", required=True, metavar="DIR", help="the directory that is / on the host (a rootfs)")
    check.add_argument("--host", metavar="PYTHON", help=HOST_HELP + " (default: the root's only python3.X)")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.add_argument("-v", "--verbose", action="store_true", help="show more of what happens")
    return parser


def _inspect(args: argparse.Namespace) -> Host:
    return inspect_host(args.host, sysroot=args.sysroot, cc=args.cc, cxx=args.cxx, cache_dir=args.cache_dir)


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        return _check(args)
    host = _inspect(args)
    if args.command == "inspect":
        summary = host.summary()
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            for key, value in summary.items():
                shown = json.dumps(value) if isinstance(value, (dict, list)) or not value else value
                print(f"{key:15} {shown}")
        return 0
    options = BuildOptions(
        config_settings=parse_config_settings(args.config_setting),
        build_python=args.build_python,
        index=_index_settings(args),
        cache_dir=args.cache_dir,
        allow_pure_fallback=args.allow_pure_fallback,
    ).for_host(host)
    if args.command == "install":
        _install(args, host, options)
        return 0
    for source in args.sources:
        print(build_wheel(source, host, args.wheel_dir, options))
    return 0


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


def _install(args: argparse.Namespace, host: Host, options: BuildOptions) -> None:
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
        ),
        requirement_files=args.requirement,
        constraint_files=args.constraint,
    )
    if args.report:
        with open(args.report, "w", encoding="utf-8") as stream:
            json.dump(result.report(), stream, indent=2)
    for distribution in result.distributions:
        print(f"{distribution.name} {distribution.version} ({distribution.source})")


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The CLI's handler: messages only, on the stderr of the moment."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # follow redirections between calls of main()
        super().emit(record)


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger("crossbuild")
    for handler in [h for h in root.handlers if isinstance(h, _CliHandler)]:
        root.removeHandler(handler)
    root.addHandler(_CliHandler())
    # unearth reports unreachable index pages as warnings; they matter only with -v
    finder_log = logging.getLogger("unearth")
    finder_log.handlers[:] = [_CliHandler()] if verbose else [logging.NullHandler()]
    finder_log.propagate = False
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # The backend's own output is shown only with -v; on failure its tail is printed anyway.
    logging.getLogger("crossbuild.output").setLevel(logging.INFO if verbose else logging.WARNING)


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
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    try:
        status = _run(args)
    except CrossbuildError as error:
        detail = ""
        if isinstance(error, (BackendError, CommandError)) and not args.verbose:
            detail = error.output_tail
        elif isinstance(error, PureFallbackError):
            detail = error.compiler_output
        if detail.strip():
            sys.stderr.write("".join(f"  | {line}\n" for line in detail.rstrip().splitlines()))
        print(f"error: {error.render(flag_names(parser))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
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
