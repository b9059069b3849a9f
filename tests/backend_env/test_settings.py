"""What the backend is handed: relocated sysconfig variables, the environment, host.json."""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from helpers.contexts import context_for
from helpers.fakehost import FakeLayout

from crossbuild.backend_env.patch import PATCH_ENV_VAR
from crossbuild.backend_env.settings import host_config_vars, prepare_settings
from crossbuild.backend_env.wrappers import write_wrappers
from crossbuild.host.host import Host


def _with_vars(host: Host, **changes: object) -> Host:
    return replace(host, config_vars=MappingProxyType({**host.config_vars, **changes}))


def test_paths_move_into_the_sysroot(host: Host, layout: FakeLayout, tmp_path: Path) -> None:
    wrappers = write_wrappers(host, tmp_path / "bin")
    config_vars = host_config_vars(host, wrappers)
    root = layout.root
    assert config_vars["INCLUDEPY"] == f"{root}/usr/include/python3.11"
    assert config_vars["CONFINCLUDEPY"] == f"{root}/usr/include/python3.11"
    assert config_vars["LIBDIR"] == f"{root}/usr/lib/aarch64-linux-gnu"
    assert config_vars["LIBPL"] == f"{root}/usr/lib/python3.11/config-3.11-aarch64-linux-gnu"
    assert config_vars["BINDIR"] == f"{root}/usr/bin"
    assert config_vars["prefix"] == f"{root}/usr"


def test_other_values_stay(host: Host, tmp_path: Path) -> None:
    host = _with_vars(host, MKDIR_P="/usr/bin/mkdir -p", DESTSHARED="/etc/python", LIBPC="/usrlocal/lib")
    config_vars = host_config_vars(host, write_wrappers(host, tmp_path / "bin"))
    for name in ("SOABI", "EXT_SUFFIX", "MULTIARCH", "MACHDEP", "VERSION", "ABIFLAGS", "CFLAGS", "CONFIG_ARGS"):
        assert config_vars[name] == host.config_vars[name], name
    assert config_vars["Py_DEBUG"] == 0
    assert config_vars["SIZEOF_VOID_P"] == 8
    assert config_vars["MKDIR_P"] == "/usr/bin/mkdir -p"  # a command line, not a path
    assert config_vars["DESTSHARED"] == "/etc/python"  # not under the prefix
    assert config_vars["LIBPC"] == "/usrlocal/lib"  # /usrlocal is not under /usr
    assert set(config_vars) == set(host.config_vars)


def test_compilers_become_the_wrappers(host: Host, tmp_path: Path, fake_cc: Path) -> None:
    host = _with_vars(host, CC="aarch64-linux-gnu-gcc -pthread")
    wrappers = write_wrappers(host, tmp_path / "bin")
    config_vars = host_config_vars(host, wrappers)
    assert config_vars["CC"] == f"{wrappers.cc} -pthread"
    assert config_vars["LDSHARED"] == f"{wrappers.cc} -shared -Wl,-O1"
    assert config_vars["BLDSHARED"] == f"{wrappers.cc} -shared -Wl,-O1 -Wl,-Bsymbolic-functions"
    assert config_vars["LINKCC"] == str(wrappers.cc)
    assert config_vars["CPP"] == f"{wrappers.cc} -E"
    assert config_vars["CXX"] == str(wrappers.cxx)
    assert config_vars["LDCXXSHARED"] == f"{wrappers.cxx} -shared -Wl,-O1"
    assert config_vars["AR"] == str(fake_cc.with_name("aarch64-linux-gnu-gcc-ar"))
    assert config_vars["ARFLAGS"] == "rcs"


