"""Fixtures of the fast suite: fake hosts and fake cross compilers, made in ``tmp_path``.

Nothing here needs a cross toolchain, qemu or the network.  ``PATH`` is narrowed to a
directory of fake compilers so the real ones of this machine are never picked up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers.fakehost import AARCH64, FakeLayout, install_fake_toolchain, make_layout
from helpers.installing import Install, make_links
from helpers.signals import stop_signals_raising

import crossbuild
from crossbuild import BuildOptions, IndexSettings, InstallOptions, InstallResult, _files
from crossbuild.host.host import Host

#: The tiny projects' own tests run on the host under qemu (wheel --test-command), not here.
collect_ignore = ["packages"]


@pytest.fixture(autouse=True)
def _reset_crossbuild_logging() -> Iterator[None]:
    """``crossbuild.cli.main.main`` sets the loggers' handler and levels; keep tests independent."""
    loggers = [logging.getLogger(), logging.getLogger("crossbuild"), logging.getLogger("crossbuild.output")]
    saved = [(logger.handlers[:], logger.level) for logger in loggers]
    yield
    for logger, (handlers, level) in zip(loggers, saved, strict=True):
        for added in set(logger.handlers) - set(handlers):
            added.close()  # --log FILE: its file
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def _no_pyenv_or_uv_pythons(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pythons that pyenv and uv installed on this machine are never found as build
    pythons: only those a test makes (and those on ``PATH``, which most tests narrow)."""
    monkeypatch.setenv("PYENV_ROOT", "/nonexistent/crossbuild-tests/pyenv")
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", "/nonexistent/crossbuild-tests/uv")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default cache (views of fake roots, build environments) is the test's own."""
    monkeypatch.setenv("CROSSBUILD_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def stop_signals_raise() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt here, SIGHUP and SIGTERM are at their defaults, and
    none is ignored in the processes the test starts, whatever this process inherited: a
    test run started in the background (``scripts/test &``, a CI runner) inherits SIGINT
    ignored, one under nohup SIGHUP too, and a test that sends them relies on their arriving."""
    with stop_signals_raising():
        yield


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory that is the whole ``PATH``: put fake compilers in it."""
    directory = tmp_path / "fakebin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    return directory


@pytest.fixture
def layout(tmp_path: Path) -> FakeLayout:
    """A fake Debian-like aarch64 rootfs with python3.11 (3.11.2, glibc 2.36)."""
    return make_layout(tmp_path / "root")


@pytest.fixture
def fake_cc(fake_bin: Path) -> Path:
    """Fake ``aarch64-linux-gnu-gcc``/``g++``/binutils on ``PATH``; the C compiler's path."""
    return install_fake_toolchain(fake_bin, AARCH64)


@pytest.fixture
def host(layout: FakeLayout, fake_cc: Path) -> Host:
    """The inspected fake aarch64 host, with the fake toolchain."""
    return crossbuild.inspect_host(layout.python)


@pytest.fixture
def rootfs(tmp_path: Path) -> FakeLayout:
    """A Debian-like aarch64 rootfs to install into: ``layout`` with Debian's sysconfig.py
    (its ``posix_local`` scheme puts packages in /usr/local/lib/python3.11/dist-packages)."""
    return make_layout(tmp_path / "rootfs", sysconfig_py=True)


@pytest.fixture
def rootfs_host(rootfs: FakeLayout, fake_cc: Path) -> Host:
    """The inspected python of ``rootfs``, with the fake toolchain."""
    return crossbuild.inspect_host(rootfs.python)


@pytest.fixture
def root(rootfs: FakeLayout) -> Path:
    """The root directory of ``rootfs`` (the host's ``/``)."""
    return rootfs.root


@pytest.fixture
def links(tmp_path: Path) -> Path:
    """A find-links directory of wheels, made now (see :func:`installing.make_links`)."""
    return make_links(tmp_path / "links")


@pytest.fixture
def install(rootfs_host: Host, root: Path, links: Path, tmp_path: Path) -> Install:
    """``crossbuild.install`` for the rootfs's host, offline, into ``root`` (unless told otherwise).

    Keywords that are fields of :class:`InstallOptions` go there; ``index`` replaces ``links``.
    """

    def run(requirements: Sequence[str | Path] = (), **kwargs: Any) -> InstallResult:
        kwargs.setdefault("root", root)
        index = kwargs.pop("index", IndexSettings(no_index=True, find_links=(str(links),)))
        choices = {k: kwargs.pop(k) for k in list(kwargs) if k in InstallOptions.__dataclass_fields__}
        return crossbuild.install(
            requirements,
            host=rootfs_host,
            options=BuildOptions(index=index, cache_dir=tmp_path / "cache"),
            install_options=InstallOptions(**choices),
            **kwargs,
        )

    return run


@pytest.fixture
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI starts from pip's configuration: make it PyPI's defaults, without running pip."""
    monkeypatch.setattr(IndexSettings, "from_pip_config", classmethod(lambda cls: cls()))


@pytest.fixture
def exact_file_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """No slack for coarse file times: a test writes its files just before it installs, and
    a file written before the run began must count as such (as it does on this kernel)."""
    monkeypatch.setattr(_files, "FILE_CLOCK_SLACK_NS", 0)
