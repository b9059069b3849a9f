"""What the tests of ``crossbuild install`` share: the rootfs's site directory, the wheels
of the ``links`` fixture (see conftest), and how to read an install's result."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from crossbuild import InstallResult
from helpers.fakehost import AARCH64, ET_DYN, X86_64, elf_header, make_wheel

SITE = "usr/local/lib/python3.11/dist-packages"
HOST_SITE = "/" + SITE
SO = elf_header(AARCH64, ET_DYN) + bytes(64)
SO_X86 = elf_header(X86_64, ET_DYN) + bytes(64)
NATIVE = "beta/_native.cpython-311-aarch64-linux-gnu.so"

#: The build python compiles the bytecode (see test_placement.py's bytecode tests).
compiled_by_311 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="bytecode checks need a 3.11 build python")

#: The ``install`` fixture: ``crossbuild.install`` for the fake host, offline, into its rootfs.
Install = Callable[..., InstallResult]


def make_links(directory: Path) -> Path:
    """A find-links directory: alpha (needs beta>=2), beta 1.0 (pure) and 2.0 (aarch64, x86_64), tool."""
    make_wheel(
        directory,
        name="alpha",
        tags="py3-none-any",
        purelib=True,
        requires=["beta>=2", 'gamma; platform_machine == "x86_64"'],
        files={"alpha/__init__.py": b"import beta\n"},
    )
    make_wheel(
        directory, name="beta", version="1.0", tags="py3-none-any", purelib=True, files={"beta/__init__.py": b"V = 1\n"}
    )
    make_wheel(
        directory,
        name="beta",
        version="2.0",
        tags="cp311-cp311-manylinux_2_17_aarch64",
        files={"beta/__init__.py": b"V = 2\n", "beta/fast.py": b"F = 2\n", NATIVE: SO},
    )
    make_wheel(  # for x86_64 hosts: never for this one
        directory,
        name="beta",
        version="2.0",
        tags="cp311-cp311-manylinux_2_17_x86_64",
        files={"beta/__init__.py": b"V = 2\n", "beta/_native.cpython-311-x86_64-linux-gnu.so": SO_X86},
    )
    make_wheel(
        directory,
        name="tool",
        tags="py3-none-any",
        purelib=True,
        files={
            "tool/__init__.py": b"def main():\n    print('tool')\n",
            "tool-1.0.dist-info/entry_points.txt": b"[console_scripts]\ntool = tool:main\n",
        },
    )
    return directory


def installed(result: InstallResult) -> list[tuple[str, str, str, bool]]:
    """Name, version, source and whether it was asked for, of every distribution of ``result``."""
    return [(d.name, d.version, d.source, d.requested) for d in result.distributions]


def site_listing(root: Path) -> list[str]:
    """The files in the rootfs's site directory, relative to it."""
    site = root / SITE
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if not p.is_dir())


def on_disk(root: Path, host_paths: Sequence[str]) -> int:
    """The bytes of ``host_paths`` in ``root``, counted here, apart from crossbuild."""
    return sum((root / p.lstrip("/")).lstat().st_size for p in host_paths)
