"""One install at a time into a root: flock on the root directory itself."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

import pytest

from crossbuild.installation.lock import lock_holder, locked_root


class _Said(logging.Handler):
    """Sets ``event`` when a message that starts with ``prefix`` is logged."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.event = threading.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.getMessage().startswith(self.prefix):
            self.event.set()


def test_a_second_install_waits_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    said = _Said("waiting for another crossbuild install")
    logger = logging.getLogger("crossbuild")
    logger.addHandler(said)
    logger.setLevel(logging.INFO)
    holder = os.open(root, os.O_RDONLY)  # the first install
    fcntl.flock(holder, fcntl.LOCK_EX)
    order: list[str] = []

    def second() -> None:
        with locked_root(root):
            order.append("second has the root")

    thread = threading.Thread(target=second)
    try:
        thread.start()
        assert said.event.wait(timeout=30)
        order.append("first lets go")
    finally:
        os.close(holder)
        thread.join(timeout=30)
        logger.removeHandler(said)
    assert order == ["first lets go", "second has the root"]
    assert said.messages == [f"waiting for another crossbuild install into {root} (pid {os.getpid()})…"]
    assert sorted(tmp_path.iterdir()) == [root]  # no lock file anywhere


def test_a_free_root_is_taken_at_once_and_the_lock_goes_with_it(tmp_path: Path) -> None:
    with locked_root(tmp_path):
        descriptor = os.open(tmp_path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            assert lock_holder(descriptor) == os.getpid()
        finally:
            os.close(descriptor)
    descriptor = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
    finally:
        os.close(descriptor)


def test_a_missing_root_is_made_and_removed_if_nothing_went_in(tmp_path: Path) -> None:
    root = tmp_path / "new/rootfs"
    with pytest.raises(KeyboardInterrupt), locked_root(root):
        assert root.is_dir()
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with locked_root(root):
        (root / "etc").mkdir()
    assert (root / "etc").is_dir()


def test_lock_holder_reads_proc_locks(tmp_path: Path) -> None:
    info = tmp_path.stat()
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    locks = tmp_path / "locks"
    locks.write_text(
        f"1: POSIX  ADVISORY  WRITE 11 {inode} 0 EOF\n"
        f"2: FLOCK  ADVISORY  WRITE 4242 {inode} 0 EOF\n"
        f"2: -> FLOCK  ADVISORY  WRITE 4343 {inode} 0 EOF\n"
    )
    descriptor = os.open(tmp_path, os.O_RDONLY)
    try:
        assert lock_holder(descriptor, locks) == 4242
        assert lock_holder(descriptor, tmp_path / "missing") is None
    finally:
        os.close(descriptor)
