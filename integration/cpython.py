"""Cross-compile CPython from its source into a root laid out as Buildroot or Yocto lay it.

Run as root on Debian (bookworm) — it calls ``apt-get`` like ``sysroot.py``::

    python integration/cpython.py --arch arm64            # prints the root's path

The root holds ``/usr/bin/python3.11`` built from the CPython source with ``--prefix=/usr``
and none of Debian's patches: ``_sysconfigdata__linux_<triplet>.py`` only, headers in
``/usr/include/python3.11`` (no multiarch directory), ``/usr/lib/python3.11/site-packages``,
``libpython3.11.so`` in ``/usr/lib``, no pip.  Under it are the C library and the libraries
CPython uses (zlib, libffi, OpenSSL, bzip2, xz), taken from Debian packages with their
headers, as a Buildroot staging directory keeps them — and no Debian python.

The source is Debian's orig tarball of CPython, fetched with ``apt-get source
--download-only`` through a private ``deb-src`` list, package lists and cache (under the
cache directory): the machine's own apt configuration and lists are never touched.

The root is cached in ``$CROSSBUILD_TEST_CACHE`` (default ``~/.cache/crossbuild-tests``)
and rebuilt only when the tarball's SHA-256, the configure options or the library set
change.  A build (minutes) runs in a temporary directory beside the root and is renamed
into place once the new python has imported its C modules under qemu: an interrupted or
failed build leaves the previous root, never half of one.  Only the path reaches stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sysroot as sysroot_script
from sysroot import CACHE, PYTHON, Arch, exclusive, run

SUITE = "bookworm"
#: What CPython links against, beside the C library (and libstdc++, which C++ extensions need).
LIBRARIES = [
    "libc6-dev",
    "libstdc++-12-dev",
    "zlib1g-dev",
    "libffi-dev",
    "libssl-dev",
    "libbz2-dev",
    "liblzma-dev",
]
#: The C modules that must import in the new root; a build without one of them is refused.
SMOKE_IMPORTS = ("zlib", "_ssl", "_hashlib", "_ctypes", "_bz2", "_lzma", "_decimal", "pyexpat", "math")
STAMP = ".crossbuild-cpython"
SOURCES = Path("/etc/apt/sources.list")
SOURCE_PARTS = Path("/etc/apt/sources.list.d")
DEFAULT_MIRROR = ("http://deb.debian.org/debian", "/usr/share/keyrings/debian-archive-keyring.gpg")


def log(msg: str) -> None:
    print(f"[cpython] {msg}", file=sys.stderr, flush=True)


def configure_options(arch: Arch, build_python: Path) -> list[str]:
    """What ``configure`` is given: a cross build with ``--prefix=/usr``, as Buildroot does it.

    The answers ``configure`` cannot find out without running host code come as cache
    variables (``ac_cv_*``), as in Buildroot's and Yocto's recipes.
    """
    return [
        f"--host={arch.triplet}",
        f"--build={build_triplet()}",
        "--prefix=/usr",
        "--enable-shared",
        "--without-ensurepip",
        "--disable-test-modules",
        f"--with-build-python={build_python}",
        f"CC={arch.triplet}-gcc",
        f"CXX={arch.triplet}-g++",
        "ac_cv_file__dev_ptmx=yes",
        "ac_cv_file__dev_ptc=no",
        "ac_cv_buggy_getaddrinfo=no",
    ]


def build_triplet() -> str:
    return run(["gcc", "-dumpmachine"], capture=True).stdout.strip()


def find_build_python(version: str) -> Path:
    """A native ``pythonX.Y`` of the source's X.Y: CPython's cross build runs it."""
    for path in ("/usr/bin:/bin", None):
        found = shutil.which(f"python{version}", path=path)
        if found:
            return Path(found)
    raise SystemExit(f"no native python{version} to cross-build CPython {version} with")


# -- the source ------------------------------------------------------------------------


def debian_mirror(suite: str = SUITE) -> tuple[str, str]:
    """The Debian mirror this machine's apt uses for ``suite`` (URI, keyring)."""
    stanzas: list[dict[str, str]] = []
    for path in sorted(SOURCE_PARTS.glob("*.sources")):
        for block in re.split(r"\n\s*\n", path.read_text(errors="replace")):
            fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", block, re.M))
            stanzas.append({k.lower(): v for k, v in fields.items()})
    for path in [SOURCES, *sorted(SOURCE_PARTS.glob("*.list"))]:
        text = path.read_text(errors="replace") if path.is_file() else ""
        for line in text.splitlines():
            match = re.match(r"^deb\s+(?:\[([^]]*)\]\s+)?(\S+)\s+(\S+)", line.strip())
            if match:
                keyring = re.search(r"signed-by=(\S+)", match[1] or "")
                stanzas.append(
                    {"types": "deb", "uris": match[2], "suites": match[3], "signed-by": keyring[1] if keyring else ""}
                )
    for stanza in stanzas:
        if "deb" in stanza.get("types", "").split() and suite in stanza.get("suites", "").split():
            return stanza["uris"].split()[0], stanza.get("signed-by") or DEFAULT_MIRROR[1]
    return DEFAULT_MIRROR


