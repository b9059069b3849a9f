"""The compiler wrappers: they run the host compiler with --sysroot and log every call."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.fakehost import make_layout, write_script

from crossbuild.backend_env.wrappers import (
    BuildDirs,
    CompilerCall,
    CompilerWrappers,
    prefix_maps,
    replace_program,
    write_wrappers,
)
from crossbuild.host.compilers import ZIG_DROPPED_LINKER_OPTIONS
from crossbuild.host.host import Host, inspect_host
from crossbuild.host.toolchain import Toolchain

#: A "compiler" that fails on bad.c, and says what it compiled on stdout.
FAKE_CC = """\
for arg in "$@"; do
    if [ "$arg" = bad.c ]; then echo "bad.c:1:1: boom: error" >&2; exit 1; fi
done
echo "compiled $*"
"""


def _run(wrapper: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(wrapper), *args], capture_output=True, text=True, timeout=30, cwd=cwd)


#: Flags the wrapper adds, tested on their own below: prefix maps, the root's search dirs.
_ADDED = ("-ffile-prefix-map=", "-nostdinc", "-idirafter", "-B/", "-L/", "-Wl,-rpath-link,")


def _without_maps(argv: list[str]) -> list[str]:
    """``argv`` without the flags the wrapper adds (tested below)."""
    return [arg for arg in argv if not arg.startswith(_ADDED)]


def _compiled(result: subprocess.CompletedProcess[str]) -> str:
    """What the fake compiler said it compiled, without the prefix maps."""
    return " ".join(_without_maps(result.stdout.split()))


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
    assert _compiled(ok) == f"compiled --sysroot={host.sysroot} -c ok.c -o ok.o"

    bad = _run(wrappers.cc, "-O2", "-c", "bad.c")
    assert bad.returncode == 1
    assert bad.stderr == "bad.c:1:1: boom: error\n"

    calls = [replace(call, argv=_without_maps(call.argv)) for call in wrappers.calls()]
    assert calls == [
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
    assert [_without_maps(call.argv) for call in wrappers.failed_calls()] == [
        [str(failing_cc), f"--sysroot={host.sysroot}", "-c", "bad.c"]
    ]


def test_missing_cxx(wrappers: CompilerWrappers) -> None:
    result = _run(wrappers.cxx, "-c", "x.cpp")
    assert result.returncode != 0
    message = "no C++ compiler for aarch64 was found; Debian: apt-get install g++-aarch64-linux-gnu, or pass --cxx"
    assert result.stderr == f"crossbuild: {message}\n"
    assert "--cxx" in result.stderr
    assert wrappers.failed_calls() == [CompilerCall(argv=["-c", "x.cpp"], returncode=1, stderr=message, missing=True)]


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
    wrappers = write_wrappers(
        replace(host, toolchain=toolchain, sysroot=Path("/"), build_sysroot=Path("/")), tmp_path / "bin"
    )
    assert _compiled(_run(wrappers.cc, "-c", "ok.c")) == "compiled -mcpu=cortex-a53 -c ok.c"
    assert _compiled(_run(wrappers.cxx, "-c", "ok.cpp")) == "compiled -c ok.cpp"
    assert [_without_maps(call.argv) for call in wrappers.calls()] == [
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


def _remap(argv: list[str], path: str) -> str:
    """``path`` as the compiler records it with ``argv``'s prefix maps.

    GCC (and clang) apply the *last* ``-ffile-prefix-map=OLD=NEW`` whose OLD is a string
    prefix of the path (checked with aarch64-linux-gnu-gcc 12: the integration tests build
    real extensions with them).
    """
    for arg in reversed(argv):
        if arg.startswith("-ffile-prefix-map="):
            old, new = arg.removeprefix("-ffile-prefix-map=").split("=", 1)
            if path.startswith(old):
                return new + path[len(old) :]
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> BuildDirs:
    """The directories of a build from a source tree, with the backend's build dir in it."""
    return BuildDirs(
        source=tmp_path / "checkout" / "proj",
        work=tmp_path / "tmp" / "crossbuild-a1b2c3d4",
        env=tmp_path / "cache" / "envs" / "0123456789abcdef0123",
    )


