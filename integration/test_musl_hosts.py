"""musl hosts: roots laid out as Alpine, OpenWrt and Buildroot lay them (``integration/musl.py``:
CPython 3.11 cross-built against Debian's musl 1.2.3 for aarch64 and for mipsel, the
OpenWrt router case), and a glibc mipsel/mips64el host (Debian bookworm).

C, meson and CMake projects build with the glibc cross compiler pointed at the musl root,
link musl (``libc.so``, never glibc's ``libc.so.6``), are tagged as the host's own python
tags wheels and import under qemu; PyPI's musllinux wheels install and import; ``--repair``
makes a musllinux wheel.  C++ is refused by the root: Debian has no C++ runtime built
for musl (``test_cpp_needs_a_cpp_runtime_for_musl``, docs/how-to/musl-hosts.md).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import musl as musl_script
import pytest
import sysroot as sysroot_script
from conftest import QemuHost, assert_no_wheel, error_line, link_copy, run_crossbuild
from test_wheel import elf_members, wheel_tags

import crossbuild
from crossbuild.host.elf import read_linkage
from crossbuild.installation.options import InstallOptions


@pytest.fixture(scope="module", params=musl_script.ARCHES)
def musl_host(request: pytest.FixtureRequest) -> tuple[crossbuild.Host, sysroot_script.Arch]:
    arch = sysroot_script.ARCHES[request.param]
    root = musl_script.ensure_musl_cpython(arch)
    return crossbuild.inspect_host(root / "usr" / "bin" / "python3.11"), arch


def needed(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        linkages = [read_linkage(archive.read(name)) for name in elf_members(wheel)]
    return {library for linkage in linkages if linkage for library in linkage.needed}


def test_c_meson_and_cmake_projects_on_musl(
    musl_host: tuple[crossbuild.Host, sysroot_script.Arch], project: Callable[[str], Path], tmp_path: Path
) -> None:
    host, arch = musl_host
    assert host.libc == "musl"
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu)
    for name in ("c_ext", "meson_ext", "cmake_c_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert wheel_tags(wheel) == [f"cp311-cp311-linux_{host.machine}"]  # as pip builds it on the device
        assert set(elf_members(wheel).values()) == {host.elf}
        assert needed(wheel) <= {"libc.so"}  # musl's, if any libc call is left; never glibc's libc.so.6
        qemu.install(wheel)
    out = qemu.python(
        "import cext, _mesonext, cmakecext, os, sysconfig\n"
        "print(cext.machine(), cmakecext.system_processor(), os.path.basename(cmakecext.__file__),\n"
        "      sysconfig.get_config_var('EXT_SUFFIX'))"
    )
    _, processor, module_file, suffix = out.split()
    assert processor == host.machine
    assert module_file == f"cmakecext{suffix}"  # python_add_library(WITH_SOABI): named as CMake names it there


def test_a_musllinux_wheel_from_pypi(tmp_path: Path) -> None:
    """markupsafe 2.1.5 has manylinux and musllinux aarch64 wheels: the musl root takes the latter."""
    arch = sysroot_script.ARCHES["arm64"]
    root = link_copy(musl_script.ensure_musl_cpython(arch), tmp_path / "root")
    host = crossbuild.inspect_host(root / "usr/bin/python3.11")
    crossbuild.install(
        ["markupsafe==2.1.5"], host=host, root=root, install_options=InstallOptions(only_binary=(":all:",))
    )
    site = root / "usr/lib/python3.11/site-packages"
    wheel_file = next(site.glob("MarkupSafe-2.1.5.dist-info")) / "WHEEL"
    assert "Tag: cp311-cp311-musllinux_1_1_aarch64" in wheel_file.read_text()
    assert sorted(p.name for p in (site / "markupsafe").glob("_speedups*.so")) == [
        "_speedups.cpython-311-aarch64-linux-musl.so"
    ]
    qemu = QemuHost(root, tmp_path / "empty", arch.qemu)
    assert qemu.python("import markupsafe._speedups as s; print(s.escape('<'))") == "&lt;"

    assert crossbuild.check_root(root, host=host).ok  # musl's own names load: no libc problem
    glibc_sysroot = Path(sysroot_script.ensure_sysroot(arch))
    shutil.copyfile(glibc_sysroot / "lib/aarch64-linux-gnu/libz.so.1", site / "libz_glibc.so")  # glibc's build
    problems = [p for p in crossbuild.check_root(root, host=host).problems if p.kind == "libc"]
    assert [(p.path, p.detail) for p in problems] == [
        ("/usr/lib/python3.11/site-packages/libz_glibc.so", "needs libc.so.6 of glibc, the host runs on musl 1.2")
    ]


def test_repair_makes_a_musllinux_wheel(project: Callable[[str], Path], tmp_path: Path) -> None:
    arch = sysroot_script.ARCHES["arm64"]
    root = musl_script.ensure_musl_cpython(arch)
    result = run_crossbuild(
        "wheel", project("zlib_ext"), "--host", root / "usr/bin/python3.11", "--repair", "-w", tmp_path / "dist"
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel_tags(wheel) == ["cp311-cp311-musllinux_1_2_aarch64"]
    assert "libz.so.1" in needed(wheel)  # musllinux policies allow zlib: nothing grafted
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if ".libs/" in n]


@pytest.mark.parametrize("debian", ["mipsel", "mips64el"])
def test_glibc_mips_wheels_are_tagged_as_the_device_tags_them(
    debian: str, project: Callable[[str], Path], tmp_path: Path
) -> None:
    arch = sysroot_script.ARCHES[debian]
    sysroot_script.ensure_toolchain(arch)
    host = crossbuild.inspect_host(Path(sysroot_script.ensure_sysroot(arch)) / "usr/bin/python3.11")
    wheel = crossbuild.build_wheel(project("c_ext"), host, tmp_path / "dist")
    machine = "mips" if debian == "mipsel" else "mips64"
    assert wheel_tags(wheel) == [f"cp311-cp311-linux_{machine}"]
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu)
    qemu.install(wheel)
    tags = qemu.python(
        "import cext, sysconfig, platform\nprint(sysconfig.get_platform().replace('-', '_'), platform.machine())"
    )
    assert tags == f"linux_{machine} {machine}"


def test_cpp_needs_a_cpp_runtime_for_musl(
    musl_host: tuple[crossbuild.Host, sysroot_script.Arch], project: Callable[[str], Path], tmp_path: Path
) -> None:
    """The documented limit: Debian's libstdc++ headers are glibc's (they test ``__GLIBC_PREREQ``),
    and a musl root has no C++ runtime of its own here, so a C++ extension fails to compile."""
    host, _ = musl_host
    with pytest.raises(crossbuild.BackendError, match=r"os_defines\.h"):
        crossbuild.build_wheel(project("cpp_ext"), host, tmp_path / "dist")


def test_repair_on_mips_says_auditwheel_has_no_policy(project: Callable[[str], Path], tmp_path: Path) -> None:
    root = musl_script.ensure_musl_cpython(sysroot_script.ARCHES["mipsel"])
    result = run_crossbuild(
        "wheel", project("c_ext"), "--host", root / "usr/bin/python3.11", "--repair", "-w", tmp_path / "dist"
    )
    assert result.returncode != 0
    assert error_line(result.stderr) == (
        "error: auditwheel has no manylinux or musllinux policy for mips; build without --repair"
    )
    assert_no_wheel(tmp_path / "dist")


def test_a_tree_built_for_musl_then_for_glibc_names_the_stale_build(
    host_python: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    """setuptools reuses the tree's build/: the musl extension would be packed into the glibc
    wheel (and fail only later, needing musl's libc.so).  The error says what happened."""
    source = project("c_ext")
    musl_python = musl_script.ensure_musl_cpython(sysroot_script.ARCHES["arm64"]) / "usr/bin/python3.11"
    assert run_crossbuild("wheel", source, "--host", musl_python, "-w", tmp_path / "musl").returncode == 0
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", tmp_path / "glibc")
    assert result.returncode != 0
    assert error_line(result.stderr) == (
        "error: cext-1.0-cp311-cp311-linux_aarch64.whl: cext/_native.cpython-311-aarch64-linux-musl.so is an extension "
        "module named for another host (this host's end in .cpython-311-aarch64-linux-gnu.so); the source tree "
        "holds an earlier build for another host: remove the project's build/ directory and build again"
    )
    assert_no_wheel(tmp_path / "glibc")
