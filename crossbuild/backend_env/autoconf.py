"""Bundled autoconf projects configure for the host: a ``CONFIG_SITE``, and the build
machine's own compilers under the names build tools look for.

A ``setup.py`` that runs ``./configure`` of a vendored library (libev, c-ares, jq…)
without ``--host`` makes configure run a compiled test program, which fails for another
machine: "cannot run C compiled programs" (exit 77).  Every autoconf configure sources
``$CONFIG_SITE`` right after reading its arguments; when it was given no ``--host``,
ours says what ``--host``/``--build`` would have: the host and build triplets
(``ac_cv_host``, ``ac_cv_build``), ``cross_compiling=yes`` and the host's tool prefix,
plus answers that a glibc host gives to the run-time checks configure cannot make.  A
configure given ``--host`` (maybe for a build-machine tool) is left alone.

With ``cc`` on the wrappers' ``PATH`` being the host's compiler, what compiles for the
build machine is named explicitly: ``CC_FOR_BUILD`` (autoconf, CPython),
``BUILD_CC``, ``HOST_CC`` (the ``cc`` crate's build-script compiler) and Cargo's linker
for the build machine's target (build scripts are linked with ``cc`` otherwise).
"""

from __future__ import annotations

import platform
import shlex
import shutil
from pathlib import Path

from ..host.host import Host
from ..host.machines import rust_target
from .shims import build_multiarch

_CONFIG_SITE = """# CONFIG_SITE written by crossbuild: a configure run without --host configures for the host.
if test -z "$host_alias"; then
  host_alias={host_alias}
  build_alias={build_alias}
  cross_compiling=yes
  ac_tool_prefix={host_alias}-
  ac_cv_host={ac_cv_host}
  ac_cv_build={ac_cv_build}
  : ${{CC_FOR_BUILD={cc_for_build}}}
{answers}fi
"""

#: What a glibc host answers to run-time checks that cannot run when cross-compiling.
_GLIBC_ANSWERS = {
    "ac_cv_func_malloc_0_nonnull": "yes",
    "ac_cv_func_realloc_0_nonnull": "yes",
    "ac_cv_func_mmap_fixed_mapped": "yes",
    "ac_cv_func_memcmp_working": "yes",
    "ac_cv_func_setpgrp_void": "yes",
    "ac_cv_func_fork_works": "yes",
    "ac_cv_func_vfork_works": "yes",
    "ac_cv_func_lstat_dereferences_slashed_symlink": "yes",
    "ac_cv_func_stat_empty_string_bug": "no",
}


def canonical(triplet: str, vendor: str = "unknown") -> str:
    """``config.sub``'s spelling of a multiarch triplet: ``aarch64-unknown-linux-gnu``."""
    cpu, _, system = triplet.partition("-")
    return f"{cpu}-{vendor}-{system}" if system else triplet


def write_config_site(host: Host, path: Path) -> Path:
    """Write the ``CONFIG_SITE`` file of a build for ``host``."""
    build = build_multiarch()
    vendor = "pc" if platform.machine() in ("x86_64", "i386", "i686") else "unknown"
    cc_for_build = shutil.which("cc") or shutil.which("gcc") or "cc"
    answers = _GLIBC_ANSWERS if host.glibc else {}
    path.write_text(
        _CONFIG_SITE.format(
            host_alias=shlex.quote(host.toolchain.target),
            build_alias=shlex.quote(build),
            ac_cv_host=shlex.quote(canonical(host.toolchain.target)),
            ac_cv_build=shlex.quote(canonical(build, vendor)),
            cc_for_build=shlex.quote(cc_for_build),
            answers="".join(f"  {name}=${{{name}={value}}}\n" for name, value in answers.items()),
        )
    )
    return path


def build_compilers_environ() -> dict[str, str]:
    """The build machine's compilers, under the names build tools read."""
    cc = shutil.which("cc") or shutil.which("gcc")
    cxx = shutil.which("c++") or shutil.which("g++")
    environ: dict[str, str] = {}
    if cc:
        environ |= {"CC_FOR_BUILD": cc, "BUILD_CC": cc, "HOST_CC": cc}
        target = rust_target(platform.machine(), build_multiarch())
        if target:
            environ[f"CARGO_TARGET_{target.upper().replace('-', '_')}_LINKER"] = cc
    if cxx:
        environ |= {"CXX_FOR_BUILD": cxx, "BUILD_CXX": cxx, "HOST_CXX": cxx}
    return environ
