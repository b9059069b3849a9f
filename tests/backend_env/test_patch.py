"""The runtime patch, in fresh interpreters: it makes them look like the host, only when asked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.contexts import context_for
from helpers.fakehost import FakeLayout, make_layout

import crossbuild
from crossbuild.backend_env import _hostpatch
from crossbuild.backend_env.patch import PATCH_ENV_VAR, PATCH_MODULE, PTH_FILE, install_patch
from crossbuild.backend_env.settings import CrossSettings, prepare_settings
from crossbuild.host.host import Host

#: What a backend could ask; printed as JSON by the child interpreter.
PROBE = """
import json, platform, sys, sysconfig
result = {
    "platform": sysconfig.get_platform(),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "soabi": sysconfig.get_config_var("SOABI"),
    "include": sysconfig.get_paths()["include"],
    "platinclude": sysconfig.get_path("platinclude"),
    "cc": sysconfig.get_config_var("CC"),
    "ldshared": sysconfig.get_config_var("LDSHARED"),
    "machine": platform.machine(),
    "uname_machine": __import__("os").uname().machine,
    "multiarch": getattr(sys.implementation, "_multiarch", None),
}
try:
    import packaging.tags
except ImportError:
    pass
else:
    result["tags"] = [str(tag) for tag in packaging.tags.sys_tags()]
print(json.dumps(result))
"""


def _probe(python: str | Path, prelude: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run([str(python), "-c", prelude + PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture
def settings(host: Host, tmp_path: Path) -> CrossSettings:
    return prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))


@pytest.fixture
def patch_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "patch"
    directory.mkdir()
    shutil.copyfile(_hostpatch.__file__, directory / f"{PATCH_MODULE}.py")
    return directory


def _activate(patch_dir: Path) -> str:
    return f"import sys; sys.path.insert(0, {str(patch_dir)!r}); import {PATCH_MODULE}; {PATCH_MODULE}.activate()\n"


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in (PATCH_ENV_VAR, "_PYTHON_HOST_PLATFORM")}


def test_patched_interpreter_sees_the_host(settings: CrossSettings, patch_dir: Path, layout: FakeLayout) -> None:
    seen = _probe(sys.executable, _activate(patch_dir), {**_clean_environ(), **settings.environ})
    assert seen["platform"] == "linux-aarch64"
    assert seen["ext_suffix"] == ".cpython-311-aarch64-linux-gnu.so"
    assert seen["soabi"] == "cpython-311-aarch64-linux-gnu"
    assert seen["include"] == seen["platinclude"] == str(layout.root / "usr/include/python3.11")
    assert Path(seen["include"]).is_relative_to(layout.root)
    assert seen["cc"] == str(settings.wrappers.cc)
    assert seen["ldshared"] == f"{settings.wrappers.cc} -shared -Wl,-O1"
    assert seen["machine"] == seen["uname_machine"] == "aarch64"
    assert seen["multiarch"] == "aarch64-linux-gnu"
    assert seen["tags"][0] == "cp311-cp311-linux_aarch64"
    assert all(tag.endswith("_aarch64") for tag in seen["tags"] if tag.startswith("cp311-cp311-"))


def test_platform_follows_uname_without_host_platform_variable(settings: CrossSettings, patch_dir: Path) -> None:
    environ = {**_clean_environ(), PATCH_ENV_VAR: str(settings.host_config)}
    seen = _probe(sys.executable, _activate(patch_dir), environ)
    assert seen["platform"] == "linux-aarch64"
    assert seen["machine"] == "aarch64"


def test_without_the_variable_nothing_changes(settings: CrossSettings, patch_dir: Path) -> None:
    native = _probe(sys.executable, "", _clean_environ())
    dormant = _probe(sys.executable, _activate(patch_dir), _clean_environ())
    assert dormant == native
    assert native["machine"] != "aarch64" or native["soabi"] != "cpython-311-aarch64-linux-gnu"


def test_debug_host_abi(tmp_path: Path, fake_cc: Path, patch_dir: Path) -> None:
    layout = make_layout(tmp_path / "dbg", debug=True)
    host = crossbuild.inspect_host(layout.python)
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    seen = _probe(sys.executable, _activate(patch_dir), {**_clean_environ(), **settings.environ})
    assert seen["tags"][0] == "cp311-cp311d-linux_aarch64"
    assert seen["soabi"] == "cpython-311d-aarch64-linux-gnu"


def test_manylinux_tags_follow_the_host_glibc(tmp_path: Path, fake_cc: Path, patch_dir: Path) -> None:
    layout = make_layout(tmp_path / "old", glibc=(17,))
    host = crossbuild.inspect_host(layout.python)
    assert host.glibc == (2, 17)
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    seen = _probe(sys.executable, _activate(patch_dir), {**_clean_environ(), **settings.environ})
    manylinux = [tag for tag in seen["tags"] if "manylinux_2_" in tag]
    too_new = [tag for tag in manylinux if int(tag.split("manylinux_2_")[1].split("_")[0]) > 17]
    assert too_new == []


# --- the .pth file in a real venv -------------------------------------------------------


@pytest.fixture
def venv_python(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    site_packages = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    install_patch(site_packages)
    assert (site_packages / PTH_FILE).is_file()
    assert (site_packages / f"{PATCH_MODULE}.py").read_bytes() == Path(_hostpatch.__file__).read_bytes()
    return venv / "bin" / "python"


def test_pth_patches_the_venv_only_when_asked(venv_python: Path, settings: CrossSettings, layout: FakeLayout) -> None:
    patched = _probe(venv_python, "", {**_clean_environ(), **settings.environ})
    assert patched["platform"] == "linux-aarch64"
    assert patched["machine"] == "aarch64"
    assert patched["ext_suffix"] == ".cpython-311-aarch64-linux-gnu.so"
    assert patched["include"] == str(layout.root / "usr/include/python3.11")
    assert patched["multiarch"] == "aarch64-linux-gnu"
    assert "tags" not in patched  # the venv has no packaging: it is the venv's own site-packages

    native = _probe(venv_python, "", _clean_environ())
    assert native["machine"] != "aarch64" or native["soabi"] != "cpython-311-aarch64-linux-gnu"
    assert native["platform"] == _probe(sys.executable, "", _clean_environ())["platform"]
    assert not Path(native["include"]).is_relative_to(layout.root)
