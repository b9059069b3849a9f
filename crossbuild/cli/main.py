"""The ``crossbuild`` command: a thin layer over the library that prints and exits.

Each command is a module of :mod:`crossbuild.cli.commands`; here are the entry point and
the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .._exceptions import BackendError, CommandError, CrossbuildError, PureFallbackError
from .._signals import Terminated, signals_raise
from ..config import load_configuration
from .commands import COMMANDS, make_parser
from .defaults import apply_defaults, flag_names
from .log_setup import setup_logging
from .outputs import check_outputs

__all__ = ["entrypoint", "flag_names", "main", "make_parser"]


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
            status: int = COMMANDS[args.command].run(args, configuration)
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