def _call_from(wrappers: CompilerWrappers, cwd: Path, *args: str) -> list[str]:
    """Run the C wrapper in ``cwd``; the argv it ran the compiler with."""
    cwd.mkdir(parents=True, exist_ok=True)
    assert _run(wrappers.cc, *args, cwd=cwd).returncode == 0
    return wrappers.calls()[-1].argv


def test_build_directories_get_stable_names(host: Host, failing_cc: Path, dirs: BuildDirs, tmp_path: Path) -> None:
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin", dirs)
    build_dir = dirs.source / ".mesonpy-x1y2z3w4"  # meson-python's random build directory
    argv = _call_from(wrappers, build_dir, "-c", "ok.c")
    sysroot = host.sysroot
    expected = {
        f"{sysroot}/usr/include/python3.11/Python.h": "/usr/include/python3.11/Python.h",
        f"{sysroot}/usr/lib/aarch64-linux-gnu/libc.so": "/usr/lib/aarch64-linux-gnu/libc.so",
        str(sysroot): "/",
        f"{dirs.source}/src/mod.c": "./src/mod.c",
        f"{build_dir}/config.h": "./config.h",
        str(build_dir): ".",
        f"{dirs.work}/cross/bin/crossbuild-cc": "/crossbuild/work/cross/bin/crossbuild-cc",
        f"{dirs.env}/lib/python3.11/site-packages/pybind11/include/pybind11/pybind11.h": (
            "/crossbuild/env/lib/python3.11/site-packages/pybind11/include/pybind11/pybind11.h"
        ),
        "/usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stddef.h": (
            "/usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stddef.h"
        ),
    }
    assert {path: _remap(argv, path) for path in expected} == expected
    # the maps come before the build's own arguments, so that a project's own maps win
    assert argv[:2] == [str(failing_cc), f"--sysroot={sysroot}"]
    own = argv.index("-c")
    assert argv[own : own + 2] == ["-c", "ok.c"]
    assert all(arg.startswith("-ffile-prefix-map=") for arg in argv[2:own])


def test_an_unpacked_sdist_and_a_temporary_build_dir(
    host: Host, failing_cc: Path, dirs: BuildDirs, tmp_path: Path
) -> None:
    sdist_dirs = replace(dirs, source=dirs.work / "source")
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), sdist_dirs.work / "cross" / "bin", sdist_dirs)
    build_dir = tmp_path / "tmp" / "tmpq9r8s7t6" / "build"  # scikit-build-core's, in TMPDIR
    argv = _call_from(wrappers, build_dir, "-c", f"{sdist_dirs.source}/x.cpp")
    assert _remap(argv, f"{sdist_dirs.source}/x.cpp") == "./x.cpp"
    assert _remap(argv, f"{build_dir}/generated.h") == "./generated.h"
    assert _remap(argv, f"{sdist_dirs.work}/cross/toolchain.cmake") == "/crossbuild/work/cross/toolchain.cmake"


def test_a_project_s_own_map_wins(host: Host, failing_cc: Path, dirs: BuildDirs, tmp_path: Path) -> None:
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin", dirs)
    argv = _call_from(wrappers, dirs.source, f"-ffile-prefix-map={dirs.source}=/usr/src/proj-1.0", "-c", "x.c")
    assert _remap(argv, f"{dirs.source}/x.c") == "/usr/src/proj-1.0/x.c"


def test_both_spellings_of_a_symlinked_directory(host: Host, failing_cc: Path, tmp_path: Path) -> None:
    real = tmp_path / "real" / "proj"
    real.mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    dirs = BuildDirs(source=link, work=tmp_path / "work", env=tmp_path / "env")
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin", dirs)
    argv = _call_from(wrappers, tmp_path / "elsewhere", "-c", "x.c")
    assert _remap(argv, f"{link}/x.c") == _remap(argv, f"{real}/x.c") == "./x.c"


