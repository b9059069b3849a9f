"""How ``install`` chooses and lays distributions: one frozen object, as pip's options are."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstallOptions:
    """What to take from where, and how to lay it into the root.  The build settings of
    what is cross-built travel apart, as :class:`~crossbuild.wheel.options.BuildOptions`."""

    no_binary: tuple[str, ...] = ()
    """Projects never taken as wheels from an index (``:all:`` for all)."""
    only_binary: tuple[str, ...] = ()
    """Projects never cross-built from sdists (``:all:`` for all)."""
    prefer_binary: bool = False
    """Prefer older wheels to newer sdists."""
    scheme: str | None = None
    """The host's install scheme (default: Debian's ``posix_local``, else ``posix_prefix``)."""
    compile_bytecode: bool = False
    """Write ``.pyc`` files with the build python, which must be of the host's X.Y."""
    force_reinstall: bool = False
    """Reinstall distributions already installed at the chosen version."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "no_binary", tuple(self.no_binary))
        object.__setattr__(self, "only_binary", tuple(self.only_binary))
