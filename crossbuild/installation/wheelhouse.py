"""A wheelhouse: a wheel for the host of every requirement and dependency, like ``pip wheel``.

The requirements are resolved for the host exactly as ``install`` resolves them (same
resolver, same artifact store): compatible wheels from the indexes are copied, sdists
and source trees are cross-built.  The directory then serves an offline install:
``crossbuild install --no-index -f WHEELHOUSE -r requirements.txt``.  A wheel appears in
the wheel directory only once every wheel was obtained and verified: a failed resolution
or build leaves the directory as it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._files import make_dirs, publish_file
from .._reporter import Reporter
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from ..wheel.context import BuildContext, HostSpec, make_context
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from .options import InstallOptions
from .resolution import collect, resolve_wheels, with_index_options

logger = logging.getLogger("crossbuild")


def build_wheelhouse(
    requirements: Iterable[str | os.PathLike[str]] = (),
    *,
    host: HostSpec,
    wheel_dir: str | os.PathLike[str],
    requirement_files: Sequence[str | os.PathLike[str]] = (),
    constraint_files: Sequence[str | os.PathLike[str]] = (),
    options: BuildOptions | BuildContext | None = None,
    install_options: InstallOptions | None = None,
    reporter: Reporter | None = None,
) -> list[Path]:
    """Put into ``wheel_dir`` a wheel for ``host`` of every project the requirements
    resolve to (only of the named ones with ``install_options.no_deps``); return their
    paths, sorted.  Nothing is installed anywhere, so nothing counts as installed."""
    with signals_raise():
        context = make_context(host, options, building=False)
        choices = install_options or InstallOptions()
        wanted = collect(requirements, requirement_files, constraint_files, context.host.marker_environment())
        context = with_index_options(context.ready(), wanted)
        with temporary_directory("wheelhouse") as tmp:

            def build(source: Path) -> Path:
                return build_wheel(source, context.host, tmp, context, reporter=reporter)

            resolved = resolve_wheels(context, wanted, choices, build, reporter)
            destination = Path(wheel_dir)
            make_dirs(destination)
            published = []
            for name, wheel in sorted(resolved.wheels.items()):
                published.append(publish_file(wheel, destination / wheel.name))
                logger.info("%s %s: %s", resolved.store.source_of(resolved.chosen[name].artifact), name, wheel.name)
            return sorted(published)
