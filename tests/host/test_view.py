"""Views of a root whose symlinks lead out of it on this machine (crossbuild.host.view).

The roots are small fakes with the links real rootfs trees have: Debian's merged /usr
(``lib -> usr/lib``, relative or absolute), ``dpkg -x``'s absolute library links, a
ppc64el ``lib64/ld64.so.2``.  A view must lead every path where chroot would, stay inside
itself, never change the root, and be made once, atomically.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.contexts import context_for
from helpers.fakehost import FakeLayout, snapshot

import crossbuild
from crossbuild import _cache
from crossbuild._exceptions import RootfsError
from crossbuild.backend_env.crossfiles import pkg_config_dirs
from crossbuild.backend_env.settings import prepare_settings
from crossbuild.host import view as view_module
from crossbuild.host.rootfs import resolve_in_root
from crossbuild.host.view import VIEWS, build_sysroot, scan
from crossbuild.index.finder import IndexSettings

TRIPLET = "powerpc64le-linux-gnu"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A merged-/usr root as a rootfs comes: absolute and relative links, some escaping."""
    root = tmp_path / "rootfs"
    lib = root / "usr/lib" / TRIPLET
    lib.mkdir(parents=True)
    (lib / "libc.so.6").write_bytes(b"\x7fELF libc")
    (lib / "libz.so.1.2.13").write_bytes(b"\x7fELF zlib")
    (lib / "libz.so.1").symlink_to("libz.so.1.2.13")  # relative, in its directory
    (lib / "libc.so").write_text(f"GROUP ( /lib/{TRIPLET}/libc.so.6 )\n")
    (lib / "libz.so").symlink_to(f"/lib/{TRIPLET}/libz.so.1.2.13")  # through the absolute /lib
    (lib / "ld64.so.2").write_bytes(b"\x7fELF ld.so")
    (root / "usr/bin").mkdir()
    (root / "usr/bin/python3.11").write_bytes(b"\x7fELF python")
    (root / "usr/bin/python3.11").chmod(0o755)
    (root / "usr/include").mkdir()
    (root / "usr/include/zlib.h").write_text('#define ZLIB_VERSION "1.2.13"\n')
    (root / "usr/lib64").mkdir()
    (root / "usr/lib64/ld64.so.2").symlink_to(f"/lib/{TRIPLET}/ld64.so.2")
    (root / "lib").symlink_to("/usr/lib")  # merged /usr, absolute (as some images have it)
    (root / "bin").symlink_to("usr/bin")  # merged /usr, relative (as Debian has it)
    (root / "lib64").symlink_to("usr/lib64")
    (root / "etc/alternatives").mkdir(parents=True)
    (root / "etc/alternatives/python3").symlink_to("/usr/bin/python3.11")
    (root / "usr/bin/python3").symlink_to("/etc/alternatives/python3")
    (root / "usr/include/escape").symlink_to("../../../../../../../usr/include")  # .. above the root
    (root / "usr/share").mkdir()
    (root / "usr/share/dangling").symlink_to("/no/such/file")
    (root / "usr/share/loop").symlink_to("/usr/share/loop")
    return root


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def view_of(root: Path, cache: Path) -> Path:
    return build_sysroot(root, lambda: cache)


def times(root: Path) -> dict[str, int]:
    """Every path's modification time, the root's own included."""
    result = {".": root.lstat().st_mtime_ns}
    for path in root.rglob("*"):
        result[path.relative_to(root).as_posix()] = path.lstat().st_mtime_ns
    return result


HOST_PATHS = [
    f"/lib/{TRIPLET}/libc.so.6",
    f"/usr/lib/{TRIPLET}/libz.so",
    f"/lib/{TRIPLET}/libz.so",
    f"/lib/{TRIPLET}/libz.so.1",
    "/lib64/ld64.so.2",
    "/usr/lib64/ld64.so.2",
    "/bin/python3",
    "/usr/bin/python3",
    "/usr/include/escape/zlib.h",
    "/usr/include/escape/escape/escape/zlib.h",
    f"/lib/../lib/{TRIPLET}/libc.so",
    f"/usr/lib/{TRIPLET}/../../include/zlib.h",
]


@pytest.mark.parametrize("host_path", HOST_PATHS)
def test_every_path_leads_where_chroot_leads(root: Path, cache: Path, host_path: str) -> None:
    view = view_of(root, cache)
    on_host = resolve_in_root(root, host_path)
    in_view = Path(os.path.realpath(view / host_path.lstrip("/")))
    assert in_view.read_bytes() == on_host.read_bytes()
    assert in_view.is_relative_to(Path(os.path.realpath(view))), in_view  # hard links: never out of the view


