"""crossbuild wheel, end to end: real toolchain, real arm64 sysroot, imports under qemu."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from conftest import QemuHost, run_crossbuild

import crossbuild
from crossbuild.host.elf import read_elf_target

AARCH64 = crossbuild.ElfTarget("EM_AARCH64", 64, "little")


def elf_members(wheel: Path) -> dict[str, crossbuild.ElfTarget]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: target for name in archive.namelist() if (target := read_elf_target(archive.read(name))) is not None
        }


def wheel_tags(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        wheel_file = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        lines = archive.read(wheel_file).decode().splitlines()
    return [line.split(": ", 1)[1] for line in lines if line.startswith("Tag: ")]


def test_markupsafe_from_pypi_imports_its_compiled_speedups(
    host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel("markupsafe==2.1.5", host, tmp_path / "dist")

    assert wheel.name == "markupsafe-2.1.5-cp311-cp311-linux_aarch64.whl"
    assert wheel_tags(wheel) == ["cp311-cp311-linux_aarch64"]
    binaries = elf_members(wheel)
    assert list(binaries) == ["markupsafe/_speedups.cpython-311-aarch64-linux-gnu.so"]
    assert set(binaries.values()) == {AARCH64}
    qemu.install(wheel)
    out = qemu.python(
        "import markupsafe, markupsafe._speedups as s, platform; "
        "print(platform.machine(), s.__file__.endswith('.so'), markupsafe.escape.__module__, markupsafe.escape('<b>'))"
    )
    assert out == "aarch64 True markupsafe._speedups &lt;b&gt;"


def test_c_extension_via_cli(project: Callable[[str], Path], host_python: Path, tmp_path: Path, qemu: QemuHost) -> None:
    result = run_crossbuild("wheel", project("c_ext"), "--host", host_python, "-w", tmp_path / "dist")

    assert result.returncode == 0, result.stderr
    wheel = Path(result.stdout.strip())
    assert wheel.name == "cext-1.0-cp311-cp311-linux_aarch64.whl"
    assert set(elf_members(wheel).values()) == {AARCH64}
    qemu.install(wheel)
    assert qemu.python("import cext; print(cext.machine(), cext.pointer_bits(), cext.byteorder(), cext.add(2, 3))") == (
        "aarch64 64 little 5"
    )


def test_cython_extension(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel(project("cython_ext"), host, tmp_path / "dist")

    assert wheel.name == "cyext-1.0-cp311-cp311-linux_aarch64.whl"
    assert list(elf_members(wheel)) == ["cyext.cpython-311-aarch64-linux-gnu.so"]
    qemu.install(wheel)
    assert qemu.python("import cyext; print(cyext.is_compiled(), cyext.total([1, 2, 39]), cyext.pointer_bits())") == (
        "True 42 64"
    )


def test_cpp_extension(project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost) -> None:
    wheel = crossbuild.build_wheel(project("cpp_ext"), host, tmp_path / "dist")

    assert set(elf_members(wheel).values()) == {AARCH64}
    qemu.install(wheel)
    assert qemu.python("import cppext; print(cppext.join_sorted(['b', 'c', 'a']), cppext.cplusplus())") == (
        "a,b,c 201703"
    )


def test_legacy_setup_py_project(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel(project("legacy_ext"), host, tmp_path / "dist")

    assert wheel.name == "legacyext-1.0-cp311-cp311-linux_aarch64.whl"
    qemu.install(wheel)
    assert qemu.python("import legacyext; print(legacyext.word_bits())") == "64"


def test_pure_project_stays_pure(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    wheel = crossbuild.build_wheel(project("pure_pkg"), host, tmp_path / "dist")

    assert wheel.name == "purepkg-1.0-py3-none-any.whl"
    assert elf_members(wheel) == {}
    qemu.install(wheel)
    assert qemu.python("import purepkg; purepkg.main()") == "hello from aarch64"


def test_sdist_file_source(project: Callable[[str], Path], host_python: Path, tmp_path: Path, qemu: QemuHost) -> None:
    sdist = tmp_path / "cext-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(project("c_ext"), arcname="cext-1.0")

    result = run_crossbuild("wheel", sdist, "--host", host_python, "-w", tmp_path / "dist")

    assert result.returncode == 0, result.stderr
    wheel = Path(result.stdout.strip())
    assert wheel.name == "cext-1.0-cp311-cp311-linux_aarch64.whl"
    qemu.install(wheel)
    assert qemu.python("import cext; print(cext.machine())") == "aarch64"


def test_several_sources_and_config_settings(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild(
        "wheel",
        project("c_ext"),
        project("pure_pkg"),
        "--host",
        host_python,
        "-w",
        dist,
        "-C--build-option=--build-number=7",
    )

    assert result.returncode == 0, result.stderr
    # the setting reached setuptools' bdist_wheel (a build tag), and the retag kept it
    assert sorted(p.name for p in dist.iterdir()) == [
        "cext-1.0-7-cp311-cp311-linux_aarch64.whl",
        "purepkg-1.0-7-py3-none-any.whl",
    ]


def test_inspect_shows_the_host(host_python: Path) -> None:
    result = run_crossbuild("inspect", "--host", host_python)

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["tag"] == "cp311-cp311-linux_aarch64"
    assert lines["machine"] == "aarch64"
    assert lines["ext_suffix"] == ".cpython-311-aarch64-linux-gnu.so"
    assert lines["version"].startswith("3.11.")
    assert lines["glibc"] == "2.36"
