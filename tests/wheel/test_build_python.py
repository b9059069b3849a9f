"""The build python found for a host of another X.Y: on PATH, in pyenv, among uv's pythons.

The pythons here are shell scripts that answer crossbuild's question (``X.Y machine bits``)
the way a real one would, or fail the way a pyenv shim of an unselected version does.
"""

from __future__ import annotations

import logging
import platform
import struct
import sys
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import make_layout

import crossbuild
from crossbuild import BuildPython, BuildPythonError, VersionMismatchError
from crossbuild.host.host import Host

NATIVE = f"{platform.machine()} {struct.calcsize('P') * 8}"
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


def fake_python(path: Path, answer: str, exit_code: int = 0) -> Path:
    """An executable at ``path`` that prints ``answer`` (``3.13 x86_64 64``) and exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{answer}'\nexit {exit_code}\n")
    path.chmod(0o755)
    return path


def pyenv_shim(path: Path) -> Path:
    """A pyenv shim whose version is not selected: it exists on PATH and refuses to run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho 'pyenv: {path.name}: command not found' >&2\nexit 127\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def host313(tmp_path: Path, fake_cc: Path) -> Host:
    """A fake aarch64 host whose python is 3.13 (this suite never runs on 3.13)."""
    assert RUNNING != "3.13"
    return crossbuild.inspect_host(make_layout(tmp_path / "root313", version="3.13").python)


def test_found_on_path_past_a_shim_that_refuses(
    host313: Host, fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shim = pyenv_shim(tmp_path / "shims" / "python3.13")
    liar = fake_python(tmp_path / "liar" / "python3.13", f"3.12 {NATIVE}")  # a link to another version
    real = fake_python(tmp_path / "bin" / "python3.13", f"3.13 {NATIVE}")
    monkeypatch.setenv("PATH", f"{shim.parent}:{liar.parent}:{fake_bin}:{real.parent}")

    with caplog.at_level(logging.INFO, logger="crossbuild"):
        found = BuildPython.for_host(host313)

    assert found == BuildPython(real, "3.13")
    assert [r.getMessage() for r in caplog.records] == [f"using build python {real} for the host's 3.13"]
    # an explicit one still wins, and is still checked
    explicit = fake_python(tmp_path / "other" / "python3", f"3.12 {NATIVE}")
    with pytest.raises(VersionMismatchError) as caught:
        BuildPython.for_host(host313, explicit)
    assert str(caught.value) == (
        f"host python is 3.13 but build python {explicit} is 3.12; pass build_python= with a Python 3.13 interpreter"
    )


def test_newest_pyenv_version_of_pyenv_root(
    host313: Host, fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "my-pyenv"
    for version in ("3.13.0", "3.13.2", "3.13.10", "3.13.11rc1", "3.12.9", "3.13-dev", "3.13.12t"):
        fake_python(root / "versions" / version / "bin" / "python3.13", f"{version[:4]} {NATIVE}")
    fake_python(tmp_path / "home/.pyenv/versions/3.13.99/bin/python3.13", f"3.13 {NATIVE}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYENV_ROOT", str(root))  # respected: ~/.pyenv is not looked at

    assert BuildPython.for_host(host313).executable == root / "versions/3.13.10/bin/python3.13"

    monkeypatch.delenv("PYENV_ROOT")
    assert BuildPython.for_host(host313).executable == tmp_path / "home/.pyenv/versions/3.13.99/bin/python3.13"


def test_uv_python_native_to_this_machine(
    host313: Host, fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uv = tmp_path / "data" / "uv" / "python"
    fake_python(uv / "cpython-3.13.5-linux-aarch64-gnu/bin/python3.13", "3.13 aarch64 64")  # under binfmt
    fake_python(uv / "cpython-3.13.5+freethreaded-linux-x86_64-gnu/bin/python3.13", f"3.13 {NATIVE}")
    native = fake_python(uv / "cpython-3.13.3-linux-x86_64-gnu/bin/python3.13", f"3.13 {NATIVE}")
    monkeypatch.delenv("UV_PYTHON_INSTALL_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    assert BuildPython.for_host(host313).executable == native


def test_none_found_names_how_to_get_one(
    host313: Host, fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyenv_shim(fake_bin / "python3.13")
    fake_python(tmp_path / "pyenv/versions/3.13.1/bin/python3.13", "3.13 aarch64 64")  # the host's, under qemu
    fake_python(tmp_path / "pyenv/versions/3.13.0/bin/python3.13", f"3.13 {platform.machine()} 32")  # i686 on x86_64
    fake_python(tmp_path / "uv/cpython-3.13.2-linux-x86_64-gnu/bin/python3.13", f"3.13 {NATIVE}", exit_code=1)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))

    with pytest.raises(VersionMismatchError) as caught:
        BuildPython.for_host(host313)
    assert str(caught.value) == (
        f"host python is 3.13 but build python {sys.executable} is {RUNNING}, and no native python3.13 was found "
        "on PATH, in pyenv or among uv's pythons; install one (pyenv install 3.13, or uv python install 3.13) or "
        "pass build_python= a Python 3.13 interpreter"
    )


def test_explicit_python_of_another_machine(host313: Host, tmp_path: Path) -> None:
    foreign = fake_python(tmp_path / "rootfs/usr/bin/python3.13", "3.13 aarch64 64")
    with pytest.raises(BuildPythonError) as caught:
        BuildPython.for_host(host313, foreign)
    native = NATIVE.replace(" ", " (") + "-bit)"
    assert str(caught.value) == (
        f"build python {foreign} runs as aarch64 (64-bit), not natively on this {native} machine "
        "(the host's own python under qemu?); pass build_python= a native interpreter"
    )


def test_cli_says_which_build_python(
    tmp_path: Path, fake_cc: Path, fake_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = make_layout(tmp_path / "root", version="3.13")
    real = fake_python(fake_bin / "python3.13", f"3.13 {NATIVE}")
    code, out, err = run_cli(["wheel", "./no-such-dir", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"using build python {real} for the host's 3.13",
        "error: ./no-such-dir: no such file or directory",
    ]
