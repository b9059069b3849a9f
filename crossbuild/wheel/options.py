"""How wheels are built, as the user says it: one frozen object per run.

:class:`BuildOptions` is what the CLI or the API is given (paths as strings, ``None`` for
the defaults); :func:`~crossbuild.wheel.context.make_context` resolves it for the host,
once, into the :class:`~crossbuild.wheel.context.BuildContext` that travels through
``install`` to every ``build_wheel``.  Its key (:func:`options_key`) is made from every
field that shapes a wheel, so that a new option is part of every cache key unless it says
it is not (``metadata={"key": False}``), and cannot be forgotten there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._exceptions import OptionError
from ..backend_env.launcher import CompilerLauncher
from ..backend_env.rust import RustToolchain, VendoredCrates
from .build_python import BuildPython

if TYPE_CHECKING:  # a check or an inspect of a root reads no index: unearth stays unloaded
    from ..index.finder import IndexSettings

#: PEP 517 config settings: ``{"key": "value"}`` or ``{"key": ["v1", "v2"]}``.
ConfigSettings = Mapping[str, str | Sequence[str]]

#: Field metadata of the options that do not change what a build makes.
NOT_IN_KEY = MappingProxyType({"key": False})

#: The time of a build when ``SOURCE_DATE_EPOCH`` is not set: 1980-01-01 00:00 UTC, the
#: earliest a zip file can say.  Not the clock, nor the sources' mtimes (a checkout or a
#: copy changes them, and a zip sdist stores local time): a wheel never depends on the day.
DEFAULT_SOURCE_DATE_EPOCH = 315532800


def source_date_epoch_from_environ() -> int:
    """``$SOURCE_DATE_EPOCH`` (https://reproducible-builds.org/specs/source-date-epoch/), or
    :data:`DEFAULT_SOURCE_DATE_EPOCH`."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return DEFAULT_SOURCE_DATE_EPOCH
    if not value.isdigit():
        raise OptionError(
            "SOURCE_DATE_EPOCH={value!r} is not a number of seconds since 1970; set it to an integer or unset it",
            value=value,
        )
    return int(value)


@dataclass(frozen=True)
class BuildOptions:
    """Settings that are the same for every wheel built in one run."""

    config_settings: ConfigSettings = field(default_factory=dict)
    """Passed to the backend (``-C KEY=VALUE``)."""
    build_python: BuildPython | str | os.PathLike[str] | None = None
    """The native python that runs the backend (default: the one running crossbuild);
    found and checked against the host once, by :func:`~crossbuild.wheel.context.make_context`."""
    index: IndexSettings | None = field(default=None, metadata=NOT_IN_KEY)
    """Where sdists and build requirements come from (default: pip's configuration).  Not
    in the key: a built wheel is keyed by its sdist's digest, as in pip's wheel cache."""
    cache_dir: str | os.PathLike[str] | None = field(default=None, metadata=NOT_IN_KEY)
    """Build environments, downloads and built wheels (default: ``$CROSSBUILD_CACHE_DIR``,
    else the user cache directory)."""
    allow_pure_fallback: bool = False
    """Accept a pure-Python wheel although a compiler call failed."""
    source_date_epoch: int = field(default_factory=source_date_epoch_from_environ)
    """The time of the build, in seconds since 1970: every timestamp in the wheel and the
    compilers' ``__DATE__``/``__TIME__`` (default: ``$SOURCE_DATE_EPOCH``, else
    :data:`DEFAULT_SOURCE_DATE_EPOCH`)."""
    rust_toolchain: RustToolchain | str | os.PathLike[str] | None = None
    """A directory with ``bin/cargo`` and ``bin/rustc`` that has the host's Rust standard
    library (Debian's: ``/usr``) and runs every Rust build (default: cargo on ``PATH``)."""
    vendored_crates: VendoredCrates | str | os.PathLike[str] | None = None
    """A directory of crates (``cargo vendor``'s output, Debian's ``/usr/share/cargo/registry``)
    that Cargo takes every crate from, offline (default: crates.io)."""
    strip: bool = False
    """Strip the debug sections and static symbols of the wheel's ELF files (``strip.py``)."""
    repair: bool = False
    """Make the wheel a manylinux wheel: graft the libraries it needs from the host's root
    into it and tag it for the glibc it needs (``repair.py``, with auditwheel)."""
    plat: str | None = None
    """With ``repair``: the platform tag asked for (``manylinux_2_28_aarch64``, or
    ``manylinux_2_28`` for the host's machine); ``None`` or ``auto``: the most compatible
    tag the wheel allows."""
    host_requires: tuple[str, ...] = ()
    """Build requirements to compile against the host's copy of (``--host-requires``), on
    top of numpy and the project's ``[tool.crossbuild] host-requires``: their host-arch
    wheel is unpacked, and the build pointed at its headers (``host_requires.py``)."""
    jobs: int | None = field(default=None, metadata=NOT_IN_KEY)
    """How many sdists ``install`` and wheelhouses cross-build at once (default: the number
    of cores): their builds are independent.  One build's own compiles are the backend's
    business: meson and CMake run ninja, which uses every core; setuptools builds its
    extensions one at a time unless :attr:`parallel_extensions` says otherwise.  Not in the
    key: it changes how fast wheels are built, not their bytes."""
    parallel_extensions: int | None = field(default=None, metadata=NOT_IN_KEY)
    """How many extensions a setuptools build compiles at once (``build_ext --parallel``);
    default: one at a time, as pip builds.  An opt-in: a ``setup.py`` written for a serial
    build may have one extension compile a source that another's build step generates
    (Cython output, a bundled library), and fails when they run at once.  Other backends
    ignore it.  Not in the key: the same extensions are made, in another order."""
    compiler_launcher: CompilerLauncher | str | os.PathLike[str] | None = field(default=None, metadata=NOT_IN_KEY)
    """The program that runs every compile: ``ccache``, ``sccache``, ``distcc``, a path, or
    ``"none"``; default: ccache if it is on ``PATH``.  Not in the key: a launcher hands back
    what the compiler makes, the same bytes."""

    def __post_init__(self) -> None:
        settings = {k: v if isinstance(v, str) else tuple(v) for k, v in self.config_settings.items()}
        object.__setattr__(self, "config_settings", MappingProxyType(settings))
        object.__setattr__(self, "host_requires", tuple(self.host_requires))
        if self.jobs is not None and self.jobs < 1:
            raise OptionError("{jobs} {value} is not a number of jobs; pass 1 or more", value=self.jobs)
        if self.parallel_extensions is not None and self.parallel_extensions < 1:
            raise OptionError(
                "{parallel_extensions} {value} is not a number of extensions; pass 1 or more",
                value=self.parallel_extensions,
            )
        if self.plat == "auto":
            object.__setattr__(self, "plat", None)
        if self.plat is not None and not self.repair:
            raise OptionError("a platform tag ({tag}) is given without {repair}; pass both", tag=self.plat)

    @property
    def key(self) -> str:
        """A digest of every option that shapes a built wheel (:func:`options_key`)."""
        return options_key(self, type(self))


def options_key(options: object, spec: type[BuildOptions] = BuildOptions) -> str:
    """A digest of every field of ``spec`` that shapes a built wheel, as ``options`` holds
    it: the options themselves, or the :class:`~crossbuild.wheel.context.BuildContext`
    they were resolved into (whose fields have the same names, with the build python and
    the Rust settings found)."""
    shaping = {
        f.name: _key_value(getattr(options, f.name)) for f in dataclasses.fields(spec) if f.metadata.get("key", True)
    }
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def parse_config_settings(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    """``KEY=VALUE`` pairs as config settings; a key given again collects a list, as pip does."""
    settings: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise OptionError("config setting {pair!r} has no '='; pass {config_settings} KEY=VALUE", pair=pair)
        previous = settings.get(key)
        if previous is None:
            settings[key] = value
        else:
            settings[key] = [*([previous] if isinstance(previous, str) else previous), value]
    return settings


def _key_value(value: object) -> Any:
    if isinstance(value, (BuildPython, RustToolchain, VendoredCrates)):
        return list(value.identity)
    if isinstance(value, Mapping):
        return {str(k): _key_value(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_key_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return os.fspath(value) if isinstance(value, os.PathLike) else repr(value)
