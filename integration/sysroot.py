"""Make the cross toolchain and a Debian host sysroot that the integration tests use.

Run as root on Debian (bookworm) — it calls ``apt-get`` and ``dpkg``::

    python integration/sysroot.py --arch arm64            # prints the sysroot path
    python integration/sysroot.py --arch arm64 --suite trixie

Bookworm sysroots come through the build machine's own apt (with ``dpkg
--add-architecture``).  Another suite (trixie) comes through a private apt — its own
sources list, package lists, cache and an empty dpkg status in the cache, on the
machine's own mirror — so the build machine's apt never sees it and its own packages
never come from there.

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
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PYTHON = "python3.11"
BUILD_SUITE = "bookworm"  # the build machine's Debian release: its own apt serves it


@dataclass(frozen=True)
class Arch:
    debian: str  # dpkg architecture
    triplet: str  # GNU triplet of the cross toolchain (the multiarch one; i686 for i386)
    qemu: str  # qemu-user binary
    suite: str = BUILD_SUITE  # the Debian release of its sysroot by default

    @property
    def toolchain_packages(self) -> list[str]:
        # the gcc-<triplet> package names use the triplet with '_' -> '-' untouched
        return [f"gcc-{self.triplet}", f"g++-{self.triplet}", "qemu-user"]


ARCHES = {
    "arm64": Arch("arm64", "aarch64-linux-gnu", "qemu-aarch64"),
    "armhf": Arch("armhf", "arm-linux-gnueabihf", "qemu-arm"),
    "s390x": Arch("s390x", "s390x-linux-gnu", "qemu-s390x"),
    "i386": Arch("i386", "i686-linux-gnu", "qemu-i386"),
    "ppc64el": Arch("ppc64el", "powerpc64le-linux-gnu", "qemu-ppc64le"),
    "mipsel": Arch("mipsel", "mipsel-linux-gnu", "qemu-mipsel"),
    "mips64el": Arch("mips64el", "mips64el-linux-gnuabi64", "qemu-mips64el"),
    # bookworm has no riscv64 port (so no python for it); its gcc-riscv64-linux-gnu builds for trixie's
    "riscv64": Arch("riscv64", "riscv64-linux-gnu", "qemu-riscv64", suite="trixie"),
}

# The host python of each Debian release, and the rest of its root packages: the C++
# library and, for a merged-/usr release, base-files (its lib -> usr/lib, bin -> usr/bin
# links: libc.so names /lib/<triplet>/libc.so.6, found through them as in a real rootfs).
SUITES = {
    "bookworm": (PYTHON, ("libstdc++-12-dev",)),
    "trixie": ("python3.13", ("libstdc++-14-dev", "base-files")),
}


def python_of(suite: str) -> str:
    """The host python's name in a sysroot of ``suite``: ``python3.11``, ``python3.13``."""
    return SUITES[suite][0]


def root_packages(suite: str) -> list[str]:
    """What a host sysroot needs: the host python, its headers, libc and libstdc++ headers.
    Their dependencies are followed with apt-cache."""
    python, others = SUITES[suite]
    return [f"{python}-minimal", f"lib{python}-stdlib", f"lib{python}-dev", "libc6-dev", *others]


ROOT_PACKAGES = root_packages(BUILD_SUITE)

# Dependencies that only matter to dpkg's maintainer scripts, never inside a sysroot.
SKIPPED = {"dpkg", "tar", "install-info", "perl", "perl-base", "debconf"}

CACHE = Path(os.environ.get("CROSSBUILD_TEST_CACHE", Path.home() / ".cache" / "crossbuild-tests"))

# How long to wait for a lock held by another apt or dpkg (a concurrent test run, unattended
# upgrades) before failing.  ``DPkg::Lock::Timeout`` covers dpkg's lock for apt-get; the
# lock of apt's package lists and dpkg's own calls are waited for by ``wait_for_lock``.
LOCK_TIMEOUT = 600
DPKG_LOCK = Path("/var/lib/dpkg/lock-frontend")
#: A sysroot's dpkg database (relative to it): see ``write_dpkg_database``.
DPKG_STATUS = Path("var/lib/dpkg/status")
LISTS_LOCK = Path("/var/lib/apt/lists/lock")
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


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


