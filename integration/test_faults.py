"""Signals and kills at every step of ``crossbuild install``; two installs into one root.

The real command is stopped at a named step by ``CROSSBUILD_FAULT=STEP:ACTION``
(:mod:`crossbuild._faults`) while it replaces ``tiny 1.0`` with ``tiny 2.0`` (a module
gone, one replaced, one added, a console script replaced) and adds ``cext``, cross-built
from an sdist.  Whatever the step and the signal, the root ends as it was or, once the
commit is complete, fully new; nothing is left in it or in ``TMPDIR``; the exit code says
which.  A run killed with SIGKILL is repaired by the next install, before anything else.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PACKAGES, link_copy, run_crossbuild
from helpers.fakehost import snapshot
from helpers.signals import stop_signals_default

REQUIREMENTS = ("tiny==2.0", "cext")

Snapshot = dict[str, tuple[str, int, str]]


def _make_wheel(directory: Path, version: str, modules: dict[str, bytes]) -> None:
    """``tiny-VERSION-py3-none-any.whl`` with ``modules`` and a ``tiny-tool`` console script."""
    dist_info = f"tiny-{version}.dist-info"
    files = {
        **{f"tiny/{name}": content for name, content in modules.items()},
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: tiny\nVersion: {version}\n\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
        f"{dist_info}/entry_points.txt": b"[console_scripts]\ntiny-tool = tiny:main\n",
    }
    record = []
    for name, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content)}")
    record.append(f"{dist_info}/RECORD,,")
    with zipfile.ZipFile(directory / f"tiny-{version}-py3-none-any.whl", "w") as archive:
        for name, content in [*files.items(), (f"{dist_info}/RECORD", "\n".join(record).encode() + b"\n")]:
            archive.writestr(name, content)


def _make_sdist(directory: Path, project: Path, top: str) -> None:
    with tarfile.open(directory / f"{top}.tar.gz", "w:gz") as archive:
        for path in sorted(project.rglob("*")):
            if path.is_file():
                info = tarfile.TarInfo(f"{top}/{path.relative_to(project).as_posix()}")
                info.size = path.stat().st_size
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(path.read_bytes()))


@pytest.fixture(scope="session")
def find_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny 1.0 and 2.0 (pure wheels) and cext 1.0 (an sdist with a C extension)."""
    directory = tmp_path_factory.mktemp("find-links")
    _make_wheel(directory, "1.0", {"__init__.py": b"VERSION = 1\ndef main(): pass\n", "old.py": b"OLD = True\n"})
    _make_wheel(directory, "2.0", {"__init__.py": b"VERSION = 2\ndef main(): pass\n", "new.py": b"NEW = True\n"})
    _make_sdist(directory, PACKAGES / "c_ext", "cext-1.0")
    return directory


