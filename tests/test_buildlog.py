"""A failed build's output: its first real failure, and its full log kept in the cache."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

import pytest

from crossbuild import BackendError, CommandError, SourceError
from crossbuild._buildlog import KEPT_LOGS, build_log, first_failure
from crossbuild._subprocess import TAIL_LINES, run

#: What meson-python prints when one of several parallel units fails: ninja's FAILED line,
#: the compiler's error, then the warnings of the units still compiling, and ninja's end.
MESON_OUTPUT = """\
[1/6] Compiling C object _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o
FAILED: _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o
/usr/bin/aarch64-linux-gnu-gcc -Ilib -c ../broken.c -o _brokenmeson.so.p/broken.c.o
../broken.c:2:25: error: expected expression before ';' token
    2 | int brokenmeson_value = ;
      |                         ^
[2/6] Compiling C object _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/slow1.c.o
../slow1.c:4:1: warning: unused variable 'unused_l' [-Wunused-variable]
../slow2.c:4:1: warning: unused variable 'unused_l' [-Wunused-variable]
ninja: build stopped: subcommand failed.
"""

SETUPTOOLS_OUTPUT = """\
running build_ext
building 'brokenc' extension
aarch64-linux-gnu-gcc -fPIC -I/usr/include/python3.11 -c brokenc.c -o build/brokenc.o
brokenc.c:4:14: error: expected expression before ';' token
error: command '/usr/bin/aarch64-linux-gnu-gcc' failed with exit code 1
"""


@pytest.mark.parametrize(
    ("output", "failure"),
    [
        (
            MESON_OUTPUT,
            "FAILED: _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o: "
            "../broken.c:2:25: error: expected expression before ';' token",
        ),
        (SETUPTOOLS_OUTPUT, "brokenc.c:4:14: error: expected expression before ';' token"),
        (
            "In file included from x.c:1:\nx.h:1:10: fatal error: zlib.h: No such file or directory\n",
            "x.h:1:10: fatal error: zlib.h: No such file or directory",
        ),
        (
            "during RTL pass: expand\nx.c:9:1: internal compiler error: Segmentation fault\n",
            "x.c:9:1: internal compiler error: Segmentation fault",
        ),
        (
            "   Compiling pkg v1.0\nerror[E0425]: cannot find value `y` in this scope\n --> src/lib.rs:2:5\n",
            "error[E0425]: cannot find value `y` in this scope",
        ),
        (
            'meson.build:5:0: ERROR: Dependency "zlib" not found\n',
            'meson.build:5:0: ERROR: Dependency "zlib" not found',
        ),
        (
            "-- Configuring\nCMake Error at CMakeLists.txt:3 (find_package):\n  Could not find zlib\n",
            "CMake Error at CMakeLists.txt:3 (find_package):",
        ),
        (
            "FAILED: [code=1] lib.so.p/a.c.o\ncc -c a.c\n../a.c:1:1: error: unknown type name 'x'\n",
            "FAILED: lib.so.p/a.c.o: ../a.c:1:1: error: unknown type name 'x'",
        ),
        ("FAILED: gen.h\nthe generator crashed\nninja: build stopped: subcommand failed.\n", "FAILED: gen.h"),
        ("ModuleNotFoundError: No module named 'numpy'\n", None),
        ("a.c:3:5: warning: -Werror=format-security ignored\nall is well\n", None),
    ],
)
def test_first_failure(output: str, failure: str | None) -> None:
    assert first_failure(output.splitlines(keepends=True)) == failure


def test_run_keeps_the_first_failure_beyond_the_tail_and_the_whole_output_in_the_log(tmp_path: Path) -> None:
    script = "; ".join(
        [
            "print('x.c:1:2: error: the first real failure')",
            "[print(f'y.c:{n}:1: warning: noise {n}') for n in range(500)]",
            "print('ninja: build stopped: subcommand failed.')",
            "raise SystemExit(3)",
        ]
    )
    with pytest.raises(CommandError) as caught, build_log(tmp_path / "cache", "pkg-1.0.tar.gz", "# header") as log:
        run([sys.executable, "-c", script], what="the build backend", log=log)
    error = caught.value
    assert error.returncode == 3
    assert error.first_failure == "x.c:1:2: error: the first real failure"
    assert str(error) == "the build backend failed (exit code 3): x.c:1:2: error: the first real failure"
    assert len(error.output_tail.splitlines()) == TAIL_LINES
    assert "error:" not in error.output_tail
    assert error.log is not None and error.log == log.path
    assert error.log.parent == tmp_path / "cache/logs"
    assert error.log.name.startswith("pkg-1.0-") and error.log.suffix == ".log"
    lines = error.log.read_text().splitlines()
    assert lines[0] == "# header"
    assert lines[2] == f"$ {shlex.join([sys.executable, '-c', script])}"
    assert lines[3:] == [
        "x.c:1:2: error: the first real failure",
        *(f"y.c:{n}:1: warning: noise {n}" for n in range(500)),
        "ninja: build stopped: subcommand failed.",
        "[exit code 3]",
    ]
    mode = stat.S_IMODE(error.log.stat().st_mode)
    assert mode & (stat.S_IWGRP | stat.S_IWOTH) == 0


def test_backend_error_names_the_first_failure() -> None:
    tail = "".join(MESON_OUTPUT.splitlines(keepends=True)[-3:])
    failure = first_failure(MESON_OUTPUT.splitlines())
    error = BackendError("broken_meson", "build_wheel", tail, failure)
    assert str(error) == (
        "the build backend of broken_meson failed in build_wheel: FAILED: "
        "_brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o: ../broken.c:2:25: error: expected expression "
        "before ';' token (see the output above, or rerun with the 'crossbuild.output' logger at INFO)"
    )


def test_log_of_a_build_that_succeeds_or_is_interrupted_is_removed(tmp_path: Path) -> None:
    with build_log(tmp_path, "pkg", "# header") as log:
        run([sys.executable, "-c", "print('fine')"], what="x", log=log)
    assert list((tmp_path / "logs").iterdir()) == []

    with pytest.raises(KeyboardInterrupt), build_log(tmp_path, "pkg", "# header") as log:
        run([sys.executable, "-c", "print('fine')"], what="x", log=log)
        raise KeyboardInterrupt
    assert list((tmp_path / "logs").iterdir()) == []


def test_log_of_a_build_that_ran_nothing_is_not_kept(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught, build_log(tmp_path, "nothing==1.0", "# header"):
        raise SourceError("no sdist of nothing==1.0")
    assert caught.value.log is None
    assert list((tmp_path / "logs").iterdir()) == []


def test_logs_are_pruned_to_the_newest(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(KEPT_LOGS + 5):
        old = logs / f"old{n:02}-20200101-000000.log"
        old.write_text("old\n")
        os.utime(old, (1_600_000_000 + n, 1_600_000_000 + n))
    with pytest.raises(CommandError) as caught, build_log(tmp_path, "./src/my pkg/", "# header") as log:
        run([sys.executable, "-c", "raise SystemExit(1)"], what="x", log=log)
    kept = sorted(p.name for p in logs.iterdir())
    assert len(kept) == KEPT_LOGS
    assert caught.value.log is not None and caught.value.log.name in kept
    assert caught.value.log.name.startswith("my_pkg-")
    assert "old00-20200101-000000.log" not in kept  # the oldest went first
    assert "old24-20200101-000000.log" in kept
