"""Cross-compile CPython against musl into a root laid out as Alpine, OpenWrt or Buildroot lay it.

Run as root on Debian (bookworm) — it calls ``apt-get`` like ``sysroot.py``::

    python integration/musl.py --arch arm64              # prints the root's path
    python integration/musl.py --arch mipsel             # the OpenWrt router case

The C library is Debian's ``musl``/``musl-dev`` for the architecture (musl 1.2.3 in
bookworm), moved out of Debian's multiarch directories into a musl system's places:
the library is ``/lib/ld-musl-<arch>.so.1`` (a file, as on Alpine; ``/usr/lib/libc.so``
links to it), ``crt*.o`` and the static stubs are in ``/usr/lib``, musl's headers and the
kernel's (``linux-libc-dev``) in ``/usr/include``.  zlib is built from Debian's orig
tarball against it (pip and wheels need ``zlib``).  CPython is built from the same source
as ``cpython.py`` with GCC's cross compiler for the glibc triplet, told where musl is by
Debian's ``musl-gcc.specs`` with its paths pointed into the root (the way ``musl-gcc``
works): ``/usr/bin/python3.11``, ``/usr/lib/python3.11``, ``libpython3.11.so`` in
``/usr/lib``, no multiarch directory anywhere.

CPython is compiled with ``-O1`` and without debug information (its default is ``-O3 -g``):
half the build time (about 4 instead of 8 minutes on 2 cores), for roots that only run tests.

Left out, as on a minimal OpenWrt image: OpenSSL (``ssl``, ``_hashlib``: ``hashlib`` uses
CPython's own md5/sha1/sha2/sha3/blake2), libffi (``ctypes``), bzip2, xz, sqlite,
readline.  C++ extensions need a C++ runtime built for musl, which Debian does not ship
(its libstdc++ is built for glibc): none is in the root.

The root is cached in ``$CROSSBUILD_TEST_CACHE`` as ``cpython-musl-<version>-<arch>``,
rebuilt only when its recipe changes, built beside it and renamed into place once its
python imports its C modules under qemu, under a lock (two runs wait for one build).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cpython as cpython_script
import sysroot as sysroot_script
from sysroot import CACHE, Arch, exclusive, run

#: Debian's packages of the C library, and the kernel's headers (Alpine's linux-headers).
PACKAGES = ["musl-dev", "linux-libc-dev"]
#: What the new root's python must import: its C modules that need nothing but musl and zlib.
SMOKE_IMPORTS = ("zlib", "_decimal", "pyexpat", "math", "_socket", "select", "_struct", "_sha256", "_blake2")
STAMP = ".crossbuild-musl"
ARCHES = ("arm64", "mipsel")


def log(msg: str) -> None:
    print(f"[musl] {msg}", file=sys.stderr, flush=True)


def musl_triplet(arch: Arch) -> str:
    """The GNU triplet of ``arch`` with musl: ``aarch64-linux-musl``, ``mipsel-linux-musl``."""
    machine = arch.triplet.split("-")[0]
    return f"{machine}-linux-musl{'eabihf' if arch.triplet.endswith('eabihf') else ''}"


def patch_configure(source: Path) -> None:
    """Make CPython 3.11's ``configure`` name the platform musl's for a cross build, as a
    native Alpine build names it (``_sysconfigdata__linux_aarch64-linux-musl``, extensions
    ``*.cpython-311-aarch64-linux-musl.so``, as in PyPI's musllinux wheels).

    3.11 looks at the *build* machine's libc (``$build_os``; 3.12 fixed it to the host's),
    and takes ``MULTIARCH`` from the compiler, which is the glibc cross compiler here
    (musl's own compilers have none): the multiarch becomes the platform triplet.
    """
    configure = source / "configure"
    text = configure.read_text()
    for old, new in (
        ('case "$build_os" in\n  linux-musl*)', 'case "$host_os" in\n  linux-musl*)'),
        ("MULTIARCH=$($CC --print-multiarch 2>/dev/null)", "MULTIARCH="),
    ):
        if old not in text:
            raise SystemExit(f"CPython's configure has no {old!r}: cannot make it a musl build")
        text = text.replace(old, new)
    configure.write_text(text)


def configure_options(arch: Arch, build_python: Path) -> list[str]:
    """``cpython.py``'s options with musl's triplet as the host: ``CC`` and the binutils
    stay the glibc cross toolchain's names (what the root's sysconfig names; configure
    would look for ``<musl triplet>-readelf``), the specs make it musl's."""
    options = cpython_script.configure_options(arch, build_python)
    tools = [f"{name}={arch.triplet}-{tool}" for name, tool in (("AR", "ar"), ("READELF", "readelf"))]
    # -O1 and no -g (CPython's default: -O3 -g): the build takes less of CI's time
    quick = ["OPT=-DNDEBUG -fwrapv -O1"]
    return [f"--host={musl_triplet(arch)}" if o.startswith("--host=") else o for o in options] + tools + quick


# -- the C library ---------------------------------------------------------------------


def ensure_libc_root(arch: Arch) -> Path:
    """The root with musl, the kernel headers and zlib; built once, then reused."""
    debs = sysroot_script.ensure_sysroot(arch, CACHE / f"musl-debs-bookworm-{arch.debian}", roots=PACKAGES)
    zlib = cpython_script.ensure_orig("zlib")
    key = hashlib.sha256(json.dumps([(debs / ".crossbuild-sysroot").read_text(), sha256(zlib), 2]).encode()).hexdigest()
    dest = CACHE / f"musl-root-{arch.debian}"
    stamp = dest / STAMP
    if stamp.is_file() and stamp.read_text() == key[:16]:
        return dest
    with exclusive(dest.with_name(dest.name + ".lock")):
        if stamp.is_file() and stamp.read_text() == key[:16]:
            return dest
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
            root = Path(tmp) / "root"
            lay_out_musl(arch, debs, root)
            build_zlib(arch, zlib, root, Path(tmp))
            (root / STAMP).write_text(key[:16])
            if dest.exists():
                dest.rename(Path(tmp) / "old")
            root.rename(dest)
    return dest


