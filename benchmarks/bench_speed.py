"""Build and install times beside other tools, as a table (issue 12's numbers).

    .venv/bin/python benchmarks/bench_speed.py [--repeat 3] [--numpy] [--no-install]

Every run is the real CLI (``python -m crossbuild``) for the arm64 sysroot of
``integration/sysroot.py``; the median wall time of ``--repeat`` runs is shown.

Builds, per project (``tests/packages/c_ext``, ``cpp_ext``; ``numpy==2.2.6`` from PyPI with
``--numpy``, it is slow), each from a fresh copy in a new temporary directory:

- cold: an empty cache directory (the build environment is made), no compiler launcher;
- warm: the build environment cached, the built-wheel cache emptied, no launcher;
- ccache-warm: as warm, through ccache whose cache holds the objects of an earlier build;
- -j: as warm, with ``-j`` (when this crossbuild has it);
- wheel cache: the same sdist again (the built-wheel cache answers; sdists only).

Install: a fresh, empty root gets ``numpy pyyaml cffi requests`` and their dependencies as
binary wheels for arm64, caches warm, by ``crossbuild install --root``, by
``uv pip install --python-platform aarch64-manylinux_2_36 --python-version 3.11 --target``
and by ``pip install --platform manylinux_2_36_aarch64 --only-binary=:all: --target`` (with
the older manylinux tags too: pip 23 does not add them itself), each tool's time also as a
multiple of uv's in the same run (the tools take turns: the load of a shared machine
changes). uv lays files in by hard link from its cache (its default on Linux): a row with
``--link-mode=copy`` shows it with independent files, as crossbuild lays them by default;
``crossbuild … --link-mode hardlink`` is crossbuild with hard links, as uv.
uv is installed into this venv from PyPI when missing.  crossbuild's ``.pyc`` files are
written first (``compileall``), as installing its wheel writes them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import sysroot as sysroot_script  # noqa: E402

PACKAGES = HERE.parent / "tests" / "packages"
NUMPY = "numpy==2.2.6"
INSTALL_REQUIREMENTS = ["numpy", "pyyaml", "cffi", "requests"]
#: pip before 24 takes only the tags given (no older manylinux tags follow from the newest):
#: the glibc 2.36 host's tags that PyPI's wheels use.
PIP_PLATFORMS = [
    f"--platform={tag}"
    for tag in ("manylinux_2_36_aarch64", "manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64")
]


def crossbuild(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crossbuild", *map(str, args)], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"crossbuild {' '.join(map(str, args))} failed:\n{result.stderr[-3000:]}")


def compile_crossbuild() -> None:
    """Write crossbuild's ``.pyc`` files, as installing its wheel does: an editable install
    run with ``PYTHONDONTWRITEBYTECODE`` (as CI and these machines set it) would compile
    every module in every timed run."""
    package = subprocess.run(
        [sys.executable, "-c", "import crossbuild, os; print(os.path.dirname(crossbuild.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def timed(repeat: int, step: Callable[[int], object], before: Callable[[int], object] = lambda i: None) -> float:
    times = []
    for i in range(repeat):
        before(i)
        start = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def has_jobs_option() -> bool:
    result = subprocess.run([sys.executable, "-m", "crossbuild", "wheel", "--help"], capture_output=True, text=True)
    return " -j" in result.stdout


class BuildBench:
    """The build rows of one project, all in ``work``."""

    def __init__(self, work: Path, python: Path, source: str, repeat: int) -> None:
        self.work, self.python, self.source, self.repeat = work, python, source, repeat
        self.runs = 0

    def _source(self) -> str:
        """A fresh copy of a local project in a new directory, or the requirement."""
        self.runs += 1
        if (PACKAGES / self.source).is_dir():
            copy = self.work / f"src-{self.runs}" / self.source
            shutil.copytree(PACKAGES / self.source, copy)
            return str(copy)
        return self.source

    def build(self, cache: Path, *args: str, ccache: Path | None = None) -> None:
        tmp = self.work / f"tmp-{self.runs}"
        tmp.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCACHE_")}
        env["TMPDIR"] = str(tmp)
        if ccache is not None:
            env["CCACHE_DIR"] = str(ccache)
            launcher = ["--compiler-launcher", "ccache"]
        else:
            launcher = ["--compiler-launcher", "none"]
        source = self._source()
        crossbuild("wheel", source, "--host", self.python, "--cache-dir", cache, "-w", self.work / "dist",
                   *launcher, *args, env=env)  # fmt: skip

    def rows(self, jobs: bool) -> list[tuple[str, float | None]]:
        cold_cache, warm_cache, ccache = self.work / "cold", self.work / "warm", self.work / "ccache"

        def empty_cold(_: int) -> None:
            shutil.rmtree(cold_cache, ignore_errors=True)

        def empty_built(_: int) -> None:
            shutil.rmtree(warm_cache / "built", ignore_errors=True)

        cold = timed(self.repeat, lambda _: self.build(cold_cache), empty_cold)
        self.build(warm_cache)
        warm = timed(self.repeat, lambda _: self.build(warm_cache), empty_built)
        empty_built(0)
        self.build(warm_cache, ccache=ccache)  # fills ccache
        ccache_warm = timed(self.repeat, lambda _: self.build(warm_cache, ccache=ccache), empty_built)
        parallel = timed(self.repeat, lambda _: self.build(warm_cache, "-j", "2"), empty_built) if jobs else None
        wheel_cache = None
        if not (PACKAGES / self.source).is_dir():
            self.build(warm_cache)
            wheel_cache = timed(self.repeat, lambda _: self.build(warm_cache))
        return [("cold", cold), ("warm", warm), ("ccache-warm", ccache_warm), ("-j", parallel),
                ("wheel cache", wheel_cache)]  # fmt: skip


def install_rows(work: Path, python: Path, repeat: int) -> list[tuple[str, float]]:
    requirements = work / "requirements.txt"
    requirements.write_text("\n".join(INSTALL_REQUIREMENTS) + "\n")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "uv"], check=True)
        uv = str(Path(sys.executable).parent / "uv")
    cache = work / "install-cache"
    hardlink_cache = work / "install-cache-hardlink"  # its own: each link changes the files' ctimes (hashed next)

    def fresh(name: str) -> Callable[[int], Path]:
        def make(i: int) -> Path:
            target = work / f"{name}-{i}"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            return target

        return make

    def run(argv: Sequence[str | os.PathLike[str]]) -> None:
        subprocess.run(list(map(str, argv)), check=True, capture_output=True)

    tools: list[tuple[str, Callable[[int], object]]] = [
        ("crossbuild install --root", lambda i: crossbuild(
            "install", "-r", requirements, "--host", python, "--root", work / f"cb-{i}", "--cache-dir", cache)),
        ("crossbuild … --link-mode hardlink", lambda i: crossbuild(
            "install", "-r", requirements, "--host", python, "--root", work / f"cbhl-{i}", "--cache-dir",
            hardlink_cache, "--link-mode", "hardlink")),
        ("uv pip install --target", lambda i: run(
            [uv, "pip", "install", "-q", "--python-platform", "aarch64-manylinux_2_36", "--python-version", "3.11",
             "--target", work / f"uv-{i}", "-r", requirements])),
        ("uv … --target --link-mode=copy", lambda i: run(
            [uv, "pip", "install", "-q", "--python-platform", "aarch64-manylinux_2_36", "--python-version", "3.11",
             "--link-mode=copy", "--target", work / f"uvcopy-{i}", "-r", requirements])),
        ("pip install --platform --target", lambda i: run(
            [sys.executable, "-m", "pip", "install", "-q", *PIP_PLATFORMS,
             "--python-version", "3.11", "--only-binary=:all:", "--target", work / f"pip-{i}", "-r", requirements])),
    ]  # fmt: skip
    prefixes = {"crossbuild install --root": "cb", "crossbuild … --link-mode hardlink": "cbhl",
                "uv pip install --target": "uv",
                "uv … --target --link-mode=copy": "uvcopy", "pip install --platform --target": "pip"}  # fmt: skip
    for _, step in tools:
        step(repeat)  # warm the caches
    times: dict[str, list[float]] = {name: [] for name, _ in tools}
    for i in range(repeat):  # the tools take turns: each sees the same load
        for name, step in tools:
            fresh(prefixes[name])(i)
            start = time.perf_counter()
            step(i)
            times[name].append(time.perf_counter() - start)
    return [(name, statistics.median(times[name])) for name, _ in tools]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")  # fmt: skip
    load = os.getloadavg()
    return f"{os.cpu_count()} cores ({cpu}), load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--numpy", action="store_true", help=f"also build {NUMPY} (slow)")
    parser.add_argument("--no-install", action="store_true", help="skip the install comparison")
    parser.add_argument("--no-builds", action="store_true", help="skip the build table")
    args = parser.parse_args()
    arch = sysroot_script.ARCHES["arm64"]
    sysroot_script.ensure_toolchain(arch)
    sysroot_script.ensure_programs(arch, {"ccache": "ccache"})
    python = Path(sysroot_script.ensure_sysroot(arch)) / "usr/bin/python3.11"
    compile_crossbuild()
    jobs = has_jobs_option()
    print(f"machine: {machine()}")
    projects = [] if args.no_builds else ["c_ext", "cpp_ext", *([NUMPY] if args.numpy else [])]
    with tempfile.TemporaryDirectory(prefix="crossbuild-bench-") as tmp:
        work = Path(tmp)
        columns = ["cold", "warm", "ccache-warm", "-j", "wheel cache"]
        if projects:
            print(f"\nwheel (median of {args.repeat}, seconds)")
            print(f"| {'project':14} | " + " | ".join(f"{c:>11}" for c in columns) + " |")
            print(f"|{'-' * 16}|" + "|".join("-" * 13 for _ in columns) + "|")
        for project in projects:
            place = work / project.replace("=", "")
            place.mkdir()
            rows = dict(BuildBench(place, python, project, args.repeat).rows(jobs))
            cells = [f"{rows[c]:11.2f}" if rows[c] is not None else f"{'n/a':>11}" for c in columns]
            print(f"| {project:14} | " + " | ".join(cells) + " |", flush=True)
        if not args.no_install:
            print(f"\ninstall -r ({' '.join(INSTALL_REQUIREMENTS)}), fresh target, warm caches "
                  f"(median of {args.repeat}, seconds)")  # fmt: skip
            rows = install_rows(work, python, args.repeat)
            uv = dict(rows)["uv pip install --target"]
            print(f"| {'tool':34} | {'time':>6} | {'vs uv':>6} |\n|{'-' * 36}|{'-' * 8}|{'-' * 8}|")
            for name, seconds in rows:
                print(f"| {name:34} | {seconds:6.2f} | {seconds / uv:5.1f}x |", flush=True)
    print(f"\nload average after: {machine().rsplit('load average ', 1)[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