def apt_options(arch: Arch, suite: str = BUILD_SUITE) -> list[str]:
    """The ``apt-get``/``apt-cache`` options that reach ``suite`` for ``arch``.

    None for the build machine's own suite.  For another, a private apt in the cache: a
    sources list of ``arch`` alone on the machine's mirror, its own lists, cache and an
    empty dpkg status, and no preferences of the machine's.
    """
    if suite == BUILD_SUITE:
        return []
    base = CACHE / "apt" / f"{suite}-{arch.debian}"
    for folder in (base / "lists" / "partial", base / "cache" / "archives" / "partial"):
        folder.mkdir(parents=True, exist_ok=True)
    (base / "status").touch()
    mirror, keyring = machine_mirror()
    signed_by = f" signed-by={keyring}" if keyring else ""
    sources = f"deb [arch={arch.debian}{signed_by}] {mirror} {suite} main\n"
    if not (base / "sources.list").is_file() or (base / "sources.list").read_text() != sources:
        (base / "sources.list").write_text(sources)
    settings = {
        "Dir::Etc::SourceList": base / "sources.list",
        "Dir::Etc::SourceParts": "/dev/null",
        "Dir::Etc::Preferences": "/dev/null",
        "Dir::Etc::PreferencesParts": "/dev/null",
        "Dir::State::Lists": base / "lists",
        "Dir::State::status": base / "status",
        "Dir::Cache": base / "cache",
        "APT::Architectures::": arch.debian,
        "APT::Sandbox::User": "root",  # the cache is root's own: _apt may not enter it
    }
    return [option for name, value in settings.items() for option in ("-o", f"{name}={value}")]


