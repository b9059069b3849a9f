"""RootTransaction: staged files move into a root all at once, or the root stays as it was."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from helpers.fakehost import snapshot

from crossbuild import _faults
from crossbuild._exceptions import InstallTargetError
from crossbuild._signals import Terminated
from crossbuild.host.rootfs import RootResolver
from crossbuild.installation import journal
from crossbuild.installation.transaction import RootTransaction

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


def _stage(
    transaction: RootTransaction,
    files: dict[str, bytes],
    executable: tuple[str, ...] = (),
    own_names: tuple[str, ...] = (),
) -> None:
    """Stage ``files``: in the stage's tree, or (``own_names``) each under a name of its own."""
    for host_path, content in files.items():
        mode = 0o755 if host_path in executable else 0o644
        if host_path in own_names:
            _write(transaction.new_file(host_path), content, mode)
        else:
            _write(transaction.stage_dir / host_path.lstrip("/"), content, mode)


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
        own_names=(f"{SITE}/new/sub/deep/x.py", "/usr/local/bin/newtool"),  # as copies from the cache are
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


def _counting_rename(
    monkeypatch: pytest.MonkeyPatch, fail_at: int, error: BaseException, after: bool = False
) -> list[Path]:
    """Make the ``fail_at``-th ``rename`` (``os.rename``, which ``Path.rename`` calls too)
    raise ``error`` (0: never) instead of renaming, or ``after`` renaming (a signal that
    arrives as the system call returns)."""
    original = os.rename
    calls: list[Path] = []

    def rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        calls.append(Path(source))
        if len(calls) == fail_at and not after:
            raise error
        original(source, target)
        if len(calls) == fail_at:
            raise error

    monkeypatch.setattr(os, "rename", rename)
    return calls


@pytest.mark.parametrize(
    ("error", "after"),
    [(OSError(18, "Invalid cross-device link"), False), (KeyboardInterrupt(), False), (KeyboardInterrupt(), True)],
    ids=["oserror", "ctrl-c", "ctrl-c-just-after-a-rename"],
)
def test_a_failure_at_any_point_restores_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, after: bool
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
            _counting_rename(patch, fail_at, error, after)
            transaction = RootTransaction(root)
            _changes(transaction)
            with pytest.raises(type(error)):
                transaction.commit()
        assert snapshot(root) == before, f"rename {fail_at} of {renames} failed"
        assert _work_dirs(root) == []


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


def _arm(monkeypatch: pytest.MonkeyPatch, step: str, action: str) -> None:
    """What ``CROSSBUILD_FAULT=STEP:ACTION`` does, in this process."""
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse(f"{step}:{action}"))


@pytest.mark.usefixtures("stop_signals_raise")
def test_ctrl_c_after_some_files_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    _arm(monkeypatch, "commit:after-move:9", "sigint")
    transaction = RootTransaction(root)
    _changes(transaction)
    with pytest.raises(KeyboardInterrupt):
        transaction.commit()
    assert snapshot(root) == before
    assert _work_dirs(root) == []


def test_sigterm_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    before = snapshot(root)
    _arm(monkeypatch, "commit:after-move:3", "sigterm")
    transaction = RootTransaction(root)
    _changes(transaction)
    with pytest.raises(Terminated, match=f"signal {int(signal.SIGTERM)}"):
        transaction.commit()
    assert snapshot(root) == before
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler is only there during commit


def test_failure_making_a_parent_directory_restores_the_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = os.mkdir
    made: list[Path] = []

    def mkdir(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        if Path(path).name == "deep":  # after new/ and new/sub/ were made
            raise PermissionError(13, "Permission denied", str(path))
        made.append(Path(path))
        original(path, *args, **kwargs)

    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)
    monkeypatch.setattr(os, "mkdir", mkdir)
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


