"""The time crossbuild adds around the build backend, warm: the goal is under 0.5 s.

    .venv/bin/python benchmarks/bench_overhead.py [--repeat 5] [--project c_ext]

A warm ``crossbuild wheel`` of a tiny project (its build environment cached, no compiler
launcher, a source tree: the built-wheel cache does not apply) is timed in this process,
with the time spent inside the backend's hooks (``get_requires_for_build_wheel``,
``build_wheel``: the backend subprocesses) and in installing build requirements measured
apart.  What is left is crossbuild's: host inspection, finding the build python, the
environment lookup, writing wrappers and cross files, verification, retagging,
publishing.  The CLI's own start (``python -m crossbuild --version``) is timed too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import sysroot as sysroot_script  # noqa: E402

import crossbuild  # noqa: E402
from crossbuild.wheel import backend, isolated_env  # noqa: E402

PACKAGES = HERE.parent / "tests" / "packages"


@contextmanager
def timed_methods(totals: dict[str, float], *methods: tuple[type, str]) -> Iterator[None]:
    """Add the time spent in each of ``methods`` to ``totals`` while the block runs."""
    originals = [(cls, name, getattr(cls, name)) for cls, name in methods]

    def timing(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start

        return wrapper

    for cls, name, original in originals:
        setattr(cls, name, timing(name, original))
    try:
        yield
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--project", default="c_ext", help="a project of tests/packages")
    args = parser.parse_args()
    arch = sysroot_script.ARCHES["arm64"]
    root = Path(sysroot_script.ensure_sysroot(arch))
    python = root / "usr/bin/python3.11"

    with tempfile.TemporaryDirectory(prefix="crossbuild-bench-") as tmp:
        work = Path(tmp)
        source = work / args.project
        shutil.copytree(PACKAGES / args.project, source)
        cache = work / "cache"

        def run() -> dict[str, float]:
            totals: dict[str, float] = defaultdict(float)
            start = time.perf_counter()
            host = crossbuild.inspect_host(python)
            totals["inspect_host"] = time.perf_counter() - start
            mark = time.perf_counter()
            options = crossbuild.make_context(host, crossbuild.BuildOptions(cache_dir=cache, compiler_launcher="none"))
            totals["make_context"] = time.perf_counter() - mark
            hooks = [(backend.Backend, "get_requires_for_build_wheel"), (backend.Backend, "build_wheel")]
            with timed_methods(totals, *hooks, (isolated_env.IsolatedEnv, "install")):
                crossbuild.build_wheel(source, host, work / "dist", options)
            totals["total"] = time.perf_counter() - start
            inside = sum(totals[name] for _, name in hooks)
            totals["backend hooks"] = inside
            totals["crossbuild overhead"] = totals["total"] - inside
            return totals

        run()  # warm: the build environment, the compiler probes' caches
        runs = [run() for _ in range(args.repeat)]
        start_times = []
        for _ in range(args.repeat):
            mark = time.perf_counter()
            subprocess.run([sys.executable, "-m", "crossbuild", "--version"], check=True, capture_output=True)
            start_times.append(time.perf_counter() - mark)

    print(f"warm crossbuild wheel {args.project}, median of {args.repeat} (seconds)")
    for name in ("inspect_host", "make_context", "install", "backend hooks", "crossbuild overhead", "total"):
        print(f"  {name:24} {statistics.median(r[name] for r in runs):7.3f}")
    print(f"  {'CLI start (--version)':24} {statistics.median(start_times):7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
