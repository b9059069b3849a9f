"""crossbuild check on a real arm64 rootfs: clean, damaged, repaired by a no-op install."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import run_crossbuild

from crossbuild._faults import ENV_VAR as FAULT

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


def test_check_finds_damaged_metadata_and_an_interrupted_install(sysroot: Path, tmp_path: Path) -> None:
    """A real rootfs damaged as trials did: a RECORD deleted, a RECORD with a NUL byte, a
    world-writable package directory, an install killed mid-commit; check names each, and
    a no-op install repairs (and rolls back) all of it."""
    root = tmp_path / "rootfs"
    shutil.copytree(sysroot, root, symlinks=True)
    host = root / "usr/bin/python3.11"
    wanted = ("pyyaml==6.0.2", "tabulate==0.9.0", "six==1.16.0")
    installed = run_crossbuild("install", *wanted, "--host", host, "--root", root)
    assert installed.returncode == 0, installed.stderr

    site = root / SITE.lstrip("/")
    (site / "six-1.16.0.dist-info" / "RECORD").unlink()
    record = site / "tabulate-0.9.0.dist-info" / "RECORD"
    lines = record.read_bytes().splitlines(keepends=True)
    line = next(number for number, text in enumerate(lines, 1) if text.startswith(b"tabulate/__init__.py"))
    record.write_bytes(record.read_bytes().replace(b"tabulate/__init__.py", b"tabulate/__init\0.py"))
    (site / "yaml").chmod(0o777)
    killed = run_crossbuild(
        "install",
        "idna==3.10",
        "--host",
        host,
        "--root",
        root,
        env={**os.environ, FAULT: "commit:after-move:2:sigkill"},
    )
    assert killed.returncode == -9, killed.stderr
    [work] = [path for path in root.glob(".crossbuild-*") if path.is_dir()]  # not the sysroot's own marker file

    damaged = run_crossbuild("check", "--root", root)
    assert damaged.returncode == 1, damaged.stderr
    assert damaged.stdout.splitlines() == [
        f"interrupted install: /{work.name}: an install was interrupted during its commit: the root is half "
        "changed; running crossbuild install again rolls it back",
        # what the killed commit did: a directory made, its first file (INSTALLER) placed
        f"idna 3.10: {SITE}/idna-3.10.dist-info: METADATA is missing; install it again to repair it",
        f"PyYAML 6.0.2: {SITE}/yaml: world-writable directory (mode 0777)",
        f"six 1.16.0: {SITE}/six-1.16.0.dist-info: RECORD is missing (its files cannot be verified); install it "
        "again to repair it",
        f"tabulate 0.9.0: {SITE}/tabulate-0.9.0.dist-info: RECORD is unreadable (a NUL byte on line {line}); "
        "install it again to repair it",
    ]
    assert damaged.stderr.strip().endswith("files checked: 5 problems")

    (site / "yaml").chmod(0o755)  # a mode is not in RECORD: an install leaves it as it finds it
    repaired = run_crossbuild("install", *wanted, "--host", host, "--root", root)
    assert repaired.returncode == 0, repaired.stderr
    assert [line.split()[:3] for line in repaired.stdout.splitlines()][:3] == [
        ["kept", "pyyaml", "6.0.2"],
        ["repaired", "six", "1.16.0"],
        ["repaired", "tabulate", "0.9.0"],
    ]
    again = run_crossbuild("check", "--root", root)
    assert (again.returncode, again.stderr) == (0, ""), again.stdout
    assert re.match(r"^3 distributions, \d+ files checked: no problems$", again.stdout.strip()), again.stdout
    assert [path for path in root.glob(".crossbuild-*") if path.is_dir()] == []
