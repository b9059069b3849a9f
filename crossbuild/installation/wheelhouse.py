"""A wheelhouse: a wheel for the host of every requirement and dependency, like ``pip wheel``.

The requirements are resolved for the host exactly as ``install`` resolves them (same
resolver, same artifact store): compatible wheels from the indexes are copied, sdists
and source trees are cross-built.  The directory then serves an offline install:
``crossbuild install --no-index -f WHEELHOUSE -r requirements.txt``.  A wheel appears in
the wheel directory only once every wheel was obtained and verified: a failed resolution
or build leaves the directory as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._files import make_dirs, publish_file
from .._reporter import Reporter
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from ..host.host import Host, as_host
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from .options import InstallOptions
from .resolution import collect, resolve_wheels, with_index_options

logger = logging.getLogger("crossbuild")


def build_wheelhouse(
    requirements: Iterable[str | os.PathLike[str]] = (),
    *,
    host: Host | str | os.PathLike[str],
    wheel_dir: str | os.PathLike[str],
    requirement_files: Sequence[str | os.PathLike[str]] = (),
    constraint_files: Sequence[str | os.PathLike[str]] = (),
    options: BuildOptions | None = None,
    install_options: InstallOptions | None = None,
    reporter: Reporter | None = None,
) -> list[Path]:
    """Put into ``wheel_dir`` a wheel for ``host`` of every project the requirements
    resolve to (only of the named ones with ``install_options.no_deps``); return their
    paths, sorted.  Nothing is installed anywhere, so nothing counts as installed."""
    with signals_raise():
        host = as_host(host)
        choices = install_options or InstallOptions()
        wanted = collect(requirements, requirement_files, constraint_files, host.marker_environment())
        options = (options or BuildOptions()).for_host(host)
        options = dataclasses.replace(options, index=with_index_options(options.index, wanted, options.cache))
        with temporary_directory("wheelhouse") as tmp:

            def build(source: Path) -> Path:
                return build_wheel(source, host, tmp, options, reporter=reporter)

            resolved = resolve_wheels(host, wanted, options, choices, build, reporter)
            destination = Path(wheel_dir)
            make_dirs(destination)
            published = []
            for name, wheel in sorted(resolved.wheels.items()):
                published.append(publish_file(wheel, destination / wheel.name))
                logger.info("%s %s: %s", resolved.store.source_of(resolved.chosen[name].artifact), name, wheel.name)
            return sorted(published)
