"""The ``crossbuild`` command: a thin layer over the library that prints and exits."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._exceptions import BackendError, CommandError, CrossbuildError, OptionError, PureFallbackError
from .._signals import Terminated, signals_raise
from ..config import Configuration, load_configuration
from ..installation.options import InstallOptions
from .defaults import PREFIX, apply_defaults, flag_names
from .log_setup import setup_logging
from .outputs import check_outputs, logs_kept_from
from .parser import make_parser
from .progress import progress_reporter

if TYPE_CHECKING:
    from .._reporter import Reporter
    from ..config import HostProfile
    from ..host.host import Host
    from ..index.finder import IndexSettings
    from ..installation.result import InstallResult
    from ..wheel.options import BuildOptions

# What a command needs beyond the parser and the configuration is imported in the
# function that runs it: an install of wheels never loads the build machinery, and
# ``--help`` or ``config`` neither the resolver nor the host's readers.


def _print_summary(host: Host, as_json: bool) -> None:
    summary = host.summary()
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        shown = json.dumps(value) if isinstance(value, (dict, list)) or not value else value
        print(f"{key:15} {shown}")


def _run(args: argparse.Namespace, configuration: Configuration) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "config":
        return _config(configuration, args.verbose)
    if args.command == "sbom":
        return _sbom(args.root, args.host, args.output, args.sbom_format)
    from ..wheel.options import BuildOptions, parse_config_settings
    from .host_lookup import host_of
    from .summary import summary_lines

    with contextlib.ExitStack() as scope:
        if getattr(args, "no_cache_dir", False):  # pip's --no-cache-dir: every cache (a root's view too), this run only
            args.cache_dir = scope.enter_context(tempfile.TemporaryDirectory(prefix="crossbuild-nocache-"))
            scope.enter_context(logs_kept_from(Path(args.cache_dir)))  # out before the directory goes
        host, profile = host_of(args, configuration)
        if args.command == "inspect":
            _print_summary(host, args.json)
            return 0
        cache_dir = args.cache_dir
        options = BuildOptions(
            config_settings={
                **(profile.config_settings if profile else {}),
                **parse_config_settings(args.config_setting),
            },
            build_python=args.build_python or (profile.build_python if profile else None),
            index=_index_settings(args),
            cache_dir=cache_dir,
            allow_pure_fallback=args.allow_pure_fallback,
            host_requires=tuple(args.host_requires),
            rust_toolchain=args.rust_toolchain,
            vendored_crates=args.vendored_crates,
            compiler_launcher=args.compiler_launcher,
            strip=args.strip,
            jobs=args.jobs,
            parallel_extensions=args.parallel_extensions,
            repair=_repair_wanted(args),
            plat=args.plat if _repair_wanted(args) else None,
        ).for_host(host)
        quiet = bool(args.verbose or args.quiet)  # no live progress when asked for all, or for little
        with progress_reporter(sys.stderr, sys.stdout, verbose=quiet, environ=os.environ) as reporter:
            if args.command == "wheel":
                for wheel in _wheels(args, host, options, reporter, profile):
                    print(wheel)
                return 0
            result = _install(args, host, options, reporter)
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
            lambda: _sbom(result.root, host, sbom, "cyclonedx"),
            f"crossbuild sbom --root {result.root} -o {sbom} writes it again",
        )
    if args.check_imports and not result.dry_run:
        return _check_imports(result)
    return 0


def _wheels(
    args: argparse.Namespace,
    host: Host,
    options: BuildOptions,
    reporter: Reporter | None,
    profile: HostProfile | None,
) -> list[Path]:
    """``wheel``: each source built (and tested), or with ``-r`` a wheelhouse.  A host
    profile's test command applies unless the command line names one."""
    from ..installation.wheel_tests import WheelTests, build_tested_wheel
    from ..installation.wheelhouse import build_wheelhouse
    from ..wheel.pipeline import build_wheel

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
    from ..installation.imports import check_imports

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
    from ..installation.check import check_root

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
    from ..config import looked_for

    if verbose:
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


#: CROSSBUILD_* variables that are not option defaults.
_NOT_OPTIONS = {"CROSSBUILD_HOST_CONFIG", "CROSSBUILD_CONFIG_FILE", "CROSSBUILD_TEST_CACHE", "CROSSBUILD_FAULT"}


def _index_settings(args: argparse.Namespace) -> IndexSettings | None:
    if not (args.index_url or args.extra_index_url or args.find_links or args.no_index):
        return None
    from ..index.finder import IndexSettings

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
    from ..installation._core import install

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
            link_mode=args.link_mode,
        ),
        requirement_files=args.requirement,
        constraint_files=args.constraint,
        reporter=reporter,
    )
    return result


def _write_report(path: str, result: InstallResult) -> None:
    """``--report FILE``: written once the install is done, whole or not at all."""
    from .._files import atomic_file

    with atomic_file(Path(path)) as stream:
        stream.write((json.dumps(result.report(), indent=2) + "\n").encode())


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


def _sbom(root: str | Path, host: Host | str | None, output: str | None, sbom_format: str) -> int:
    """``sbom``, and ``install --sbom``: the root's SBOM to ``output`` (or stdout), dated by
    ``SOURCE_DATE_EPOCH`` when it is set."""
    from ..installation.inventory import describe_root
    from ..wheel.options import source_date_epoch_from_environ

    timestamp = source_date_epoch_from_environ() if os.environ.get("SOURCE_DATE_EPOCH", "").strip() else None
    document = describe_root(root, host=host, sbom_format=sbom_format, timestamp=timestamp)
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        from .._files import atomic_file

        with atomic_file(Path(output)) as stream:
            stream.write(document)
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "crossbuild") -> int:
    parser = make_parser(prog)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        configuration = load_configuration()
        apply_defaults(parser, args, argv, configuration)
        check_outputs(args)
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