def machine_mirror() -> tuple[str, str | None]:
    """The URI and keyring of the Debian archive that serves the build machine its suite,
    from its sources (one-line ``.list`` or deb822 ``.sources`` files)."""
    etc = Path("/etc/apt")
    for path in [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*.list"))]:
        for line in path.read_text().splitlines() if path.is_file() else []:
            options = re.search(r"\[(.*?)\]", line.split("#", 1)[0])
            words = re.sub(r"\[.*?\]", "", line.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == BUILD_SUITE:
                keyrings = re.findall(r"signed-by=(\S+)", options[1] if options else "")
                return words[1], keyrings[0] if keyrings else _default_keyring()
    for path in sorted((etc / "sources.list.d").glob("*.sources")):
        for paragraph in path.read_text().split("\n\n"):
            fields = dict(re.findall(r"(?m)^([\w-]+):[ \t]*(.*)$", paragraph))
            fields = {name.lower(): value for name, value in fields.items()}
            if "deb" in fields.get("types", "").split() and BUILD_SUITE in fields.get("suites", "").split():
                return fields["uris"].split()[0], fields.get("signed-by") or _default_keyring()
    return "http://deb.debian.org/debian", _default_keyring()


def _default_keyring() -> str | None:
    return str(DEBIAN_KEYRING) if DEBIAN_KEYRING.is_file() else None


def _lists_dir(arch: Arch, suite: str) -> Path:
    return Path("/var/lib/apt/lists") if suite == BUILD_SUITE else CACHE / "apt" / f"{suite}-{arch.debian}" / "lists"


def apt_update(arch: Arch, attempts: int = 4, suite: str = BUILD_SUITE) -> None:
    """``apt-get update``, retried: the network and the mirrors fail now and then.

    A mirror in the middle of a sync can fail one index (seen: bookworm-security for
    armhf, "File has unexpected size"); that is no failure when ``arch``'s lists came.
    """
    for attempt in range(1, attempts + 1):
        if suite == BUILD_SUITE:
            wait_for_lock(LISTS_LOCK)
        if run(["apt-get", *apt_options(arch, suite), "update", "-q"], check=False).returncode == 0:
            return
        log(f"apt-get update failed (attempt {attempt}/{attempts})")
        time.sleep(5 * attempt)
    if _apt_updated_for(arch, suite):
        log(f"going on with the package lists apt has for {arch.debian}")
        return
    raise SystemExit("giving up: apt-get update")


def _apt_updated_for(arch: Arch, suite: str = BUILD_SUITE) -> bool:
    return any(_lists_dir(arch, suite).glob(f"*_binary-{arch.debian}_Packages*"))


def ensure_apt(arch: Arch, suite: str = BUILD_SUITE) -> None:
    if suite != BUILD_SUITE:  # a private apt: the build machine's dpkg needs no new architecture
        if not _apt_updated_for(arch, suite):
            apt_update(arch, suite=suite)
        return
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
    apt_install(arch, arch.toolchain_packages, "the cross toolchain")


def ensure_fortran(arch: Arch) -> None:
    """The host's Fortran compiler (``gfortran-<triplet>``), for the Fortran tests."""
    if shutil.which(f"{arch.triplet}-gfortran") is None:
        log(f"installing gfortran-{arch.triplet}")
        apt_install(arch, [f"gfortran-{arch.triplet}"], "the Fortran cross compiler")


def apt_install(arch: Arch, packages: list[str], what: str, *options: str) -> None:
    """``apt-get install`` ``packages`` (``what`` they are, for the error), retried with
    fresh package lists: a mirror in the middle of a sync fails now and then."""
    if arch.suite == BUILD_SUITE:  # (riscv64 is no architecture of the build machine's suite)
        ensure_apt(arch)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for attempt in range(1, 4):
        if run(["apt-get", "install", "-y", "-q", *options, *packages], check=False, env=env).returncode == 0:
            return
        log(f"apt-get install failed (attempt {attempt}/3); refreshing package lists")
        apt_update(arch)
    raise SystemExit(f"could not install {what}")


def rust_packages(arch: Arch) -> list[str]:
    """Debian's Rust toolchain (/usr/bin/cargo, rustc), its standard library for ``arch`` and
    PyO3 with the crates it needs in Debian's vendored registry (/usr/share/cargo/registry)."""
    return ["rustc", "cargo", f"libstd-rust-dev:{arch.debian}", "librust-pyo3-dev"]


def ensure_rust(arch: Arch) -> None:
    """Install :func:`rust_packages` when one is missing (they must come from Debian: its
    ``libstd-rust-dev`` matches its own rustc only, not rustup's)."""
    packages = rust_packages(arch)
    status = run(["dpkg-query", "-W", "-f=${db:Status-Status}\n", *packages], capture=True, check=False)
    if status.returncode == 0 and status.stdout.split() == ["installed"] * len(packages):
        return
    log(f"installing {', '.join(packages)}")
    apt_install(arch, packages, "Debian's Rust toolchain", "--no-install-recommends")


def ensure_programs(arch: Arch, programs: dict[str, str]) -> None:
    """Install the Debian packages of ``programs`` (program → package) whose program is
    missing from ``PATH``: ``ccache``, ``distcc``…"""
    missing = sorted({package for program, package in programs.items() if shutil.which(program) is None})
    if missing:
        log(f"installing {', '.join(missing)}")
        apt_install(arch, missing, ", ".join(missing), "--no-install-recommends")


def package_closure(
    arch: Arch, suite: str = BUILD_SUITE, extra: Sequence[str] = (), roots: Sequence[str] | None = None
) -> list[str]:
    """The root packages of the sysroot (``roots``, by default the host python's; and
    ``extra`` ones) and everything they depend on, for ``arch``.

    The build machine's apt names its own and ``Architecture: all`` packages alike
    (``name``): both are left out.  A private apt knows only ``arch``'s package list, so
    there ``name`` is an ``all`` package and comes too (trixie's ``linux-libc-dev`` is one).
    """
    out = run(
        [
            "apt-cache",
            *apt_options(arch, suite),
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *[f"{name}:{arch.debian}" for name in [*(roots or root_packages(suite)), *extra]],
        ],
        capture=True,
    ).stdout
    names = set()
    for line in out.splitlines():
        if line.startswith((" ", "<")):
            continue  # a dependency line, or a virtual package
        name, _, pkg_arch = line.strip().partition(":")
        if name in SKIPPED:
            continue
        if pkg_arch == arch.debian:
            names.add(f"{name}:{arch.debian}")
        elif not pkg_arch and suite != BUILD_SUITE:
            names.add(name)
    return sorted(names)


def download(arch: Arch, packages: list[str], debs: Path, suite: str = BUILD_SUITE) -> list[Path]:
    debs.mkdir(parents=True, exist_ok=True)
    wanted = {p.split(":")[0] for p in packages}
    have = {p.name.split("_")[0] for p in debs.glob("*.deb")}
    missing = sorted(p for p in packages if p.split(":")[0] not in have)
    if missing:
        log(f"downloading {len(missing)} packages into {debs}")
        for _attempt in range(1, 4):
            command = ["apt-get", *apt_options(arch, suite), "download", "-q", *missing]
            if run(command, check=False, cwd=debs).returncode == 0:
                break
            apt_update(arch, suite=suite)
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


def apply_alternatives(root: Path, debs: Sequence[Path]) -> None:
    """Make the links the packages' ``update-alternatives --install`` would (``dpkg -x`` runs
    no maintainer script): OpenBLAS's ``libblas.so.3``, ``libopenblas.so.0`` and
    ``openblas.pc`` are such links on an installed system.  The highest priority wins."""
    chosen: dict[str, tuple[int, list[tuple[str, str]]]] = {}
    for deb in debs:
        script = subprocess.run(["dpkg-deb", "-I", str(deb), "postinst"], capture_output=True, text=True)
        if script.returncode != 0:
            continue  # no postinst
        for line in script.stdout.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] != ["update-alternatives", "--install"] or len(words) < 6:
                continue
            link, name, path, priority, rest = words[2], words[3], words[4], int(words[5]), words[6:]
            links = [(link, path)]
            while rest[:1] == ["--slave"] and len(rest) >= 4:
                links.append((rest[1], rest[3]))
                rest = rest[4:]
            if name not in chosen or priority > chosen[name][0]:
                chosen[name] = (priority, links)
    for _, links in chosen.values():
        for link, path in links:
            where = root / link.lstrip("/")
            if (root / path.lstrip("/")).exists() and not where.exists() and not where.is_symlink():
                where.parent.mkdir(parents=True, exist_ok=True)
                where.symlink_to(path)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``path`` locked: two test runs (or two worktrees) wait for one build instead of
    making the same one at once in the same place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_sysroot(
    arch: Arch,
    dest: Path | None = None,
    suite: str | None = None,
    extra: Sequence[str] = (),
    *,
    as_is: bool = False,
    roots: Sequence[str] | None = None,
) -> Path:
    """The sysroot of ``arch`` from Debian ``suite`` (default: the arch's own, see ARCHES):
    its packages (``roots``, by default the host python's, and their dependencies)
    unpacked, absolute symlinks re-rooted unless ``as_is`` (then it is the tree as
    ``dpkg -x`` leaves it, as users' rootfs trees come).

    With ``extra`` packages (``libffi-dev``: a test's library and headers) it is another one,
    ``sysroot-bookworm-arm64+libffi-dev``, so that the shared sysroot stays as it is.
    """
    suite = suite or arch.suite
    ensure_apt(arch, suite)
    packages = package_closure(arch, suite, extra, roots)
    digest = hashlib.sha256("\n".join(packages).encode()).hexdigest()[:16]
    name = "".join([f"sysroot-{suite}-{arch.debian}", *(f"+{p}" for p in sorted(extra)), "-as-is" if as_is else ""])
    dest = dest or CACHE / name
    with exclusive(dest.with_name(dest.name + ".lock")):
        return _make_sysroot(arch, suite, packages, digest, dest, as_is)


def _make_sysroot(arch: Arch, suite: str, packages: list[str], digest: str, dest: Path, as_is: bool) -> Path:
    stamp = dest / ".crossbuild-sysroot"
    if stamp.is_file() and stamp.read_text() == digest:
        if not (dest / DPKG_STATUS).is_file():  # made before sysroots had a dpkg database
            write_dpkg_database(dest, _debs(arch, suite, packages))
        return dest
    debs = _debs(arch, suite, packages)
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    log(f"unpacking {len(debs)} packages into {dest}")
    for deb in debs:
        run(["dpkg-deb", "-x", str(deb), str(staging)])
    apply_alternatives(staging, debs)
    write_dpkg_database(staging, debs)
    if not as_is:
        relativize_symlinks(staging)
    (staging / ".crossbuild-sysroot").write_text(digest)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest


def _debs(arch: Arch, suite: str, packages: list[str]) -> list[Path]:
    """The ``.deb`` files of ``packages``, downloaded once into the arch's shared folder."""
    debs_name = arch.debian if suite == BUILD_SUITE else f"{suite}-{arch.debian}"
    with exclusive(CACHE / "debs" / f"{debs_name}.lock"):  # sysroots of one arch share the downloads
        return download(arch, packages, CACHE / "debs" / debs_name, suite)


def write_dpkg_database(root: Path, debs: Sequence[Path]) -> None:
    """The dpkg database a Debian root has, for the packages ``dpkg-deb -x`` unpacked (which
    writes none): ``var/lib/dpkg/status`` with each package's control fields, installed,
    and ``var/lib/dpkg/info/<package>.list`` (``<package>:<arch>.list`` for ``Multi-Arch:
    same``) with the paths it installed.  What reads a real root's database — which
    package installed a library, for crossbuild's SBOMs — then reads these sysroots' too.
    The status file is written last: a database without it is none, and is made again."""
    info = root / DPKG_STATUS.parent / "info"
    info.mkdir(parents=True, exist_ok=True)
    paragraphs = []
    for deb in sorted(debs):
        control = run(["dpkg-deb", "-f", str(deb)], capture=True).stdout.strip("\n").splitlines()
        pairs = [line.split(":", 1) for line in control if line[:1] not in (" ", "\t") and ":" in line]
        fields = {key.strip().lower(): value.strip() for key, value in pairs}
        paragraphs.append("\n".join([control[0], "Status: install ok installed", *control[1:]]))
        name, architecture = fields["package"], fields.get("architecture", "")
        list_name = f"{name}:{architecture}.list" if fields.get("multi-arch") == "same" else f"{name}.list"
        (info / list_name).write_text("\n".join(_deb_paths(deb)) + "\n")
    partial = root / DPKG_STATUS.with_name("status.partial")
    partial.write_text("\n\n".join(paragraphs) + "\n")
    partial.replace(root / DPKG_STATUS)


def _deb_paths(deb: Path) -> list[str]:
    """The paths ``deb`` installs, as dpkg lists them (``/.``, ``/usr``, ``/usr/lib``…)."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        names = [member.name for member in archive.getmembers()]
    paths = ["/" + name.removeprefix("./").rstrip("/") if name not in (".", "./") else "/." for name in names]
    return list(dict.fromkeys(paths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHES), default="arm64")
    parser.add_argument("--suite", choices=sorted(SUITES), help="the Debian release (default: the arch's own)")
    parser.add_argument("--dest", type=Path, help="where to put the sysroot (default: in the cache)")
    parser.add_argument("--no-toolchain", action="store_true", help="only make the sysroot")
    parser.add_argument("--rust", action="store_true", help="also install Debian's Rust toolchain and PyO3 crates")
    parser.add_argument("--as-is", action="store_true", help="keep the absolute symlinks (a separate tree)")
    parser.add_argument(
        "--with",
        dest="extra",
        metavar="PACKAGES",
        default="",
        help="extra Debian packages for the sysroot, comma-separated (libjpeg62-turbo-dev,libxml2-dev): "
        "their dependency closure is resolved by apt",
    )
    args = parser.parse_args(argv)
    extra = sorted({name.strip() for name in args.extra.split(",") if name.strip()})
    arch = ARCHES[args.arch]
    if not args.no_toolchain:
        ensure_toolchain(arch)
    if args.rust:
        ensure_rust(arch)
    print(ensure_sysroot(arch, args.dest, args.suite, extra, as_is=args.as_is))
    return 0


if __name__ == "__main__":
    sys.exit(main())
