"""How ``install`` chooses and lays distributions: one frozen object, as pip's options are."""

from __future__ import annotations

from dataclasses import dataclass

from .._exceptions import OptionError

UPGRADE_STRATEGIES = ("only-if-needed", "eager")
LINK_MODES = ("copy", "hardlink")


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
    upgrade: bool = False
    """Take the best version of the named projects even when an installed one satisfies."""
    upgrade_strategy: str = "only-if-needed"
    """With ``upgrade``: ``only-if-needed`` upgrades dependencies only when they no longer
    satisfy; ``eager`` upgrades them all."""
    no_deps: bool = False
    """Install the named projects only, not their dependencies."""
    pre: bool = False
    """Consider pre-releases and development versions (else only when nothing else fits,
    or when a specifier names one, as pip does)."""
    ignore_installed: bool = False
    """Resolve as if nothing were installed, and lay everything chosen anew."""
    require_hashes: bool = False
    """Every requirement pinned with ``==`` and given ``--hash`` values, dependencies too
    (on as well whenever any requirement has a hash, as with pip)."""
    dry_run: bool = False
    """Resolve and build, report the plan, change nothing in the root."""
    link_mode: str = "copy"
    """How files of wheels kept unpacked in the cache reach the root: ``copy`` (each root
    has files of its own) or ``hardlink`` (the root's files are the cache's: nothing is
    written, but an edit in place in one root changes the cache and every root laid from
    it).  Files are copied where a link is refused, and without a cache."""

    def __post_init__(self) -> None:
        if self.upgrade_strategy not in UPGRADE_STRATEGIES:
            raise OptionError(
                "upgrade strategy {strategy!r} is not one of {known}; pass {upgrade_strategy} one of them",
                strategy=self.upgrade_strategy,
                known=", ".join(UPGRADE_STRATEGIES),
            )
        if self.link_mode not in LINK_MODES:
            raise OptionError(
                "link mode {mode!r} is not one of {known}; pass {link_mode} one of them",
                mode=self.link_mode,
                known=", ".join(LINK_MODES),
            )
        object.__setattr__(self, "no_binary", tuple(self.no_binary))
        object.__setattr__(self, "only_binary", tuple(self.only_binary))
