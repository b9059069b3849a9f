"""Reproducible wheels: the same source built twice, elsewhere and another day, gives the same bytes.

Every build runs the real CLI with its own copy of the source, its own ``TMPDIR`` and its
own cache, all under ``tmp_path``: a path of the build machine that reaches a binary makes
the two wheels differ, and is found by name in the members.  The meson and CMake builds
ask for debug information, which is where their build directories would show.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import PACKAGES, run_crossbuild

import crossbuild

#: Another day, for the second copy's files.
OTHER_DAY = calendar.timegm((2021, 3, 4, 12, 0, 0))

#: Per project: the settings that give its binary debug information.
DEBUG_SETTINGS = {
    "c_ext": [],  # setuptools takes -g from the host's sysconfig CFLAGS
    "cython_ext": [],
    "meson_ext": ["-C", "setup-args=-Ddebug=true"],
    "cmake_ext": ["-C", "cmake.build-type=RelWithDebInfo"],
}


def _copy(name: str, place: Path, mtime: int | None = None) -> Path:
    """A copy of ``tests/packages/NAME`` under ``place``, every file dated ``mtime`` if given."""
    destination = place / "src" / name
    shutil.copytree(PACKAGES / name, destination)
    if mtime is not None:
        for path in [destination, *destination.rglob("*")]:
            os.utime(path, (mtime, mtime))
    return destination


def _build(
    source: Path | str, host_python: Path, place: Path, *args: str, cache: Path | None = None, **environ: str
) -> Path:
    """``crossbuild wheel SOURCE`` with ``place``'s own TMPDIR, cache and wheel directory."""
    tmp = place / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(TMPDIR=str(tmp), **environ)
    result = run_crossbuild(
        "wheel",
        source,
        "--host",
        host_python,
        "--cache-dir",
        cache or place / "cache",
        "-w",
        place / "dist",
        *args,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def _differences(one: Path, two: Path) -> list[str]:
    """What differs between two wheels, member by member."""
    with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
        infos_a = {info.filename: info for info in a.infolist()}
        infos_b = {info.filename: info for info in b.infolist()}
        found = [] if list(infos_a) == list(infos_b) else [f"member order: {list(infos_a)} != {list(infos_b)}"]
        for name in sorted(infos_a.keys() | infos_b.keys()):
            if name not in infos_a or name not in infos_b:
                found.append(f"{name}: in one wheel only")
                continue
            if a.read(name) != b.read(name):
                found.append(f"{name}: content")
            for field in ("date_time", "external_attr", "compress_type", "create_system", "extra"):
                if getattr(infos_a[name], field) != getattr(infos_b[name], field):
                    found.append(f"{name}: {field} {getattr(infos_a[name], field)} != {getattr(infos_b[name], field)}")
    return found or ["the zip's own bytes"]


def assert_same_bytes(one: Path, two: Path) -> None:
    assert one.name == two.name
    if one.read_bytes() != two.read_bytes():
        pytest.fail(f"{one.name} differs between the builds: " + "; ".join(_differences(one, two)))


def assert_no_build_paths(wheel: Path, *paths: Path) -> None:
    """No member holds any of ``paths`` (the copies, TMPDIRs and caches, the sysroot) as bytes."""
    needles = {str(path) for path in paths} | {os.path.realpath(path) for path in paths}
    with zipfile.ZipFile(wheel) as archive:
        found = [
            f"{name} holds {needle}"
            for name in archive.namelist()
            for needle in sorted(needles)
            if needle.encode() in archive.read(name)
        ]
    assert found == []


def _binaries(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.endswith(".so")}


def test_the_cross_compilers_take_file_prefix_maps(host: crossbuild.Host) -> None:
    assert host.toolchain.prefix_map_option == "-ffile-prefix-map"  # __FILE__ too, not only debug information


@pytest.mark.parametrize("name", list(DEBUG_SETTINGS))
def test_two_copies_built_elsewhere_on_another_day(name: str, host_python: Path, sysroot: Path, tmp_path: Path) -> None:
    settings = DEBUG_SETTINGS[name]
    one = _build(_copy(name, tmp_path / "one"), host_python, tmp_path / "one", *settings)
    elsewhere = tmp_path / "second" / "build"
    two = _build(_copy(name, elsewhere, mtime=OTHER_DAY), host_python, elsewhere, *settings)

    assert_same_bytes(one, two)
    [binary] = _binaries(one).values()
    assert b".debug_info" in binary  # the build directories had a place to show
    assert_no_build_paths(one, tmp_path, sysroot)


def test_a_reused_build_environment(host_python: Path, sysroot: Path, tmp_path: Path) -> None:
    cache = tmp_path / "shared-cache"
    one = _build(_copy("c_ext", tmp_path / "one"), host_python, tmp_path / "one", cache=cache)
    two = _build(_copy("c_ext", tmp_path / "two", mtime=OTHER_DAY), host_python, tmp_path / "two", cache=cache)
    assert_same_bytes(one, two)
    assert_no_build_paths(one, tmp_path, sysroot)


def test_source_date_epoch_stamps_every_member(host_python: Path, tmp_path: Path) -> None:
    wheel = _build(_copy("c_ext", tmp_path), host_python, tmp_path, SOURCE_DATE_EPOCH="1700000000")
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert {info.filename: oct(info.external_attr >> 16) for info in infos} == {
        "cext/__init__.py": "0o100644",
        "cext/_native.c": "0o100644",
        "cext/_native.cpython-311-aarch64-linux-gnu.so": "0o100755",
        "cext-1.0.dist-info/METADATA": "0o100644",
        "cext-1.0.dist-info/WHEEL": "0o100644",
        "cext-1.0.dist-info/top_level.txt": "0o100644",
        "cext-1.0.dist-info/RECORD": "0o100644",
        "cext-1.0.dist-info/sboms/crossbuild.cdx.json": "0o100644",
    }
    with zipfile.ZipFile(wheel) as archive:
        sbom = json.loads(archive.read("cext-1.0.dist-info/sboms/crossbuild.cdx.json"))
    assert sbom["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")  # dated only when asked to


def test_an_sdist_built_twice(host_python: Path, sysroot: Path, tmp_path: Path) -> None:
    tree = _copy("c_ext", tmp_path / "maker")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", tmp_path / "sdist", tree],
        check=True,
        capture_output=True,
    )
    [sdist] = (tmp_path / "sdist").iterdir()
    moved = tmp_path / "second" / "downloads" / sdist.name
    moved.parent.mkdir(parents=True)
    shutil.copyfile(sdist, moved)
    os.utime(moved, (OTHER_DAY, OTHER_DAY))

    one = _build(sdist, host_python, tmp_path / "one")
    two = _build(moved, host_python, tmp_path / "second")
    assert_same_bytes(one, two)
    assert_no_build_paths(one, tmp_path, sysroot)


