"""The ``crossbuild`` command's options: every subcommand's flags, with pip's names where
pip has the same option.  No option is abbreviated."""

from __future__ import annotations

import argparse

from .. import __version__
from ..installation.options import LINK_MODES, UPGRADE_STRATEGIES

HOST_HELP = (
    "the host's python inside its sysroot or rootfs (e.g. ROOTFS/usr/bin/python3.11), or the name of a host "
    "profile of the configuration (crossbuild config list)"
)


def make_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Cross-compile Python packages for another machine.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"crossbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    output_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    output_options.add_argument(
        "-v", "--verbose", action="count", default=0, help="show commands and backend output (-vv: and the index's)"
    )
    output_options.add_argument("-q", "--quiet", action="count", default=0, help="show only warnings and errors")
    output_options.add_argument("--log", metavar="FILE", help="append a verbose log to FILE")

    host_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False, parents=[output_options])
    host_options.add_argument("--host", metavar="PYTHON", help=HOST_HELP)
    host_options.add_argument("--sysroot", metavar="DIR", help="the host's root directory (default: from --host)")
    host_options.add_argument(
        "--cc",
        metavar="COMMAND",
        help="the host's C compiler: a GNU cross compiler, clang (clang-16...) or zig, which crossbuild makes cross "
        "compilers for the host (default: found from the host)",
    )
    host_options.add_argument(
        "--cxx", metavar="COMMAND", help="the host's C++ compiler (default: the one of the same kind as --cc)"
    )
    host_options.add_argument(
        "--glibc",
        dest="glibc_floor",
        metavar="X.Y",
        help="the oldest glibc the binaries must load with, for a manylinux wheel from a newer root (needs --cc zig; "
        "default: the root's glibc)",
    )

    inspect = commands.add_parser(
        "inspect", parents=[host_options], allow_abbrev=False, help="show what crossbuild sees of the host"
    )
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--cache-dir", metavar="DIR", help="where a view of the root goes, if it needs one")

    build_options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    build_options.add_argument(
        "-C",
        "--config-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the build backend (repeatable)",
    )
    build_options.add_argument(
        "--build-python",
        metavar="PYTHON",
        help="the native python that runs the backend (default: this one, or a native pythonX.Y of the host's X.Y "
        "found on PATH, in pyenv or uv)",
    )
    build_options.add_argument(
        "--host-requires",
        action="append",
        default=[],
        metavar="REQ",
        help="a build requirement to compile against the host's copy of, as numpy is by default: its host wheel "
        "is unpacked (cross-built if the index has none) and the build pointed at it (repeatable)",
    )
    build_options.add_argument(
        "--allow-pure-fallback", action="store_true", help="accept a pure-Python wheel even when a compiler call failed"
    )
    build_options.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="how much runs at once: sdists cross-built in parallel by install, extensions compiled in parallel "
        "by setuptools (default: the number of cores; 1: one at a time)",
    )
    build_options.add_argument(
        "--strip", action="store_true", help="strip debug information and static symbols from built wheels' ELF files"
    )
    build_options.add_argument("-i", "--index-url", metavar="URL", help="the package index (default: pip's)")
    build_options.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    build_options.add_argument("-f", "--find-links", action="append", default=[], metavar="DIR_OR_URL")
    build_options.add_argument("--no-index", action="store_true", help="ignore package indexes")
    build_options.add_argument(
        "--cache-dir", metavar="DIR", help="where to keep build environments, downloads and built wheels"
    )
    build_options.add_argument(
        "--no-cache-dir",
        "--no-cache",
        action="store_true",
        help="use no cache: everything is made anew in a temporary directory, removed at the end",
    )
    build_options.add_argument(
        "--compiler-launcher",
        metavar="PROGRAM",
        help="run every compile through PROGRAM: ccache, sccache, distcc (a build farm), or none (default: ccache "
        "if it is on PATH)",
    )
    build_options.add_argument(
        "--rust-toolchain",
        metavar="DIR",
        help="the Rust toolchain with bin/cargo and bin/rustc that builds for the host, e.g. /usr for Debian's "
        "(default: cargo on PATH)",
    )
    build_options.add_argument(
        "--vendored-crates",
        metavar="DIR",
        help="take every crate from DIR, offline: cargo vendor's output, or /usr/share/cargo/registry (Debian)",
    )

    wheel = commands.add_parser(
        "wheel", parents=[host_options, build_options], allow_abbrev=False, help="build wheels for the host"
    )
    wheel.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="a source tree, an sdist, or a requirement (with -r: more requirements of the wheelhouse)",
    )
    wheel.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="make a wheelhouse, like pip wheel: a wheel for the host of every requirement of FILE and every "
        "dependency, copied from the index or cross-built (repeatable)",
    )
    wheel.add_argument(
        "-c", "--constraint", action="append", default=[], metavar="FILE", help="with -r: constrain versions"
    )
    wheel.add_argument(
        "--no-deps", action="store_true", help="with -r: only the named requirements, not their dependencies"
    )
    wheel.add_argument(
        "--test-command",
        metavar="COMMAND",
        help="run COMMAND with the host python under qemu-user before publishing each wheel, e.g. "
        "'pytest {project}/tests' ({project}: the source, {wheel}: the wheel); its first word is python, a script "
        "of the test requirements, or else a module run as python -m WORD",
    )
    wheel.add_argument(
        "--test-requires",
        action="extend",
        nargs="+",
        default=[],
        metavar="REQUIREMENT",
        help="requirements installed for the host with the wheel to run --test-command (e.g. pytest)",
    )
    wheel.add_argument(
        "-w", "--wheel-dir", default="dist", metavar="DIR", help="where to put the wheels (default: dist)"
    )
    wheel.add_argument(
        "--repair",
        nargs="?",
        const="on",
        choices=("on", "off"),
        help="make manylinux wheels: graft the libraries they need from the host's root (auditwheel); default: off",
    )
    wheel.add_argument(
        "--plat",
        metavar="TAG",
        help="the manylinux tag to repair to, e.g. manylinux_2_28_aarch64 (implies --repair; default: auto, the "
        "most compatible tag the wheel allows)",
    )

    install = commands.add_parser(
        "install",
        parents=[host_options, build_options],
        allow_abbrev=False,
        help="install packages into the host's root, atomically",
    )
    install.add_argument("requirements", nargs="*", metavar="REQUIREMENT", help="a requirement or a local source")
    install.add_argument(
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="install from a requirements file (repeatable)",
    )
    install.add_argument(
        "-c",
        "--constraint",
        action="append",
        default=[],
        metavar="FILE",
        help="constrain versions with a constraints file (repeatable)",
    )
    install.add_argument("--root", metavar="DIR", help="the directory that is / on the host (a rootfs)")
    install.add_argument(
        "--prefix", metavar="DIR", help="the host's prefix: ROOTFS/usr, or a path on the host such as /usr with --root"
    )
    install.add_argument(
        "--scheme", metavar="NAME", help="the host's install scheme (default: Debian's posix_local, else posix_prefix)"
    )
    install.add_argument(
        "--no-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="never take wheels of these projects from an index (:all: for all)",
    )
    install.add_argument(
        "--only-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="never cross-build these projects from sdists (:all: for all)",
    )
    install.add_argument("--prefer-binary", action="store_true", help="prefer older wheels over newer sdists")
    install.add_argument("--compile", action="store_true", help="compile .pyc files for the host")
    install.add_argument("--force-reinstall", action="store_true", help="reinstall projects already installed")
    install.add_argument(
        "-U", "--upgrade", action="store_true", help="upgrade the named projects even if an installed version fits"
    )
    install.add_argument(
        "--upgrade-strategy",
        choices=UPGRADE_STRATEGIES,
        default="only-if-needed",
        help="with -U: upgrade dependencies only when needed (default) or always (eager)",
    )
    install.add_argument("--no-deps", action="store_true", help="install the named projects, not their dependencies")
    install.add_argument("--pre", action="store_true", help="include pre-releases and development versions")
    install.add_argument(
        "--ignore-installed", action="store_true", help="resolve as if nothing were installed, and reinstall"
    )
    install.add_argument(
        "--require-hashes",
        action="store_true",
        help="every requirement pinned with == and with --hash (on whenever any requirement has a hash)",
    )
    install.add_argument(
        "--dry-run", action="store_true", help="resolve and build, print what would change, change nothing"
    )
    install.add_argument(
        "--link-mode",
        choices=LINK_MODES,
        default="copy",
        help="lay files from the cache by copy (default) or by hard link (shared with the cache: see the README)",
    )
    install.add_argument("--report", metavar="FILE", help="write what was installed and why as JSON")
    install.add_argument(
        "--check-imports",
        action="store_true",
        help="after installing, import every installed top-level module with the root's python under qemu-user",
    )

    check = commands.add_parser(
        "check",
        parents=[output_options],
        allow_abbrev=False,
        help="verify a root's installed packages: files, dependencies, modes, machines",
    )
    check.add_argument("--root", required=True, metavar="DIR", help="the directory that is / on the host (a rootfs)")
    check.add_argument("--host", metavar="PYTHON", help=HOST_HELP + " (default: the root's only python3.X)")
    check.add_argument("--json", action="store_true", help="print JSON")

    config = commands.add_parser(
        "config",
        parents=[output_options],
        allow_abbrev=False,
        help="show the configuration: host profiles and option defaults, and where from (-v: the files read)",
    )
    config.add_argument("action", choices=["list"], help="list every setting in force with its origin")
    return parser
