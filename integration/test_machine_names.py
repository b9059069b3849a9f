"""The machine names and platform tags crossbuild gives each host are the ones its own
python gives itself: ``sysconfig.get_platform()``, ``platform.machine()`` and the platform
tags of ``packaging.tags`` (what pip on the device accepts), run under qemu.

Every arch of ``integration/sysroot.py`` (Debian's python3.11; trixie's python3.13 for
riscv64) and the musl roots of ``integration/musl.py``.  loongarch64 has no Debian
bookworm port: its row is in ``tests/host/test_machines.py`` only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import musl as musl_script
import packaging
import pytest
import sysroot as sysroot_script
from conftest import QemuHost

import crossbuild

#: What packaging.tags computes on the device, and what the python says of itself.
#: packaging runs musl's loader to learn its version; without binfmt_misc here, its
#: ``subprocess.run`` goes through qemu, as the kernel would send it there (qemu opens the
#: program it is given on this machine: its path is the root's).
PROBE = """
import json, platform, subprocess, sys, sysconfig
qemu, root = sys.argv[1:3]
run = subprocess.run
subprocess.run = lambda args, *rest, **kwargs: run([qemu, "-L", root, root + args[0], *args[1:]], *rest, **kwargs)
from packaging import tags
platforms = list(dict.fromkeys(t.platform for t in tags.sys_tags() if t.platform != "any"))
print(json.dumps([sysconfig.get_platform(), platform.machine(), platforms]))
"""


def device_view(host: crossbuild.Host, qemu: str, python: str, tmp_path: Path) -> tuple[str, str, list[str]]:
    site = tmp_path / "site"
    shutil.copytree(Path(packaging.__file__).parent, site / "packaging")  # pure Python
    probe = QemuHost(host.sysroot, site, qemu, python, isolated=False)
    code = f"import sys; sys.argv[1:] = [{shutil.which(qemu)!r}, {str(host.sysroot)!r}]\n{PROBE}"
    platform, machine, platforms = json.loads(probe.python(code))
    return platform, machine, platforms


@pytest.mark.parametrize("debian", sorted(sysroot_script.ARCHES))
def test_glibc_hosts_name_themselves_as_crossbuild_does(debian: str, tmp_path: Path) -> None:
    arch = sysroot_script.ARCHES[debian]
    python = sysroot_script.python_of(arch.suite)
    root = Path(sysroot_script.ensure_sysroot(arch))
    host = crossbuild.inspect_host(root / "usr" / "bin" / python)
    platform, machine, platforms = device_view(host, arch.qemu, python, tmp_path)
    assert (host.platform, host.machine, host.libc) == (platform, machine, "glibc")
    assert host.tag.platform == platforms[0] or host.tag.platform in platforms  # packaging 26 puts linux_ first
    assert set(host.platform_tags) == set(platforms)


@pytest.mark.parametrize("debian", musl_script.ARCHES)
def test_musl_hosts_name_themselves_as_crossbuild_does(debian: str, tmp_path: Path) -> None:
    arch = sysroot_script.ARCHES[debian]
    root = musl_script.ensure_musl_cpython(arch)
    host = crossbuild.inspect_host(root / "usr" / "bin" / "python3.11")
    platform, machine, platforms = device_view(host, arch.qemu, "python3.11", tmp_path)
    assert (host.platform, host.machine, host.libc, host.musl) == (platform, machine, "musl", (1, 2))
    assert set(host.platform_tags) == set(platforms)
    assert [t for t in host.platform_tags if t.startswith("musllinux")] == [
        t for t in platforms if t.startswith("musllinux")
    ]
    assert not any(t.startswith("manylinux") for t in platforms)
