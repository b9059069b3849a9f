"""Rootfs trees as they come: Debian trees unpacked by ``dpkg -x``, absolute symlinks kept.

- arm64: ``usr/lib/aarch64-linux-gnu/libz.so -> /lib/aarch64-linux-gnu/libz.so.1.2.13``
  (and libm.so): followed on the build machine, the linker takes the build machine's
  arm64 zlib and libm when multiarch packages are installed there, or a static libz.a
  when not;
- ppc64el: ``lib64/ld64.so.2 -> /lib/powerpc64le-linux-gnu/ld64.so.2``: the link fails
  ("cannot find /lib64/ld64.so.2 inside ROOT"), and qemu finds no loader;
- merged /usr, made from the arm64 tree as usrmerge does it, with ``lib -> /usr/lib``
  absolute: even libc comes from the build machine.

The trees are used unmodified (byte-compared before and after).  C, meson and CMake
projects and a C extension linking zlib and libm are built for each, hold only the host's
machine code, take no linker input from the build machine, and import under qemu.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from helpers.fakehost import snapshot
from test_wheel import elf_members

import crossbuild

MACHINES = {
    "arm64": ("linux_aarch64", crossbuild.ElfTarget("EM_AARCH64", 64, "little")),
    "ppc64el": ("linux_ppc64le", crossbuild.ElfTarget("EM_PPC64", 64, "little")),
}


@dataclass(frozen=True)
class Tree:
    root: Path
    arch: sysroot_script.Arch
    platform_tag: str
    elf: crossbuild.ElfTarget
    projects: tuple[str, ...]


@pytest.fixture(scope="module", params=["arm64", "ppc64el", "arm64-merged-usr"])
def tree(request: pytest.FixtureRequest) -> Tree:
    name, _, variant = str(request.param).partition("-")
    arch = sysroot_script.ARCHES[name]
    sysroot_script.ensure_toolchain(arch)
    root = sysroot_script.ensure_sysroot(arch, as_is=True)
    projects = ("c_ext", "meson_ext", "cmake_ext", "zlib_ext")
    if variant:
        root, projects = merged_usr(root), ("c_ext", "zlib_ext")
    return Tree(root, arch, *MACHINES[name], projects)


def merged_usr(root: Path) -> Path:
    """A merged-/usr copy of ``root`` (cached beside it): /lib, /bin, /sbin moved under
    /usr, then ``lib -> /usr/lib`` and ``sbin -> /usr/sbin`` (absolute, as some images
    have them) and ``bin -> usr/bin`` (relative, as Debian has it)."""
    dest = root.with_name(root.name + "-merged-usr")
    stamp = (root / ".crossbuild-sysroot").read_text()
    if (dest / ".crossbuild-sysroot").is_file() and (dest / ".crossbuild-sysroot").read_text() == stamp:
        return dest
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(["cp", "-a", str(root), str(staging)], check=True)
    for top, absolute in (("lib", True), ("bin", False), ("sbin", True)):
        if (staging / top).is_dir():
            _move_into(staging / top, staging / "usr" / top)
        (staging / top).symlink_to(f"/usr/{top}" if absolute else f"usr/{top}")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest


def _move_into(source: Path, destination: Path) -> None:
    destination.mkdir(exist_ok=True)
    for entry in source.iterdir():
        target = destination / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir() and not target.is_symlink():
            _move_into(entry, target)
        else:
            assert not os.path.lexists(target), target
            entry.rename(target)
    source.rmdir()


def times(root: Path) -> dict[str, int]:
    result = {".": root.lstat().st_mtime_ns}
    for path in root.rglob("*"):
        result[path.relative_to(root).as_posix()] = path.lstat().st_mtime_ns
    return result


def needed(wheel: Path, member_suffix: str) -> set[str]:
    """The DT_NEEDED libraries of the wheel's member ending with ``member_suffix``."""
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(member_suffix)]
        elf = ELFFile(io.BytesIO(archive.read(name)))
    dynamic = elf.get_section_by_name(".dynamic")
    assert isinstance(dynamic, DynamicSection)
    return {tag.needed for tag in dynamic.iter_tags("DT_NEEDED")}


def linker_inputs(dependency_file: Path) -> list[Path]:
    """The files ld read from outside the build tree, from its ``--dependency-file``
    (``out: in1 in2 …``; the project's objects are relative paths), as real paths."""
    rule = dependency_file.read_text().split("\n\n")[0]
    words = [w for w in rule.replace("\\\n", " ").split() if w != "\\"]
    return [Path(os.path.realpath(w)) for w in words[1:] if Path(w).is_absolute()]


