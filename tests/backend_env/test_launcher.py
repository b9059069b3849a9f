"""The compiler launcher: found, put in front of every compile by the wrappers, given its
cache directory, and its hits counted."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.contexts import context_for
from helpers.fakehost import write_script
from test_wrappers import FAKE_CC

from crossbuild._exceptions import OptionError
from crossbuild.backend_env.launcher import CompilerLauncher, ccache_stats
from crossbuild.backend_env.settings import prepare_settings
from crossbuild.backend_env.wrappers import BuildDirs, write_wrappers
from crossbuild.host.host import Host
from crossbuild.host.toolchain import Toolchain
from crossbuild.wheel.context import make_context
from crossbuild.wheel.options import BuildOptions

#: A launcher that says it ran, then runs its arguments (the compiler and its flags).
FAKE_LAUNCHER = 'echo "launched $1" >&2\nexec "$@"\n'


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    directory = tmp_path / "tools"
    write_script(directory / "boom-gcc", FAKE_CC)
    write_script(directory / "ccache", FAKE_LAUNCHER)
    return directory


def test_every_compile_goes_through_the_launcher_and_failures_are_still_logged(
    host: Host, tools: Path, tmp_path: Path
) -> None:
    toolchain = Toolchain(cc=(str(tools / "boom-gcc"),), cxx=None, target="aarch64-linux-gnu")
    wrappers = write_wrappers(
        replace(host, toolchain=toolchain), tmp_path / "bin", launcher=CompilerLauncher(tools / "ccache")
    )
    ok = subprocess.run([wrappers.cc, "-c", "ok.c"], capture_output=True, text=True, check=True)
    assert ok.stderr == f"launched {tools / 'boom-gcc'}\n"
    assert ok.stdout.startswith(f"compiled --sysroot={host.sysroot} ")
    bad = subprocess.run([wrappers.cc, "-c", "bad.c"], capture_output=True, text=True)
    assert bad.returncode == 1
    (failed,) = wrappers.failed_calls()  # the pure-fallback check sees it through the launcher
    assert failed.argv[:2] == [str(tools / "ccache"), str(tools / "boom-gcc")]
    assert "bad.c:1:1: boom: error" in failed.stderr


def test_ccache_is_found_on_path_by_default(tools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tools))
    assert CompilerLauncher.find(None) == CompilerLauncher(tools / "ccache")
    assert CompilerLauncher.find("none") is None
    monkeypatch.setenv("PATH", str(tools / "nowhere"))
    assert CompilerLauncher.find(None) is None


def test_a_named_launcher_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OptionError, match="compiler launcher 'sccache' is not an executable program"):
        CompilerLauncher.find("sccache")


def test_options_find_the_launcher_once(host: Host, tools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tools))
    found = make_context(host, BuildOptions(build_python=sys.executable))
    assert found.compiler_launcher == CompilerLauncher(tools / "ccache")
    without = make_context(host, BuildOptions(compiler_launcher="none"))
    assert without.compiler_launcher is None
    assert found.key == without.key  # the same bytes


def test_ccache_keeps_its_cache_with_crossbuilds_and_hashes_relative_paths(
    host: Host, tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCACHE_DIR", raising=False)
    dirs = BuildDirs(source=tmp_path / "work" / "src", work=tmp_path / "work", env=tmp_path / "env")
    launcher = CompilerLauncher(tools / "ccache")
    context = context_for(host, compiler_launcher=launcher, cache_dir=tmp_path / "cache")
    settings = prepare_settings(context, tmp_path / "cross", Path("python"), dirs)
    assert settings.environ["CCACHE_DIR"] == str(tmp_path / "cache" / "ccache")
    assert settings.environ["CCACHE_UMASK"] == "022"  # whatever the user's umask
    assert settings.environ["CCACHE_BASEDIR"] == str(tmp_path / "work")
    assert settings.environ["CCACHE_NOHASHDIR"] == "1"
    assert settings.environ["CCACHE_STATSLOG"] == str(settings.launcher_stats_log)
    monkeypatch.setenv("CCACHE_DIR", str(tmp_path / "mine"))
    context = context_for(host, compiler_launcher=launcher)
    again = prepare_settings(context, tmp_path / "cross2", Path("python"), dirs)
    assert "CCACHE_DIR" not in again.environ and "CCACHE_UMASK" not in again.environ  # the user's, inherited
    elsewhere = BuildDirs(source=Path("/srv/project"), work=tmp_path / "work", env=tmp_path / "env")
    third = prepare_settings(context, tmp_path / "cross3", Path("python"), elsewhere)
    assert third.environ["CCACHE_BASEDIR"] == str(tmp_path / "work")  # not /: the system headers stay absolute


def test_sccache_wraps_rustc_too(host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCCACHE_DIR", raising=False)
    sccache = CompilerLauncher(Path("/opt/bin/sccache"))
    assert sccache.environ(tmp_path, None, None) == {
        "RUSTC_WRAPPER": "/opt/bin/sccache",
        "SCCACHE_DIR": str(tmp_path / "sccache"),
    }
    assert CompilerLauncher(Path("/usr/bin/distcc")).environ(tmp_path, None, None) == {}


def test_ccache_stats_count_hits_and_misses(tmp_path: Path) -> None:
    log = tmp_path / "stats.log"
    assert ccache_stats(log) is None
    log.write_text(
        "# a.c\ncache_miss\ndirect_cache_miss\nlocal_storage_write\n"
        "# b.c\ndirect_cache_hit\nlocal_storage_hit\n# c.c\npreprocessed_cache_hit\n"
    )
    assert ccache_stats(log) == (2, 1)


@pytest.mark.parametrize("verbose", [0, 1])
def test_ccache_hit_counts_are_told_under_verbose_only(
    tmp_path: Path, verbose: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """As documented: ``-v`` says, per build, ``c_ext: ccache 1 hits, 0 misses``; without it, nothing."""
    from types import SimpleNamespace
    from typing import cast

    from crossbuild.backend_env.settings import CrossSettings
    from crossbuild.cli.log_setup import setup_logging
    from crossbuild.wheel.pipeline import _log_launcher_stats

    log = tmp_path / "stats.log"
    log.write_text("# a.c\ndirect_cache_hit\n")
    settings = SimpleNamespace(launcher=CompilerLauncher(Path("/usr/bin/ccache")), launcher_stats_log=log)
    setup_logging(verbose)
    _log_launcher_stats("c_ext", cast(CrossSettings, settings))
    assert capsys.readouterr().err.splitlines() == (["c_ext: ccache 1 hits, 0 misses"] if verbose else [])
