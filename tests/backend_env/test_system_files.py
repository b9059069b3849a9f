"""The backend's look at the build machine's headers and libraries shows the root's.

A setup.py that tests ``os.path.isfile("/usr/include/xcb/xcb.h")`` (Pillow) or reads
``/usr/include/linux/input-event-codes.h`` (evdev) must see what the host has, not what
this machine has.  Each test runs a fresh interpreter with the runtime patch on.
"""

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
from helpers.fakehost import FakeLayout

from crossbuild.backend_env import _hostpatch
from crossbuild.backend_env.patch import PATCH_ENV_VAR, PATCH_MODULE
from crossbuild.backend_env.settings import CrossSettings, prepare_settings
from crossbuild.backend_env.shims import build_multiarch
from crossbuild.host.host import Host

#: A header and a library every build machine that runs these tests has.
BUILD_HEADER = "/usr/include/stdio.h"
BUILD_LIBRARY = f"/usr/lib/{build_multiarch()}/libc.so.6"


@pytest.fixture
def settings(host: Host, tmp_path: Path) -> CrossSettings:
    return prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))


def _look(settings: CrossSettings, tmp_path: Path, code: str) -> Any:
    """Run ``code`` (which sets ``result``) with the patch on; ``result`` as JSON."""
    patch_dir = tmp_path / "patch"
    patch_dir.mkdir(exist_ok=True)
    shutil.copyfile(_hostpatch.__file__, patch_dir / f"{PATCH_MODULE}.py")
    prelude = f"import sys; sys.path.insert(0, {str(patch_dir)!r}); import {PATCH_MODULE}; {PATCH_MODULE}.activate()\n"
    environ = {**os.environ, PATCH_ENV_VAR: str(settings.host_config)}
    script = prelude + "import glob, json, os, pathlib\n" + code + "\nprint(json.dumps(result))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environ, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_header_only_the_build_machine_has_is_not_seen(settings: CrossSettings, tmp_path: Path) -> None:
    assert Path(BUILD_HEADER).is_file()
    seen = _look(settings, tmp_path, f"result = [os.path.isfile({BUILD_HEADER!r}), os.path.exists({BUILD_LIBRARY!r})]")
    assert seen == [False, False]


def test_the_root_s_header_is_seen_listed_and_read(settings: CrossSettings, layout: FakeLayout, tmp_path: Path) -> None:
    header = layout.root / "usr/include/linux/input-event-codes.h"
    header.parent.mkdir(parents=True, exist_ok=True)
    header.write_text("#define KEY_ROOT_ONLY 0x2fe\n")
    seen = _look(
        settings,
        tmp_path,
        "result = [open('/usr/include/linux/input-event-codes.h').read(),"
        " pathlib.Path('/usr/include/linux/input-event-codes.h').read_text(),"
        " glob.glob('/usr/include/linux/input-*.h'),"
        " pathlib.Path('/usr/include/linux').is_dir()]",
    )
    assert seen == [header.read_text(), header.read_text(), ["/usr/include/linux/input-event-codes.h"], True]
    assert ("/usr/include/linux/input-event-codes.h", str(header)) in settings.system_file_lookups()


def test_a_library_of_the_build_machine_s_multiarch_dir_is_the_host_s(
    settings: CrossSettings, layout: FakeLayout, tmp_path: Path
) -> None:
    library = layout.root / "usr/lib/aarch64-linux-gnu/libcrossbuild-root-only.so"
    library.parent.mkdir(parents=True, exist_ok=True)
    library.write_bytes(b"\x7fELF")
    wanted = f"/usr/lib/{build_multiarch()}/libcrossbuild-root-only.so"
    seen = _look(settings, tmp_path, f"result = [os.path.exists({wanted!r}), os.access({wanted!r}, os.R_OK)]")
    assert seen == [True, True]


def test_other_files_of_the_build_machine_stay_its_own(settings: CrossSettings, tmp_path: Path) -> None:
    # the interpreter's own files, data under /usr/lib, anything written: never moved
    out = tmp_path / "written.txt"
    seen = _look(
        settings,
        tmp_path,
        "result = [os.path.isfile(os.__file__), os.path.isfile('/usr/lib/os-release'),"
        f" open({str(out)!r}, 'w').write('x'), os.path.isfile({str(out)!r}), os.path.isdir('/usr/lib')]",
    )
    assert seen == [True, Path("/usr/lib/os-release").is_file(), 1, True, True]
    assert settings.system_file_lookups() == []
