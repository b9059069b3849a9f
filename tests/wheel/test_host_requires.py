"""Host requirements: which build requirements get a host copy, at which version, where
it comes from, and how the build is pointed at it (cross file, pkg-config, CMake,
``numpy.get_include()``)."""

from __future__ import annotations

import configparser
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.commandline import run_cli
from helpers.contexts import context_for
from helpers.fakehost import FakeLayout, make_wheel, write_script
from packaging.requirements import Requirement

from crossbuild import BuildOptions, HostRequirementError, SourceError, _faults
from crossbuild.backend_env import _hostpatch
from crossbuild.backend_env.hostcopies import HostCopy, HostTools, write_host_tools
from crossbuild.backend_env.patch import PATCH_ENV_VAR, PATCH_MODULE
from crossbuild.backend_env.settings import prepare_settings
from crossbuild.host.host import Host
from crossbuild.index.finder import IndexSettings
from crossbuild.wheel.context import BuildContext, make_context
from crossbuild.wheel.host_requires import host_copies, project_host_requires, wanted_host_requires
from crossbuild.wheel.sources import SourceTree

PKG_CONFIG = shutil.which("pkg-config")  # before the fixtures make PATH the fake toolchain's


def _tree(tmp_path: Path, pyproject: str) -> SourceTree:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(pyproject)
    return SourceTree(tmp_path / "proj", "proj")


def test_the_project_names_host_requirements_in_tool_crossbuild(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[tool.crossbuild]\nhost-requires = ["numpy", "scipy>=1.10"]\n')
    assert project_host_requires(tree) == ("numpy", "scipy>=1.10")


def test_host_requires_must_be_a_list_of_requirements(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[tool.crossbuild]\nhost-requires = "numpy"\n')
    with pytest.raises(SourceError) as caught:
        project_host_requires(tree)
    assert str(caught.value) == (
        f'{tree.path}: [tool.crossbuild] host-requires must be a list of requirements, e.g. ["numpy"]'
    )


def test_numpy_gets_a_host_copy_of_the_native_version_pybind11_none() -> None:
    native = {"numpy": "2.2.6", "pybind11": "2.13.6", "meson": "1.6.0"}
    wanted = wanted_host_requires(native, (), (), "proj")  # type: ignore[arg-type]
    assert [str(r) for r in wanted] == ["numpy==2.2.6"]
    assert wanted_host_requires({"cython": "3.0"}, (), (), "proj") == []  # type: ignore[dict-item]


def test_project_and_user_requirements_are_pinned_to_the_native_version() -> None:
    native = {"numpy": "1.26.4", "pythran": "0.16"}
    wanted = wanted_host_requires(native, ["pythran>=0.15"], ["numpy<2", "somelib>=3"], "proj")  # type: ignore[arg-type]
    assert [str(r) for r in wanted] == ["numpy==1.26.4", "pythran==0.16", "somelib>=3"]


def test_a_host_requirement_contradicting_the_native_one_is_refused() -> None:
    with pytest.raises(HostRequirementError) as caught:
        wanted_host_requires({"numpy": "2.2.6"}, (), ["numpy<2"], "proj")  # type: ignore[dict-item]
    assert str(caught.value) == (
        "host requirement numpy<2 of proj does not match numpy 2.2.6 of the build requirements: "
        "the host copy must be the same version; change one of them"
    )


def test_a_host_requirement_that_is_no_requirement() -> None:
    with pytest.raises(HostRequirementError) as caught:
        wanted_host_requires({}, (), ["numpy>>2"], "proj")
    assert str(caught.value).startswith("host requirement 'numpy>>2' of proj is not a requirement (")
    assert str(caught.value).endswith("); pass e.g. 'numpy'")


def test_cli_host_requires_reach_the_build_options(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[BuildOptions] = []

    def build(source: str, host: Host, wheel_dir: str, options: BuildOptions, **kwargs: Any) -> Path:
        calls.append(options)
        return Path("dist/p-1.0-cp311-cp311-linux_aarch64.whl")

    monkeypatch.setattr("crossbuild.wheel.pipeline.build_wheel", build)
    argv = ["wheel", "p", "--host", str(layout.python), "--host-requires", "numpy", "--host-requires", "pythran>=0.15"]
    code, _, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    assert calls[0].host_requires == ("numpy", "pythran>=0.15")
    # it shapes the wheel: a wheel built with other host requirements is another cache entry
    assert BuildOptions(host_requires=["numpy"]).key == BuildOptions(host_requires=("numpy",)).key
    assert BuildOptions(host_requires=("numpy",)).key != BuildOptions().key


def _numpy_copy(tmp_path: Path) -> HostCopy:
    prefix = tmp_path / "copy"
    (prefix / "numpy/_core/include/numpy").mkdir(parents=True)
    (prefix / "numpy/_core/include/numpy/_numpyconfig.h").write_text("#define NPY_SIZEOF_LONG 4\n")
    (prefix / "numpy/_core/lib/pkgconfig").mkdir(parents=True)
    (prefix / "numpy/_core/lib/pkgconfig/numpy.pc").write_text(
        "prefix=${pcfiledir}/../..\nincludedir=${prefix}/include\n\n"
        "Name: numpy\nDescription: numpy\nVersion: 2.2.6\nCflags: -I${includedir}\n"
    )
    return HostCopy("numpy", "2.2.6", prefix)


def _tools(host: Host, tmp_path: Path) -> HostTools:
    scripts = tmp_path / "env/bin"
    write_script(scripts / "pybind11-config", "echo -I/env/pybind11/include\n")
    return write_host_tools((_numpy_copy(tmp_path),), scripts, host.build_sysroot, tmp_path / "tools")


def test_the_cross_file_names_the_config_tools_of_host_requirements(host: Host, tmp_path: Path) -> None:
    tools = _tools(host, tmp_path)
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable), host_tools=tools)
    parser = configparser.ConfigParser()
    parser.read(settings.meson_cross_file)
    binaries = parser["binaries"]
    assert binaries["pybind11-config"] == repr(str(tmp_path / "env/bin/pybind11-config"))
    numpy_config = tmp_path / "tools/bin/numpy-config"
    assert binaries["numpy-config"] == repr(str(numpy_config))
    include = tmp_path / "copy/numpy/_core/include"
    assert subprocess.run([numpy_config, "--cflags"], capture_output=True, text=True).stdout == f"-I{include}\n"
    assert subprocess.run([numpy_config, "--version"], capture_output=True, text=True).stdout == "2.2.6\n"
    # the copies' .pc files first, in meson's and in every other backend's pkg-config path
    pkgconfig = str(tmp_path / "tools/pkgconfig")
    assert parser["properties"]["pkg_config_libdir"].startswith(f"[{pkgconfig!r}, ")
    assert settings.environ["PKG_CONFIG_LIBDIR"].split(os.pathsep)[0] == pkgconfig
    toolchain = settings.cmake_toolchain_file.read_text()
    assert f'set(Python_NumPy_INCLUDE_DIR "{include}" CACHE PATH "")' in toolchain
    assert f'set(Python3_NumPy_INCLUDE_DIR "{include}" CACHE PATH "")' in toolchain


def test_without_host_requirements_nothing_is_named(host: Host, tmp_path: Path) -> None:
    tools = write_host_tools((), tmp_path / "env/bin", host.build_sysroot, tmp_path / "tools")
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable), host_tools=tools)
    text = settings.meson_cross_file.read_text()
    assert "-config" not in text
    assert "NumPy" not in settings.cmake_toolchain_file.read_text()


