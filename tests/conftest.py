"""Fixtures of the fast suite: fake hosts and fake cross compilers, made in ``tmp_path``.

Nothing here needs a cross toolchain, qemu or the network.  ``PATH`` is narrowed to a
directory of fake compilers so the real ones of this machine are never picked up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakehost import AARCH64, FakeLayout, install_fake_toolchain, make_layout

import crossbuild
from crossbuild.host.host import Host


@pytest.fixture(autouse=True)
def _reset_crossbuild_logging() -> Iterator[None]:
    """``crossbuild.__main__.main`` sets the loggers' handler and levels; keep tests independent."""
    loggers = [logging.getLogger("crossbuild"), logging.getLogger("crossbuild.output")]
    saved = [(logger.handlers[:], logger.level) for logger in loggers]
    yield
    for logger, (handlers, level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)


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
