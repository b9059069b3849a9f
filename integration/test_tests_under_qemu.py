"""Wheels and installs proven on the host's machine under qemu-user; offline wheelhouses.

``wheel --test-command`` installs the wheel and pytest (a pure wheel from the index) for
the host and runs pytest with the host python under qemu: a test that holds only on the
build machine must keep the wheel out of ``-w``.  ``install --check-imports`` imports what
was installed with the root's own python.  A wheelhouse made from a requirements file
(a pure wheel, a binary aarch64 wheel, an sdist-only project) installs offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from conftest import ARCH, assert_no_wheel, error_line, run_crossbuild

PYTEST = "pytest==8.4.2"


def build_tested(host_python: Path, source: Path, dist: Path, test_file: str, *options: str) -> CompletedProcess[str]:
    """``crossbuild wheel`` of ``source`` whose ``tests/TEST_FILE`` runs under qemu."""
    return run_crossbuild(
        "wheel", source, "--host", host_python, "-w", dist, *options,
        "--test-command", f"pytest -p no:cacheprovider {{project}}/tests/{test_file}",
        "--test-requires", PYTEST,
    )  # fmt: skip


def test_a_passing_test_command_publishes_the_wheel(
    sysroot: Path, host_python: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    source = project("host_tested")
    dist = tmp_path / "dist"

    result = build_tested(host_python, source, dist, "test_on_host.py", "-v")

    assert result.returncode == 0, result.stderr
    assert [p.name for p in dist.iterdir()] == ["hosttested-1.0-py3-none-any.whl"]
    assert "1 passed" in result.stderr  # -v: pytest's output streamed, from the aarch64 python
    local = sysroot / "usr/local/lib/python3.11"
    assert not local.exists() or not any(local.rglob("*")), "the sysroot was written"  # the test had its own dir


def test_a_test_failing_on_the_host_keeps_the_wheel_out(
    host_python: Path, project: Callable[[str], Path], tmp_path: Path
) -> None:
    source = project("host_tested")
    dist = tmp_path / "dist"

    result = build_tested(host_python, source, dist, "test_build_machine_only.py")

    assert result.returncode == 1
    assert error_line(result.stderr).startswith(
        "error: the tests of hosttested-1.0-py3-none-any.whl failed (exit code 1): "
    )
    assert "1 failed" in error_line(result.stderr)
    tail = [line for line in result.stderr.splitlines() if line.startswith("  | ")]
    assert any("AssertionError: assert 'aarch64' == 'x86_64'" in line for line in tail), result.stderr
    assert_no_wheel(dist)


def test_check_imports_reports_the_module_that_does_not_import(rootfs: Path, project: Callable[[str], Path]) -> None:
    host = rootfs / "usr/bin/python3.11"

    good = run_crossbuild("install", project("pure_pkg"), "--host", host, "--root", rootfs, "--check-imports")
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines()[-1] == "imported 1 modules under qemu"

    bad = run_crossbuild("install", project("broken_import"), "--host", host, "--root", rootfs, "--check-imports")
    assert bad.returncode == 1
    failures = [line for line in bad.stderr.splitlines() if line.startswith("import failed: ")]
    assert failures == [
        "import failed: brokenimport (brokenimport 1.0): ImportError: cannot import name 'no_such_name_in_os' "
        "from 'os' (/usr/lib/python3.11/os.py)"
    ]
    assert error_line(bad.stderr) == (
        "error: 1 of 1 installed modules do not import on the host (the install is committed)"
    )
    assert not list(rootfs.rglob("__pycache__/brokenimport*")) and not list(rootfs.rglob("brokenimport/__pycache__"))


REQUIREMENTS = """\
six==1.16.0      # pure
pyyaml==6.0.2    # a binary aarch64 wheel on the index
crcmod==1.7      # sdist only: cross-built
"""


def test_a_wheelhouse_installs_offline(rootfs: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS)
    house = tmp_path / "wheelhouse"
    host = rootfs / "usr/bin/python3.11"

    made = run_crossbuild("wheel", "-r", requirements, "--host", host, "-w", house)

    assert made.returncode == 0, made.stderr
    names = sorted((p.name for p in house.iterdir()), key=str.lower)
    assert names[0].startswith("crcmod-1.7-cp311-cp311-linux_aarch64")
    assert names[1].startswith("PyYAML-6.0.2-cp311-cp311-manylinux") and names[1].endswith("_aarch64.whl")
    assert names[2] == "six-1.16.0-py2.py3-none-any.whl"
    assert len(names) == 3

    offline = {
        **os.environ,
        "PIP_INDEX_URL": "http://127.0.0.1:9/nothing-here",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
    }
    installed = run_crossbuild(
        "install", "--no-index", "-f", house, "-r", requirements, "--host", host, "--root", rootfs,
        "--no-cache-dir", "--check-imports", env=offline,
    )  # fmt: skip

    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.splitlines()[-1] == "imported 4 modules under qemu"  # crcmod, six, yaml, _yaml
    check = subprocess.run(
        [ARCH.qemu, "-L", rootfs, rootfs / "usr/bin/python3.11", "-c", "import crcmod._crcfunext, yaml; print('ok')"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=300,
    )
    assert check.stdout.strip() == "ok", check.stderr


def test_no_deps_wheelhouse_has_only_the_named(host_python: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pytest==8.4.2\n")  # pure, with dependencies (pluggy, iniconfig, packaging)
    house = tmp_path / "wheelhouse"

    made = run_crossbuild("wheel", "-r", requirements, "--no-deps", "--host", host_python, "-w", house)

    assert made.returncode == 0, made.stderr
    assert [p.name for p in house.iterdir()] == ["pytest-8.4.2-py3-none-any.whl"]
    shutil.rmtree(house)
    everything = run_crossbuild("wheel", "-r", requirements, "--host", host_python, "-w", house)
    assert everything.returncode == 0, everything.stderr
    assert {p.name.split("-")[0] for p in house.iterdir()} >= {"pytest", "pluggy", "iniconfig", "packaging"}