@pytest.mark.skipif(PKG_CONFIG is None, reason="no pkg-config")
def test_pkg_config_finds_the_host_copy_with_the_sysroot_set(host: Host, tmp_path: Path) -> None:
    tools = _tools(host, tmp_path)
    environ = {**os.environ, "PKG_CONFIG_LIBDIR": str(tools.pkgconfig_dir)}
    environ["PKG_CONFIG_SYSROOT_DIR"] = str(host.build_sysroot)
    result = subprocess.run([str(PKG_CONFIG), "--cflags", "numpy"], capture_output=True, text=True, env=environ)
    assert result.returncode == 0, result.stderr
    [flag] = result.stdout.split()
    assert flag.startswith(f"-I{host.build_sysroot}/..")  # not re-rooted into the sysroot by pkg-config
    assert Path(flag[2:]).resolve() == (tmp_path / "copy/numpy/_core/include").resolve()


def test_get_include_of_the_build_python_gives_the_host_copy(host: Host, tmp_path: Path) -> None:
    tools = _tools(host, tmp_path)
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable), host_tools=tools)
    native = tmp_path / "native"
    (native / "numpy").mkdir(parents=True)
    (native / "numpy/__init__.py").write_text("def get_include():\n    return 'native'\n")
    shutil.copyfile(_hostpatch.__file__, native / f"{PATCH_MODULE}.py")
    code = f"import {PATCH_MODULE}; {PATCH_MODULE}.activate(); import numpy; print(numpy.get_include())"
    environ = {**os.environ, "PYTHONPATH": str(native), PATCH_ENV_VAR: str(settings.host_config)}
    patched = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
    assert patched.stdout.strip() == str(tmp_path / "copy/numpy/_core/include"), patched.stderr
    del environ[PATCH_ENV_VAR]
    dormant = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
    assert dormant.stdout.strip() == "native", dormant.stderr


def _options(host: Host, tmp_path: Path, links: Path) -> BuildContext:
    index = IndexSettings(find_links=(str(links),), no_index=True)
    return make_context(host, BuildOptions(index=index, cache_dir=tmp_path / "cache", host_requires=("numpy",)))


def _numpy_wheel(directory: Path, tags: str) -> Path:
    files = {"numpy/_core/include/numpy/_numpyconfig.h": b"#define NPY_SIZEOF_LONG 8\n"}
    return make_wheel(directory, name="numpy", version="2.2.6", tags=tags, files=files)


