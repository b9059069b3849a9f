"""clang as the cross compiler: ``--cc clang-16`` is made a cross compiler by crossbuild.

Debian's clang (14 to 19 on bookworm) is given ``--target=<multiarch>`` and takes GCC's
start files and libgcc from the root, or from the GNU cross compiler when the root has
none (clang 19 needs ``--gcc-install-dir`` for that); it links with its lld (the GNU
cross linker when the user says ``-fuse-ld=bfd``).  C, C++, meson-python and
scikit-build-core projects are built for arm64 and armhf and imported under qemu; each
binary's ``.comment`` says clang compiled it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import ARCH, QemuHost, error_line, run_crossbuild
from elftools.elf.elffile import ELFFile
from test_wheel import elf_members

import crossbuild

CLANG = "clang-16"

#: Debian arch: (ELF target, what the test projects print under qemu)
EXPECTED = {
    "arm64": (crossbuild.ElfTarget("EM_AARCH64", 64, "little"), "aarch64 64 little | 16 aarch64"),
    "armhf": (crossbuild.ElfTarget("EM_ARM", 32, "little"), "arm 32 little | 8 armv7l"),
}


def ensure_clang(*versions: int) -> None:
    """Debian's clang-N and lld-N (lld: what links when no GNU cross linker is installed)."""
    programs = {f"clang-{v}": f"clang-{v}" for v in versions} | {f"ld.lld-{v}": f"lld-{v}" for v in versions}
    sysroot_script.ensure_programs(ARCH, programs)


def compilers_of(wheel: Path) -> set[str]:
    """What the ``.comment`` sections of the wheel's ELF files say compiled them."""
    found = set()
    with zipfile.ZipFile(wheel) as archive:
        for name in elf_members(wheel):
            section = ELFFile(io.BytesIO(archive.read(name))).get_section_by_name(".comment")
            if section is not None:
                found.update(s.decode() for s in section.data().split(b"\0") if s)
    return found


def made_by_clang(wheel: Path, version: int = 16, linker: str = "LLD") -> bool:
    """Whether clang ``version`` compiled the wheel's binaries, and ``linker`` (``LLD``,
    or ``GNU`` for the GNU linker, which writes no comment) linked them."""
    comments = compilers_of(wheel)
    linked = f"Linker: Debian LLD {version}." in " ".join(comments)
    return any(f"clang version {version}." in comment for comment in comments) and linked == (linker == "LLD")


@pytest.fixture(scope="module", params=["arm64", "armhf"])
def clang_host(request: pytest.FixtureRequest) -> tuple[crossbuild.Host, sysroot_script.Arch]:
    arch = sysroot_script.ARCHES[request.param]
    sysroot_script.ensure_toolchain(arch)
    ensure_clang(16)
    root = Path(sysroot_script.ensure_sysroot(arch))
    return crossbuild.inspect_host(root / "usr/bin/python3.11", cc=CLANG), arch


