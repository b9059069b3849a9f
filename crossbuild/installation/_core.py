"""``install``: resolve for the host, get wheels, lay them into a host root atomically.

1. Requirements (names, files, local sources) are resolved with the host's markers and
   wheel tags; compatible wheels come from the indexes, the rest is cross-built.
2. Every wheel is checked (only host binaries) and installed with ``installer`` into a
   staging directory, with the host's install scheme and shebangs for the host python.
3. Older versions of the same projects are removed by their RECORD, and the staged
   files moved in — one transaction: on any failure the root is left as it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._reporter import Reporter
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from ..host.schemes import install_paths
from ..wheel.context import BuildContext, HostSpec, make_context
from ..wheel.options import BuildOptions
from .journal import recover
from .laying import Placement, lay, plan
from .lock import locked_root
from .options import InstallOptions
from .requirements import RequirementSet
from .resolution import collect, resolve_wheels, with_index_options
from .result import InstallResult
from .target import check_root_is_the_hosts, resolve_target, root_write_error

logger = logging.getLogger("crossbuild")


def install(
    requirements: Iterable[str | os.PathLike[str]] = (),
    *,
    host: HostSpec,
    root: str | os.PathLike[str] | None = None,
    prefix: str | os.PathLike[str] | None = None,
    requirement_files: Sequence[str | os.PathLike[str]] = (),
    constraint_files: Sequence[str | os.PathLike[str]] = (),
    options: BuildOptions | BuildContext | None = None,
    install_options: InstallOptions | None = None,
    reporter: Reporter | None = None,
) -> InstallResult:
    """Install ``requirements`` for ``host`` into ``root`` (a rootfs) or ``prefix``.

    ``root`` is the directory that is ``/`` on the host; packages go under the host
    python's prefix in it (``ROOT/usr/...``).  Without ``root``, ``prefix`` is the
    directory that stands for the host's prefix (``ROOTFS/usr``).  Nothing in the root
    changes unless every requirement resolved, built, verified and installed.
    ``host`` is a :class:`Host`, the host python's path or a host profile (see
    :func:`~crossbuild.wheel.context.make_context`).  ``options`` builds what must be
    cross-built; ``install_options`` chooses and lays; ``reporter`` hears of the long steps
    (resolving, downloading, building, installing).

    One install at a time changes a root: another one waits.  Whatever an install killed
    before left in the root is rolled back (or, if its commit was complete, finished)
    first.  SIGTERM and SIGHUP stop an install as Ctrl-C does, leaving nothing behind.
    """
    with signals_raise():
        context = make_context(host, options, building=False)  # the build tools once the root is known good
        choices = install_options or InstallOptions()
        root_dir, host_prefix = resolve_target(context.host, root, prefix)
        check_root_is_the_hosts(context.host, root_dir)
        with locked_root(root_dir):
            if not choices.dry_run:  # a dry run changes nothing, not even to finish another run
                recover(root_dir)
            wanted = collect(requirements, requirement_files, constraint_files, context.host.marker_environment())
            return _install(context.ready(), root_dir, host_prefix, wanted, choices, reporter)


def _install(
    context: BuildContext,
    root_dir: Path,
    host_prefix: str,
    wanted: RequirementSet,
    choices: InstallOptions,
    reporter: Reporter | None,
) -> InstallResult:
    context = with_index_options(context, wanted)
    host = context.host
    placement = Placement(
        host,
        root_dir,
        host_prefix,
        install_paths(host, host_prefix, choices.scheme),
        compile_with=context.build_python.executable if choices.compile_bytecode else None,
        cache=context.cache,
        hardlink=choices.link_mode == "hardlink",
    )
    with temporary_directory("wheels") as tmp:

        def build(source: Path) -> Path:
            from ..wheel.pipeline import build_wheel  # the build machinery, only when a wheel is built

            return build_wheel(source, host, tmp, context, reporter=reporter)

        in_root = placement.installed()  # read once: the root is locked, and builds never write to it
        existing = {} if choices.ignore_installed else in_root
        resolved = resolve_wheels(context, wanted, choices, build, reporter, existing, placement.root)
        if choices.dry_run:
            return plan(placement, resolved, in_root, choices)
        try:
            return lay(placement, resolved, in_root, choices, reporter)
        except OSError as error:  # the transaction rolled back: the root is as it was
            raise root_write_error(root_dir, error) from None
