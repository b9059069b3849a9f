"""Build the compatibility corpus for a host and judge every package as its user would.

    python -m corpus --arch arm64 [--jobs N] [--only a,b] [--quick] [--sequential]

1. The host's root: ``integration/sysroot.py`` makes a Debian sysroot of the arch with
   the union of the ``sysroot`` packages of the whole catalog (cached), copied to a
   fresh root for every pass.
2. ``crossbuild install -j N --no-binary <the corpus's names>`` lays every selected
   package and its runtime dependencies (built or downloaded for the host by crossbuild)
   into that root; failures are peeled off one by one (see :mod:`corpus.installs`).
   Every pass starts with crossbuild's built wheels and compiler cache empty, so every
   package is built by the code under test; build environments and downloads are kept.
3. Each package is judged (:mod:`corpus.judge`) and each failure classified
   (:mod:`corpus.classify`); the table is printed and written as JSON and Markdown.

With ``--sequential`` the same selection is installed again with ``-j 1`` into another
fresh root, and both wall times are reported.  Exit status 1 when a failure is
classified as crossbuild's.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from corpus import catalog, sdists
from corpus.classify import classify
from corpus.installs import Installer, Installs, install_all
from corpus.judge import HostFacts, host_facts, judge
from corpus.report import Pass, Results, Row

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "integration"))
import sysroot as sysroots  # type: ignore[import-not-found]  # noqa: E402  (integration/sysroot.py)

ARCHES = ("arm64", "armhf")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    packages = catalog.load()
    chosen = catalog.select(packages, [n for n in args.only.split(",") if n], args.quick)
    arch = sysroots.ARCHES[args.arch]
    say(f"{len(chosen)} packages for {args.arch}, -j {args.jobs}")
    sysroot = _sysroot(arch, packages, chosen)
    work = Path(tempfile.mkdtemp(prefix=f"corpus-{args.arch}-", dir=args.work_dir))
    crossbuild = args.crossbuild or Path(sys.executable).with_name("crossbuild")
    cache_dir = args.cache_dir or sysroots.CACHE / "corpus-crossbuild-cache"
    python = f"/usr/bin/{sysroots.python_of(arch.suite)}"
    no_binary = tuple(p.name for p in packages)
    files = sdists.fetch(chosen, sysroots.CACHE / "corpus-sdists") if args.from_sdists else None
    try:
        with sysroots.exclusive(
            cache_dir / "corpus.lock"
        ):  # a pass empties the cache's built wheels: one run at a time
            results = _results(args, crossbuild)
            for jobs in [args.jobs, 1] if args.sequential and args.jobs != 1 else [args.jobs]:
                root = _fresh_root(sysroot, work / f"root-j{jobs}")
                installer = Installer(
                    crossbuild, root / python.lstrip("/"), root, jobs, cache_dir, work / f"j{jobs}", no_binary,
                    tuple(args.extra), files,
                )  # fmt: skip
                rows, done = _one_pass(installer, chosen, arch.qemu, args.arch, python)
                results.rows = results.rows or rows
                results.passes.append(done)
                if not args.keep:
                    shutil.rmtree(root, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(results.table())
    for line in results.summary():
        print(line)
    stem = "-".join(
        [
            args.arch,
            *(["some"] if args.only else ["quick"] if args.quick else []),
            *(["sdists"] if args.from_sdists else []),
        ]
    )
    for path in results.write(args.out, stem):
        print(f"wrote {path}")
    return 1 if results.counts()["ours"] else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=ARCHES, default="arm64", help="the host (default: arm64)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="crossbuild install -j N (default: 2)")
    parser.add_argument("--only", default="", help="comma-separated names of the catalog to run")
    parser.add_argument("--quick", action="store_true", help="the quick subset (quick = true in the catalog)")
    parser.add_argument("--sequential", action="store_true", help="also install with -j 1 and compare wall times")
    parser.add_argument(
        "--from-sdists",
        action="store_true",
        help="install the sdist files (fetched once) instead of name==version: built -j at a time before resolving",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the JSON and Markdown go")
    parser.add_argument("--work-dir", type=Path, help="where the roots and logs go (default: the temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the roots and crossbuild's logs")
    parser.add_argument("--crossbuild", type=Path, help="the crossbuild command (default: beside this python)")
    parser.add_argument(
        "--cache-dir", type=Path, help="crossbuild's cache for the corpus (default: in the integration cache)"
    )
    parser.add_argument("extra", nargs="*", help="after --: more options for crossbuild install")
    return parser


def say(message: str) -> None:
    print(f"[corpus] {message}", file=sys.stderr, flush=True)


def _sysroot(arch: sysroots.Arch, every: Sequence[catalog.Package], chosen: Sequence[catalog.Package]) -> Path:
    """The corpus's sysroot: one per arch, with what every package of the catalog needs (the
    quick subset and a full run see the same root)."""
    sysroots.ensure_toolchain(arch)
    if any("fortran" in p.kind for p in chosen):
        sysroots.ensure_fortran(arch)
    dest = sysroots.CACHE / f"corpus-sysroot-{arch.suite}-{arch.debian}"
    return Path(sysroots.ensure_sysroot(arch, dest, extra=catalog.sysroot_packages(every)))


def _fresh_root(sysroot: Path, root: Path) -> Path:
    """A copy of the sysroot that this pass installs into (the sysroot stays as made)."""
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["cp", "-a", "--reflink=auto", str(sysroot), str(root)], check=True)
    return root


def _one_pass(
    installer: Installer, chosen: Sequence[catalog.Package], qemu: str, arch: str, python: str
) -> tuple[list[Row], Pass]:
    for folder in ("built", "ccache", "logs"):  # every pass builds with the code under test (its logs: this pass)
        shutil.rmtree(installer.cache_dir / folder, ignore_errors=True)
    installer.workdir.mkdir(parents=True, exist_ok=True)
    installs = install_all(installer, chosen, say)
    started = time.monotonic()
    host = host_facts(installer.root, python, qemu, arch)
    rows = [_row(package, installs, host, installer.cache_dir / "logs") for package in chosen]
    done = Pass(
        installer.jobs, round(installs.wall_seconds, 1), len(installs.attempts), round(time.monotonic() - started, 1)
    )
    return rows, done


def _row(package: catalog.Package, installs: Installs, host: HostFacts, logs: Path) -> Row:
    """The package's line of the table: its build's outcome, else its judgement."""
    row = Row(
        package.name, package.version, package.backend, package.kind, "ok", installs.build_seconds.get(package.name)
    )
    if package.name in installs.failed:
        attempt = installs.failed[package.name]
        log = _build_log(logs, package)
        context = "\n".join(log.read_text(errors="replace").splitlines()[-80:]) if log else ""
        found = classify(attempt.first_error, host.root, package.verdict, context)
        tail = "\n".join(attempt.stderr.strip().splitlines()[-40:]) + (f"\nbuild log: {log}" if log else "")
        return replace(
            row,
            result="failed: build",
            error=attempt.first_error,
            classification=found.kind,
            reason=found.reason,
            details=tail,
        )
    files = installs.report.get(package.name, {}).get("files", [])
    verdict = judge(package, [str(f) for f in files] if isinstance(files, list) else [], host)
    row = replace(row, tags=verdict.tags, elf_files=verdict.elf_files, modules=verdict.modules)
    if verdict.ok:
        return row
    found = classify(verdict.line, host.root, package.verdict)
    return replace(
        row, result=f"failed: {verdict.stage}", error=verdict.line, classification=found.kind, reason=found.reason
    )


def _build_log(logs: Path, package: catalog.Package) -> Path | None:
    """The newest log crossbuild kept of a failed build of ``package`` (``NAME-VERSION-TIME.log``)."""
    stem = re.sub(r"[-_.]+", "-", f"{package.name}-{package.version}-").lower()
    found = [p for p in logs.glob("*.log") if re.sub(r"[-_.]+", "-", p.name.lower()).startswith(stem)]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _results(args: argparse.Namespace, crossbuild: Path) -> Results:
    version = subprocess.run([str(crossbuild), "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    machine = f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores, {platform.node()}"
    selection = "quick subset" if args.quick and not args.only else f"only {args.only}" if args.only else "full corpus"
    selection += ", from sdist files" if args.from_sdists else ", as name==version from PyPI"
    return Results(
        arch=args.arch,
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine,
        crossbuild=f"{version} ({commit.stdout.strip() or 'no git'})",
        selection=selection,
        rows=[],
    )
