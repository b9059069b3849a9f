"""crossbuild check on a real arm64 rootfs: clean, damaged, repaired by a no-op install."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import run_crossbuild

SITE = "/usr/local/lib/python3.11/dist-packages"
YAML_SO = f"{SITE}/yaml/_yaml.cpython-311-aarch64-linux-gnu.so"
#: A real x86_64 extension module of this build machine's python.
X86_SO = Path("/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so")
CLEAN = re.compile(r"^2 distributions, \d+ files checked: no problems$")


def test_check_a_rootfs_and_repair_it(sysroot: Path, tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    shutil.copytree(sysroot, root, symlinks=True)
    host = root / "usr/bin/python3.11"
    installed = run_crossbuild("install", "pyyaml==6.0.2", "tabulate==0.9.0", "--host", host, "--root", root)
    assert installed.returncode == 0, installed.stderr

    clean = run_crossbuild("check", "--root", root)  # the root's only python is the host
    assert (clean.returncode, clean.stderr) == (0, ""), clean.stderr
    assert CLEAN.match(clean.stdout.strip()), clean.stdout

    (root / YAML_SO.lstrip("/")).unlink()
    (root / "usr/local/bin/tabulate").chmod(0o777)
    shutil.copy(X86_SO, root / SITE.lstrip("/") / "yaml" / X86_SO.name)
    damaged = run_crossbuild("check", "--root", root, "--host", host)
    assert damaged.returncode == 1, damaged.stderr
    assert damaged.stdout.splitlines() == [
        f"PyYAML 6.0.2: {YAML_SO}: missing",
        "tabulate 0.9.0: /usr/local/bin/tabulate: world-writable (mode 0777)",
        f"no distribution: {SITE}/yaml/{X86_SO.name}: ELF for x86_64 (64-bit, little-endian), "
        "the host is aarch64 (64-bit, little-endian)",
    ]
    assert damaged.stderr.strip().endswith("files checked: 3 problems")

    (root / SITE.lstrip("/") / "yaml" / X86_SO.name).unlink()
    (root / "usr/local/bin/tabulate").chmod(0o755)
    repaired = run_crossbuild("install", "pyyaml==6.0.2", "tabulate==0.9.0", "--host", host, "--root", root)
    assert repaired.returncode == 0, repaired.stderr
    assert [line.split()[:3] for line in repaired.stdout.splitlines()] == [
        ["repaired", "pyyaml", "6.0.2"],
        ["kept", "tabulate", "0.9.0"],
        ["image", "grew", "by"],  # the .so that was missing
    ]
    assert (root / YAML_SO.lstrip("/")).is_file()

    again = run_crossbuild("check", "--root", root)
    assert again.returncode == 0, again.stdout
    assert again.stdout.strip() == clean.stdout.strip()