def test_working_directories_that_are_not_mapped(host: Host, failing_cc: Path, tmp_path: Path) -> None:
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    at_root = replace(host, toolchain=toolchain, sysroot=Path("/"), build_sysroot=Path("/"))
    wrappers = write_wrappers(at_root, tmp_path / "bin")
    # "/" as "." would turn every absolute path into a relative one
    assert _without_maps(argv := _call_from(wrappers, Path("/"), "-c", "x.c")) == argv
    # "-ffile-prefix-map=OLD=NEW" cannot say an OLD with "=" in it
    assert _without_maps(argv := _call_from(wrappers, tmp_path / "a=b", "-c", "x.c")) == argv


def test_prefix_maps() -> None:
    assert prefix_maps(Path("/"), None) == {}
    assert prefix_maps(Path("/srv/root"), None) == {"/srv/root": "/", "/srv/root/": "/"}
    dirs = BuildDirs(source=Path("/home/u/p=q"), work=Path("/tmp/crossbuild-x"), env=Path("/c/envs/k"))
    assert prefix_maps(Path("/"), dirs) == {"/tmp/crossbuild-x": "/crossbuild/work", "/c/envs/k": "/crossbuild/env"}


@pytest.mark.parametrize("option", ["-fdebug-prefix-map", None])
def test_an_older_compiler_s_option(
    host: Host, failing_cc: Path, dirs: BuildDirs, tmp_path: Path, option: str | None
) -> None:
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="x", prefix_map_option=option)
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin", dirs)
    argv = _call_from(wrappers, dirs.source, "-c", "x.c")
    maps = [arg.removeprefix(f"{option}=") for arg in argv if option and arg.startswith(f"{option}=")]
    own = [str(failing_cc), f"--sysroot={host.sysroot}", *(f"{option}={m}" for m in maps), "-c", "x.c"]
    assert argv[: len(own)] == own
    assert (f"{dirs.source}=." in maps) == (option is not None)


def test_run_time_search_paths_into_the_root_become_the_hosts(wrappers: CompilerWrappers, host: Host) -> None:
    """meson adds ``-rpath`` for a ``.pc`` library outside the system directories (Debian's
    OpenBLAS): the wheel must name the host's directory, not this machine's sysroot."""
    root = host.sysroot
    result = _run(
        wrappers.cc,
        "-shared",
        f"-Wl,--as-needed,-rpath,$ORIGIN/:{root}/usr/lib/aarch64-linux-gnu/openblas-pthread:/opt/x",
        f"-Wl,-rpath={root}/usr/lib/a",
        f"-Wl,--enable-new-dtags,-R{root}/usr/lib/b",
        f"-Wl,-rpath-link,{root}/usr/lib/c",
        "-o",
        "x.so",
    )
    assert _compiled(result).split() == [
        "compiled",
        f"--sysroot={root}",
        "-shared",
        "-Wl,--as-needed,-rpath,$ORIGIN/:/usr/lib/aarch64-linux-gnu/openblas-pthread:/opt/x",
        "-Wl,-rpath=/usr/lib/a",
        "-Wl,--enable-new-dtags,-R/usr/lib/b",
        "-o",
        "x.so",
    ]
    assert f"-Wl,-rpath-link,{root}/usr/lib/c" in result.stdout.split()  # where the linker finds libraries: stays


def test_a_compile_gets_no_library_flags(host: Host, failing_cc: Path, tmp_path: Path) -> None:
    """-L, -B, -Wl, and the linker choice only on links: clang warns of unused ones on a
    compile, and meson's checks make that warning an error
    (``-Werror=unused-command-line-argument``)."""
    toolchain = Toolchain(cc=(str(failing_cc), "--target=aarch64-linux-gnu", "-fuse-ld=lld"), cxx=None, target="t")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin")
    root = host.sysroot
    compiled = _run(wrappers.cc, "-c", "x.c", "-o", "x.o").stdout.split()
    linked = _run(wrappers.cc, "-shared", "x.o", "-o", "x.so").stdout.split()

    assert f"-L{root}/usr/lib" in linked
    assert "-fuse-ld=lld" in linked
    assert any(arg.startswith("-Wl,-rpath-link,") for arg in linked)
    assert "--target=aarch64-linux-gnu" in compiled
    assert [arg for arg in compiled if arg.startswith(("-L", "-B", "-Wl,", "-fuse-ld="))] == []


