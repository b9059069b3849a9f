"""Make the cross toolchain and a Debian host sysroot that the integration tests use.

Run as root on Debian (bookworm) — it calls ``apt-get`` and ``dpkg``::

    python integration/sysroot.py --arch arm64            # prints the sysroot path

The path is all that reaches stdout (callers do ``SYSROOT=$(…)``): the output of apt, dpkg
and the rest goes to stderr.  When another apt or dpkg holds its lock, it waits for it.

Everything is idempotent and cached: the toolchain is only installed when missing, the
``.deb`` files are downloaded once into the cache, and the sysroot is rebuilt only when
the package list changes.  The cache lives in ``$CROSSBUILD_TEST_CACHE`` (default
``~/.cache/crossbuild-tests``).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PYTHON = "python3.11"


@dataclass(frozen=True)
class Arch:
    debian: str  # dpkg architecture
    triplet: str  # GNU multiarch triplet
    qemu: str  # qemu-user binary

    @property
    def toolchain_packages(self) -> list[str]:
        # the gcc-<triplet> package names use the triplet with '_' -> '-' untouched
        return [f"gcc-{self.triplet}", f"g++-{self.triplet}", "qemu-user"]


ARCHES = {
    "arm64": Arch("arm64", "aarch64-linux-gnu", "qemu-aarch64"),
    "armhf": Arch("armhf", "arm-linux-gnueabihf", "qemu-arm"),
    "s390x": Arch("s390x", "s390x-linux-gnu", "qemu-s390x"),
}

# What a host sysroot needs: the host python, its headers, libc and libstdc++ headers.
# Their dependencies are followed with apt-cache.
ROOT_PACKAGES = [
    f"{PYTHON}-minimal",
    f"lib{PYTHON}-stdlib",
    f"lib{PYTHON}-dev",
    "libc6-dev",
    "libstdc++-12-dev",
]
# Dependencies that only matter to dpkg's maintainer scripts, never inside a sysroot.
SKIPPED = {"dpkg", "tar", "install-info", "perl", "perl-base", "debconf"}

CACHE = Path(os.environ.get("CROSSBUILD_TEST_CACHE", Path.home() / ".cache" / "crossbuild-tests"))

# How long to wait for a lock held by another apt or dpkg (a concurrent test run, unattended
# upgrades) before failing.  ``DPkg::Lock::Timeout`` covers dpkg's lock for apt-get; the
# lock of apt's package lists and dpkg's own calls are waited for by ``wait_for_lock``.
LOCK_TIMEOUT = 600
DPKG_LOCK = Path("/var/lib/dpkg/lock-frontend")
LISTS_LOCK = Path("/var/lib/apt/lists/lock")


def log(msg: str) -> None:
    print(f"[sysroot] {msg}", file=sys.stderr, flush=True)


def run(
    cmd: list[str],
    *,
    capture: bool = False,
    check: bool = True,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with its stdout captured (``capture``) or sent to our stderr, never to our
    stdout: that carries the sysroot path alone.  apt-get waits for dpkg's lock."""
    if cmd[0] == "apt-get":
        cmd = [cmd[0], "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}", *cmd[1:]]
    stdout = subprocess.PIPE if capture else _stderr_fd()
    return subprocess.run(cmd, check=check, text=True, stdout=stdout, cwd=cwd, env=env)


def _stderr_fd() -> int:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an in-memory stream
        return 2


def wait_for_lock(lock: Path, timeout: float = LOCK_TIMEOUT) -> None:
    """Wait until no process holds ``lock``, an apt or dpkg lock file (they are fcntl locks).

    For what ``DPkg::Lock::Timeout`` does not cover: ``apt-get update`` fails at once on a
    held lists lock, and so does ``dpkg`` on its own lock.  Past ``timeout``, the command
    runs anyway and reports the lock itself.
    """
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return
    deadline = time.monotonic() + timeout
    said = False
    try:
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return  # free (closing fd lets it go again)
            except OSError:
                if time.monotonic() > deadline:
                    return
                if not said:
                    log(f"waiting up to {timeout:.0f}s for {lock}, held by another apt or dpkg")
                    said = True
                time.sleep(1)
    finally:
        os.close(fd)


def apt_update(arch: Arch, attempts: int = 4) -> None:
    """``apt-get update``, retried: the network and the mirrors fail now and then.

    A mirror in the middle of a sync can fail one index (seen: bookworm-security for
    armhf, "File has unexpected size"); that is no failure when ``arch``'s lists came.
    """
    for attempt in range(1, attempts + 1):
        wait_for_lock(LISTS_LOCK)
        if run(["apt-get", "update", "-q"], check=False).returncode == 0:
            return
        log(f"apt-get update failed (attempt {attempt}/{attempts})")
        time.sleep(5 * attempt)
    if _apt_updated_for(arch):
        log(f"going on with the package lists apt has for {arch.debian}")
        return
    raise SystemExit("giving up: apt-get update")


