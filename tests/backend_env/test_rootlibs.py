"""The root first: include order, build-machine paths mapped into the root, host answers
from uname, and the CONFIG_SITE of a bundled ./configure."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from helpers.fakehost import write_script

from crossbuild.backend_env.autoconf import canonical, write_config_site
from crossbuild.backend_env.searchdirs import library_flags, root_first
from crossbuild.backend_env.shims import build_multiarch
from crossbuild.backend_env.wrappers import write_wrappers
from crossbuild.host.host import Host
from crossbuild.host.toolchain import Toolchain

ECHO_CC = 'echo "compiled $*"\n'


def test_the_root_s_include_dirs_come_before_the_toolchain_s_libc(tmp_path: Path) -> None:
    gcc, cxx, libc, root = (tmp_path / name for name in ("gcc/include", "c++/12", "triplet/include", "root"))
    for directory in (gcc, cxx, libc, root / "usr/include"):
        directory.mkdir(parents=True)
    (libc / "stdio.h").touch()
    listed = [str(cxx), str(gcc), str(libc), str(root / "usr/include/aarch64-linux-gnu"), str(root / "usr/include")]
    assert root_first(listed, root) == [
        str(cxx),
        str(gcc),
        str(root / "usr/include/aarch64-linux-gnu"),
        str(root / "usr/include"),
        str(libc),
    ]
    assert root_first([str(gcc), str(libc)], root) == [str(gcc), str(libc)]  # nothing of the root: as is


def test_the_root_s_library_dirs_and_crt_files(tmp_path: Path) -> None:
    (tmp_path / "usr/lib/aarch64-linux-gnu").mkdir(parents=True)
    (tmp_path / "usr/lib/aarch64-linux-gnu/crti.o").touch()
    (tmp_path / "lib").mkdir()
    libs = f"{tmp_path}/usr/lib/aarch64-linux-gnu"
    assert library_flags(tmp_path, "aarch64-linux-gnu") == [
        f"-B{libs}/",
        f"-L{libs}",
        f"-L{tmp_path}/usr/lib",
        f"-L{tmp_path}/lib",
        f"-Wl,-rpath-link,{libs}:{tmp_path}/usr/lib:{tmp_path}/lib",
    ]
    assert library_flags(Path("/"), "aarch64-linux-gnu") == []


def test_build_machine_system_dirs_are_mapped_into_the_root(host: Host, tmp_path: Path) -> None:
    compiler = write_script(tmp_path / "tools/aarch64-linux-gnu-gcc", ECHO_CC)
    toolchain = Toolchain(cc=(str(compiler),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin")
    root, build = host.sysroot, build_multiarch()
    args = ["-I/usr/include", "-I", f"/usr/include/{build}/", f"-L/usr/lib/{build}", "-L/usr/local/lib/../lib"]
    args += ["-I/usr/lib/gcc-cross/x/include", "-Isrc", f"-I{root}/usr/include", "-c", "x.c"]
    result = subprocess.run([wrappers.cc, *args], capture_output=True, text=True, check=True)
    said = result.stdout.split()
    assert said[said.index("-c") - 8 : said.index("-c")] == [
        f"-I{root}/usr/include",
        "-I",
        f"{root}/usr/include/aarch64-linux-gnu",
        f"-L{root}/usr/lib/aarch64-linux-gnu",
        f"-L{root}/usr/local/lib",
        "-I/usr/lib/gcc-cross/x/include",  # the compilers' own directories stay
        "-Isrc",
        f"-I{root}/usr/include",  # already in the root
    ]
    assert wrappers.rewrites() == [
        ("/usr/include", f"{root}/usr/include"),
        (f"/usr/include/{build}", f"{root}/usr/include/aarch64-linux-gnu"),
        (f"/usr/lib/{build}", f"{root}/usr/lib/aarch64-linux-gnu"),
        ("/usr/local/lib", f"{root}/usr/local/lib"),
    ]


def test_uname_and_gcc_answer_for_the_host(host: Host, tmp_path: Path) -> None:
    real = shutil.which("uname", path="/usr/bin:/bin")
    assert real is not None
    (Path(os.environ["PATH"]) / "uname").symlink_to(real)  # the tests' PATH is narrowed
    compiler = write_script(tmp_path / "tools/aarch64-linux-gnu-gcc", ECHO_CC)
    toolchain = Toolchain(cc=(str(compiler),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(replace(host, toolchain=toolchain), tmp_path / "bin")
    uname = subprocess.run([wrappers.directory / "uname", "-m"], capture_output=True, text=True, check=True)
    assert uname.stdout == "aarch64\n"
    assert (wrappers.directory / "gcc").readlink() == Path("crossbuild-cc")
    assert (wrappers.directory / "cc").readlink() == Path("crossbuild-cc")


def test_config_site_makes_configure_cross_compile_unless_given_host(host: Host, tmp_path: Path) -> None:
    site = write_config_site(
        replace(host, toolchain=Toolchain(cc=("gcc",), cxx=None, target="aarch64-linux-gnu")), tmp_path / "config.site"
    )
    show = '. "$0"; echo "$host_alias $ac_cv_host $cross_compiling $ac_tool_prefix"'
    unset = subprocess.run(["/bin/sh", "-c", show, site], capture_output=True, text=True, check=True)
    assert unset.stdout == "aarch64-linux-gnu aarch64-unknown-linux-gnu yes aarch64-linux-gnu-\n"
    given = subprocess.run(
        ["/bin/sh", "-c", "host_alias=x86_64-linux-gnu; " + show, site], capture_output=True, text=True
    )
    assert given.stdout == "x86_64-linux-gnu   \n"
    assert canonical("arm-linux-gnueabihf") == "arm-unknown-linux-gnueabihf"
