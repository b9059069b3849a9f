"""What a person reads: the first real failure of a build and its kept log, live progress on
a terminal, and one clean summary at the end."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import stat
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Callable
from pathlib import Path

from conftest import assert_no_wheel, error_line, run_crossbuild

#: The C locale: gcc quotes with ASCII ' rather than typographic quotes, so error lines compare exactly.
C_LOCALE = {**os.environ, "LC_ALL": "C"}


def failing(*args: str | os.PathLike[str], cache: Path) -> tuple[str, Path, str]:
    """Run the command, which must fail: its error line, the log named by the ``full log:``
    line just above it (in ``cache``), and its whole stderr."""
    result = run_crossbuild(*args, "--cache-dir", cache, env=C_LOCALE)
    assert result.returncode == 1, result.stderr
    line = result.stderr.strip().splitlines()[-2]
    assert line.startswith("full log: "), result.stderr
    return error_line(result.stderr), Path(line.removeprefix("full log: ")), result.stderr


def test_parallel_meson_build_names_its_first_failure(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    """broken.c fails at once; ninja goes on with the slow units, whose warnings end the output."""
    dist, cache = tmp_path / "dist", tmp_path / "cache"
    error, log, stderr = failing("wheel", project("broken_meson"), "--host", host_python, "-w", dist, cache=cache)

    assert error == (
        "error: the build backend of broken_meson failed in build_wheel: "
        "FAILED: _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o: "
        "../broken.c:2:25: error: expected expression before ';' token (see the output above, or rerun with -v)"
    )
    shown = [line for line in stderr.splitlines() if line.startswith("  | ")]
    assert shown[-1] == "  | ninja: build stopped: subcommand failed."
    assert any("warning: unused variable" in line for line in shown)  # the tail: later units' warnings
    assert log.parent == cache / "logs" and log.name.startswith("broken_meson-")
    text = log.read_text()
    assert "FAILED: _brokenmeson.cpython-311-aarch64-linux-gnu.so.p/broken.c.o" in text
    assert "../broken.c:2:25: error: expected expression before ';' token" in text
    assert text.rstrip().endswith("[exit code 1]")
    assert len(text.splitlines()) > len(shown)  # the whole output, not its tail
    assert stat.S_IMODE(log.stat().st_mode) & (stat.S_IWGRP | stat.S_IWOTH) == 0
    assert_no_wheel(dist)


def test_failed_install_keeps_the_build_log(project: Callable[[str], Path], host_python: Path, tmp_path: Path) -> None:
    root, cache = tmp_path / "rootfs", tmp_path / "cache"
    root.mkdir()
    error, log, stderr = failing("install", project("broken_c"), "--host", host_python, "--root", root, cache=cache)

    assert error == (
        "error: the build backend of broken_c failed in build_wheel: "
        "brokenc.c:4:14: error: expected expression before ';' token (see the output above, or rerun with -v)"
    )
    assert [p.name for p in (cache / "logs").iterdir()] == [log.name]
    assert "brokenc.c:4:14: error: expected expression before ';' token" in log.read_text()
    ours = [line for line in stderr.splitlines() if not line.startswith("  | ")]  # not the compiler's
    assert [line for line in ours if "crossbuild-" in line and "/logs/" not in line] == []  # no temporary paths
    assert list(root.iterdir()) == []


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return
        if not chunk:
            return
        into.append(chunk)


def test_progress_on_a_terminal_and_one_summary(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    """The real command, its stderr a pseudo-terminal: live steps there, the summary on stdout."""
    root = tmp_path / "rootfs"
    root.mkdir()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")} | {"TERM": "xterm", "COLUMNS": "160"}
    process = subprocess.Popen(
        [sys.executable, "-m", "crossbuild", "install", project("c_ext"), "--host", host_python, "--root", root],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, chunks))
    reader.start()
    with process:
        assert process.stdout is not None
        stdout = process.stdout.read().decode()
    assert process.returncode == 0
    reader.join(timeout=60)
    os.close(master)

    terminal = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))
    assert "building c_ext: build_wheel" in terminal  # the package, the phase, the backend hook
    assert re.search(r"building c_ext: build_wheel\s+0:00:\d\d", terminal)  # and the time it has taken
    assert "resolving " in terminal
    assert "crossbuild-" not in terminal  # no temporary path (the wheel was built in one)
    *lines, image = stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"installed   cext 1\.0 +\d+(\.\d)? (bytes|kB)  \(built\)", lines[0])
    assert re.fullmatch(r"image grew by \d+(\.\d)? (bytes|kB) \(.*\d+ files added, 0 removed, 0 replaced\)", image)