def test_a_pypi_sdist_built_twice(host_python: Path, sysroot: Path, tmp_path: Path) -> None:
    one = _build("markupsafe==2.1.5", host_python, tmp_path / "one")
    two = _build("markupsafe==2.1.5", host_python, tmp_path / "second" / "place")
    assert one.name == "markupsafe-2.1.5-cp311-cp311-linux_aarch64.whl"
    assert_same_bytes(one, two)
    assert_no_build_paths(one, tmp_path, sysroot)


def _stamped_project(place: Path) -> Path:
    """A setuptools project whose extension holds the compiler's ``__DATE__ __TIME__``."""
    project = place / "src" / "stamped"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "stamped"\nversion = "1.0"\n'
    )
    (project / "setup.py").write_text(
        'from setuptools import Extension, setup\nsetup(ext_modules=[Extension("stamped", ["stamped.c"])])\n'
    )
    (project / "stamped.c").write_text(
        "#include <Python.h>\n"
        'static const char built[] = "built on " __DATE__ " at " __TIME__;\n'
        "static PyObject *when(PyObject *self, PyObject *args) { return PyUnicode_FromString(built); }\n"
        'static PyMethodDef methods[] = {{"when", when, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};\n'
        'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "stamped", NULL, -1, methods};\n'
        "PyMODINIT_FUNC PyInit_stamped(void) { return PyModule_Create(&module); }\n"
    )
    return project


def test_date_and_time_macros_are_the_build_time(host_python: Path, tmp_path: Path) -> None:
    default = _build(_stamped_project(tmp_path / "default"), host_python, tmp_path / "default")
    stamped = _build(
        _stamped_project(tmp_path / "stamped"), host_python, tmp_path / "stamped", SOURCE_DATE_EPOCH="1700000000"
    )
    # whatever the day, crossbuild's default time; or the user's
    assert b"built on Jan  1 1980 at 00:00:00" in _binaries(default)["stamped.cpython-311-aarch64-linux-gnu.so"]
    assert b"built on Nov 14 2023 at 22:13:20" in _binaries(stamped)["stamped.cpython-311-aarch64-linux-gnu.so"]
