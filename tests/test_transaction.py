"""RootTransaction: staged files move into a root all at once, or the root stays as it was."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from fakehost import snapshot

from crossbuild.install.transaction import Interrupted, RootTransaction

SITE = "/usr/local/lib/python3.11/dist-packages"


def _write(path: Path, content: bytes, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return _make_root(tmp_path / "root")


def _make_root(root: Path) -> Path:
    """A root with an installed ``old`` package, a script, an unrelated module and a symlink."""
    site = root / SITE.lstrip("/")
    _write(site / "old/__init__.py", b"VERSION = 1\n")
    _write(site / "old/mod.py", b"def f(): pass\n")
    _write(site / "old-1.0.dist-info/METADATA", b"Name: old\nVersion: 1.0\n")
    _write(site / "old-1.0.dist-info/RECORD", b"old/__init__.py,,\nold/mod.py,,\n")
    _write(site / "keep.py", b"KEEP = True\n", 0o600)
    (site / "alias.py").symlink_to("keep.py")
    _write(root / "usr/local/bin/oldtool", b"#!/usr/bin/python3.11\n", 0o755)
    (root / "usr/bin").mkdir(parents=True)
    return root


def _stage(transaction: RootTransaction, files: dict[str, bytes], executable: tuple[str, ...] = ()) -> None:
    for host_path, content in files.items():
        _write(transaction.stage_dir / host_path.lstrip("/"), content, 0o755 if host_path in executable else 0o644)


def _changes(transaction: RootTransaction) -> None:
    """Upgrade ``old`` to 2.0 (one module gone, one replaced), add ``new`` and a script."""
    for removed in ("old/mod.py", "old-1.0.dist-info/METADATA", "old-1.0.dist-info/RECORD"):
        transaction.remove(f"{SITE}/{removed}")
    transaction.remove("/usr/local/bin/oldtool")
    _stage(
        transaction,
        {
            f"{SITE}/old/__init__.py": b"VERSION = 2\n",
            f"{SITE}/old-2.0.dist-info/METADATA": b"Name: old\nVersion: 2.0\n",
            f"{SITE}/old-2.0.dist-info/RECORD": b"old/__init__.py,,\n",
            f"{SITE}/new/__init__.py": b"",
            f"{SITE}/new/sub/deep/x.py": b"X = 1\n",
            "/usr/local/bin/newtool": b"#!/usr/bin/python3.11\nimport new\n",
            "/usr/local/share/man/man1/newtool.1": b".TH NEWTOOL 1\n",
        },
        executable=("/usr/local/bin/newtool",),
    )


def _work_dirs(root: Path) -> list[Path]:
    return sorted(root.glob(".crossbuild-*"))


def test_commit(root: Path) -> None:
    site = root / SITE.lstrip("/")
    transaction = RootTransaction(root)
    assert transaction.stage_dir.is_relative_to(root)  # a rename away from its targets
    assert _work_dirs(root) != []
    _changes(transaction)
    assert transaction.staged_files() == [
        "/usr/local/bin/newtool",
        f"{SITE}/new/__init__.py",
        f"{SITE}/new/sub/deep/x.py",
        f"{SITE}/old-2.0.dist-info/METADATA",
        f"{SITE}/old-2.0.dist-info/RECORD",
        f"{SITE}/old/__init__.py",
        "/usr/local/share/man/man1/newtool.1",
    ]
    transaction.commit()

    assert (site / "old/__init__.py").read_bytes() == b"VERSION = 2\n"  # replaced
    assert not (site / "old/mod.py").exists()  # removed
    assert not (site / "old-1.0.dist-info/RECORD").exists()
    assert not (site / "old-1.0.dist-info/METADATA").exists()
    assert (site / "old-2.0.dist-info/METADATA").read_bytes() == b"Name: old\nVersion: 2.0\n"
    assert (site / "new/sub/deep/x.py").read_bytes() == b"X = 1\n"  # parents made
    assert not (root / "usr/local/bin/oldtool").exists()
    assert (root / "usr/local/bin/newtool").stat().st_mode & 0o777 == 0o755
    assert (root / "usr/local/share/man/man1/newtool.1").stat().st_mode & 0o777 == 0o644
    # untouched: the unrelated module (and its mode), the symlink
    assert (site / "keep.py").read_bytes() == b"KEEP = True\n"
    assert (site / "keep.py").stat().st_mode & 0o777 == 0o600
    assert (site / "alias.py").readlink() == Path("keep.py")
    assert _work_dirs(root) == []


def test_commit_without_changes_leaves_the_root_as_it_was(root: Path) -> None:
    before = snapshot(root)
    RootTransaction(root).commit()
    assert snapshot(root) == before


def test_discard_leaves_the_root_as_it_was(root: Path) -> None:
    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)
    transaction.discard()
    assert snapshot(root) == before


def test_removing_missing_files_and_directories_is_no_error(root: Path) -> None:
    transaction = RootTransaction(root)
    transaction.remove(f"{SITE}/not-there.py")
    transaction.remove(f"{SITE}/old")  # a directory: never removed as a file
    transaction.commit()
    assert (root / SITE.lstrip("/") / "old/mod.py").is_file()


def test_removal_empties_a_package_directory(root: Path) -> None:
    site = root / SITE.lstrip("/")
    transaction = RootTransaction(root)
    for removed in ("old/__init__.py", "old/mod.py", "old-1.0.dist-info/METADATA", "old-1.0.dist-info/RECORD"):
        transaction.remove(f"{SITE}/{removed}")
    transaction.commit()
    assert not (site / "old").exists()
    assert not (site / "old-1.0.dist-info").exists()
    assert (site / "keep.py").is_file()


def _counting_rename(monkeypatch: pytest.MonkeyPatch, fail_at: int, error: BaseException) -> list[Path]:
    """Make the ``fail_at``-th ``Path.rename`` raise ``error`` (0: never); returns the renamed paths."""
    original = Path.rename
    calls: list[Path] = []

    def rename(self: Path, target: str | os.PathLike[str]) -> Path:
        calls.append(self)
        if len(calls) == fail_at:
            raise error
        return original(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    return calls


@pytest.mark.parametrize(
    "error", [OSError(18, "Invalid cross-device link"), KeyboardInterrupt()], ids=["oserror", "ctrl-c"]
)
def test_a_failure_at_any_point_restores_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    # How many renames a commit makes, then fail each one in turn on a fresh copy.
    counted = _make_root(tmp_path / "count")
    with monkeypatch.context() as patch:
        calls = _counting_rename(patch, 0, error)
        transaction = RootTransaction(counted)
        _changes(transaction)
        transaction.commit()
        renames = len(calls)
    assert renames == 12  # 5 files moved aside (4 removals, 1 replaced), 7 placed
    for fail_at in range(1, renames + 1):
        root = _make_root(tmp_path / f"fail{fail_at}")
        before = snapshot(root)
        with monkeypatch.context() as patch:
            _counting_rename(patch, fail_at, error)
            transaction = RootTransaction(root)
            _changes(transaction)
            with pytest.raises(type(error)):
                transaction.commit()
        assert snapshot(root) == before, f"rename {fail_at} of {renames} failed"


def test_staged_file_over_a_directory_fails_and_restores(root: Path) -> None:
    # ``zzz`` sorts last: everything else has been placed when its rename fails.
    (root / "zzz/dir").mkdir(parents=True)
    (root / "zzz/dir/inside").write_bytes(b"data")
    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)
    _stage(transaction, {"/zzz/dir": b"a file where a directory is"})
    with pytest.raises(IsADirectoryError):
        transaction.commit()
    assert snapshot(root) == before


def test_staged_file_under_a_file_fails_and_restores(root: Path) -> None:
    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)
    _stage(transaction, {f"{SITE}/keep.py/sub.py": b""})  # keep.py is a file
    with pytest.raises(NotADirectoryError):
        transaction.commit()
    assert snapshot(root) == before


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, placed: int, interrupt: Callable[[], None]) -> list[str]:
    """Call ``interrupt`` once ``placed`` files are in place; returns the host paths placed."""
    original = RootTransaction._place
    done: list[str] = []

    def place(self: RootTransaction, host_path: str) -> None:
        original(self, host_path)
        done.append(host_path)
        if len(done) == placed:
            interrupt()

    monkeypatch.setattr(RootTransaction, "_place", place)
    return done


def test_ctrl_c_after_some_files_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def ctrl_c() -> None:
        raise KeyboardInterrupt

    before = snapshot(root)
    placed = _interrupt_after(monkeypatch, 4, ctrl_c)
    transaction = RootTransaction(root)
    _changes(transaction)
    with pytest.raises(KeyboardInterrupt):
        transaction.commit()
    assert len(placed) == 4
    assert snapshot(root) == before


def test_sigterm_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    before = snapshot(root)
    _interrupt_after(monkeypatch, 3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    transaction = RootTransaction(root)
    _changes(transaction)
    with pytest.raises(Interrupted, match=f"signal {int(signal.SIGTERM)}"):
        transaction.commit()
    assert snapshot(root) == before
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler is only there during commit


def test_failure_making_a_parent_directory_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Path.mkdir
    made: list[Path] = []

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == "deep":  # after new/ and new/sub/ were made
            raise PermissionError(13, "Permission denied", str(self))
        made.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)
    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(PermissionError):
        transaction.commit()
    monkeypatch.undo()
    assert [p.name for p in made if p.is_relative_to(root / SITE.lstrip("/"))][-2:] == ["new", "sub"]
    assert snapshot(root) == before


def test_symlinked_site_directory_never_writes_outside(tmp_path: Path) -> None:
    outside = tmp_path / "some/outside/path"  # does not exist: it must not be created
    root = tmp_path / "root"
    (root / "usr/local/lib/python3.11").mkdir(parents=True)
    (root / SITE.lstrip("/")).symlink_to(outside)  # absolute, meant for the host
    transaction = RootTransaction(root)
    _stage(transaction, {f"{SITE}/pkg/__init__.py": b"", f"{SITE}/pkg.py": b""})
    transaction.commit()
    assert not (tmp_path / "some").exists()
    inside = root / outside.relative_to("/")
    assert sorted(p.name for p in inside.iterdir()) == ["pkg", "pkg.py"]


def test_escaping_relative_symlink_never_writes_outside(tmp_path: Path) -> None:
    root = tmp_path / "deep/er/root"
    (root / "usr/local/lib/python3.11").mkdir(parents=True)
    (root / SITE.lstrip("/")).symlink_to("../../../../../../../escaped")
    transaction = RootTransaction(root)
    _stage(transaction, {f"{SITE}/pkg.py": b"x = 1\n"})
    transaction.commit()
    assert not (tmp_path / "escaped").exists()
    assert not (tmp_path / "deep/escaped").exists()
    assert (root / "escaped/pkg.py").read_bytes() == b"x = 1\n"


def test_removal_through_a_symlink_never_touches_outside(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside/victim.py", b"precious\n")
    root = tmp_path / "root"
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/link").symlink_to(outside.parent)  # absolute: /<tmp>/outside inside the root
    transaction = RootTransaction(root)
    transaction.remove("/usr/lib/link/victim.py")
    transaction.remove("/../../outside/victim.py")
    transaction.commit()
    assert outside.read_bytes() == b"precious\n"


def test_removing_a_symlink_removes_the_link_not_its_target(root: Path) -> None:
    system = _write(root / "usr/share/other/data.txt", b"owned by another package\n")
    link = root / SITE.lstrip("/") / "old/data.txt"
    link.symlink_to("/usr/share/other/data.txt")
    transaction = RootTransaction(root)
    transaction.remove(f"{SITE}/old/data.txt")
    transaction.commit()
    assert system.read_bytes() == b"owned by another package\n"
    assert not link.is_symlink()


def test_placing_over_a_symlink_replaces_the_link_not_its_target(root: Path) -> None:
    system = _write(root / "usr/bin/tool", b"\x7fELF the system's tool", 0o755)
    link = root / "usr/local/bin/tool"
    link.symlink_to("/usr/bin/tool")
    transaction = RootTransaction(root)
    _stage(transaction, {"/usr/local/bin/tool": b"#!/usr/bin/python3.11\n"})
    transaction.commit()
    assert system.read_bytes() == b"\x7fELF the system's tool"
    assert not link.is_symlink()
    assert link.read_bytes() == b"#!/usr/bin/python3.11\n"


def test_pruning_keeps_directories_the_package_did_not_empty(root: Path) -> None:
    manual = _write(root / "usr/local/share/man/man1/oldtool.1", b".TH OLDTOOL 1\n")
    (root / "usr/local/man").symlink_to("share/man")
    transaction = RootTransaction(root)
    transaction.remove("/usr/local/share/man/man1/oldtool.1")
    transaction.commit()
    assert not manual.exists()
    assert (root / "usr/local/man").is_dir()  # the link still leads to share/man


def test_commit_restores_the_sigterm_handler(root: Path) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    transaction = RootTransaction(root)
    _changes(transaction)
    transaction.commit()
    assert signal.getsignal(signal.SIGTERM) == previous
