"""Which host the command line means: a profile's name, a python's path, or the only
python of the root being installed into."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .._exceptions import OptionError
from ..config import Configuration, HostProfile
from ..host import Host, inspect_host
from ..host.layout import host_python_in_root, python_of_prefix


def host_of(args: argparse.Namespace, configuration: Configuration) -> tuple[Host, HostProfile | None]:
    """The host: a profile's, the python given, or the only python of the root installed into."""
    cache_dir = getattr(args, "cache_dir", None)  # where a view of an as-is root is kept
    if args.host is None:
        python = _python_of_target(args)
    elif args.host in configuration.hosts and not os.path.lexists(args.host):
        profile = configuration.hosts[args.host]
        host = profile.inspect(
            sysroot=args.sysroot, cc=args.cc, cxx=args.cxx, cache_dir=cache_dir, glibc_floor=args.glibc_floor
        )
        return host, profile
    else:
        python = Path(args.host)
    host = inspect_host(
        python, sysroot=args.sysroot, cc=args.cc, cxx=args.cxx, cache_dir=cache_dir, glibc_floor=args.glibc_floor
    )
    return host, None


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
