"""The root to install into: where it is on this machine and which prefix on the host,
whether it belongs to the host, and what to say when it cannot be written."""

from __future__ import annotations

import errno
import os
from pathlib import Path, PurePosixPath

from .._exceptions import InstallTargetError
from ..host.host import Host
from ..host.layout import identify_root
from ..host.rootfs import root_of


def resolve_target(
    host: Host, root: str | os.PathLike[str] | None, prefix: str | os.PathLike[str] | None
) -> tuple[Path, str]:
    """The root directory on this machine and the prefix on the host."""
    if root is not None:
        host_prefix = str(prefix) if prefix is not None else host.prefix
        if not PurePosixPath(host_prefix).is_absolute():
            raise InstallTargetError(
                "{prefix} {value} with {root} must be a path on the host, like /usr", value=host_prefix
            )
        given = Path(root).absolute()
        if given.exists() and not given.is_dir():
            raise InstallTargetError(
                "{root} {path} is not a directory; name the directory that is / on the host", path=given
            )
        return given, host_prefix
    if prefix is None:
        raise InstallTargetError("say where to install: {root} ROOTFS (the host's /) or {prefix} ROOTFS/usr")
    root_dir = root_of(Path(prefix).absolute(), host.prefix)
    if root_dir is None:
        raise InstallTargetError(
            "{prefix} {value} does not end with the host python's prefix {host_prefix}; "
            "pass {root} ROOTFS, or {root} ROOTFS {prefix} /some/prefix",
            value=prefix,
            host_prefix=host.prefix,
        )
    return root_dir, host.prefix


#: What to do when the root cannot be written, by errno.
_WRITE_FIXES = {
    errno.EROFS: "mount it read-write",
    errno.EACCES: "run crossbuild as a user who may write there",
    errno.EPERM: "run crossbuild as a user who may write there, and look for immutable files (lsattr)",
    errno.ENOSPC: "free space on its file system",
    errno.EDQUOT: "free space within your disk quota",
}


def root_write_error(root: Path, error: OSError) -> InstallTargetError:
    return InstallTargetError(
        "cannot write into {root_dir}: {reason} ({path}); {fix}; the root was left as it was",
        root_dir=root,
        reason=error.strerror or type(error).__name__,
        path=error.filename or root,
        fix=_WRITE_FIXES.get(error.errno or 0, "check the root directory"),
    )


def check_root_is_the_hosts(host: Host, root: Path) -> None:
    """Refuse a root that belongs to another machine or Python than the host's: its own
    python (or libc) must agree with the host python, unless the host python lies in it."""
    if Path(os.path.realpath(host.sysroot)) == Path(os.path.realpath(root)):
        return
    identity = identify_root(root)
    if identity is None:  # nothing there tells (an image being assembled): the host decides
        return
    same_python = identity.python_version in (None, host.version)
    if identity.target == host.elf and same_python:
        return
    found = str(identity.target) + (f", python {identity.python_version}" if identity.python_version else "")
    raise InstallTargetError(
        "{root_dir} is a root for {found} ({evidence}) but the host python {python} is for {expected}; "
        "pass {host} the root's own python (e.g. {suggestion})",
        root_dir=root,
        found=found,
        evidence=identity.evidence.relative_to(root),
        python=host.python,
        expected=f"{host.elf}, python {host.version}",
        suggestion=identity.evidence if identity.python_version else root / "usr/bin/python3",
    )
