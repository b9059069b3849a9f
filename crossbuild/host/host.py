"""The host: everything crossbuild knows about the machine the wheel is for.

:func:`inspect_host` reads it once, statically, from the host python's files; the
resulting frozen :class:`Host` is passed down the whole pipeline.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from packaging.tags import Tag

from .. import _cache
from .._exceptions import HostPythonError
from .._lazy import FoundWhenNeeded
from . import layout
from .compilers import check_compiler_options, glibc_floor_of
from .details import read_build_details
from .elf import ElfTarget, read_elf_header
from .libc import read_libc
from .machines import QEMU
from .rootfs import root_of
from .toolchain import CompilerRequest, Toolchain, find_toolchain
from .view import build_sysroot

#: The machines packaging.tags gives manylinux tags on (``_manylinux._ALLOWED_ARCHS``,
#: and 32-bit ARM and x86, whose python's ELF header it also checks).
MANYLINUX_ARCHES = frozenset(
    {"x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64", "armv7l", "i686"}
)


@dataclass(frozen=True)
class Host:
    """A host python and the toolchain that builds for it."""

    python: Path
    """The host python's binary, as a path on the build machine."""
    sysroot: Path
    """The host's root directory on the build machine (``/`` when it has none): what
    crossbuild reads host files from and installs into."""
    version: str
    """``X.Y``."""
    full_version: str
    """``X.Y.Z`` when the headers tell it, else ``X.Y``."""
    soabi: str
    ext_suffix: str
    abiflags: str
    multiarch: str
    platform: str
    """What ``sysconfig.get_platform()`` says on the host, e.g. ``linux-aarch64``."""
    elf: ElfTarget
    """Machine, class and byte order of the host python's binary."""
    glibc: tuple[int, int] | None
    """The version of the host's glibc, ``None`` when its python is not linked with glibc."""
    musl: tuple[int, int] | None
    """The version of the host's musl (Alpine, OpenWrt, Buildroot), ``None`` when its
    python is not linked with musl (see :mod:`crossbuild.host.libc`)."""
    sysconfigdata: Path
    config_vars: Mapping[str, Any] = field(repr=False, compare=False)
    """The host's sysconfig ``build_time_vars`` (paths as on the host), with the values of
    its ``build-details.json`` in place where it has one."""
    build_sysroot: FoundWhenNeeded[Path] = FoundWhenNeeded()
    """The root the compilers, pkg-config, meson, CMake and qemu are given: ``sysroot``
    itself, or a view of it in the cache where its symlinks point inside it (see
    :mod:`crossbuild.host.view`); never written to.  Found when first read."""
    toolchain: FoundWhenNeeded[Toolchain] = FoundWhenNeeded()
    """The compilers and binutils, found when first read (see :class:`FoundWhenNeeded`)."""
    emulator: FoundWhenNeeded[tuple[str, ...] | None] = FoundWhenNeeded(default=None)
    """A command that runs host binaries here (qemu-user with the build sysroot), if
    installed.  Found when first read."""
    build_details: Path | None = None
    """The PEP 739 ``build-details.json`` whose values the host's description prefers."""

    @property
    def machine(self) -> str:
        """What ``platform.machine()`` says on the host."""
        return self.elf.machine

    @property
    def cpu(self) -> str:
        """:attr:`machine` with its byte order where uname leaves it out (``mipsel``): how
        qemu, Rust and numpy name the machine."""
        return self.elf.cpu

    @property
    def byteorder(self) -> str:
        return self.elf.byteorder

    @property
    def pointer_bits(self) -> int:
        return self.elf.bits

    @property
    def libc(self) -> str | None:
        """``"glibc"``, ``"musl"``, or ``None`` when neither could be told (a static python)."""
        if self.glibc is not None:
            return "glibc"
        return "musl" if self.musl is not None else None

    @property
    def prefix(self) -> str:
        """The host python's prefix as a path on the host, e.g. ``/usr``."""
        return str(self.config_vars.get("prefix") or "/usr")

    @property
    def python_on_host(self) -> str:
        """The host python's path on the host itself, e.g. ``/usr/bin/python3.11``."""
        return "/" + self.python.relative_to(self.sysroot).as_posix()

    @property
    def interpreter_tag(self) -> str:
        return "cp" + self.version.replace(".", "")

    @property
    def abi_tag(self) -> str:
        flags = "d" if self.config_vars.get("Py_DEBUG") else ""
        flags += "t" if self.config_vars.get("Py_GIL_DISABLED") else ""
        return self.interpreter_tag + flags

    @property
    def platform_tag(self) -> str:
        return self.platform.replace("-", "_").replace(".", "_")

    @property
    def tag(self) -> Tag:
        """The most specific wheel tag of the host, e.g. ``cp311-cp311-linux_aarch64``."""
        return Tag(self.interpreter_tag, self.abi_tag, self.platform_tag)

    @property
    def platform_tags(self) -> list[str]:
        """Platform tags the host accepts, best first: manylinux for its glibc or musllinux
        for its musl, then linux — as packaging.tags computes them on the host.

        ``manylinux_2_X_<arch>`` for every glibc from the host's down to 2.17 (and the
        legacy aliases ``manylinux2014``/``2010``/``1`` where they exist for the arch);
        ``musllinux_1_X_<arch>`` for every musl from the host's down to 1.0.  No manylinux
        tag for a machine manylinux has no policy for (MIPS): packaging gives none there.
        """
        arch = self.platform_tag.removeprefix("linux_")
        tags = []
        if self.musl is not None and self.platform_tag.startswith("linux_"):
            major, minor = self.musl
            tags = [f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1)]
        if self.glibc is not None and arch in MANYLINUX_ARCHES and self.platform_tag.startswith("linux_"):
            floor = 5 if arch in ("x86_64", "i686") else 17
            for minor in range(self.glibc[1], floor - 1, -1):
                tags.append(f"manylinux_2_{minor}_{arch}")
                legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(minor)
                if legacy and (minor == 17 or arch in ("x86_64", "i686")):
                    tags.append(f"{legacy}_{arch}")
        return [*tags, self.platform_tag]

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 environment markers as they evaluate on the host."""
        return {
            "implementation_name": "cpython",
            "implementation_version": self.full_version,
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.full_version,
            "python_version": self.version,
            "sys_platform": "linux",
        }

    def in_sysroot(self, host_path: str) -> Path:
        """A path on the host, as a path on the build machine."""
        return self.sysroot / PurePosixPath(host_path).relative_to("/")

    def in_build_sysroot(self, host_path: str) -> Path:
        """A path on the host, as the compilers and build tools are given it."""
        return self.build_sysroot / PurePosixPath(host_path).relative_to("/")

    @property
    def fingerprint(self) -> str:
        """What a built wheel depends on: the host's build data and the compilers — each
        program by name (not where it is installed) with all its arguments, and which build
        of it is installed."""
        compilers = [self.toolchain.cc, *(c for c in (self.toolchain.cxx, self.toolchain.fortran) if c)]
        identity = json.dumps(
            [
                dict(self.config_vars),
                self.platform,
                str(self.elf),
                self.glibc,
                *([self.musl] if self.musl else []),  # (a glibc host's fingerprint as before)
                self.toolchain.target,
                [self.toolchain.kind, self.toolchain.version],
                [([Path(command[0]).name, *command[1:]], _installed_build(command[0])) for command in compilers],
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(identity.encode()).hexdigest()

    def summary(self) -> dict[str, Any]:
        """What ``crossbuild inspect`` shows (JSON-friendly)."""
        return {
            "python": str(self.python),
            "python_on_host": self.python_on_host,
            "sysroot": str(self.sysroot),
            "build_sysroot": str(self.build_sysroot),
            "version": self.full_version,
            "implementation": "cpython",
            "soabi": self.soabi,
            "ext_suffix": self.ext_suffix,
            "abiflags": self.abiflags,
            "multiarch": self.multiarch,
            "machine": self.machine,
            "platform": self.platform,
            "tag": str(self.tag),
            "byteorder": self.byteorder,
            "pointer_bits": self.pointer_bits,
            "glibc": ".".join(map(str, self.glibc)) if self.glibc else None,
            "musl": ".".join(map(str, self.musl)) if self.musl else None,
            "libc": self.libc,
            "sysconfigdata": str(self.sysconfigdata),
            "build_details": str(self.build_details) if self.build_details else None,
            "built_with": self.config_vars.get("CC"),
            "compiler": f"{self.toolchain.kind} {self.toolchain.version}".strip(),
            "toolchain": {
                "cc": list(self.toolchain.cc),
                "cxx": list(self.toolchain.cxx) if self.toolchain.cxx else None,
                "fortran": list(self.toolchain.fortran) if self.toolchain.fortran else None,
                "target": self.toolchain.target,
                "ar": self.toolchain.ar,
                "strip": self.toolchain.strip,
                "kind": self.toolchain.kind,
                "version": self.toolchain.version,
            },
            "emulator": list(self.emulator) if self.emulator else None,
        }


def inspect_host(
    python: str | os.PathLike[str],
    *,
    sysroot: str | os.PathLike[str] | None = None,
    cc: str | None = None,
    cxx: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    glibc_floor: str | tuple[int, int] | None = None,
) -> Host:
    """Inspect the host python at ``python`` (a path on this machine) without running it.

    Where the python has a PEP 739 ``build-details.json`` its values win over
    ``_sysconfigdata``'s (see :mod:`crossbuild.host.details`).  ``sysroot`` defaults to
    the directory that holds the python's prefix (``ROOT`` for ``ROOT/usr/bin/python3``);
    ``cc``/``cxx`` override the compilers found.  A root with symlinks that lead out of it
    on this machine gets a view in ``cache_dir`` (default: ``$CROSSBUILD_CACHE_DIR``, else
    the user cache directory).  The compilers, that view and the emulator are found when
    first read (a build, qemu): an install of wheels needs none of them.

    ``cc`` may name a GNU cross compiler, a clang (``clang-16``) or ``zig``: clang and zig
    are made cross compilers for the host (:mod:`crossbuild.host.compilers`).
    ``glibc_floor`` (``"2.17"``, zig only) is the oldest glibc the binaries must load with.
    Whether these can work is checked here, before anything else is done.
    """
    given_root = Path(sysroot).absolute() if sysroot is not None else None
    files = layout.locate(Path(python), given_root)
    config_vars = layout.read_sysconfigdata(files.sysconfigdata)
    details = read_build_details(files.build_details, layout.stdlib_version(files.stdlib_dir))
    if details is not None:
        if details.implementation != "cpython":
            raise HostPythonError(
                details.path,
                "describes {name}, not CPython; crossbuild supports CPython hosts",
                name=details.implementation,
            )
        config_vars = details.apply(config_vars)
    soabi = str(config_vars.get("SOABI") or "")
    if not soabi.startswith("cpython-"):
        raise HostPythonError(
            files.executable, "is not CPython (SOABI {soabi!r}); crossbuild supports CPython hosts", soabi=soabi
        )
    elf = read_elf_header(files.executable)
    if elf is None or not layout.looks_like_python(files.executable):
        what = "an ELF executable" if elf is None else "a Python interpreter"
        raise HostPythonError(files.executable, "is not {what}; pass {host} the host's python binary", what=what)
    root = given_root or _sysroot_of(files.prefix_dir, str(config_vars.get("prefix") or "/usr"))
    version = str(config_vars.get("VERSION") or "")
    _check_supported(files.executable, version)
    multiarch = str(config_vars.get("MULTIARCH") or "")
    glibc, musl = read_libc(root, files.executable, multiarch)
    platform = details.platform if details else f"{config_vars.get('MACHDEP') or 'linux'}-{elf.machine}"
    include_dir = root / str(config_vars.get("INCLUDEPY") or f"/usr/include/python{version}").lstrip("/")
    build_root = functools.cache(functools.partial(build_sysroot, root, lambda: _cache.cache_dir(cache_dir)))
    # The host's C library as the compilers must target it: zig targets <arch>-linux-musl
    # for a musl root, and a glibc floor is refused there.
    libc, libc_version = ("musl", musl) if musl is not None else ("glibc", glibc)
    floor = glibc_floor_of(glibc_floor)
    check_compiler_options(cc, cxx, floor, libc, libc_version)
    request = CompilerRequest(libc, floor, libc_version, lambda: _cache.cache_dir(cache_dir))
    return Host(
        python=files.executable,
        sysroot=root,
        build_sysroot=build_root,
        version=version,
        full_version=(details.full_version if details else None) or layout.read_patchlevel(include_dir) or version,
        soabi=soabi,
        ext_suffix=str(config_vars.get("EXT_SUFFIX") or ""),
        abiflags=str(config_vars.get("ABIFLAGS") or ""),
        multiarch=multiarch,
        platform=platform,
        elf=elf,
        glibc=glibc,
        musl=musl,
        sysconfigdata=files.sysconfigdata,
        config_vars=MappingProxyType(config_vars),
        toolchain=lambda: find_toolchain(elf, config_vars, build_root(), cc=cc, cxx=cxx, request=request),
        emulator=lambda: find_emulator(elf.cpu, build_root()),
        build_details=details.path if details else None,
    )


#: The oldest host CPython crossbuild builds for (the oldest one its runtime patch and
#: install schemes are written for; CPython 3.9 reached its end of life in October 2025).
OLDEST_HOST = (3, 10)


def _check_supported(executable: Path, version: str) -> None:
    """Refuse a host CPython older than :data:`OLDEST_HOST` before anything is made for it."""
    major, _, minor = version.partition(".")
    if major.isdigit() and minor.isdigit() and (int(major), int(minor)) < OLDEST_HOST:
        raise HostPythonError(
            executable,
            "is CPython {version}; crossbuild builds for CPython {oldest} and newer",
            version=version,
            oldest=".".join(map(str, OLDEST_HOST)),
        )


def find_emulator(machine: str, sysroot: Path) -> tuple[str, ...] | None:
    """qemu-user for ``machine`` (a :attr:`Host.cpu` name), loading the host's libraries from ``sysroot``."""
    qemu = shutil.which(QEMU.get(machine, f"qemu-{machine}"))
    return (qemu, "-L", str(sysroot)) if qemu else None


def _sysroot_of(prefix_dir: Path, prefix: str) -> Path:
    """``ROOT`` for a prefix directory ``ROOT/usr`` whose sysconfig prefix is ``/usr``."""
    root = root_of(prefix_dir, prefix)
    if root is not None:
        return root
    raise HostPythonError(
        prefix_dir,
        "does not end with the host python's prefix {prefix}; pass {sysroot} (the directory that is / on the host)",
        prefix=prefix,
    )


def _installed_build(program: str) -> tuple[str, int, int] | None:
    """The file behind ``program`` as name, size and modification time: an upgraded
    compiler (``gcc-12`` 12.2.0-14 to -15) is another file, so wheels built with the old
    one are not reused."""
    try:
        real = Path(shutil.which(program) or program).resolve(strict=True)
        info = real.stat()
    except OSError:
        return None
    return real.name, info.st_size, info.st_mtime_ns
