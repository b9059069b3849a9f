"""A CPython built from its source, the Buildroot/Yocto case: no Debian layout, no Debian patches.

``integration/cpython.py`` cross-compiles CPython 3.11 for aarch64 with ``--prefix=/usr``
into a root with upstream's layout (``_sysconfigdata__linux_aarch64-linux-gnu.py`` only,
``/usr/include/python3.11`` without a multiarch directory, packages in
``/usr/lib/python3.11/site-packages``).  crossbuild inspects it, builds a C extension and
numpy for it, installs them into that root, and the root's own python imports them under
qemu.  The root is built once per machine (minutes) and cached.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import cpython as cpython_script
import pytest
from conftest import ARCH, QemuHost, run_crossbuild
from test_install_rootfs import host_python as run_root_python
from test_wheel import AARCH64, elf_members, wheel_tags

import crossbuild
from crossbuild.host.elf import read_elf_target
from crossbuild.host.schemes import install_paths

SITE = "usr/lib/python3.11/site-packages"


@pytest.fixture(scope="module")
def source_root() -> Path:
    """The cached root with CPython 3.11 cross-built from source (built now if missing)."""
    sysroot_script = cpython_script.sysroot_script
    sysroot_script.ensure_toolchain(ARCH)
    return cpython_script.ensure_cpython(ARCH)


@pytest.fixture
def rootfs(source_root: Path, tmp_path: Path) -> Path:
    """A fresh copy of the source-built root, to install into."""
    root = tmp_path / "rootfs"
    shutil.copytree(source_root, root, symlinks=True)
    return root


@pytest.fixture
def linked_root(source_root: Path, tmp_path: Path) -> Path:
    """A copy of the source-built root made of hard links (a second, not ten) where the cache
    and the temporary directory share a file system: for tests that only add files to it,
    never write into one of its files."""
    root = tmp_path / "linked-root"
    if subprocess.run(["cp", "-al", str(source_root), str(root)], capture_output=True).returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(source_root, root, symlinks=True)
    return root


def test_the_root_has_upstream_layout(source_root: Path) -> None:
    stdlib = source_root / "usr/lib/python3.11"
    assert sorted(p.name for p in stdlib.glob("_sysconfigdata_*.py")) == ["_sysconfigdata__linux_aarch64-linux-gnu.py"]
    assert (source_root / "usr/include/python3.11/pyconfig.h").is_file()
    assert not (source_root / "usr/include/aarch64-linux-gnu/python3.11").exists()
    assert not (source_root / "usr/lib/python3").exists()  # no Debian python, no dist-packages
    assert "deb_system" not in (stdlib / "sysconfig.py").read_text()
    assert (source_root / SITE).is_dir()
    assert read_elf_target(source_root / "usr/lib/libpython3.11.so.1.0") == AARCH64


def test_crossbuild_inspects_it(source_root: Path) -> None:
    python = source_root / "usr/bin/python3.11"
    result = run_crossbuild("inspect", "--host", python, "--json")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["python"] == str(python)
    assert summary["sysroot"] == str(source_root)
    assert summary["version"] == "3.11.2"
    assert summary["tag"] == "cp311-cp311-linux_aarch64"
    assert summary["ext_suffix"] == ".cpython-311-aarch64-linux-gnu.so"
    stdlib = source_root / "usr/lib/python3.11"
    assert summary["sysconfigdata"] == str(stdlib / "_sysconfigdata__linux_aarch64-linux-gnu.py")
    assert summary["build_details"] is None
    assert summary["glibc"] == "2.36"
    assert summary["built_with"] == "aarch64-linux-gnu-gcc"
    assert summary["toolchain"]["target"] == "aarch64-linux-gnu"

    host = crossbuild.inspect_host(python)
    assert host.config_vars["INCLUDEPY"] == "/usr/include/python3.11"
    assert install_paths(host, "/usr") == {
        "purelib": "/" + SITE,
        "platlib": "/" + SITE,
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/bin",
        "data": "/usr",
    }


def test_c_extension_wheel(project: Callable[[str], Path], source_root: Path, tmp_path: Path) -> None:
    result = run_crossbuild(
        "wheel", project("c_ext"), "--host", source_root / "usr/bin/python3.11", "-w", tmp_path / "dist"
    )

    assert result.returncode == 0, result.stderr
    wheel = Path(result.stdout.strip())
    assert wheel.name == "cext-1.0-cp311-cp311-linux_aarch64.whl"
    assert wheel_tags(wheel) == ["cp311-cp311-linux_aarch64"]
    assert elf_members(wheel) == {"cext/_native.cpython-311-aarch64-linux-gnu.so": AARCH64}


def _build_details(micro: int) -> dict[str, object]:
    """A PEP 739 build-details.json for the source-built python, written by hand (3.11 has none)."""
    version = {"major": 3, "minor": 11, "micro": micro, "releaselevel": "final", "serial": 0}
    return {
        "schema_version": "1.0",
        "base_prefix": "/usr",
        "base_interpreter": "/usr/bin/python3.11",
        "platform": "linux-aarch64",
        "language": {"version": "3.11", "version_info": version},
        "implementation": {
            "name": "cpython",
            "version": version,
            "hexversion": 0x030B00F0 | micro << 8,
            "cache_tag": "cpython-311",
            "_multiarch": "aarch64-linux-gnu",
        },
        "abi": {"flags": [], "extension_suffix": ".cpython-311-aarch64-linux-gnu.so", "stable_abi_suffix": ".abi3.so"},
        "libpython": {"dynamic": "lib/libpython3.11.so.1.0", "link_extensions": False},
        "c_api": {"headers": "include/python3.11", "pkgconfig_path": "lib/pkgconfig"},
    }


@pytest.mark.parametrize("malformed", [False, True], ids=["build-details", "malformed-build-details"])
def test_build_details_written_by_hand(
    linked_root: Path, project: Callable[[str], Path], tmp_path: Path, malformed: bool
) -> None:
    rootfs = linked_root
    details = rootfs / "usr/lib/python3.11/build-details.json"
    # 3.11.9 by the file, 3.11.2 by patchlevel.h: which one crossbuild says tells which it read
    details.write_text('{"schema_version": "1.0", "language": "3.11"}' if malformed else json.dumps(_build_details(9)))
    python = rootfs / "usr/bin/python3.11"

    inspected = run_crossbuild("inspect", "--host", python, "--json")
    built = run_crossbuild("wheel", project("c_ext"), "--host", python, "-w", tmp_path / "dist", "-v")

    assert inspected.returncode == 0, inspected.stderr
    summary = json.loads(inspected.stdout)
    assert (summary["version"], summary["build_details"]) == (
        ("3.11.2", None) if malformed else ("3.11.9", str(details))
    )
    note = f"ignoring {details}: language is not a JSON object; the host is read from its _sysconfigdata"
    assert (note in built.stderr.splitlines()) == malformed
    assert built.returncode == 0, built.stderr
    wheel = Path(built.stdout.strip())
    assert wheel.name == "cext-1.0-cp311-cp311-linux_aarch64.whl"
    qemu = QemuHost(rootfs, tmp_path / "site")
    qemu.install(wheel)
    assert qemu.python("import cext; print(cext.machine(), cext.add(2, 3))") == "aarch64 5"


def test_c_extension_and_numpy_install_into_site_packages(
    rootfs: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    c_ext = project("c_ext")
    report = tmp_path / "report.json"

    result = run_crossbuild(
        "install",
        "numpy==2.2.6",
        c_ext,
        "--no-binary",
        "numpy",  # built for this python from its sdist, not the manylinux wheel
        "--host",
        rootfs / "usr/bin/python3.11",
        "--root",
        rootfs,
        "--report",
        report,
    )

    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    # numpy is cross-built for this python from its sdist, or taken from the built-wheel
    # cache, which holds it only if the same code built it for the same host before
    assert sorted((d["metadata"]["name"], d["source"]) for d in data["install"]) in (
        [("cext", "built"), ("numpy", "built")],
        [("cext", "built"), ("numpy", "reused")],
    )
    assert data["scheme"]["platlib"] == "/" + SITE
    site = rootfs / SITE
    binaries = {
        path.relative_to(site).as_posix(): read_elf_target(path) for path in site.rglob("*.so") if not path.is_symlink()
    }
    assert binaries["cext/_native.cpython-311-aarch64-linux-gnu.so"] == AARCH64
    assert binaries["numpy/_core/_multiarray_umath.cpython-311-aarch64-linux-gnu.so"] == AARCH64
    assert set(binaries.values()) == {AARCH64}
    assert not (rootfs / "usr/local/lib/python3.11").exists()
    checked = run_crossbuild("check", "--root", rootfs)  # the root's only python is the host
    assert (checked.returncode, checked.stderr) == (0, ""), checked.stdout
    assert re.match(r"^2 distributions, \d+ files checked: no problems$", checked.stdout.strip()), checked.stdout

    # on the device: its own python finds both on its default sys.path
    out = run_root_python(
        rootfs,
        "-c",
        "import sys, cext, numpy as np\n"
        "print(sys.version.split()[0], cext.machine(), cext.add(2, 3), np.__version__,\n"
        "      int(np.arange(10).sum()), round(float(np.linalg.det(np.eye(3) * 2)), 9),\n"
        "      np.__file__.startswith(sys.prefix + '/lib/python3.11/site-packages/'))",
    )
    assert out == "3.11.2 aarch64 5 2.2.6 45 8.0 True"
