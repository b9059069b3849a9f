"""Which host the command line means — a profile's name, a python's path, or the only
python of the root being installed into or checked — and the run's context for it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._exceptions import OptionError
from ..config import Configuration, HostProfile
from ..host.layout import host_python_in_root, python_of_prefix

if TYPE_CHECKING:
    from ..wheel.context import BuildContext
    from ..wheel.options import BuildOptions


def host_spec(args: argparse.Namespace, configuration: Configuration) -> Path | HostProfile:
    """The host: a profile's, the python given, or the only python of the root installed into."""
    if args.host is None:
        return _python_of_target(args)
    if args.host in configuration.hosts and not os.path.lexists(args.host):
        return configuration.hosts[args.host]
    return Path(args.host)


def context_of(
    args: argparse.Namespace, host: Path | HostProfile, options: BuildOptions, *, building: bool = True
) -> BuildContext:
    """The run's context (:func:`~crossbuild.wheel.context.make_context`) for ``host``
    (:func:`host_spec`), with ``--sysroot``, ``--cc`` and ``--cxx`` where the command has them."""
    from ..wheel.context import make_context

    return make_context(
        host,
        options,
        sysroot=getattr(args, "sysroot", None),
        cc=getattr(args, "cc", None),
        cxx=getattr(args, "cxx", None),
        glibc_floor=getattr(args, "glibc_floor", None),
        building=building,
    )


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
