"""zig as the cross compiler (``crossbuild[zig]``): ``--cc zig`` runs the ziglang package's
``zig cc -target <arch>-linux-<abi>[.<glibc>]``.

``--glibc 2.17`` makes wheels for bookworm's root (glibc 2.36) that auditwheel's policy
check takes as ``manylinux_2_17``: C, C++ (zig's libc++, linked statically), meson-python
and scikit-build-core projects for arm64, C and C++ for armhf, imported under qemu.  zig builds its C library for each
target on first use (about a minute): its cache is kept in the test cache, as CI keeps it.
"""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost, error_line, run_crossbuild
from test_manylinux_repair import glibc_minor_needed
from test_wheel import elf_members, wheel_tags

import crossbuild

pytest.importorskip("ziglang", reason="zig is optional: pip install crossbuild[zig]")

#: Where crossbuild keeps zig's launcher and zig its C libraries in these tests.
CACHE = sysroot_script.CACHE / "crossbuild-zig"


@pytest.fixture(scope="module")
def armhf_python() -> Path:
    arch = sysroot_script.ARCHES["armhf"]
    sysroot_script.ensure_toolchain(arch)  # qemu-arm, and the binutils that read the ELF attributes
    return Path(sysroot_script.ensure_sysroot(arch)) / "usr/bin/python3.11"


def test_a_manylinux_2_17_wheel_from_a_glibc_2_36_root(
    host_python: Path, tmp_path: Path, project: Callable[[str], Path], qemu: QemuHost
) -> None:
    for name in ("c_ext", "cpp_ext", "meson_ext", "cmake_ext"):
        result = run_crossbuild(
            "wheel", project(name), "--host", host_python, "--cc", "zig", "--glibc", "2.17", "--repair",
            "-w", tmp_path / "dist", "--cache-dir", CACHE,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        wheel = Path(result.stdout.strip())
        assert sorted(wheel_tags(wheel)) == ["cp311-cp311-manylinux2014_aarch64", "cp311-cp311-manylinux_2_17_aarch64"]
        assert glibc_minor_needed(wheel) == 17  # the root has 2.36; gcc's builds need 2.34
        qemu.install(wheel)

    assert (CACHE / "zig" / "cache").is_dir()  # zig's C libraries, in crossbuild's cache
    out = qemu.python(
        "import cext, cppext, _mesonext, cmakeext\n"
        "print(cext.machine(), cppext.join_sorted(['z', 'a']), cppext.cplusplus(), _mesonext.long_double_size(),\n"
        "      cmakeext.system_processor(), cmakeext.squares(3))"
    )
    assert out == "aarch64 a,z 201703 16 aarch64 [0, 1, 4]"


def test_armhf_with_debians_baseline_cpu(armhf_python: Path, tmp_path: Path, project: Callable[[str], Path]) -> None:
    host = crossbuild.inspect_host(armhf_python, cc="zig", cache_dir=CACHE)

    assert host.toolchain.kind == "zig"
    assert host.toolchain.cc[1:] == (
        "cc",
        "-target",
        "arm-linux-gnueabihf.2.36",
        "-mcpu=generic+v7a+vfp3d16+thumb2-d32-neon",
    )
    assert host.toolchain.cxx is not None and host.toolchain.cxx[1] == "c++"
    qemu = QemuHost(host.sysroot, tmp_path / "site", "qemu-arm")
    for name in ("c_ext", "cpp_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert set(elf_members(wheel).values()) == {crossbuild.ElfTarget("EM_ARM", 32, "little")}
        qemu.install(wheel)
    assert qemu.python(
        "import cext, cppext; print(cext.machine(), cext.pointer_bits(), cppext.join_sorted(['n', 'm']))"
    ) == ("arm 32 m,n")
    objects = list((tmp_path / "dist").glob("*.whl"))
    attributes = subprocess.run(
        ["arm-linux-gnueabihf-readelf", "-A", *_unpacked_objects(objects, tmp_path / "unpacked")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Tag_FP_arch: VFPv3-D16" in attributes  # no board of Debian's armhf lacks these
    assert "Tag_Advanced_SIMD_arch" not in attributes  # NEON is not in Debian's armhf baseline


def _unpacked_objects(wheels: list[Path], directory: Path) -> list[str]:

    paths = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in elf_members(wheel):
                paths.append(archive.extract(name, directory / wheel.stem))
    return paths


def test_a_glibc_floor_above_the_roots_is_refused(host_python: Path, tmp_path: Path) -> None:
    result = run_crossbuild("inspect", "--host", host_python, "--cc", "zig", "--glibc", "2.40")

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: --glibc 2.40 is newer than the root's glibc 2.36: the binaries would not load there; pass 2.36 or older"
    )


@pytest.mark.parametrize("arch_name", ["arm64", "mipsel"])
def test_zig_builds_c_and_cpp_for_a_musl_root(arch_name: str, project: Callable[[str], Path], tmp_path: Path) -> None:
    """On a musl root zig targets ``<arch>-linux-musl``: C, and C++ with zig's libc++ linked
    statically (Debian's libstdc++ is glibc's: the GNU cross compiler cannot build C++ for
    musl, see test_musl_hosts.py), link nothing but musl's ``libc.so`` and import under qemu
    with the root's own python and loader — on arm64 and on the OpenWrt router case, mipsel."""
    import musl as musl_script
    from test_musl_hosts import needed

    arch = sysroot_script.ARCHES[arch_name]
    root = musl_script.ensure_musl_cpython(arch)
    host = crossbuild.inspect_host(root / "usr/bin/python3.11", cc="zig", cxx="zig", cache_dir=CACHE)
    assert (host.libc, host.toolchain.kind) == ("musl", "zig")
    cpu = {"arm64": "aarch64", "mipsel": "mipsel"}[arch_name]
    assert any(word.startswith(f"{cpu}-linux-musl") for word in host.toolchain.cc)  # mipsel: musleabihf
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu)
    for name in ("c_ext", "cpp_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist", crossbuild.BuildOptions(cache_dir=CACHE))
        assert wheel_tags(wheel) == [f"cp311-cp311-linux_{host.machine}"]  # linux_aarch64, linux_mips
        assert set(elf_members(wheel).values()) == {host.elf}
        assert needed(wheel) <= {"libc.so"}  # no libstdc++, no glibc
        qemu.install(wheel)
    out = qemu.python("import cext, cppext\nprint(cext.add(2, 3), cppext.join_sorted(['z', 'a']), cppext.cplusplus())")
    assert out == "5 a,z 201703"