@dataclass(frozen=True)
class Installer:
    """Runs ``crossbuild install`` into a root, with the test's index, cache and TMPDIR."""

    find_links: Path
    cache: Path
    tmpdir: Path

    def argv(self, root: Path, *requirements: str) -> list[str]:
        return [
            "install",
            *requirements,
            "--host",
            str(root / "usr/bin/python3.11"),
            "--root",
            str(root),
            "--no-index",
            "-f",
            str(self.find_links),
            "--cache-dir",
            str(self.cache),
        ]

    def env(self, fault: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "CROSSBUILD_FAULT"}
        env["TMPDIR"] = str(self.tmpdir)
        if fault is not None:
            env["CROSSBUILD_FAULT"] = fault
        return env

    def run(self, root: Path, *requirements: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_crossbuild(*self.argv(root, *requirements), env=self.env(fault))

    def start(self, root: Path, *requirements: str, fault: str | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "crossbuild", *self.argv(root, *requirements)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(fault),
            preexec_fn=stop_signals_default,  # it is sent SIGINT: not ignored, however the tests were started
        )


@dataclass(frozen=True)
class Prepared:
    """A root with tiny 1.0, a cache in which cext is cross-built, and the root fully new."""

    old_root: Path
    cache: Path
    new: Snapshot


def _changes(summary: str) -> list[tuple[str, str, str]]:
    """The summary's rows (its last line is the image's change): action, project, source."""
    rows = []
    for line in summary.splitlines()[:-1]:
        action, name, version, *rest = line.split()
        source = rest[-1].strip("()") if rest and rest[-1].startswith("(") and rest[-1] != "(from" else ""
        rows.append((action, f"{name} {version}", source))
    return sorted(rows, key=lambda row: row[1])


@pytest.fixture(scope="session")
def prepared(sysroot: Path, find_links: Path, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    base = tmp_path_factory.mktemp("prepared")
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    installer = Installer(find_links, base / "cache", tmpdir)
    old_root = link_copy(sysroot, base / "old-root")
    first = installer.run(old_root, "tiny==1.0")
    assert first.returncode == 0, first.stderr
    new_root = link_copy(old_root, base / "new-root")
    second = installer.run(new_root, *REQUIREMENTS)
    assert second.returncode == 0, second.stderr
    assert _changes(second.stdout) == [("installed", "cext 1.0", "built"), ("upgraded", "tiny 2.0", "wheel")], (
        second.stdout
    )
    return Prepared(old_root, installer.cache, snapshot(new_root))


@pytest.fixture
def installer(prepared: Prepared, find_links: Path, tmp_path: Path) -> Installer:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    return Installer(find_links, link_copy(prepared.cache, tmp_path / "cache"), tmpdir)


@pytest.fixture
def root(prepared: Prepared, tmp_path: Path) -> Path:
    return link_copy(prepared.old_root, tmp_path / "root")


def _without_binaries(tree: Snapshot) -> Snapshot:
    """``tree`` but for shared objects (content and mode) and the RECORD with their hashes:
    a fresh cross-build is not byte-identical (issue 9, item 9) and its modes depend on the
    umask (item 1)."""
    return {
        path: (kind, 0, "") if path.endswith(".so") else (kind, mode, "" if path.endswith("/RECORD") else content)
        for path, (kind, mode, content) in tree.items()
    }


def _leftovers(root: Path, installer: Installer) -> list[str]:
    """Work directories of crossbuild in the root, and anything in TMPDIR."""
    in_root = sorted(p.name for p in root.glob(".crossbuild-*") if p.is_dir())
    return in_root + sorted(p.name for p in installer.tmpdir.iterdir())


#: Steps before the commit is complete: the root must end as it was.
BEFORE = [
    "resolve",
    "build",
    "download",
    "stage",
    "commit:before-move",
    "commit:after-move:1",
    "commit:after-move:12",
    "commit:after-last-move",
]
#: Steps after it: the root must end fully new.
AFTER = ["commit:before-cleanup"]
EXIT_CODES = {"sigint": 130, "sigterm": 128 + signal.SIGTERM, "sigkill": -signal.SIGKILL}


@pytest.mark.parametrize("action", ["sigint", "sigterm", "sigkill"])
@pytest.mark.parametrize("step", BEFORE + AFTER)
def test_a_signal_at_any_step_leaves_the_root_old_or_new(
    step: str, action: str, prepared: Prepared, installer: Installer, root: Path
) -> None:
    if step == "build":  # the wheel of cext is not in the cache: it is cross-built
        shutil.rmtree(installer.cache / "built")
    before = snapshot(root)
    completed = step in AFTER

    result = installer.run(root, *REQUIREMENTS, fault=f"{step}:{action}")

    expected_code = 0 if completed and action != "sigkill" else EXIT_CODES[action]
    assert result.returncode == expected_code, result.stderr
    if action == "sigkill":
        _recover_after_a_kill(root, installer, step, prepared.new if completed else before, prepared.new)
        return
    if completed:
        assert snapshot(root) == prepared.new
    else:
        assert snapshot(root) == before
        last = result.stderr.strip().splitlines()[-1]
        assert last == ("error: interrupted" if action == "sigint" else "error: terminated"), result.stderr
    assert _leftovers(root, installer) == []


def _recover_after_a_kill(root: Path, installer: Installer, step: str, recovered: Snapshot, new: Snapshot) -> None:
    """The next install repairs the root to ``recovered`` before anything else, says so, and ends ``new``."""
    killed = [p for p in installer.tmpdir.iterdir() if p.name.startswith("crossbuild-")]
    assert killed  # at least its wheel directory: the next run removes it
    if step not in ("resolve", "download", "build"):  # the transaction's directory is in the root
        assert [p for p in root.glob(".crossbuild-*") if p.is_dir()]
    go = installer.tmpdir.parent / "go"
    process = installer.start(root, *REQUIREMENTS, fault=f"resolve:wait-for-file:{go}")
    try:
        _wait_for(Path(f"{go}.waiting"), process)
        # held at its first step: whatever it repaired, it did it before resolving
        at_resolve = snapshot(root)
    finally:
        go.touch()
        _stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert at_resolve == recovered
    messages = {
        "commit:before-cleanup": f"finished an interrupted install into {root}",
        "stage": f"removed the staging directory of an interrupted install from {root}",
        "commit:before-move": f"restored {root} after an interrupted install",
        "commit:after-move:1": f"restored {root} after an interrupted install",
        "commit:after-move:12": f"restored {root} after an interrupted install",
        "commit:after-last-move": f"restored {root} after an interrupted install",
    }
    if step in messages:
        assert messages[step] in stderr
    for directory in killed:
        assert f"removed {directory}, left by a crossbuild run that was killed" in stderr
    assert _without_binaries(snapshot(root)) == _without_binaries(new)
    go.unlink()
    Path(f"{go}.waiting").unlink()
    assert _leftovers(root, installer) == []


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Until ``path`` exists; fail if ``process`` ends first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_second_install_waits_for_the_first(prepared: Prepared, installer: Installer, root: Path) -> None:
    go = installer.tmpdir.parent / "go"
    first = installer.start(root, *REQUIREMENTS, fault=f"resolve:wait-for-file:{go}")
    try:
        _wait_for(Path(f"{go}.waiting"), first)  # the first holds the root
        second = installer.start(root, *REQUIREMENTS)
        assert second.stderr is not None
        waiting = second.stderr.readline()
        assert waiting.startswith(f"waiting for another crossbuild install into {root} (pid {first.pid})"), waiting
    finally:
        go.touch()
        first_out, first_err = first.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)

    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    # cext was cross-built once already, for the prepared roots: taken from the cache
    assert _changes(first_out) == [("installed", "cext 1.0", "reused"), ("upgraded", "tiny 2.0", "wheel")]
    # the second resolved once the first was done: nothing left to do
    assert _changes(second_out) == [("kept", "cext 1.0", ""), ("kept", "tiny 2.0", "")]
    go.unlink()
    Path(f"{go}.waiting").unlink()
    assert snapshot(root) == prepared.new
    assert _leftovers(root, installer) == []
