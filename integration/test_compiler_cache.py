"""Compiler launchers: ccache by default (its hits survive crossbuild's temporary
directories, the wheel's bytes do not change), none on request, distcc to a farm.

Every build runs the real CLI with its own copy of the source and its own ``TMPDIR``; the
cache directory (where crossbuild keeps ccache's) is shared where a hit is expected.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sysroot as sysroot_script
from conftest import ARCH, PACKAGES, QemuHost, error_line, run_crossbuild

import crossbuild


@pytest.fixture(scope="module", autouse=True)
def _launchers() -> None:
    sysroot_script.ensure_programs(ARCH, {"ccache": "ccache", "distcc": "distcc", "distccd": "distcc"})


def _build(
    host_python: Path, place: Path, cache: Path, *args: str, project: str = "c_ext", **environ: str
) -> tuple[Path, str]:
    """``crossbuild wheel -v`` of a fresh copy of ``project`` under ``place`` (its own
    TMPDIR); the wheel and the output."""
    source = place / "src" / project
    shutil.copytree(PACKAGES / project, source)
    tmp = place / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCACHE_", "DISTCC_"))}
    env.update(TMPDIR=str(tmp), **environ)
    dist = place / "dist"
    argv = ["wheel", source, "--host", host_python, "--cache-dir", cache, "-w", dist, "-v", *args]
    result = run_crossbuild(*argv, env=env)
    assert result.returncode == 0, result.stderr
    (wheel,) = dist.glob("*.whl")
    assert not any(tmp.iterdir()), "a temporary directory was left behind"
    return wheel, result.stderr


def _ccache_line(stderr: str, project: str = "c_ext") -> tuple[int, int]:
    (match,) = re.findall(rf"^{project}: ccache (\d+) hits, (\d+) misses$", stderr, re.M)
    return int(match[0]), int(match[1])


@pytest.mark.parametrize(("project", "compiles"), [("c_ext", 1), ("meson_ext", 1), ("cmake_ext", 3)])
def test_ccache_hits_from_a_fresh_copy_in_a_new_temporary_directory(
    host_python: Path, tmp_path: Path, project: str, compiles: int
) -> None:
    cache = tmp_path / "cache"
    first, first_log = _build(host_python, tmp_path / "one", cache, project=project)
    second, second_log = _build(host_python, tmp_path / "two", cache, project=project)
    assert _ccache_line(first_log, project) == (0, compiles)
    assert _ccache_line(second_log, project) == (compiles, 0)
    assert (cache / "ccache").is_dir()  # crossbuild's cache holds ccache's
    assert first.read_bytes() == second.read_bytes()


def test_the_launcher_changes_no_byte(host_python: Path, tmp_path: Path) -> None:
    launched, _ = _build(host_python, tmp_path / "one", tmp_path / "cache-a", "--compiler-launcher", "ccache")
    plain, log = _build(host_python, tmp_path / "two", tmp_path / "cache-b", "--compiler-launcher", "none")
    assert "c_ext: ccache" not in log and "c_ext: compiles ran through" not in log
    assert not (tmp_path / "cache-b" / "ccache").exists()
    assert launched.read_bytes() == plain.read_bytes()


def test_the_users_ccache_dir_is_kept(host_python: Path, tmp_path: Path) -> None:
    mine = tmp_path / "my-ccache"
    _, log = _build(host_python, tmp_path / "one", tmp_path / "cache", CCACHE_DIR=str(mine))
    assert _ccache_line(log) == (0, 1)
    assert list(mine.rglob("*R")) or list(mine.rglob("*M")), "ccache stored nothing in CCACHE_DIR"
    assert not (tmp_path / "cache" / "ccache").exists()


def test_a_missing_launcher_is_an_error_line(host_python: Path, tmp_path: Path) -> None:
    result = run_crossbuild(
        "wheel", PACKAGES / "c_ext", "--host", host_python, "-w", tmp_path / "dist",
        "--compiler-launcher", "no-such-ccache",
    )  # fmt: skip
    assert result.returncode != 0
    assert error_line(result.stderr) == (
        "error: compiler launcher 'no-such-ccache' is not an executable program; install it, pass its path, "
        "or pass --compiler-launcher none"
    )
    assert not (tmp_path / "dist").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def distccd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A distcc server on loopback only; its ``DISTCC_HOSTS`` and its log.  Debian's
    ``distcc`` package allows the cross compilers (``/usr/lib/distcc/aarch64-linux-gnu-gcc``)."""
    assert (Path("/usr/lib/distcc") / f"{ARCH.triplet}-gcc").exists(), "the cross compiler is not allowed"
    port = _free_port()
    log = tmp_path / "distccd.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            ["distccd", "--no-detach", "--daemon", "--log-stderr", "--log-level", "info", "--user", "nobody",
             "--allow", "127.0.0.1", "--listen", "127.0.0.1", "--port", str(port), "--jobs", "2"],
            stderr=stderr,
            start_new_session=True,
        )  # fmt: skip
    try:
        for _ in range(100):  # until it listens
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, log.read_text()
            time.sleep(0.05)
        yield f"127.0.0.1:{port}", log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def test_distcc_compiles_on_the_server(
    distccd: tuple[str, Path], host_python: Path, host: crossbuild.Host, qemu: QemuHost, tmp_path: Path
) -> None:
    hosts, server_log = distccd
    client_log = tmp_path / "distcc-client.log"
    wheel, log = _build(
        host_python, tmp_path / "one", tmp_path / "cache", "--compiler-launcher", "distcc",
        DISTCC_HOSTS=hosts, DISTCC_FALLBACK="0", DISTCC_VERBOSE="1", DISTCC_LOG=str(client_log),
    )  # fmt: skip
    assert "c_ext: compiles ran through /usr/bin/distcc" in log
    assert re.search(rf"compile \S*_native\.c on {re.escape(hosts)} completed ok", client_log.read_text())
    assert "_native" in server_log.read_text() or "COMPILE_OK" in server_log.read_text(), server_log.read_text()
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".so")]
        assert archive.read(name)[18:20] == (183).to_bytes(2, "little")  # EM_AARCH64
    qemu.install(wheel)
    assert qemu.python("import cext; print(cext.machine(), cext.add(2, 3))") == "aarch64 5"