def test_linker_options_zig_rejects_are_dropped(host: Host, failing_cc: Path, tmp_path: Path) -> None:
    toolchain = Toolchain(
        cc=(str(failing_cc),),
        cxx=None,
        target="aarch64-linux-gnu",
        kind="zig",
        dropped_linker_options=tuple(ZIG_DROPPED_LINKER_OPTIONS.items()),
    )
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin")

    result = _run(
        wrappers.cc,
        "-shared",
        "-Wl,-O1",
        "-Wl,-Bsymbolic-functions,--as-needed",
        "-Wl,--exclude-libs,ALL,-z,relro",
        "-Xlinker",
        "-Map",
        "-Xlinker",
        "x.map",
        "-Xlinker",
        "--no-undefined",
        "-Wl,--dynamic-list=d.txt,-soname,x.so",
        "x.o",
        "-o",
        "x.so",
    )

    assert _compiled(result).split() == [
        "compiled",
        f"--sysroot={host.sysroot}",
        "-shared",
        "-Wl,--as-needed",
        "-Wl,-z,relro",
        "-Xlinker",
        "--no-undefined",
        "-Wl,-soname,x.so",
        "x.o",
        "-o",
        "x.so",
    ]
    assert not any("rpath-link" in arg for arg in result.stdout.split())  # zig only warns of it: dropped too
    assert not (tmp_path / "bin" / failing_cc.name).exists()  # zig cc and zig c++ are one program: no alias


def test_programs_for_a_musl_root_get_its_loader(failing_cc: Path, tmp_path: Path) -> None:
    """A glibc cross compiler links programs for glibc's loader; on a musl root the wrapper
    names the root's (meson's and CMake's test programs run under qemu)."""
    layout = make_layout(tmp_path / "root", glibc=None, musl="1.2.3")
    toolchain = Toolchain(cc=(str(failing_cc),), cxx=None, target="aarch64-linux-gnu")
    host = replace(inspect_host(layout.python), toolchain=toolchain)
    out = _run(write_wrappers(host, tmp_path / "bin").cc, "main.c", "-o", "main").stdout.split()
    assert out[-1] == "-Wl,--dynamic-linker=/lib/ld-musl-aarch64.so.1"
    glibc_host = inspect_host(make_layout(tmp_path / "glibc").python)
    out = _run(write_wrappers(replace(glibc_host, toolchain=toolchain), tmp_path / "bin2").cc, "m.c").stdout
    assert "--dynamic-linker" not in out


@pytest.mark.parametrize(
    ("argv", "stdin", "expected"),
    [
        # python-prctl: echo "#include <sys/capability.h>" | cpp
        ([], "#include <sys/capability.h>\n", ["-E", "-"]),
        (["-I", "inc", "-DX=1"], "", ["-E", "-I", "inc", "-DX=1", "-"]),
        (["-P", "in.h"], "", ["-E", "-P", "in.h"]),
        (["in.h", "out.i"], "", ["-E", "in.h", "-o", "out.i"]),
    ],
)
def test_cpp_is_the_hosts_preprocessor(
    wrappers: CompilerWrappers, host: Host, argv: list[str], stdin: str, expected: list[str]
) -> None:
    """``cpp`` runs the C compiler wrapper with ``-E``: standard input when no file is named,
    as cpp reads it (the build machine's cpp would look in the build machine's headers)."""
    result = subprocess.run(
        [str(wrappers.directory / "cpp"), *argv], input=stdin, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert _compiled(result).split() == ["compiled", f"--sysroot={host.sysroot}", *expected]
