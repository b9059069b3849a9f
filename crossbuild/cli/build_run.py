"""What ``wheel`` and ``install`` share: the run's cache, its context (the host and the
build options the command line and a host profile give), and the live progress."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._exceptions import OptionError
from ..config import Configuration, HostProfile
from .host_lookup import context_of, host_spec
from .outputs import logs_kept_from
from .progress import progress_reporter

if TYPE_CHECKING:
    from .._reporter import Reporter
    from ..index.finder import IndexSettings
    from ..wheel.context import BuildContext


@dataclass(frozen=True)
class BuildRun:
    """One run of a command that builds: its context, the host profile it came from (if
    any), and who hears of the long steps."""

    context: BuildContext
    profile: HostProfile | None
    reporter: Reporter | None


@contextlib.contextmanager
def build_run(args: argparse.Namespace, configuration: Configuration) -> Iterator[BuildRun]:
    """The run of ``wheel`` or ``install``; with ``--no-cache-dir`` every cache (a root's
    view too) is a temporary directory, removed at the end, as pip's."""
    from ..wheel.options import BuildOptions, parse_config_settings

    with contextlib.ExitStack() as scope:
        if args.no_cache_dir:
            args.cache_dir = scope.enter_context(tempfile.TemporaryDirectory(prefix="crossbuild-nocache-"))
            scope.enter_context(logs_kept_from(Path(args.cache_dir)))  # out before the directory goes
        spec = host_spec(args, configuration)
        repair = _repair_wanted(args)
        options = BuildOptions(
            config_settings=parse_config_settings(args.config_setting),  # over a profile's
            build_python=args.build_python,  # else a profile's
            index=_index_settings(args),
            cache_dir=args.cache_dir,
            allow_pure_fallback=args.allow_pure_fallback,
            host_requires=tuple(args.host_requires),
            rust_toolchain=args.rust_toolchain,
            vendored_crates=args.vendored_crates,
            compiler_launcher=args.compiler_launcher,
            strip=args.strip,
            jobs=args.jobs,
            parallel_extensions=args.parallel_extensions,
            repair=repair,
            plat=args.plat if repair else None,
        )
        context = context_of(args, spec, options)
        profile = spec if isinstance(spec, HostProfile) else None
        quiet = bool(args.verbose or args.quiet)  # no live progress when asked for all, or for little
        with progress_reporter(sys.stderr, sys.stdout, verbose=quiet, environ=os.environ) as reporter:
            yield BuildRun(context, profile, reporter)


def _repair_wanted(args: argparse.Namespace) -> bool:
    """``--repair``, or ``--plat TAG`` alone, repairs; ``--repair=off`` does not, whatever ``--plat`` says."""
    if args.command != "wheel":
        return False
    if args.repair not in (None, "on", "off"):  # from a file or a variable
        raise OptionError("{repair} takes on or off, not {value!r}", value=args.repair)
    return args.repair == "on" or (args.repair is None and args.plat is not None)


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
