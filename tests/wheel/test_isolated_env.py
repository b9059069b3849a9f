"""Cached build environments: keyed by what they are made of, private until complete,
never world-writable, made again when broken."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest

from crossbuild.wheel import isolated_env
from crossbuild.wheel.build_python import BuildPython
from crossbuild.wheel.isolated_env import IsolatedEnv, get_isolated_env


def _env(cache: Path) -> IsolatedEnv:
    """An environment with no requirements: a venv and the runtime patch, no pip run."""
    return get_isolated_env(BuildPython.find(), [], cache, dict(os.environ))


def _imports_the_patch(env: IsolatedEnv) -> bool:
    return subprocess.run([env.python, "-c", "import _crossbuild_hostpatch"], check=False).returncode == 0


def test_an_environment_made_under_umask_000_is_not_world_writable(tmp_path: Path) -> None:
    saved = os.umask(0)
    try:
        env = _env(tmp_path / "cache")
    finally:
        os.umask(saved)
    writable = [
        p
        for p in tmp_path.rglob("*")
        if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & (stat.S_IWGRP | stat.S_IWOTH)
    ]
    assert writable == []
    assert stat.S_IMODE(env.path.stat().st_mode) == 0o755
    assert env.installed() == set()
    assert _imports_the_patch(env)


def _remove_python(env: IsolatedEnv) -> None:
    env.python.unlink()


def _remove_patch(env: IsolatedEnv) -> None:
    (env.site_packages / "_crossbuild_hostpatch.py").unlink()


def _garble_marker(env: IsolatedEnv) -> None:
    (env.path / "crossbuild-env.json").write_text('{"requirem')


@pytest.mark.parametrize("damage", [_remove_python, _remove_patch, _garble_marker])
def test_a_broken_environment_is_made_again(tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture) -> None:
    env = _env(tmp_path / "cache")
    assert callable(damage)
    damage(env)
    with caplog.at_level(logging.INFO, logger="crossbuild"):
        again = _env(tmp_path / "cache")
    assert again.path == env.path
    assert f"build environment {env.path} is broken (" in caplog.text
    assert "); making it again" in caplog.text
    assert _imports_the_patch(again)
    assert again.installed() == set()
    assert sorted(p.name for p in env.path.parent.iterdir()) == [env.path.name, f"{env.path.name}.lock"]
    marker = (env.path / "crossbuild-env.json").stat().st_ino
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="crossbuild"):
        assert _env(tmp_path / "cache") == again  # whole now: reused as it is
    assert caplog.messages == [f"reusing build environment {env.path}"]
    assert (env.path / "crossbuild-env.json").stat().st_ino == marker


def test_the_key_holds_what_an_environment_is_made_of(monkeypatch: pytest.MonkeyPatch) -> None:
    python = BuildPython.find()
    key = isolated_env.env_key(python, ["setuptools>=61"], {})
    assert isolated_env.env_key(python, ["setuptools>=61"], {}) == key
    assert isolated_env.env_key(python, ["setuptools>=62"], {}) != key
    assert isolated_env.env_key(python, ["setuptools>=61"], {"PIP_INDEX_URL": "https://mirror.invalid/"}) != key
    monkeypatch.setattr(isolated_env, "patch_digest", lambda: "another patch")
    assert isolated_env.env_key(python, ["setuptools>=61"], {}) != key