def test_c_cpp_meson_and_cmake_projects_with_clang(
    clang_host: tuple[crossbuild.Host, sysroot_script.Arch], project: Callable[[str], Path], tmp_path: Path
) -> None:
    host, arch = clang_host
    elf, printed = EXPECTED[arch.debian]
    assert host.toolchain.kind == "clang"
    assert host.toolchain.cc[1:] == (f"--target={arch.triplet}", "-fuse-ld=lld")
    assert Path(host.toolchain.cxx[0]).name == "clang++-16" if host.toolchain.cxx else False
    assert host.summary()["compiler"].startswith("clang 16.")
    qemu = QemuHost(host.sysroot, tmp_path / "site", arch.qemu)

    for name in ("c_ext", "cpp_ext", "meson_ext", "cmake_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert set(elf_members(wheel).values()) == {elf}, name
        assert made_by_clang(wheel), (name, compilers_of(wheel))
        qemu.install(wheel)

    out = qemu.python(
        "import cext, cppext, _mesonext, cmakeext\n"
        "print(cext.machine(), cext.pointer_bits(), cext.byteorder(), '|',\n"
        "      _mesonext.long_double_size(), cmakeext.system_processor())\n"
        "print(cppext.join_sorted(['b', 'a']), cppext.cplusplus(), cmakeext.squares(3))"
    )
    assert out.splitlines() == [printed, "a,b 201703 [0, 1, 4]"]


@pytest.mark.parametrize("version", [14, 19])
def test_a_root_without_gccs_files_takes_the_cross_compilers(
    version: int, sysroot: Path, tmp_path: Path, project: Callable[[str], Path]
) -> None:
    """A device image has no libgcc-12-dev: the GNU cross compiler's crt files and libgcc
    serve (clang 14 finds them beside itself; clang 19 is told with --gcc-install-dir)."""
    sysroot_script.ensure_toolchain(ARCH)
    ensure_clang(version)
    root = tmp_path / "root"
    shutil.copytree(sysroot, root, symlinks=True)
    shutil.rmtree(root / "usr/lib/gcc")
    host = crossbuild.inspect_host(root / "usr/bin/python3.11", cc=f"clang-{version}")

    install_dirs = [arg for arg in host.toolchain.cc if arg.startswith("--gcc-install-dir=")]
    assert install_dirs == ([] if version == 14 else ["--gcc-install-dir=/usr/lib/gcc-cross/aarch64-linux-gnu/12"])
    qemu = QemuHost(root, tmp_path / "site")
    for name in ("c_ext", "cpp_ext"):
        wheel = crossbuild.build_wheel(project(name), host, tmp_path / "dist")
        assert made_by_clang(wheel, version, "LLD" if shutil.which(f"ld.lld-{version}") else "GNU")
        qemu.install(wheel)
    assert qemu.python("import cext, cppext; print(cext.machine(), cppext.join_sorted(['y', 'x']))") == "aarch64 x,y"


def test_the_gnu_cross_linker_when_the_user_says_so(
    host_python: Path, tmp_path: Path, project: Callable[[str], Path], qemu: QemuHost
) -> None:
    ensure_clang(16)
    host = crossbuild.inspect_host(host_python, cc=f"{CLANG} -fuse-ld=bfd")

    assert host.toolchain.cc[1:] == ("--target=aarch64-linux-gnu", "-fuse-ld=bfd")
    assert host.toolchain.cxx is not None and host.toolchain.cxx[1:] == host.toolchain.cc[1:]
    wheel = crossbuild.build_wheel(project("cpp_ext"), host, tmp_path / "dist")
    assert made_by_clang(wheel, linker="GNU"), compilers_of(wheel)
    qemu.install(wheel)
    assert qemu.python("import cppext; print(cppext.join_sorted(['q', 'p']))") == "p,q"


def test_inspect_names_the_compiler_kind(host_python: Path) -> None:
    ensure_clang(16)
    result = run_crossbuild("inspect", "--host", host_python, "--cc", CLANG, "--json")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["toolchain"]["kind"] == "clang"
    assert summary["toolchain"]["version"].startswith("16.0.")
    assert summary["toolchain"]["cxx"] == [shutil.which("clang++-16"), "--target=aarch64-linux-gnu", "-fuse-ld=lld"]


def test_a_glibc_floor_needs_zig(host_python: Path, tmp_path: Path) -> None:
    ensure_clang(16)
    result = run_crossbuild(
        "wheel", tmp_path, "--host", host_python, "--cc", CLANG, "--glibc", "2.17", "-w", tmp_path / "dist"
    )

    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "error: --glibc 2.17 needs zig as the C compiler (GCC and clang link against the root's own glibc); "
        "pass --cc zig (pip install crossbuild[zig]), or build without --glibc"
    )
    assert not (tmp_path / "dist").exists()


def test_cargo_links_with_clang(
    host_python: Path, tmp_path: Path, project: Callable[[str], Path], qemu: QemuHost
) -> None:
    """maturin's Cargo build links the PyO3 extension with the clang wrapper (and so lld)."""
    sysroot_script.ensure_rust(ARCH)
    ensure_clang(16)
    env = dict(os.environ, CARGO_HOME=str(tmp_path / "cargo-home"))
    result = run_crossbuild(
        "wheel", project("rust_maturin"), "--host", host_python, "--cc", CLANG, "-w", tmp_path / "dist",
        "--rust-toolchain", "/usr", "--vendored-crates", "/usr/share/cargo/registry", env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    wheel = Path(result.stdout.strip())
    assert "Linker: Debian LLD 16" in " ".join(compilers_of(wheel))
    qemu.install(wheel)
    assert qemu.python("import rust_maturin as m; print(m.add(40, 2), m.arch())") == "42 aarch64"