def private_apt(directory: Path, suite: str = SUITE) -> list[str]:
    """``apt-get`` options for a private ``deb-src`` list, package lists and cache."""
    uri, keyring = debian_mirror(suite)
    (directory / "sources.list.d").mkdir(parents=True, exist_ok=True)
    (directory / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (directory / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    sources = directory / "sources.list"
    sources.write_text(f"deb-src [signed-by={keyring}] {uri} {suite} main\n")
    return [
        "-o",
        f"Dir::Etc::SourceList={sources}",
        "-o",
        f"Dir::Etc::SourceParts={directory / 'sources.list.d'}",
        "-o",
        f"Dir::State::Lists={directory / 'lists'}",
        "-o",
        f"Dir::Cache={directory / 'cache'}",
    ]


def ensure_source(version: str = PYTHON.removeprefix("python"), suite: str = SUITE) -> Path:
    """Debian's orig tarball of CPython ``version`` (``X.Y``), downloaded once."""
    return ensure_orig(f"python{version}", suite)


def ensure_orig(package: str, suite: str = SUITE) -> Path:
    """Debian's orig tarball of the source package ``package`` of ``suite``, downloaded once
    (CPython's; zlib's for the musl roots, see ``musl.py``)."""
    directory = CACHE / "cpython-source"
    found = sorted(directory.glob(f"{package}_*.orig.tar.*"))
    if found:
        return found[-1]
    options = private_apt(directory / "apt", suite)
    with exclusive(directory / ".download.lock"):
        found = sorted(directory.glob(f"{package}_*.orig.tar.*"))
        if found:  # downloaded meanwhile by another process
            return found[-1]
        for attempt in range(1, 4):
            if run(["apt-get", *options, "update", "-q"], check=False).returncode == 0:
                break
            log(f"apt-get update (deb-src) failed (attempt {attempt}/3)")
            time.sleep(5 * attempt)
        with tempfile.TemporaryDirectory(dir=directory, prefix=".download-") as tmp:
            # <package>/bookworm: the suite's own version, whose files every mirror keeps
            run(["apt-get", *options, "source", "--download-only", "-q", f"{package}/{suite}"], cwd=Path(tmp))
            tarballs = sorted(Path(tmp).glob(f"{package}_*.orig.tar.*"))
            if len(tarballs) != 1:
                raise SystemExit(f"apt-get source {package} gave no single orig tarball: {tarballs}")
            tarballs[0].rename(directory / tarballs[0].name)  # whole, or not there at all
    return directory / tarballs[0].name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the build -------------------------------------------------------------------------


def ensure_cpython(arch: Arch, dest: Path | None = None) -> Path:
    """A root with CPython cross-built from source for ``arch``; built once, then reused."""
    deps = sysroot_script.ensure_sysroot(arch, CACHE / f"cpython-libs-{SUITE}-{arch.debian}", roots=LIBRARIES)
    tarball = ensure_source()
    version = tarball.name.split("_")[1].split(".orig")[0]  # 3.11.2
    build_python = find_build_python(".".join(version.split(".")[:2]))
    options = configure_options(arch, build_python)
    recipe = [sha256(tarball), options, pkg_config_environ(arch, deps), (deps / ".crossbuild-sysroot").read_text()]
    key = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:16]
    dest = dest or CACHE / f"cpython-{version}-{arch.debian}"
    stamp = dest / STAMP
    if stamp.is_file() and stamp.read_text() == key:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(dest.with_name(dest.name + ".lock")):
        if stamp.is_file() and stamp.read_text() == key:  # built meanwhile by another process
            return dest
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
            root = build(arch, tarball, deps, options, Path(tmp))
            (root / STAMP).write_text(key)
            old = Path(tmp) / "old"
            if dest.exists():
                dest.rename(old)
            root.rename(dest)
    return dest


def build(
    arch: Arch,
    tarball: Path,
    deps: Path,
    options: list[str],
    work: Path,
    *,
    compiler_flags: list[str] | None = None,
    pkg_config: dict[str, str] | None = None,
    smoke_imports: tuple[str, ...] = SMOKE_IMPORTS,
    patch: Callable[[Path], None] | None = None,
) -> Path:
    """Configure, make and install CPython into ``work/root``, a copy of ``deps``.

    The compilers get ``compiler_flags`` (default ``--sysroot=DEPS``) and pkg-config looks
    where ``pkg_config`` says (default :func:`pkg_config_environ`): a musl root gives its
    own (see ``musl.py``), and ``patch`` may change the source tree first.
    """
    started = time.monotonic()
    run(["tar", "-xf", str(tarball), "-C", str(work)])
    source = next(p for p in work.iterdir() if p.is_dir() and p.name.startswith("Python-"))
    if patch is not None:
        patch(source)
    flags = compiler_flags if compiler_flags is not None else [f"--sysroot={deps}"]
    env = build_environ(arch, work / "bin", flags, pkg_config or pkg_config_environ(arch, deps))
    log(f"configure {' '.join(options)}")
    run(["./configure", "-q", *options], cwd=source, env=env)
    log("make")
    run(["make", f"-j{os.cpu_count() or 1}"], cwd=source, env=env)
    root = work / "root"
    run(["cp", "-a", f"{deps}/.", str(root)])
    for stamp in (".crossbuild-sysroot", ".crossbuild-musl"):
        (root / stamp).unlink(missing_ok=True)
    log(f"make install DESTDIR={root}")
    run(["make", "install", f"DESTDIR={root}"], cwd=source, env=env)
    smoke_test(arch, root, smoke_imports)
    log(f"CPython cross-built and installed in {time.monotonic() - started:.0f}s")
    return root


def pkg_config_environ(arch: Arch, deps: Path) -> dict[str, str]:
    """pkg-config looking into the library sysroot only, as a cross pkg-config does.

    The directories the compiler searches by itself (``--sysroot``) are left out of its
    flags: else ``-I SYSROOT/usr/include`` hides Debian's multiarch headers from CPython's
    setup.py (libffi's ``ffi.h`` is in ``/usr/include/<triplet>``) and ``_ctypes`` is built
    without libffi.
    """
    return {
        "PKG_CONFIG_LIBDIR": f"{deps}/usr/lib/{arch.triplet}/pkgconfig:{deps}/usr/share/pkgconfig",
        "PKG_CONFIG_SYSROOT_DIR": str(deps),
        "PKG_CONFIG_SYSTEM_INCLUDE_PATH": f"{deps}/usr/include:{deps}/usr/include/{arch.triplet}",
        "PKG_CONFIG_SYSTEM_LIBRARY_PATH": ":".join(
            f"{deps}/{d}" for d in (f"usr/lib/{arch.triplet}", "usr/lib", f"lib/{arch.triplet}", "lib")
        ),
    }


def build_environ(arch: Arch, bin_dir: Path, flags: list[str], pkg_config: dict[str, str]) -> dict[str, str]:
    """The environment of the build: the cross compilers under their usual names, given
    ``flags`` (the library sysroot: so no build-machine path is written into the new
    python's sysconfig), and pkg-config as ``pkg_config`` says."""
    bin_dir.mkdir(exist_ok=True)
    for tool in ("gcc", "g++"):
        real = shutil.which(f"{arch.triplet}-{tool}")
        if real is None:
            raise SystemExit(f"{arch.triplet}-{tool} is missing: run integration/sysroot.py --arch {arch.debian}")
        wrapper = bin_dir / f"{arch.triplet}-{tool}"
        wrapper.write_text(f'#!/bin/sh\nexec {real} {" ".join(flags)} "$@"\n')
        wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PKG_CONFIG", "PYTHON", "CONFIG_SITE"))}
    return {
        **env,
        **pkg_config,
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
        "LC_ALL": "C",
    }


def smoke_test(arch: Arch, root: Path, imports: tuple[str, ...] = SMOKE_IMPORTS) -> None:
    """The new python runs under qemu and imports its C modules: a build that silently left
    one out (a missing library) is not cached."""
    code = f"import {', '.join(imports)}, sys; print(sys.version)"
    result = run(
        [arch.qemu, "-L", str(root), str(root / "usr" / "bin" / PYTHON), "-c", code],
        capture=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    if result.returncode != 0:
        raise SystemExit(f"the new {PYTHON} does not import {', '.join(imports)} under {arch.qemu}")
    log(f"{PYTHON} under {arch.qemu}: {result.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(sysroot_script.ARCHES), default="arm64")
    parser.add_argument("--dest", type=Path, help="where to put the root (default: in the cache)")
    args = parser.parse_args(argv)
    arch = sysroot_script.ARCHES[args.arch]
    sysroot_script.ensure_toolchain(arch)
    print(ensure_cpython(arch, args.dest.absolute() if args.dest else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
