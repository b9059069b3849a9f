"""IndexSettings: pip's configuration, then command-line options on top, as pip merges them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import unearth
from packaging.tags import Tag, parse_tag

from crossbuild.index.finder import PYPI, IndexSettings, _pip_config_listing


@pytest.fixture(autouse=True)
def _fresh_pip_config() -> Iterator[None]:
    """``pip config list`` runs once per process and environment; each test reads it anew."""
    _pip_config_listing.cache_clear()
    yield
    _pip_config_listing.cache_clear()


def test_defaults() -> None:
    settings = IndexSettings()
    assert settings == IndexSettings(PYPI, (), (), False, ())
    assert settings.describe() == "https://pypi.org/simple/"


def test_with_options_merges_like_pip() -> None:
    base = IndexSettings(
        index_url="https://config.invalid/simple", extra_index_urls=("file:///a",), find_links=("/opt/wheels",)
    )
    merged = base.with_options(
        index_url="https://cli.invalid/simple",
        extra_index_urls=("file:///b",),
        find_links=("/more",),
        no_index=True,
    )
    assert merged == IndexSettings(
        index_url="https://cli.invalid/simple",
        extra_index_urls=("file:///a", "file:///b"),
        find_links=("/opt/wheels", "/more"),
        no_index=True,
    )
    assert base.with_options() == base
    assert base.with_options(index_url=None).index_url == "https://config.invalid/simple"
    assert IndexSettings(no_index=True).with_options(no_index=False).no_index is True


def test_describe() -> None:
    settings = IndexSettings(extra_index_urls=("file:///a",), find_links=("/opt/wheels",))
    assert settings.describe() == "https://pypi.org/simple/, file:///a, /opt/wheels"
    assert settings.with_options(no_index=True).describe() == "/opt/wheels"
    assert IndexSettings(no_index=True).describe() == "no index (--no-index)"


def test_finder_sources() -> None:
    settings = IndexSettings(extra_index_urls=("https://extra.invalid/simple",), trusted_hosts=("extra.invalid",))
    assert len(settings.finder().sources) == 2
    assert len(settings.with_options(no_index=True, find_links=("/opt/wheels",)).finder().sources) == 1


def _pip_config_list(monkeypatch: pytest.MonkeyPatch, stdout: str, returncode: int = 0) -> list[list[str]]:
    """Make ``pip config list`` print ``stdout``; return the commands run."""
    commands: list[list[str]] = []

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        if returncode:
            raise subprocess.CalledProcessError(returncode, command, stdout, "pip failed")
        return subprocess.CompletedProcess(command, 0, stdout, "")

    monkeypatch.setattr("crossbuild.index.finder.subprocess.run", run)
    return commands


def test_from_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = _pip_config_list(
        monkeypatch,
        ":env:.find-links='/opt/wheels'\n"
        ":env:.default-timeout='180'\n"
        "global.cert='/etc/ssl/certs/ca-certificates.crt'\n"
        "global.extra-index-url='file:///a file:///b'\n"
        "global.index-url='https://example.invalid/simple'\n"
        "global.trusted-host='example.invalid other.invalid'\n"
        "freeze.index-url='https://ignored.invalid/simple'\n",
    )
    settings = IndexSettings.from_pip_config()
    assert commands[0][1:] == ["-m", "pip", "config", "list"]
    assert settings == IndexSettings(
        index_url="https://example.invalid/simple",
        extra_index_urls=("file:///a", "file:///b"),
        find_links=("/opt/wheels",),
        no_index=False,
        trusted_hosts=("example.invalid", "other.invalid"),
    )


@pytest.mark.parametrize(("value", "expected"), [("'true'", True), ("'1'", True), ("'yes'", True), ("'false'", False)])
def test_from_pip_config_no_index(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    _pip_config_list(monkeypatch, f"install.no-index={value}\n")
    assert IndexSettings.from_pip_config().no_index is expected


def test_from_pip_config_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_config_list(monkeypatch, "")
    assert IndexSettings.from_pip_config() == IndexSettings()


def test_pip_failure_means_pypi(monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_config_list(monkeypatch, "", returncode=1)
    assert IndexSettings.from_pip_config() == IndexSettings()


# --- the real pip, with a config file made here -------------------------------------------


@pytest.fixture
def pip_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pip config file of this test's own; PIP_* variables of this machine are removed."""
    for name in list(os.environ):
        if name.startswith("PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    path = tmp_path / "pip.conf"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(path))
    return path


def test_real_pip_config(pip_config: Path) -> None:
    pip_config.write_text(
        "[global]\n"
        "index-url = https://file.invalid/simple\n"
        "extra-index-url = file:///a file:///b\n"
        "[install]\n"
        "find-links = /opt/wheels\n"
    )
    settings = IndexSettings.from_pip_config()
    assert settings.index_url == "https://file.invalid/simple"
    assert settings.extra_index_urls == ("file:///a", "file:///b")
    assert settings.find_links == ("/opt/wheels",)


def test_real_pip_environment_beats_the_config_file(pip_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pip_config.write_text("[global]\nindex-url = https://file.invalid/simple\n")
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.invalid/simple")
    assert IndexSettings.from_pip_config().index_url == "https://env.invalid/simple"


def test_real_pip_multi_line_values(pip_config: Path) -> None:
    pip_config.write_text("[global]\nextra-index-url =\n    https://a.invalid/simple\n    https://b.invalid/simple\n")
    assert IndexSettings.from_pip_config().extra_index_urls == (
        "https://a.invalid/simple",
        "https://b.invalid/simple",
    )


def test_wheel_tags_are_looked_up_in_a_set_of_the_hosts_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    target = unearth.TargetPython(
        py_ver=(3, 11), abis=["cp311", "abi3", "none"], impl="cp", platforms=["manylinux_2_36_aarch64", "linux_aarch64"]
    )
    evaluator = IndexSettings(no_index=True).finder(target_python=target).build_evaluator("demo")
    compatible = parse_tag("cp311-cp311-manylinux_2_36_aarch64")
    incompatible = parse_tag("cp311-cp311-win_amd64")
    assert (evaluator.validate_wheel_tag(compatible), evaluator.validate_wheel_tag(incompatible)) == (True, False)
    hashed = []
    plain_hash = Tag.__hash__
    monkeypatch.setattr(Tag, "__hash__", lambda tag: hashed.append(tag) or plain_hash(tag))
    for _ in range(100):
        assert not evaluator.validate_wheel_tag(incompatible)
    # one lookup per tag of each wheel, not one per tag the host supports (hundreds): numpy
    # has thousands of files on PyPI, and every warm install tests them all
    assert len(hashed) <= 100
    assert len(target.supported_tags()) > 10  # a real host has hundreds (every manylinux_2_N)


# --- pip's answer kept in the cache ----------------------------------------------------------


def _counting_pip(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Count the ``pip config list`` runs (the real pip still answers)."""
    commands: list[list[str]] = []
    real = subprocess.run

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return real(command, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr("crossbuild.index.finder.subprocess.run", run)
    return commands


def test_pip_config_kept_until_a_file_changes(
    pip_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    commands = _counting_pip(monkeypatch)
    pip_config.write_text("[global]\nindex-url = https://first.invalid/simple\n")
    assert IndexSettings.from_pip_config(cache).index_url == "https://first.invalid/simple"
    _pip_config_listing.cache_clear()  # as a new process would
    assert IndexSettings.from_pip_config(cache).index_url == "https://first.invalid/simple"
    assert len(commands) == 1
    pip_config.write_text("[global]\nindex-url = https://second.invalid/simple/\n")  # another size, too
    _pip_config_listing.cache_clear()
    assert IndexSettings.from_pip_config(cache).index_url == "https://second.invalid/simple/"
    assert len(commands) == 2
    (tmp_path / ".config" / "pip").mkdir(parents=True)
    (tmp_path / ".config" / "pip" / "pip.conf").write_text("[global]\nno-index = true\n")
    _pip_config_listing.cache_clear()
    IndexSettings.from_pip_config(cache)
    assert len(commands) == 3  # a new file where pip may look runs pip again


def test_pip_config_kept_per_environment(pip_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    commands = _counting_pip(monkeypatch)
    pip_config.write_text("[global]\nindex-url = https://file.invalid/simple\n")
    assert IndexSettings.from_pip_config(cache).index_url == "https://file.invalid/simple"
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.invalid/simple")
    _pip_config_listing.cache_clear()
    assert IndexSettings.from_pip_config(cache).index_url == "https://env.invalid/simple"
    assert len(commands) == 2
    assert sorted(p.stat().st_mode & 0o777 for p in (cache / "pip-config").iterdir()) == [0o644, 0o644]


def test_pip_config_failure_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = _pip_config_list(monkeypatch, "", returncode=1)
    assert IndexSettings.from_pip_config(tmp_path) == IndexSettings()
    _pip_config_listing.cache_clear()
    assert IndexSettings.from_pip_config(tmp_path) == IndexSettings()
    assert len(commands) == 2
    assert not (tmp_path / "pip-config").exists()