def test_the_root_itself_leads_out(root: Path) -> None:
    # What the compiler sees without a view: the build machine's files, or nothing.
    assert not (root / "lib64/ld64.so.2").exists()
    assert not Path(os.path.realpath(root / f"usr/lib/{TRIPLET}/libz.so")).is_relative_to(root)


def test_every_entry_of_the_root_is_in_the_view(root: Path, cache: Path) -> None:
    view = view_of(root, cache)
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        assert os.path.lexists(view / relative), relative
        if path.is_dir() and not path.is_symlink():
            assert (view / relative).is_dir() and not (view / relative).is_symlink(), relative


def test_links_that_lead_nowhere_still_lead_nowhere(root: Path, cache: Path) -> None:
    view = view_of(root, cache)
    assert (view / "usr/share/dangling").is_symlink()
    assert not (view / "usr/share/dangling").exists()
    assert str((view / "usr/share/dangling").readlink()) == "../../no/such/file"  # inside the view
    with pytest.raises(OSError) as raised:
        (view / "usr/share/loop").stat()
    assert raised.value.errno == errno.ELOOP


def test_files_are_hard_links_and_other_entries_symlinks(root: Path, cache: Path) -> None:
    os.mkfifo(root / "usr/share/fifo")
    view = view_of(root, cache)
    libc = root / f"usr/lib/{TRIPLET}/libc.so.6"
    assert (view / f"usr/lib/{TRIPLET}/libc.so.6").lstat().st_ino == libc.lstat().st_ino
    assert (view / "usr/share/fifo").readlink() == (root / "usr/share/fifo")
    assert str((view / "lib").readlink()) == "usr/lib"
    assert str((view / f"usr/lib/{TRIPLET}/libz.so").readlink()) == "libz.so.1.2.13"


