"""Where the time of a cross build goes: inspection, environments, backend, install.

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 3]

Needs the arm64 sysroot and toolchain (``integration/sysroot.py``).  Prints the median
wall time of each step; "cold" runs use an empty cache directory, "warm" ones reuse it,
which is what a second ``crossbuild wheel`` or a CI run on the same machine gets.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import sysroot as sysroot_script  # noqa: E402

import crossbuild  # noqa: E402

PACKAGES = HERE.parent / "tests" / "packages"


def measure(repeat: int, step: Callable[[], object], before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    arch = sysroot_script.ARCHES["arm64"]
    sysroot_script.ensure_toolchain(arch)
    root = sysroot_script.ensure_sysroot(arch)
    python = root / "usr/bin/python3.11"
    host = crossbuild.inspect_host(python)

    with tempfile.TemporaryDirectory(prefix="crossbuild-bench-") as tmp:
        work = Path(tmp)
        cold_cache, warm_cache = work / "cold-cache", work / "warm-cache"
        source = work / "c_ext"
        shutil.copytree(PACKAGES / "c_ext", source)

        def build(cache: Path) -> Callable[[], object]:
            return lambda: crossbuild.build_wheel(source, host, work / "dist", crossbuild.BuildOptions(cache_dir=cache))

        def reset_cold() -> None:
            shutil.rmtree(cold_cache, ignore_errors=True)

        def fresh_rootfs() -> None:
            shutil.rmtree(work / "rootfs", ignore_errors=True)
            (work / "rootfs").mkdir()

        build(warm_cache)()  # fill the warm cache once
        warm = crossbuild.make_context(host, crossbuild.BuildOptions(cache_dir=warm_cache))
        rows = [
            ("inspect_host (static, + compiler probe)", measure(args.repeat, lambda: crossbuild.inspect_host(python))),
            ("wheel c_ext, cold cache (creates the env)", measure(args.repeat, build(cold_cache), reset_cold)),
            ("wheel c_ext, warm cache (env reused)", measure(args.repeat, build(warm_cache))),
            (
                "wheel markupsafe==2.1.5 from PyPI, warm",
                measure(
                    args.repeat,
                    lambda: crossbuild.build_wheel("markupsafe==2.1.5", host, work / "dist", warm),
                ),
            ),
            (
                "install six+tabulate into an empty root, warm",
                measure(
                    args.repeat,
                    lambda: crossbuild.install(
                        ["six==1.16.0", "tabulate==0.9.0"], host=host, root=work / "rootfs", options=warm
                    ),
                    fresh_rootfs,
                ),
            ),
        ]
    width = max(len(name) for name, _ in rows)
    print(f"{'step':{width}}  median of {args.repeat}")
    for name, seconds in rows:
        print(f"{name:{width}}  {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
