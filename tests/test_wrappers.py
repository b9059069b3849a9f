"""The compiler wrappers: they run the host compiler with --sysroot and log every call."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from fakehost import write_script

from crossbuild.host.host import Host
from crossbuild.host.toolchain import Toolchain
from crossbuild.host.wrappers import CompilerCall, CompilerWrappers, replace_program, write_wrappers

#: A "compiler" that fails on bad.c, and says what it compiled on stdout.
FAKE_CC = """\
for arg in "$@"; do
    if [ "$arg" = bad.c ]; then echo "bad.c:1:1: boom: error" >&2; exit 1; fi
done
echo "compiled $*"
"""


def _run(wrapper: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(wrapper), *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def failing_cc(tmp_path: Path) -> Path:
    return write_script(tmp_path / "tools" / "boom-gcc", FAKE_CC)


@pytest.fixture
def wrappers(host: Host, failing_cc: Path, tmp_path: Path) -> CompilerWrappers:
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    return write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin")


def test_layout(wrappers: CompilerWrappers, tmp_path: Path) -> None:
    assert wrappers.directory == tmp_path / "bin"
    assert wrappers.cc == tmp_path / "bin/crossbuild-cc"
    assert wrappers.cxx == tmp_path / "bin/crossbuild-c++"
    assert os.access(wrappers.cc, os.X_OK) and os.access(wrappers.cxx, os.X_OK)
    alias = tmp_path / "bin/boom-gcc"  # the real compiler's name leads to the wrapper too
    assert alias.is_symlink() and alias.readlink() == Path("crossbuild-cc")
    assert wrappers.calls() == []
    assert wrappers.failed_calls() == []


def test_success_and_failure_pass_through(wrappers: CompilerWrappers, host: Host, failing_cc: Path) -> None:
    ok = _run(wrappers.cc, "-c", "ok.c", "-o", "ok.o")
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == f"compiled --sysroot={host.sysroot} -c ok.c -o ok.o\n"

    bad = _run(wrappers.cc, "-O2", "-c", "bad.c")
    assert bad.returncode == 1
    assert bad.stderr == "bad.c:1:1: boom: error\n"

    assert wrappers.calls() == [
        CompilerCall(argv=[str(failing_cc), f"--sysroot={host.sysroot}", "-c", "ok.c", "-o", "ok.o"], returncode=0),
        CompilerCall(
            argv=[str(failing_cc), f"--sysroot={host.sysroot}", "-O2", "-c", "bad.c"],
            returncode=1,
            stderr="bad.c:1:1: boom: error\n",
        ),
    ]
    assert wrappers.failed_calls() == wrappers.calls()[1:]


def test_called_through_the_compiler_alias(wrappers: CompilerWrappers, host: Host, failing_cc: Path) -> None:
    result = _run(wrappers.directory / "boom-gcc", "-c", "bad.c")
    assert (result.returncode, result.stderr) == (1, "bad.c:1:1: boom: error\n")
    assert [call.argv for call in wrappers.failed_calls()] == [
        [str(failing_cc), f"--sysroot={host.sysroot}", "-c", "bad.c"]
    ]


def test_missing_cxx(wrappers: CompilerWrappers) -> None:
    result = _run(wrappers.cxx, "-c", "x.cpp")
    assert result.returncode != 0
    message = "no C++ compiler for aarch64 was found; Debian: apt-get install g++-aarch64-linux-gnu, or pass --cxx"
    assert result.stderr == f"crossbuild: {message}\n"
    assert "--cxx" in result.stderr
    assert wrappers.failed_calls() == [CompilerCall(argv=["-c", "x.cpp"], returncode=1, stderr=message)]


def test_compiler_gone_at_run_time(wrappers: CompilerWrappers, failing_cc: Path) -> None:
    failing_cc.unlink()
    result = _run(wrappers.cc, "-c", "ok.c")
    assert result.returncode == 127
    assert "No such file or directory" in result.stderr
    [call] = wrappers.failed_calls()
    assert call.returncode == 127
    assert "No such file or directory" in call.stderr


def test_no_sysroot_flag_for_the_root(host: Host, failing_cc: Path, tmp_path: Path) -> None:
    toolchain = Toolchain(cc=(str(failing_cc), "-mcpu=cortex-a53"), cxx=(str(failing_cc),), target="x")
    wrappers = write_wrappers(replace(host, toolchain=toolchain, build_sysroot=Path("/")), tmp_path / "bin")
    assert _run(wrappers.cc, "-c", "ok.c").stdout == "compiled -mcpu=cortex-a53 -c ok.c\n"
    assert _run(wrappers.cxx, "-c", "ok.cpp").stdout == "compiled -c ok.cpp\n"
    assert [call.argv for call in wrappers.calls()] == [
        [str(failing_cc), "-mcpu=cortex-a53", "-c", "ok.c"],
        [str(failing_cc), "-c", "ok.cpp"],
    ]


def test_rewriting_is_idempotent(wrappers: CompilerWrappers, host: Host) -> None:
    again = write_wrappers(host, wrappers.directory)  # e.g. a second build in the same directory
    assert again.cc == wrappers.cc
    assert (wrappers.directory / "aarch64-linux-gnu-gcc").readlink() == Path("crossbuild-cc")


def test_replace_program() -> None:
    wrapper = Path("/tmp/a b/crossbuild-cc")
    assert (
        replace_program("aarch64-linux-gnu-gcc -shared -Wl,-O1", wrapper) == "'/tmp/a b/crossbuild-cc' -shared -Wl,-O1"
    )
    assert replace_program("gcc", Path("/w/cc")) == "/w/cc"