def _killed_while_committing(root: Path, step: str) -> None:
    """Commit ``_changes`` in a child process that SIGKILLs itself at ``step`` (``CROSSBUILD_FAULT``)."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            _faults._ARMED = _faults.parse(f"{step}:sigkill")
            transaction = RootTransaction(root)
            _changes(transaction)
            transaction.commit()
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), f"the commit went through {step}"
    assert os.WTERMSIG(status) == signal.SIGKILL


def _commit_steps(tmp_path: Path) -> list[str]:
    """The fault steps of a commit of ``_changes``, from its journal."""
    root = _make_root(tmp_path / "count")
    _killed_while_committing(root, "commit:after-last-move")
    [work] = _work_dirs(root)
    found = journal.read(work)
    assert found is not None
    steps, committed = found
    assert not committed
    assert [s.action for s in steps].count("aside") == 5  # 4 removals, 1 replaced
    assert [s.action for s in steps].count("place") == 7
    moves = [f"commit:after-move:{n}" for n in range(1, len(steps) + 1)]
    return ["commit:before-move", *moves, "commit:after-last-move"]


def test_a_kill_at_any_step_of_a_commit_is_undone_by_the_next_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for step in _commit_steps(tmp_path):
        root = _make_root(tmp_path / step.replace(":", "-"))
        before = snapshot(root)
        _killed_while_committing(root, step)
        assert len(_work_dirs(root)) == 1
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="crossbuild"):
            journal.recover(root)
        assert snapshot(root) == before, step
        assert caplog.messages[0].startswith(f"restored {root} after an interrupted install ("), caplog.messages


def test_an_undo_cut_short_is_run_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # killed after every move; the undo by the next run is killed too, after each of its renames
    undo_renames = 12
    for killed_at in range(1, undo_renames + 1):
        root = _make_root(tmp_path / f"undo{killed_at}")
        before = snapshot(root)
        _killed_while_committing(root, "commit:after-last-move")
        with monkeypatch.context() as patch:
            calls = _counting_rename(patch, killed_at, KeyboardInterrupt(), after=True)
            with pytest.raises(KeyboardInterrupt):
                journal.recover(root)
            assert len(calls) == killed_at
        journal.recover(root)
        assert snapshot(root) == before, f"undo killed after rename {killed_at}"
        assert _work_dirs(root) == []


def test_a_kill_once_the_commit_is_complete_is_finished_by_the_next_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _make_root(tmp_path / "expected")
    transaction = RootTransaction(expected)
    _changes(transaction)
    transaction.commit()
    root = _make_root(tmp_path / "root")
    _killed_while_committing(root, "commit:before-cleanup")
    assert snapshot(root) != snapshot(expected)  # the backups are still there

    with caplog.at_level(logging.INFO, logger="crossbuild"):
        journal.recover(root)

    assert snapshot(root) == snapshot(expected)  # emptied directories pruned as by the commit itself
    assert caplog.messages == [f"finished an interrupted install into {root} (removed 5 backups)"]


def test_a_kill_before_the_commit_leaves_a_staging_directory_the_next_run_removes(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot(root)
    transaction = RootTransaction(root)
    _changes(transaction)  # and the process dies: nothing discards it
    with caplog.at_level(logging.INFO, logger="crossbuild"):
        journal.recover(root)
    assert snapshot(root) == before
    assert caplog.messages == [f"removed the staging directory of an interrupted install from {root}"]


def test_a_journal_cut_short_was_never_acted_on(tmp_path: Path) -> None:
    root = _make_root(tmp_path / "root")
    before = snapshot(root)
    _killed_while_committing(root, "commit:before-move")
    [work] = _work_dirs(root)
    text = (work / journal.JOURNAL).read_bytes()
    (work / journal.JOURNAL).write_bytes(text[: len(text) // 2])  # as if the write had been cut
    assert journal.read(work) is None
    journal.recover(root)
    assert snapshot(root) == before


def test_backups_without_a_journal_are_left_alone(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    # what crossbuild before the journal could leave: the only copy of a file it moved aside
    work = root / ".crossbuild-old12345"
    _write(work / "backup/0", b"the only copy\n")
    with caplog.at_level(logging.WARNING, logger="crossbuild"):
        journal.recover(root)
    assert (work / "backup/0").read_bytes() == b"the only copy\n"
    assert "holds backups but no journal" in caplog.text


def test_other_dot_crossbuild_entries_are_not_work_directories(root: Path) -> None:
    _write(root / ".crossbuild-sysroot", b"a stamp\n")
    _write(root / ".crossbuild-mine/notes.txt", b"mine\n")
    before = snapshot(root)
    journal.recover(root)
    assert snapshot(root) == before


def test_an_undo_that_fails_keeps_the_journal_for_the_next_run(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(root)
    _arm(monkeypatch, "commit:after-move:9", "raise")
    original = os.rename
    refused: list[Path] = []

    def rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if Path(source).parent.name == journal.BACKUP and not refused:  # the first backup to go back
            refused.append(Path(source))
            raise PermissionError(13, "Permission denied")
        original(source, target)

    monkeypatch.setattr(os, "rename", rename)
    transaction = RootTransaction(root)
    _changes(transaction)
    with pytest.raises(InstallTargetError, match="cannot restore") as raised:
        transaction.commit()
    assert isinstance(raised.value.__context__, RuntimeError)  # the fault, still told
    transaction.discard()
    assert len(_work_dirs(root)) == 1  # the journal and the backup that did not go back
    monkeypatch.undo()

    journal.recover(root)

    assert snapshot(root) == before


@pytest.mark.usefixtures("stop_signals_raise")
def test_ctrl_c_once_the_commit_is_complete_changes_nothing(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _make_root(root.parent / "expected")
    transaction = RootTransaction(expected)
    _changes(transaction)
    transaction.commit()
    _arm(monkeypatch, "commit:before-cleanup", "sigint")
    transaction = RootTransaction(root)
    _changes(transaction)

    with caplog.at_level(logging.INFO, logger="crossbuild"):
        transaction.commit()  # no KeyboardInterrupt

    assert snapshot(root) == snapshot(expected)
    assert f"the install into {root} is complete: ignoring SIGINT" in caplog.messages


def test_moving_a_symlink_aside_changes_where_later_steps_resolve(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "opt/data").mkdir(parents=True)
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/pkg").symlink_to("/opt/data")
    work = tmp_path / "work"
    for name in ("a", "b"):
        _write(work / "stage" / name, name.encode())
    (work / "backup").mkdir()
    resolve = RootResolver(root)
    for step in (
        journal.Step("place", "usr/lib/pkg/a", "stage/a"),  # through the link
        journal.Step("aside", "usr/lib/pkg", "backup/0"),  # the link goes
        journal.Step("mkdir", "usr/lib/pkg"),
        journal.Step("place", "usr/lib/pkg/b", "stage/b"),  # into the new directory
    ):
        journal.apply(root, work, step, resolve)
    assert (root / "opt/data/a").read_bytes() == b"a"
    assert (root / "usr/lib/pkg/b").read_bytes() == b"b"
    assert not (root / "opt/data/b").exists()


def test_files_under_names_of_their_own_need_no_directories_in_the_stage(root: Path) -> None:
    transaction = RootTransaction(root)
    _stage(transaction, {f"{SITE}/a/b/c/d.py": b"D = 1\n", f"{SITE}/a/e.py": b""}, own_names=(f"{SITE}/a/b/c/d.py",))
    new = transaction.new_file(f"{SITE}/a/b/f.py")
    new.write_bytes(b"F = 1\n")
    assert new.parent.parent == transaction.stage_dir
    assert sorted(p.name for p in new.parent.iterdir()) == ["0", "1"]
    with pytest.raises(FileExistsError):
        transaction.new_file(f"{SITE}/a/b/f.py")  # staged already
    with pytest.raises(FileExistsError):
        transaction.new_file(f"{SITE}/a/e.py")  # staged already, in the tree
    new.unlink()
    assert transaction.new_file(f"{SITE}/a/b/f.py") == new  # its file gone: the same name again
    new.write_bytes(b"F = 2\n")
    assert transaction.staged_files() == [f"{SITE}/a/b/c/d.py", f"{SITE}/a/b/f.py", f"{SITE}/a/e.py"]
    transaction.commit()
    site = root / SITE.lstrip("/")
    assert (site / "a/b/c/d.py").read_bytes() == b"D = 1\n"
    assert (site / "a/b/f.py").read_bytes() == b"F = 2\n"
    assert (site / "a/b/c").stat().st_mode & 0o777 == 0o755
    assert _work_dirs(root) == []


def test_a_file_staged_twice_is_refused(root: Path) -> None:
    transaction = RootTransaction(root)
    transaction.new_file(f"{SITE}/x.py").write_bytes(b"")
    _write(transaction.stage_dir / SITE.lstrip("/") / "x.py", b"")  # as installer would, meanwhile
    with pytest.raises(FileExistsError):
        transaction.staged_files()
    transaction.discard()
    assert _work_dirs(root) == []
