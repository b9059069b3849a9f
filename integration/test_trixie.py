"""A newer distribution: a Debian trixie arm64 rootfs (python3.13, glibc 2.41, merged /usr).

Its sysroot comes through ``integration/sysroot.py --suite trixie`` (a private apt: the
build machine's own stays on bookworm).  crossbuild runs with a python of another X.Y
and finds a native python3.13 for the backend by itself; numpy is built from its sdist
for the host and computes under qemu.
"""

from __future__ import annotations

import platform
import re
import subprocess
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import QemuHost, run_crossbuild
from test_wheel import AARCH64, elf_members, wheel_tags

import crossbuild

ARCH = sysroot_script.ARCHES["arm64"]


@pytest.fixture(scope="module")
def trixie() -> crossbuild.Host:
    sysroot_script.ensure_toolchain(ARCH)
    root = Path(sysroot_script.ensure_sysroot(ARCH, suite="trixie"))
    return crossbuild.inspect_host(root / "usr/bin/python3.13")


def test_the_trixie_sysroot(trixie: crossbuild.Host) -> None:
    assert (trixie.version, trixie.glibc, trixie.machine) == ("3.13", (2, 41), "aarch64")
    assert (trixie.sysroot / "lib").readlink() == Path("usr/lib")  # merged /usr, as in a real trixie rootfs
    # the build machine's apt never heard of trixie: its sources and lists are its own
    machine_apt = subprocess.run(["apt-cache", "policy"], capture_output=True, text=True, check=True).stdout
    assert "trixie" not in machine_apt and "bookworm" in machine_apt


def test_numpy_with_a_build_python_found_for_the_host(trixie: crossbuild.Host, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    result = run_crossbuild("wheel", "numpy==2.2.6", "--host", trixie.python, "-w", dist)

    assert result.returncode == 0, result.stderr[-3000:]
    said = re.match(r"using build python (\S+) for the host's 3\.13\n", result.stderr)
    assert said, result.stderr[:500]
    build_python = subprocess.run(
        [said[1], "-c", "import platform, sys; print(sys.version_info[:2], platform.machine())"],
        capture_output=True,
        text=True,
    )
    assert build_python.stdout.strip() == f"(3, 13) {platform.machine()}"  # native, not the host's under qemu
    [wheel] = dist.iterdir()
    assert wheel.name == "numpy-2.2.6-cp313-cp313-linux_aarch64.whl"
    assert wheel_tags(wheel) == ["cp313-cp313-linux_aarch64"]
    binaries = elf_members(wheel)
    assert len(binaries) > 10
    assert set(binaries.values()) == {AARCH64}

    qemu = QemuHost(trixie.sysroot, tmp_path / "site", ARCH.qemu, "python3.13")
    qemu.install(wheel)
    out = qemu.python(
        "import numpy as np, platform, sys\n"
        "a = np.arange(1.0, 10.0).reshape(3, 3) + np.eye(3)\n"
        "print(platform.machine(), sys.version_info[:2], np.__version__, round(float(np.linalg.det(a)), 6),\n"
        "      np.allclose(a @ np.linalg.inv(a), np.eye(3)), np.finfo(np.longdouble).nmant)"
    )
    assert out == "aarch64 (3, 13) 2.2.6 -2.0 True 112"  # IEEE quad long double: 112 mantissa bits