def file_id(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def files_of(root: Path) -> set[tuple[int, int]]:
    """The identities of the root's files: what a view's hard links to them share."""
    return {file_id(path) for path in root.rglob("*") if path.is_file() and not path.is_symlink()}


def zlib_version(root: Path) -> str:
    header = (root / "usr/include/zlib.h").read_text()
    return header.split('#define ZLIB_VERSION "', 1)[1].split('"', 1)[0]


def test_builds_against_the_unmodified_tree(
    tree: Tree, project: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, mtimes = snapshot(tree.root), times(tree.root)
    host = crossbuild.inspect_host(tree.root / "usr/bin/python3.11")
    assert host.sysroot == tree.root

    wheels = []
    for name in tree.projects:
        if name == "zlib_ext":  # what ld reads, to show that none of it is the build machine's
            monkeypatch.setenv("LDFLAGS", f"-Wl,--dependency-file={tmp_path / 'zlibext.d'}")
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert wheel.name.endswith(f"-cp311-cp311-{tree.platform_tag}.whl")
        assert set(elf_members(wheel).values()) == {tree.elf}
        wheels.append(wheel)

    zlib_wheel = wheels[-1]
    assert {"libz.so.1", "libm.so.6"} <= needed(zlib_wheel, ".so")  # linked dynamically, not libz.a
    toolchain = (Path("/usr/lib/gcc-cross"), Path("/usr") / tree.arch.triplet)
    inputs = [p for p in linker_inputs(tmp_path / "zlibext.d") if not any(p.is_relative_to(d) for d in toolchain)]
    assert any(path.name.startswith("libz.so") for path in inputs)
    assert [path for path in inputs if file_id(path) not in files_of(tree.root)] == []  # none of this machine's

    assert host.build_sysroot != tree.root  # the tree's links lead out of it: the tools got a view
    qemu = QemuHost(host.build_sysroot, tmp_path / "site", tree.arch.qemu)
    for wheel in wheels:
        qemu.install(wheel)
    modules = [
        {"c_ext": "cext", "meson_ext": "_mesonext", "cmake_ext": "cmakeext"}.get(p, "zlibext") for p in tree.projects
    ]
    out = qemu.python(
        f"import platform, {', '.join(modules)}\n"
        "print(platform.machine(), cext.pointer_bits(), cext.byteorder(), cext.add(2, 3),\n"
        "      zlibext.zlib_version(), zlibext.crc(b'crossbuild'), round(zlibext.cube_root(27.0), 9))\n"
        + ("print(_mesonext.long_double_size(), cmakeext.system_processor())\n" if "cmake_ext" in tree.projects else "")
    )
    expected = f"{host.machine} 64 little 5 {zlib_version(tree.root)} {zlib.crc32(b'crossbuild')} 3.0"
    if "cmake_ext" in tree.projects:
        expected += f"\n{host.config_vars['SIZEOF_LONG_DOUBLE']} {host.machine}"
    assert out == expected

    assert snapshot(tree.root) == before
    assert times(tree.root) == mtimes


def test_a_view_of_symlinks_where_hard_links_cannot_be_made(
    project: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache on another file system than the root: the view's files are symlinks into the
    root, but for ``libc.so`` (``GROUP ( /lib/…/libc.so.6 … /lib64/ld64.so.2 )``: ld takes it
    for a script inside the sysroot only when its real path is) and executables (python
    finds its prefix from its real path), which are copies."""
    arch = sysroot_script.ARCHES["ppc64el"]
    sysroot_script.ensure_toolchain(arch)
    root = sysroot_script.ensure_sysroot(arch, as_is=True)
    before, mtimes = snapshot(root), times(root)

    def cross_device(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    with monkeypatch.context() as patch:
        patch.setattr(os, "link", cross_device)
        host = crossbuild.inspect_host(root / "usr/bin/python3.11", cache_dir=tmp_path / "cache")
        host.build_sysroot  # noqa: B018 - the view is made when first needed: now, without hard links
    zlib_library = f"lib/{arch.triplet}/libz.so.1.2.13"
    assert (host.build_sysroot / zlib_library).readlink() == root / zlib_library
    assert not (host.build_sysroot / "usr/bin/python3.11").is_symlink()  # an executable: copied

    qemu = QemuHost(host.build_sysroot, tmp_path / "site", arch.qemu)
    for name in ("c_ext", "meson_ext", "cmake_ext", "zlib_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert set(elf_members(wheel).values()) == {MACHINES["ppc64el"][1]}
        qemu.install(wheel)
    assert (
        qemu.python(
            "import cext, _mesonext, cmakeext, zlibext, platform, sys\n"
            "print(platform.machine(), cext.add(2, 3), _mesonext.long_double_size(), cmakeext.system_processor(),\n"
            "      zlibext.crc(b'crossbuild'), sys.prefix)"
        )
        == f"ppc64le 5 16 ppc64le {zlib.crc32(b'crossbuild')} {host.build_sysroot / 'usr'}"  # the view's stdlib
    )
    assert snapshot(root) == before  # not even a __pycache__
    assert times(root) == mtimes