def lay_out_musl(arch: Arch, debs: Path, root: Path) -> None:
    """Move Debian's musl into a musl system's places (see the module's docstring)."""
    loaders = sorted((debs / "lib").glob("ld-musl-*.so.1"))
    if len(loaders) != 1:
        raise SystemExit(f"no single musl loader in {debs}/lib: {loaders}")
    triplet_dirs = sorted((debs / "usr" / "lib").glob("*-linux-musl*"))
    lib_dir, include_dir = triplet_dirs[0], debs / "usr" / "include" / triplet_dirs[0].name
    (root / "lib").mkdir(parents=True)
    shutil.copy2(loaders[0].resolve(), root / "lib" / loaders[0].name)  # the library itself, as on Alpine
    (root / "usr" / "lib").mkdir(parents=True)
    for item in lib_dir.iterdir():
        if item.suffix in (".o", ".a"):
            shutil.copy2(item, root / "usr" / "lib" / item.name)
    (root / "usr" / "lib" / "libc.so").symlink_to(f"../../lib/{loaders[0].name}")
    shutil.copytree(include_dir, root / "usr" / "include", symlinks=True)
    kernel = debs / "usr" / "include"
    for name in ("linux", "asm-generic", "mtd", "rdma", "misc", "scsi", "sound", "video", "xen", "drm"):
        if (kernel / name).is_dir():
            shutil.copytree(kernel / name, root / "usr" / "include" / name, symlinks=True)
    shutil.copytree(kernel / arch.triplet / "asm", root / "usr" / "include" / "asm", symlinks=True)
    (root / "etc").mkdir()


def arch_specs(arch: Arch, root: Path, work: Path) -> Path:
    """Debian's ``musl-gcc.specs`` of ``arch`` (the loader's name is in it) with its paths
    pointed into ``root``."""
    template = next((CACHE / f"musl-debs-bookworm-{arch.debian}").glob("usr/lib/*-linux-musl*/musl-gcc.specs"))
    musl_dir = template.parent.name
    text = template.read_text().replace(f"/usr/include/{musl_dir}", f"{root}/usr/include")
    specs = work / "musl-gcc.specs"
    specs.write_text(text.replace(f"/usr/lib/{musl_dir}", f"{root}/usr/lib"))
    return specs


def build_zlib(arch: Arch, tarball: Path, root: Path, work: Path) -> None:
    """zlib from Debian's orig tarball, built against musl and installed into ``root``."""
    started = time.monotonic()
    run(["tar", "-xf", str(tarball), "-C", str(work)])
    source = next(p for p in work.iterdir() if p.is_dir() and p.name.startswith("zlib-"))
    env = cpython_script.build_environ(arch, work / "bin", [f"-specs={arch_specs(arch, root, work)}"], {})
    env = {**env, "CHOST": musl_triplet(arch), "CC": f"{arch.triplet}-gcc", "CFLAGS": "-O2 -fPIC"}
    run(["./configure", "--prefix=/usr"], cwd=source, env=env)
    run(["make", f"-j{os.cpu_count() or 1}"], cwd=source, env=env)
    run(["make", "install", f"DESTDIR={root}"], cwd=source, env=env)
    shutil.rmtree(root / "usr" / "share", ignore_errors=True)  # zlib's man page
    log(f"zlib built against musl in {time.monotonic() - started:.0f}s")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- CPython ---------------------------------------------------------------------------


def ensure_musl_cpython(arch: Arch) -> Path:
    """A musl root with CPython cross-built from source for ``arch``; built once, then reused."""
    sysroot_script.ensure_toolchain(arch)
    libc_root = ensure_libc_root(arch)
    tarball = cpython_script.ensure_source()
    version = tarball.name.split("_")[1].split(".orig")[0]
    build_python = cpython_script.find_build_python(".".join(version.split(".")[:2]))
    options = configure_options(arch, build_python)
    recipe = [cpython_script.sha256(tarball), options, (libc_root / STAMP).read_text(), SMOKE_IMPORTS, "musl-triplet"]
    key = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:16]
    dest = CACHE / f"cpython-musl-{version}-{arch.debian}"
    stamp = dest / cpython_script.STAMP
    if stamp.is_file() and stamp.read_text() == key:
        return dest
    with exclusive(dest.with_name(dest.name + ".lock")):
        if stamp.is_file() and stamp.read_text() == key:  # built meanwhile by another process
            return dest
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
            specs = arch_specs(arch, libc_root, Path(tmp))
            pkg_config = {
                "PKG_CONFIG_LIBDIR": f"{libc_root}/usr/lib/pkgconfig",
                "PKG_CONFIG_SYSROOT_DIR": str(libc_root),
            }
            root = cpython_script.build(
                arch,
                tarball,
                libc_root,
                options,
                Path(tmp),
                compiler_flags=[f"-specs={specs}"],
                pkg_config=pkg_config,
                smoke_imports=SMOKE_IMPORTS,
                patch=patch_configure,
            )
            (root / cpython_script.STAMP).write_text(key)
            if dest.exists():
                dest.rename(Path(tmp) / "old")
            root.rename(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=ARCHES, default="arm64")
    args = parser.parse_args(argv)
    started = time.monotonic()
    root = ensure_musl_cpython(sysroot_script.ARCHES[args.arch])
    log(f"{root} ready in {time.monotonic() - started:.0f}s")
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