def _apt_updated_for(arch: Arch) -> bool:
    lists = Path("/var/lib/apt/lists")
    return any(lists.glob(f"*_binary-{arch.debian}_Packages*"))


def ensure_apt(arch: Arch) -> None:
    foreign = run(["dpkg", "--print-foreign-architectures"], capture=True).stdout.split()
    native = run(["dpkg", "--print-architecture"], capture=True).stdout.strip()
    if arch.debian != native and arch.debian not in foreign:
        log(f"dpkg --add-architecture {arch.debian}")
        wait_for_lock(DPKG_LOCK)
        run(["dpkg", "--add-architecture", arch.debian])
    if not _apt_updated_for(arch):
        apt_update(arch)


def ensure_toolchain(arch: Arch) -> None:
    missing = [exe for exe in (f"{arch.triplet}-gcc", f"{arch.triplet}-g++", arch.qemu) if shutil.which(exe) is None]
    if not missing:
        return
    log(f"installing {', '.join(arch.toolchain_packages)} (missing: {', '.join(missing)})")
    ensure_apt(arch)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for attempt in range(1, 4):
        if run(["apt-get", "install", "-y", "-q", *arch.toolchain_packages], check=False, env=env).returncode == 0:
            return
        log(f"apt-get install failed (attempt {attempt}/3); refreshing package lists")
        apt_update(arch)
    raise SystemExit("could not install the cross toolchain")


def package_closure(arch: Arch, roots: Sequence[str] = ROOT_PACKAGES) -> list[str]:
    """The packages ``roots`` and everything they depend on, for ``arch``."""
    out = run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *[f"{name}:{arch.debian}" for name in roots],
        ],
        capture=True,
    ).stdout
    names = set()
    for line in out.splitlines():
        if line.startswith((" ", "<")):
            continue  # a dependency line, or a virtual package
        name, _, pkg_arch = line.strip().partition(":")
        if pkg_arch == arch.debian and name not in SKIPPED:
            names.add(f"{name}:{arch.debian}")
    return sorted(names)


def download(arch: Arch, packages: list[str], debs: Path) -> list[Path]:
    debs.mkdir(parents=True, exist_ok=True)
    wanted = {p.split(":")[0] for p in packages}
    have = {p.name.split("_")[0] for p in debs.glob("*.deb")}
    missing = sorted(p for p in packages if p.split(":")[0] not in have)
    if missing:
        log(f"downloading {len(missing)} packages into {debs}")
        for _attempt in range(1, 4):
            if run(["apt-get", "download", "-q", *missing], check=False, cwd=debs).returncode == 0:
                break
            apt_update(arch)
        else:
            raise SystemExit("apt-get download failed")
    return sorted(p for p in debs.glob("*.deb") if p.name.split("_")[0] in wanted)


def relativize_symlinks(root: Path) -> None:
    """Absolute symlinks in a sysroot would point into the build machine: re-root them."""
    for path in root.rglob("*"):
        if path.is_symlink():
            target = str(path.readlink())
            if target.startswith("/"):
                new = os.path.relpath(root / target.lstrip("/"), path.parent)
                path.unlink()
                path.symlink_to(new)


def ensure_sysroot(arch: Arch, dest: Path | None = None, *, roots: Sequence[str] = ROOT_PACKAGES) -> Path:
    """A sysroot of the packages ``roots`` and their dependencies (by default: the host
    python's), unpacked into ``dest``."""
    ensure_apt(arch)
    packages = package_closure(arch, roots)
    digest = hashlib.sha256("\n".join(packages).encode()).hexdigest()[:16]
    dest = dest or CACHE / f"sysroot-bookworm-{arch.debian}"
    stamp = dest / ".crossbuild-sysroot"
    if stamp.is_file() and stamp.read_text() == digest:
        return dest
    debs = download(arch, packages, CACHE / "debs" / arch.debian)
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    log(f"unpacking {len(debs)} packages into {dest}")
    for deb in debs:
        run(["dpkg-deb", "-x", str(deb), str(staging)])
    relativize_symlinks(staging)
    (staging / ".crossbuild-sysroot").write_text(digest)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHES), default="arm64")
    parser.add_argument("--dest", type=Path, help="where to put the sysroot (default: in the cache)")
    parser.add_argument("--no-toolchain", action="store_true", help="only make the sysroot")
    args = parser.parse_args(argv)
    arch = ARCHES[args.arch]
    if not args.no_toolchain:
        ensure_toolchain(arch)
    print(ensure_sysroot(arch, args.dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
