"""What a backend sees during a cross build: the host, the compilers, the cross settings.

``tests/packages/env_probe`` is an in-tree PEP 517 backend that writes what it sees into
its wheel; these tests read it back.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crossbuild


@pytest.fixture
def seen(project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path) -> dict[str, Any]:
    options = crossbuild.BuildOptions(config_settings={"setup-args": "-Dfoo=bar"})
    wheel = crossbuild.build_wheel(project("env_probe"), host, tmp_path / "dist", options)
    with zipfile.ZipFile(wheel) as archive:
        data: dict[str, Any] = json.loads(archive.read("envprobe/seen.json"))
        data["config_settings"] = json.loads(archive.read("envprobe/config_settings.json"))
    return data


def test_backend_sees_the_host(seen: dict[str, Any], host: crossbuild.Host) -> None:
    assert seen["platform"] == "linux-aarch64"
    assert seen["machine"] == "aarch64"
    assert seen["multiarch"] == "aarch64-linux-gnu"
    config = seen["config_vars"]
    assert config["EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert config["SOABI"] == "cpython-311-aarch64-linux-gnu"
    assert config["INCLUDEPY"] == f"{host.sysroot}/usr/include/python3.11"
    assert config["LIBDIR"] == f"{host.sysroot}/usr/lib/aarch64-linux-gnu"
    assert seen["include"] == seen["platinclude"] == f"{host.sysroot}/usr/include/python3.11"
    assert config["CC"].endswith("/crossbuild-cc")
    assert config["LDSHARED"].split()[0].endswith("/crossbuild-cc") and " -shared " in config["LDSHARED"]


def test_backend_gets_compilers_and_cross_files(seen: dict[str, Any], host: crossbuild.Host) -> None:
    env = seen["environ"]
    assert env["_PYTHON_HOST_PLATFORM"] == "linux-aarch64"
    assert env["CC"].endswith("/crossbuild-cc") and env["CXX"].endswith("/crossbuild-c++")
    assert env["SETUPTOOLS_EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert env["PKG_CONFIG_SYSROOT_DIR"] == str(host.sysroot)
    toolchain = Path(env["CMAKE_TOOLCHAIN_FILE"]).name
    assert toolchain == "toolchain.cmake"
    # the wrappers directory comes first on PATH, then the isolated env's scripts
    assert env["PATH"].split(":")[0] == str(Path(env["CC"]).parent)


def test_backend_gets_rust_settings(seen: dict[str, Any], host: crossbuild.Host) -> None:
    env = seen["environ"]
    assert env["CARGO_BUILD_TARGET"] == "aarch64-unknown-linux-gnu"
    assert env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"] == env["CC"]
    assert env["CC_aarch64_unknown_linux_gnu"] == env["CC"]
    assert env["PYO3_CROSS"] == "1"
    assert env["PYO3_CROSS_LIB_DIR"] == f"{host.sysroot}/usr/lib/python3.11"
    assert env["PYO3_CROSS_PYTHON_VERSION"] == "3.11"
    assert env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"].split()[0].endswith("qemu-aarch64")


def test_only_meson_python_gets_the_cross_file(seen: dict[str, Any]) -> None:
    # a non-meson backend gets the user's settings untouched
    assert seen["config_settings"] == {"setup-args": "-Dfoo=bar"}