def test_environ(host: Host, layout: FakeLayout, tmp_path: Path, fake_cc: Path) -> None:
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    environ = settings.environ
    wrappers = settings.wrappers
    root = layout.root
    assert environ["CC"] == str(wrappers.cc)
    assert environ["CXX"] == str(wrappers.cxx)
    assert environ["CPP"] == f"{wrappers.cc} -E"
    assert environ["LDSHARED"] == f"{wrappers.cc} -shared -Wl,-O1"
    assert environ["LDCXXSHARED"] == f"{wrappers.cxx} -shared -Wl,-O1"
    assert environ["_PYTHON_HOST_PLATFORM"] == "linux-aarch64"
    assert environ["SETUPTOOLS_EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert environ["PKG_CONFIG_SYSROOT_DIR"] == str(root)
    assert environ["PKG_CONFIG_LIBDIR"].split(os.pathsep) == [
        f"{root}/usr/lib/aarch64-linux-gnu/pkgconfig",
        f"{root}/usr/lib/pkgconfig",
        f"{root}/usr/share/pkgconfig",
    ]
    assert environ[PATCH_ENV_VAR] == str(settings.host_config)
    assert environ["AR"] == str(fake_cc.with_name("aarch64-linux-gnu-gcc-ar"))
    assert environ["RANLIB"] == str(fake_cc.with_name("aarch64-linux-gnu-gcc-ranlib"))
    assert environ["STRIP"] == str(fake_cc.with_name("aarch64-linux-gnu-strip"))
    assert all(isinstance(value, str) for value in environ.values())


def test_host_json(host: Host, layout: FakeLayout, tmp_path: Path) -> None:
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    assert settings.host_config == tmp_path / "cross/host.json"
    data = json.loads(settings.host_config.read_text())
    assert data["machine"] == "aarch64"
    assert data["multiarch"] == "aarch64-linux-gnu"
    assert data["paths"] == {
        "include": f"{layout.root}/usr/include/python3.11",
        "platinclude": f"{layout.root}/usr/include/python3.11",
    }
    assert data["config_vars"] == host_config_vars(host, settings.wrappers)
    assert data["config_vars"]["CC"] == str(settings.wrappers.cc)


def test_environ_commands_survive_a_space_in_the_build_directory(host: Host, tmp_path: Path) -> None:
    settings = prepare_settings(context_for(host), tmp_path / "my builds" / "cross", Path(sys.executable))
    wrappers = settings.wrappers
    assert shlex.split(settings.environ["LDSHARED"])[0] == str(wrappers.cc)  # quoted (replace_program)
    assert shlex.split(settings.environ["CC"]) == [str(wrappers.cc)]
    assert shlex.split(settings.environ["CXX"]) == [str(wrappers.cxx)]
    assert shlex.split(settings.environ["CPP"]) == [str(wrappers.cc), "-E"]


def test_setuptools_builds_extensions_in_parallel_when_asked(host: Host, tmp_path: Path) -> None:
    settings = prepare_settings(context_for(host, parallel_extensions=3), tmp_path / "cross", Path(sys.executable))
    config = Path(settings.environ["DIST_EXTRA_CONFIG"])
    assert config.read_text() == "[build_ext]\nparallel = 3\n\n"
    assert config.parent == tmp_path / "cross"  # removed with the build's work directory


def test_the_user_s_extra_setuptools_config_is_kept(
    host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "mine.cfg"
    users.write_text("[build_ext]\ndefine = MY_FLAG\n\n[egg_info]\ntag_build = .dev\n")
    monkeypatch.setenv("DIST_EXTRA_CONFIG", str(users))
    settings = prepare_settings(context_for(host, parallel_extensions=3), tmp_path / "cross", Path(sys.executable))
    config = Path(settings.environ["DIST_EXTRA_CONFIG"])
    assert config.read_text() == ("[build_ext]\ndefine = MY_FLAG\nparallel = 3\n\n[egg_info]\ntag_build = .dev\n\n")
    users.write_text("[build_ext]\nparallel = 1\n")  # the user's choice wins
    settings = prepare_settings(context_for(host, parallel_extensions=3), tmp_path / "cross2", Path(sys.executable))
    assert Path(settings.environ["DIST_EXTRA_CONFIG"]).read_text() == "[build_ext]\nparallel = 1\n\n"


def test_setuptools_builds_one_extension_at_a_time_by_default(host: Host, tmp_path: Path) -> None:
    # as pip builds: a setup.py may generate in one extension's step what another compiles
    for settings in (
        prepare_settings(context_for(host, jobs=4), tmp_path / "cross", Path(sys.executable)),
        prepare_settings(context_for(host, parallel_extensions=1), tmp_path / "cross1", Path(sys.executable)),
    ):
        assert "DIST_EXTRA_CONFIG" not in settings.environ
