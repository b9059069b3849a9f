"""One door into a run: the host and the build options, resolved once.

Every public function (``build_wheel``, ``install``, ``build_wheelhouse``,
``run_wheel_tests``, ``build_tested_wheel``, ``check_root``) and every command makes its
:class:`BuildContext` with :func:`make_context`, and hands it down whole: nothing below
inspects the host again, finds the build python again or runs ``rustc`` again, and no
entry point can forget the cache directory or a host profile.

:class:`~crossbuild.wheel.options.BuildOptions` is what a user says (paths as strings,
``None`` for "the default"); a :class:`BuildContext` is what that means here: the host
inspected with the cache directory, the build python found and checked against it, the
Rust toolchain checked once, the compiler launcher found, the index settings, the cache
directory as a path.  Its fields have the names of the options' fields, so that the cache
key is made the same way from both, and an option added to ``BuildOptions`` but not here
fails at once (:func:`make_context` passes every field on).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._cache import cache_dir, cache_path
from .._exceptions import OptionError
from .._lazy import FoundWhenNeeded
from ..backend_env.launcher import CompilerLauncher
from ..backend_env.rust import RustToolchain, VendoredCrates
from ..config import HostProfile
from ..host.host import Host, inspect_host
from .build_python import BuildPython
from .options import DEFAULT_SOURCE_DATE_EPOCH, BuildOptions, ConfigSettings, options_key

if TYPE_CHECKING:  # a check or an inspect of a root reads no index: unearth stays unloaded
    from ..index.finder import IndexSettings

#: How a host is named: inspected already, the host python's path, or a host profile.
HostSpec = Host | str | os.PathLike[str] | HostProfile

#: What a build finds before it starts (:meth:`BuildContext.ready`).
_BUILD_TOOLS = ("build_python", "rust_toolchain", "vendored_crates", "compiler_launcher")


@dataclass(frozen=True, eq=False, repr=False)  # reading every field would find what is not found yet
class BuildContext:
    """The host and the build options of one run, resolved (see the module).

    What only a build needs (the build python, the Rust settings, the compiler launcher,
    pip's index configuration) is found when first read, once: ``check`` and ``inspect``
    need none of it, and a build reads it before anything is fetched (:meth:`ready`)."""

    host: Host
    config_settings: ConfigSettings
    cache_dir: Path
    """The cache directory, absolute (made when first used: :attr:`cache`)."""
    allow_pure_fallback: bool
    source_date_epoch: int
    strip: bool
    repair: bool
    plat: str | None
    host_requires: tuple[str, ...]
    jobs: int | None
    """How many sdists are built at once; ``None``: the number of cores."""
    parallel_extensions: int | None
    """How many extensions a setuptools build compiles at once; ``None``: one at a time."""
    build_python: FoundWhenNeeded[BuildPython] = FoundWhenNeeded()
    """The native python of the host's X.Y that runs the backend, checked."""
    index: FoundWhenNeeded[IndexSettings] = FoundWhenNeeded()
    """The options' index settings, else pip's configuration."""
    rust_toolchain: FoundWhenNeeded[RustToolchain | None] = FoundWhenNeeded()
    """Checked to have the host's standard library; ``None``: cargo on ``PATH``."""
    vendored_crates: FoundWhenNeeded[VendoredCrates | None] = FoundWhenNeeded()
    compiler_launcher: FoundWhenNeeded[CompilerLauncher | None] = FoundWhenNeeded()
    """``None``: no launcher."""

    def __repr__(self) -> str:
        return f"BuildContext(host={str(self.host.python)!r}, cache_dir={str(self.cache_dir)!r})"

    @property
    def cache(self) -> Path:
        """The cache directory, made if missing."""
        return cache_dir(self.cache_dir)

    @property
    def key(self) -> str:
        """A digest of every option that shapes a built wheel (as :attr:`BuildOptions.key`)."""
        return options_key(self)

    def ready(self) -> BuildContext:
        """This context with what a build needs found now: a wrong build python or Rust
        toolchain stops a run before anything is fetched or built."""
        for name in _BUILD_TOOLS:
            getattr(self, name)
        return self


def make_context(
    host: HostSpec,
    options: BuildOptions | BuildContext | None = None,
    *,
    sysroot: str | os.PathLike[str] | None = None,
    cc: str | None = None,
    cxx: str | None = None,
    glibc_floor: str | None = None,
    building: bool = True,
) -> BuildContext:
    """The context of a run for ``host`` with ``options`` — the one way every entry point
    makes it.

    ``host`` is a :class:`Host`, the host python's path (inspected with ``sysroot``,
    ``cc``, ``cxx``, ``glibc_floor`` and the options' cache directory), or a
    :class:`HostProfile`, whose settings come under the options' (its config settings
    first, its build python unless the options name one).  A context given as ``options`` is taken as it is: its host
    must be ``host``.  ``building`` finds the build tools now (:meth:`BuildContext.ready`).
    """
    if isinstance(options, BuildContext):
        if host is not options.host:
            raise OptionError(
                "the BuildContext given as options is for the host {python}; pass that Host with it, or make one "
                "for this host with make_context(host, options)",
                python=options.host.python,
            )
        return options.ready() if building else options
    if options is None:  # SOURCE_DATE_EPOCH is read, and refused if malformed, by a run that builds
        options = BuildOptions() if building else BuildOptions(source_date_epoch=DEFAULT_SOURCE_DATE_EPOCH)
    cache = cache_path(options.cache_dir)
    if isinstance(host, HostProfile):
        options = _with_profile(options, host)
        host = host.inspect(sysroot=sysroot, cc=cc, cxx=cxx, cache_dir=cache, glibc_floor=glibc_floor)
    elif not isinstance(host, Host):
        host = inspect_host(host, sysroot=sysroot, cc=cc, cxx=cxx, cache_dir=cache, glibc_floor=glibc_floor)
    if options.plat is not None:  # a tag for another machine is refused before anything is built
        from .repair import host_architecture, requested_policy  # auditwheel: only to repair

        requested_policy(options.plat, host_architecture(host.elf))
    values = {field.name: getattr(options, field.name) for field in dataclasses.fields(BuildOptions)}
    values.update(
        build_python=functools.partial(_build_python, host, options.build_python),
        index=options.index or functools.partial(_pip_index, cache),
        cache_dir=cache,
        rust_toolchain=functools.partial(_rust_toolchain, host, options.rust_toolchain),
        vendored_crates=functools.partial(_vendored_crates, options.vendored_crates),
        compiler_launcher=functools.partial(_compiler_launcher, options.compiler_launcher),
    )
    context = BuildContext(host=host, **values)
    return context.ready() if building else context


def _with_profile(options: BuildOptions, profile: HostProfile) -> BuildOptions:
    return dataclasses.replace(
        options,
        config_settings={**profile.config_settings, **options.config_settings},
        build_python=options.build_python or profile.build_python,
    )


def _build_python(host: Host, given: BuildPython | str | os.PathLike[str] | None) -> BuildPython:
    return given.check(host) if isinstance(given, BuildPython) else BuildPython.for_host(host, given)


def _rust_toolchain(host: Host, given: RustToolchain | str | os.PathLike[str] | None) -> RustToolchain | None:
    if isinstance(given, RustToolchain):
        given.check(host)
        return given
    return RustToolchain.for_host(host, given) if given is not None else None


def _vendored_crates(given: VendoredCrates | str | os.PathLike[str] | None) -> VendoredCrates | None:
    if given is None or isinstance(given, VendoredCrates):
        return given
    return VendoredCrates.find(given)


def _compiler_launcher(given: CompilerLauncher | str | os.PathLike[str] | None) -> CompilerLauncher | None:
    return given if isinstance(given, CompilerLauncher) else CompilerLauncher.find(given)


def _pip_index(cache: Path) -> IndexSettings:
    from ..index.finder import IndexSettings

    return IndexSettings.from_pip_config(cache_dir(cache))
