"""The compiler launcher: ccache, sccache or distcc in front of every compiler call.

The compiler wrappers (``wrappers.py``) see every compile of every backend (setuptools,
the meson cross file, the CMake toolchain file all name them), so the launcher goes in
there, once: ``launcher host-gcc --sysroot=… -ffile-prefix-map=… ARGS``.  No
``CMAKE_<LANG>_COMPILER_LAUNCHER`` is set: it would launch the wrapper, which launches
again.  Cargo gets ``RUSTC_WRAPPER`` when the launcher is sccache (ccache and distcc do not
take rustc).

By default ccache is used when it is on ``PATH``: it hands back the compiler's own output
for the same preprocessed input, compiler and flags, so a wheel's bytes do not change.
sccache (a server that outlives the build) and distcc (it needs ``DISTCC_HOSTS``, a farm)
are used when named.

Cache hits must survive crossbuild's temporary build directories: ccache rewrites paths
under the build's work directory relative to the compiler's working directory
(``CCACHE_BASEDIR``) and does not hash that directory (``CCACHE_NOHASHDIR``): the wrappers'
``-ffile-prefix-map`` flags keep it out of the objects, so an object does not depend on it.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import OptionError

#: ``--compiler-launcher none``: compile without a launcher.
NO_LAUNCHER = "none"

#: ccache's results of one compile (its ``stats_log``) counted as a hit or a miss.
_CCACHE_HITS = ("direct_cache_hit", "preprocessed_cache_hit")
_CCACHE_MISSES = ("cache_miss",)


@dataclass(frozen=True)
class CompilerLauncher:
    """A program that runs the compiler: ``program COMPILER ARGS…``."""

    program: Path

    @property
    def kind(self) -> str:
        """``ccache``, ``sccache``, ``distcc``, or the program's name."""
        return self.program.name

    @classmethod
    def find(cls, name: str | os.PathLike[str] | None) -> CompilerLauncher | None:
        """The launcher ``name`` (a program on ``PATH`` or a path); ``None``: ccache if it
        is on ``PATH``; :data:`NO_LAUNCHER`: none."""
        if name is None:
            found = shutil.which("ccache")
            return cls(Path(found)) if found else None
        if os.fspath(name) == NO_LAUNCHER:
            return None
        found = shutil.which(os.fspath(name))
        if found is None:
            raise OptionError(
                "compiler launcher {launcher!r} is not an executable program; install it, pass its path, or pass "
                "{compiler_launcher} none",
                launcher=os.fspath(name),
            )
        return cls(Path(found).absolute())

    def environ(self, cache: Path, base: Path | None, stats_log: Path | None) -> dict[str, str]:
        """The variables the launcher needs in one build: its cache directory in crossbuild's
        ``cache`` unless the user chose one, and path-independent hashing under ``base``
        (the build's directories), with each compile's result written to ``stats_log``."""
        if self.kind == "ccache":
            environ = {"CCACHE_NOHASHDIR": "1"}
            if "CCACHE_DIR" not in os.environ:  # in crossbuild's cache, where nothing is world-writable
                environ.update(CCACHE_DIR=str(cache / "ccache"), CCACHE_UMASK="022")
            if base is not None:
                environ["CCACHE_BASEDIR"] = str(base)
            if stats_log is not None:
                environ["CCACHE_STATSLOG"] = str(stats_log)
            return environ
        if self.kind == "sccache":
            environ = {"RUSTC_WRAPPER": str(self.program)}
            if "SCCACHE_DIR" not in os.environ:
                environ["SCCACHE_DIR"] = str(cache / "sccache")
            return environ
        return {}


def ccache_stats(stats_log: Path) -> tuple[int, int] | None:
    """The hits and misses ccache wrote to ``stats_log`` (``CCACHE_STATSLOG``) in one build;
    ``None`` when it wrote nothing (no compile, or not ccache)."""
    try:
        lines = stats_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    counts = Counter(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    if not counts:
        return None
    return sum(counts[name] for name in _CCACHE_HITS), sum(counts[name] for name in _CCACHE_MISSES)
