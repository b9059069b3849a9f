"""Fixtures of the integration suite: a real arm64 sysroot, the cross toolchain, qemu-user.

The toolchain and sysroot come from ``integration/sysroot.py`` (Debian packages, cached
in ``$CROSSBUILD_TEST_CACHE``).  Wheels are installed with ``installer`` into a temporary
site directory and imported by the host's own python under ``qemu-aarch64``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sysroot as sysroot_script

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))  # fakehost: wheels, ELF headers, snapshots

from helpers.signals import stop_signals_default
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

import crossbuild

HERE = Path(__file__).parent
PACKAGES = HERE.parent / "tests" / "packages"


ARCH = sysroot_script.ARCHES["arm64"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


def _tree(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


@pytest.fixture(scope="session", autouse=True)
def packages_stay_as_committed() -> Iterator[None]:
    """No test builds in ``tests/packages`` itself: a ``build/`` left there is copied into every
    later test's project (setuptools reuses it), and an extension built for another host ends
    up in their wheels.  Tests build copies (the ``project`` fixture)."""
    before = _tree(PACKAGES)
    yield
    left = sorted(_tree(PACKAGES) - before)
    if left:
        pytest.fail(f"the integration suite wrote into tests/packages (build copies instead): {left[:5]}")


@pytest.fixture(scope="session")
def sysroot() -> Path:
    """A Debian bookworm arm64 sysroot with python3.11, and the cross toolchain installed."""
    sysroot_script.ensure_toolchain(ARCH)
    return Path(sysroot_script.ensure_sysroot(ARCH))


@pytest.fixture(scope="session")
def sysroot_with() -> Callable[..., Path]:
    """Another arm64 sysroot, with extra Debian packages (``sysroot_with("libffi-dev")``)."""
    sysroot_script.ensure_toolchain(ARCH)
    return lambda *packages: Path(sysroot_script.ensure_sysroot(ARCH, extra=packages))


@pytest.fixture(scope="session")
def host_python(sysroot: Path) -> Path:
    return sysroot / "usr" / "bin" / "python3.11"


@pytest.fixture(scope="session")
def host(host_python: Path) -> crossbuild.Host:
    return crossbuild.inspect_host(host_python)


@pytest.fixture
def rootfs(sysroot: Path, tmp_path: Path) -> Path:
    """A fresh copy of the arm64 sysroot to install into."""
    root = tmp_path / "rootfs"
    shutil.copytree(sysroot, root, symlinks=True)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of one of the tiny projects of ``tests/packages``."""

    def copy(name: str) -> Path:
        destination = tmp_path / "src" / name
        shutil.copytree(PACKAGES / name, destination)
        return destination

    return copy


def run_crossbuild(
    *args: str | os.PathLike[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI, as a user runs it at a terminal: SIGINT is not ignored, however the tests were started."""
    return subprocess.run(
        [sys.executable, "-m", "crossbuild", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=stop_signals_default,
    )


def link_copy(source: Path, destination: Path) -> Path:
    """A copy of ``source`` made of hard links: instant, and installs only rename files."""
    subprocess.run(["cp", "-al", str(source), str(destination)], check=True)
    return destination


def error_line(stderr: str) -> str:
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), stderr
    return last


def assert_no_wheel(dist: Path) -> None:
    assert not dist.exists() or list(dist.iterdir()) == []


class QemuHost:
    """Installs wheels into a site directory and runs the host python on them under qemu.

    qemu-user's ``-L ROOT`` falls back to the build machine's files for a path ROOT lacks:
    a library missing from the root is then loaded from the build machine's
    ``/usr/lib/aarch64-linux-gnu`` if some ``:arm64`` package put it there.  ``isolated``
    (the default: an import under qemu must prove the root is enough) hides those
    directories (a private mount namespace with empty ones over them), so the host python
    sees only what the root holds.
    """

    def __init__(
        self, sysroot: Path, site: Path, qemu: str = ARCH.qemu, python: str = "python3.11", *, isolated: bool = True
    ) -> None:
        self.sysroot = sysroot
        self.site = site
        self.qemu = qemu
        self.interpreter = f"/usr/bin/{python}"
        self.isolated = isolated

    def install(self, wheel: Path) -> None:
        destination = SchemeDictionaryDestination(
            {
                key: str(self.site / key) if key in ("scripts", "data", "headers") else str(self.site)
                for key in ("purelib", "platlib", "scripts", "data", "headers")
            },
            interpreter=self.interpreter,
            script_kind="posix",
        )
        with WheelFile.open(wheel) as source:
            install(source, destination, {"INSTALLER": b"crossbuild-tests"})

    def python(self, code: str) -> str:
        """Run ``code`` with the host python under qemu; return its stdout (it must succeed)."""
        result = self.run(code)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def run(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` with the host python under qemu, whatever its outcome."""
        argv = [self.qemu, "-L", str(self.sysroot), str(self.sysroot) + self.interpreter, "-c", code]
        if self.isolated:
            hidden = sorted({Path(d).resolve() for d in (f"/lib/{ARCH.triplet}", f"/usr/lib/{ARCH.triplet}")})
            mounts = "".join(f"mount -t tmpfs none {d} && " for d in hidden if d.is_dir())
            argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mounts + 'exec "$@"', "sh", *argv]
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(self.site), "PATH": os.environ["PATH"]},
            timeout=300,
        )


@pytest.fixture
def qemu(sysroot: Path, tmp_path: Path) -> Iterator[QemuHost]:
    site = tmp_path / "site"
    site.mkdir()
    yield QemuHost(sysroot, site)
