"""The option groups that several commands share: output, host, build.

Each command adds its own options in its module (:mod:`crossbuild.cli.commands`); the
groups here are the parents they share, with pip's names where pip has the same option.
No option is abbreviated."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

HOST_HELP = (
    "the host's python inside its sysroot or rootfs (e.g. ROOTFS/usr/bin/python3.11), or the name of a host "
    "profile of the configuration (crossbuild config list)"
)


@dataclass(frozen=True)
class OptionGroups:
    """The shared groups, as parents of the commands' parsers."""

    output: argparse.ArgumentParser
    """``-v``, ``-q``, ``--log``: every command."""
    host: argparse.ArgumentParser
    """The output options and which host: ``--host``, ``--sysroot``, ``--cc``, ``--cxx``."""
    build: argparse.ArgumentParser
    """How wheels are built and where sdists come from: ``wheel`` and ``install``."""
    installed_root: argparse.ArgumentParser
    """The output options and a root whose installed packages are read (``--root``, and
    ``--host`` defaulting to its only python): ``check`` and ``sbom``."""


def option_groups() -> OptionGroups:
    output = output_options()
    return OptionGroups(output, host_options(output), build_options(), installed_root_options(output))


def installed_root_options(output: argparse.ArgumentParser) -> argparse.ArgumentParser:
    group = argparse.ArgumentParser(add_help=False, allow_abbrev=False, parents=[output])
    group.add_argument("--root", required=True, metavar="DIR", help="the directory that is / on the host (a rootfs)")
    group.add_argument("--host", metavar="PYTHON", help=HOST_HELP + " (default: the root's only python3.X)")
    return group


def output_options() -> argparse.ArgumentParser:
    group = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="show commands and backend output (-vv: and the index's)"
    )
    group.add_argument("-q", "--quiet", action="count", default=0, help="show only warnings and errors")
    group.add_argument("--log", metavar="FILE", help="append a verbose log to FILE")
    return group


def host_options(output: argparse.ArgumentParser) -> argparse.ArgumentParser:
    group = argparse.ArgumentParser(add_help=False, allow_abbrev=False, parents=[output])
    group.add_argument("--host", metavar="PYTHON", help=HOST_HELP)
    group.add_argument("--sysroot", metavar="DIR", help="the host's root directory (default: from --host)")
    group.add_argument(
        "--cc",
        metavar="COMMAND",
        help="the host's C compiler: a GNU cross compiler, clang (clang-16...) or zig, which crossbuild makes cross "
        "compilers for the host (default: found from the host)",
    )
    group.add_argument(
        "--cxx", metavar="COMMAND", help="the host's C++ compiler (default: the one of the same kind as --cc)"
    )
    group.add_argument(
        "--glibc",
        dest="glibc_floor",
        metavar="X.Y",
        help="the oldest glibc the binaries must load with, for a manylinux wheel from a newer root (needs --cc zig; "
        "default: the root's glibc)",
    )
    return group


def build_options() -> argparse.ArgumentParser:
    group = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    group.add_argument(
        "-C",
        "--config-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the build backend (repeatable)",
    )
    group.add_argument(
        "--build-python",
        metavar="PYTHON",
        help="the native python that runs the backend (default: this one, or a native pythonX.Y of the host's X.Y "
        "found on PATH, in pyenv or uv)",
    )
    group.add_argument(
        "--host-requires",
        action="append",
        default=[],
        metavar="REQ",
        help="a build requirement to compile against the host's copy of, as numpy is by default: its host wheel "
        "is unpacked (cross-built if the index has none) and the build pointed at it (repeatable)",
    )
    group.add_argument(
        "--allow-pure-fallback", action="store_true", help="accept a pure-Python wheel even when a compiler call failed"
    )
    group.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="how many sdists install (and wheel -r) cross-build at once (default: the number of cores; 1: one "
        "at a time)",
    )
    group.add_argument(
        "--parallel-extensions",
        type=int,
        metavar="N",
        help="let setuptools compile N extensions of a project at once (build_ext --parallel); default: one at a "
        "time, as pip does, since a setup.py may generate in one extension's step what another compiles",
    )
    group.add_argument(
        "--strip", action="store_true", help="strip debug information and static symbols from built wheels' ELF files"
    )
    group.add_argument("-i", "--index-url", metavar="URL", help="the package index (default: pip's)")
    group.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="another package index to look in besides --index-url (repeatable)",
    )
    group.add_argument(
        "-f",
        "--find-links",
        action="append",
        default=[],
        metavar="DIR_OR_URL",
        help="a directory of wheels and sdists, or a page of links to them, to look in as well (repeatable)",
    )
    group.add_argument("--no-index", action="store_true", help="ignore package indexes")
    group.add_argument(
        "--cache-dir", metavar="DIR", help="where to keep build environments, downloads and built wheels"
    )
    group.add_argument(
        "--no-cache-dir",
        "--no-cache",
        action="store_true",
        help="use no cache: everything is made anew in a temporary directory, removed at the end",
    )
    group.add_argument(
        "--compiler-launcher",
        metavar="PROGRAM",
        help="run every compile through PROGRAM: ccache, sccache, distcc (a build farm), or none (default: ccache "
        "if it is on PATH)",
    )
    group.add_argument(
        "--rust-toolchain",
        metavar="DIR",
        help="the Rust toolchain with bin/cargo and bin/rustc that builds for the host, e.g. /usr for Debian's "
        "(default: cargo on PATH)",
    )
    group.add_argument(
        "--vendored-crates",
        metavar="DIR",
        help="take every crate from DIR, offline: cargo vendor's output, or /usr/share/cargo/registry (Debian)",
    )
    return group