def test_a_host_wheel_on_the_index_is_unpacked_once(host: Host, tmp_path: Path) -> None:
    links = tmp_path / "links"
    _numpy_wheel(links, "cp311-cp311-linux_x86_64")  # the build machine's: not for the host
    _numpy_wheel(links, "cp311-cp311-linux_aarch64")

    def build(*args: Any) -> Path:
        raise AssertionError("the index has a host wheel: nothing to build")

    [first] = host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), build, tmp_path / "work")
    assert (first.name, first.version) == ("numpy", "2.2.6")
    assert first.include_dir == first.prefix / "numpy/_core/include"
    assert first.prefix.parent == tmp_path / "cache/host-copies"
    [again] = host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), build, tmp_path / "work")
    assert again.prefix == first.prefix
    assert [p.name for p in first.prefix.parent.iterdir() if p.is_dir()] == [first.prefix.name]  # no partial


@pytest.mark.usefixtures("stop_signals_raise")
@pytest.mark.parametrize("action", ["raise", "sigint"])
def test_an_unpacking_cut_short_leaves_no_host_copy(
    host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    links = tmp_path / "links"
    _numpy_wheel(links, "cp311-cp311-linux_aarch64")
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse(f"host-copy:{action}"))
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), _no_build, tmp_path / "work")
    copies = tmp_path / "cache/host-copies"
    assert [p.name for p in copies.iterdir() if not p.name.endswith(".lock")] == []  # no entry, no partial one
    monkeypatch.setattr(_faults, "_ARMED", {})
    [copy] = host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), _no_build, tmp_path / "work")
    assert (copy.prefix / "numpy/_core/include/numpy/_numpyconfig.h").is_file()


def test_without_a_host_wheel_crossbuild_builds_it(host: Host, tmp_path: Path) -> None:
    links = tmp_path / "links"
    _numpy_wheel(links, "cp311-cp311-linux_x86_64")
    calls: list[tuple[str, BuildContext]] = []

    def build(requirement: str, build_host: Host, wheel_dir: Path, options: BuildContext) -> Path:
        calls.append((requirement, options))
        return _numpy_wheel(wheel_dir, "cp311-cp311-linux_aarch64")

    options = dataclasses.replace(
        _options(host, tmp_path, links), config_settings={"setup-args": "-Dproject_option=1"}, strip=True, repair=True
    )
    [copy] = host_copies([_req("numpy==2.2.6")], options, build, tmp_path / "work")
    assert copy.include_dir is not None
    [(requirement, inner)] = calls
    assert requirement == "numpy==2.2.6"
    # its own build is a plain one (cached as such), without the outer project's settings
    plain = make_context(host, BuildOptions(index=options.index, cache_dir=options.cache_dir))
    assert (inner.key, inner.index, inner.cache_dir) == (plain.key, plain.index, plain.cache_dir)


def test_a_host_copy_that_cannot_be_built_is_one_line(host: Host, tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()

    def build(*args: Any) -> Path:
        raise SourceError("no sdist of numpy==2.2.6 on {where}", where=str(links))

    with pytest.raises(HostRequirementError) as caught:
        host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), build, tmp_path / "work")
    assert caught.value.render({"find_links": "--find-links"}) == (
        f"cannot cross-build the host's copy of numpy==2.2.6, which the build compiles against (no host wheel of it "
        f"on {links}): no sdist of numpy==2.2.6 on {links}; put a host wheel of it on the index (--find-links)"
    )
    assert [p.name for p in (tmp_path / "cache/host-copies").iterdir() if not p.name.endswith(".lock")] == []


def test_a_host_requirement_that_needs_itself_is_refused_not_awaited(host: Host, tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    options = _options(host, tmp_path, links)

    def build(requirement: str, build_host: Host, wheel_dir: Path, inner: BuildContext) -> Path:
        # its own build asks for its host copy again, as a project naming itself would
        host_copies([_req(requirement)], inner, build, wheel_dir)
        raise AssertionError("unreachable: the copy it needs is its own")

    with pytest.raises(HostRequirementError) as caught:
        host_copies([_req("numpy==2.2.6")], options, build, tmp_path / "work")
    assert "numpy==2.2.6 needs itself to be built (through numpy → numpy)" in str(caught.value)


def test_a_host_wheel_with_a_member_outside_it_leaves_nothing(host: Host, tmp_path: Path) -> None:
    links = tmp_path / "links"
    make_wheel(links, name="numpy", version="2.2.6", tags="cp311-cp311-linux_aarch64", files={"../evil.h": b""})
    with pytest.raises(HostRequirementError, match=r"has a member outside it \(\.\./evil\.h\); use another wheel"):
        host_copies([_req("numpy==2.2.6")], _options(host, tmp_path, links), _no_build, tmp_path / "work")
    copies = tmp_path / "cache/host-copies"
    assert [p.name for p in copies.iterdir() if not p.name.endswith(".lock")] == []
    assert not (tmp_path / "evil.h").exists() and not (copies / "evil.h").exists()


def _no_build(*args: Any) -> Path:
    raise AssertionError("not built")


def _req(text: str) -> Requirement:
    return Requirement(text)