def test_symlinks_where_hard_links_fail(
    root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The cache on another file system than the root: files are symlinks, paths lead the same."""

    def cross_device(src: object, dst: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    caplog.set_level("DEBUG", logger="crossbuild")
    view = view_of(root, cache)
    libc = view / f"usr/lib/{TRIPLET}/libc.so.6"
    assert libc.readlink() == (root / f"usr/lib/{TRIPLET}/libc.so.6")
    assert (view / "lib64/ld64.so.2").read_bytes() == b"\x7fELF ld.so"
    assert (view / f"usr/lib/{TRIPLET}/libz.so").read_bytes() == b"\x7fELF zlib"
    assert "symlinks, not hard links, in the view of" in caplog.text
    script = view / f"usr/lib/{TRIPLET}/libc.so"  # ld must find its real path inside the view
    assert not script.is_symlink()
    assert script.read_text() == f"GROUP ( /lib/{TRIPLET}/libc.so.6 )\n"
    python = view / "usr/bin/python3.11"  # finds its prefix from its real path
    assert not python.is_symlink()
    assert python.read_bytes() == b"\x7fELF python"


def test_a_file_that_cannot_be_hard_linked_is_symlinked_alone(
    root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """protected_hardlinks: a file of another user cannot be hard-linked; the others still are."""
    real_link = os.link

    def link(src: Path, dst: Path, **kwargs: bool) -> None:
        if Path(src).name == "libc.so.6":
            raise OSError(errno.EPERM, "Operation not permitted")
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", link)
    view = view_of(root, cache)
    assert (view / f"usr/lib/{TRIPLET}/libc.so.6").readlink() == root / f"usr/lib/{TRIPLET}/libc.so.6"
    zlib = f"usr/lib/{TRIPLET}/libz.so.1.2.13"  # after libc.so.6 in the walk
    assert (view / zlib).lstat().st_ino == (root / zlib).lstat().st_ino


def test_nothing_in_the_root_changes(root: Path, cache: Path) -> None:
    before, mtimes = snapshot(root), times(root)
    view_of(root, cache)
    view_of(root, cache)
    assert snapshot(root) == before
    assert times(root) == mtimes


def test_a_root_that_stays_inside_is_used_as_it_is(tmp_path: Path, cache: Path) -> None:
    root = tmp_path / "relative"
    (root / "usr/lib/x").mkdir(parents=True)
    (root / "usr/lib/x/libz.so.1").write_bytes(b"z")
    (root / "usr/lib/x/libz.so").symlink_to("libz.so.1")
    (root / "lib").symlink_to("usr/lib")
    (root / "usr/lib/up").symlink_to("../../lib/x")  # climbs, but not above the root
    assert view_of(root, cache) == root
    assert not cache.exists()


@pytest.mark.parametrize(
    "target",
    ["/usr/lib", "../../../usr/lib", "x/../../../..", "loop"],
    ids=["absolute", "above-the-root", "above-through-a-link", "loop"],
)
def test_one_link_that_leads_out_is_enough_for_a_view(tmp_path: Path, cache: Path, target: str) -> None:
    root = tmp_path / "root"
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/x").symlink_to(".")  # x/.. is usr/lib's parent, usr: x/../../../.. is above /
    (root / "usr/lib/loop").symlink_to("loop")
    (root / "usr/lib/link").symlink_to(target)
    view = view_of(root, cache)
    assert view != root
    assert view.parent == cache / VIEWS


def test_reused_while_the_root_is_the_same(root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = view_of(root, cache)
    monkeypatch.setattr(view_module, "make_view", lambda *args: pytest.fail("made again"))
    assert view_of(root, cache) == first


@pytest.mark.parametrize("change", ["new file", "new link target", "file replaced", "new directory"])
def test_a_changed_root_gets_a_new_view(root: Path, cache: Path, change: str) -> None:
    first = view_of(root, cache)
    lib = root / f"usr/lib/{TRIPLET}"
    if change == "new file":
        (root / "usr/include/new.h").write_text("")
    elif change == "new link target":
        (lib / "libz.so").unlink()
        (lib / "libz.so").symlink_to(f"/usr/lib/{TRIPLET}/libz.so.1")
    elif change == "file replaced":  # as dpkg and pip replace files: a new file renamed over
        (lib / "libc.so.6.new").write_bytes(b"\x7fELF libc 2")
        (lib / "libc.so.6.new").replace(lib / "libc.so.6")
    else:
        (root / "opt").mkdir()
    second = view_of(root, cache)
    assert second != first
    assert first.is_dir()  # in use by others maybe; removed once unused for a day
    assert (second / f"usr/lib/{TRIPLET}/libc.so.6").read_bytes() == (lib / "libc.so.6").read_bytes()


def test_unused_views_are_removed_when_another_is_made(root: Path, cache: Path) -> None:
    first = view_of(root, cache)
    (root / "usr/include/new.h").write_text("")
    old = time.time() - view_module.UNUSED - 60
    os.utime(first, (old, old))
    second = view_of(root, cache)
    assert not first.exists()
    assert second.is_dir()
    assert (root / f"usr/lib/{TRIPLET}/libc.so.6").read_bytes() == b"\x7fELF libc"  # the root is untouched


def test_reuse_marks_a_view_used(root: Path, cache: Path) -> None:
    view = view_of(root, cache)
    old = time.time() - view_module.UNUSED - 60
    os.utime(view, (old, old))
    assert view_of(root, cache) == view
    assert time.time() - view.stat().st_mtime < view_module.UNUSED


def test_an_interrupted_creation_leaves_nothing(root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = view_module._rerooted_target
    calls = []

    def interrupted(root_dir: Path, link: str) -> str:
        calls.append(link)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(root_dir, link)

    monkeypatch.setattr(view_module, "_rerooted_target", interrupted)
    with pytest.raises(KeyboardInterrupt):
        view_of(root, cache)
    assert [p.name for p in (cache / VIEWS).iterdir() if not p.name.endswith(".lock")] == []
    monkeypatch.setattr(view_module, "_rerooted_target", real)
    assert (view_of(root, cache) / "lib64/ld64.so.2").read_bytes() == b"\x7fELF ld.so"


def test_a_partial_view_of_a_killed_process_is_replaced(root: Path, cache: Path) -> None:
    key = view_of(root, cache)
    partial = key.with_name(f".{key.name}.partial")
    key.rename(partial)  # as a process killed before its rename left it
    (partial / "junk").write_text("")
    view = view_of(root, cache)
    assert view == key
    assert not partial.exists()
    assert not (view / "junk").exists()


def test_parallel_processes_share_one_view(root: Path, cache: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from crossbuild.host.view import build_sysroot; "
        "print(build_sysroot(Path(sys.argv[1]), lambda: Path(sys.argv[2])))"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code, root, cache], stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    outputs = {process.communicate()[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(outputs) == 1
    views = [p for p in (cache / VIEWS).iterdir() if not p.name.endswith(".lock")]
    assert views == [Path(outputs.pop())]
    assert (views[0] / "lib64/ld64.so.2").read_bytes() == b"\x7fELF ld.so"


def test_scan_digest_is_stable_and_sees_link_targets(root: Path) -> None:
    first = scan(root)
    assert scan(root).digest == first.digest
    (root / "usr/share/dangling").unlink()
    (root / "usr/share/dangling").symlink_to("/no/such/other")
    assert scan(root).digest != first.digest


def test_the_host_hands_the_view_to_every_build_tool(
    layout: FakeLayout, fake_cc: Path, fake_bin: Path, tmp_path: Path
) -> None:
    triplet = layout.machine.triplet
    (layout.root / f"usr/lib/{triplet}").mkdir(parents=True, exist_ok=True)
    (layout.root / f"usr/lib/{triplet}/libc.so.6").symlink_to(f"/lib/{triplet}/libc.so.6")
    (fake_bin / "qemu-aarch64").write_text("#!/bin/sh\n")
    (fake_bin / "qemu-aarch64").chmod(0o755)
    host = crossbuild.inspect_host(layout.python, cache_dir=tmp_path / "cache")

    view = host.build_sysroot
    assert host.sysroot == layout.root
    assert view.parent == tmp_path / "cache" / VIEWS
    assert host.summary()["build_sysroot"] == str(view)
    assert host.emulator == (str(fake_bin / "qemu-aarch64"), "-L", str(view))
    assert pkg_config_dirs(host)[0] == view / f"usr/lib/{triplet}/pkgconfig"
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    assert settings.environ["PKG_CONFIG_SYSROOT_DIR"] == str(view)
    assert f"sys_root = '{view}'" in settings.meson_cross_file.read_text()
    assert f'set(CMAKE_SYSROOT "{view}")' in settings.cmake_toolchain_file.read_text()
    assert f"--sysroot={view}" in settings.wrappers.cc.read_text()
    config = settings.host_config.read_text()
    assert str(view / "usr/include/python3.11") in config
    assert str(layout.root / "usr/include") not in config


def test_the_host_of_a_root_that_stays_inside_has_no_view(layout: FakeLayout, fake_cc: Path, tmp_path: Path) -> None:
    host = crossbuild.inspect_host(layout.python, cache_dir=tmp_path / "cache")
    assert host.build_sysroot == host.sysroot == layout.root
    assert not (tmp_path / "cache").exists()


def test_an_install_of_wheels_makes_no_view(rootfs: FakeLayout, fake_bin: Path, links: Path, tmp_path: Path) -> None:
    """Only builds and qemu are given the view: laying wheels into a root whose links lead
    out of it neither walks the root for one nor makes it (a big rootfs takes 0.15 s)."""
    (rootfs.root / "lib64").symlink_to(f"/lib/{rootfs.machine.triplet}")
    cache = tmp_path / "cache"
    host = crossbuild.inspect_host(rootfs.python, cache_dir=cache)
    options = crossbuild.BuildOptions(index=IndexSettings(no_index=True, find_links=(str(links),)), cache_dir=cache)
    crossbuild.install(["alpha"], host=host, root=rootfs.root, options=options)
    assert (rootfs.root / "usr/local/lib/python3.11/dist-packages/alpha/__init__.py").is_file()
    assert not (cache / VIEWS).exists()
    assert host.build_sysroot.parent == cache / VIEWS  # made when first needed
    assert (host.build_sysroot / "usr/bin/python3.11").is_file()


def test_a_cache_that_cannot_be_written_is_one_error(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "a-file"
    cache.write_text("")
    with pytest.raises(RootfsError) as raised:
        build_sysroot(root, lambda: _cache.cache_dir(cache))
    assert str(raised.value) == (
        f"cannot make a view of {root} (its symlinks lead out of it on this machine) in the cache: "
        f"Not a directory ({cache}/sysroots); pass cache_dir= a writable directory (the root itself is never "
        "written to)"
    )


def test_the_command_names_its_cache_option(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (layout.root / "lib64").symlink_to(f"/lib/{layout.machine.triplet}")
    cache = tmp_path / "a-file"
    cache.write_text("")
    code, out, err = run_cli(["inspect", "--host", str(layout.python), "--cache-dir", str(cache)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: cannot make a view of {layout.root} (its symlinks lead out of it on this machine) in the cache: "
        f"Not a directory ({cache}/sysroots); pass --cache-dir a writable directory (the root itself is never "
        "written to)"
    ]


def test_the_command_shows_the_view(
    layout: FakeLayout, fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (layout.root / "lib64").symlink_to(f"/lib/{layout.machine.triplet}")
    code, out, _ = run_cli(
        ["inspect", "--host", str(layout.python), "--json", "--cache-dir", str(tmp_path / "c")], capsys
    )
    assert code == 0
    summary = json.loads(out)
    assert summary["sysroot"] == str(layout.root)
    assert Path(summary["build_sysroot"]).parent == tmp_path / "c" / VIEWS
    assert (Path(summary["build_sysroot"]) / "lib64").readlink() == Path(f"lib/{layout.machine.triplet}")
