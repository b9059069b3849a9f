"""PEP 739 build-details.json: preferred to _sysconfigdata where it exists, set aside
(with a note under -v) where it is malformed."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from helpers.commandline import run_cli
from helpers.contexts import context_for
from helpers.fakehost import FakeLayout, build_details, make_layout, write_build_details

from crossbuild import HostPythonError, inspect_host
from crossbuild.backend_env.settings import prepare_settings


@pytest.fixture
def layout314(tmp_path: Path) -> FakeLayout:
    """A fake aarch64 Python 3.14 (3.14.2 by its patchlevel.h) without build-details.json."""
    return make_layout(tmp_path / "root", version="3.14")


def test_build_details_win_over_sysconfigdata(layout314: FakeLayout, fake_cc: Path, tmp_path: Path) -> None:
    # The file and _sysconfigdata disagree on every field crossbuild reads: the file wins.
    details = build_details("3.14", flags="t", micro=0)
    details["language"]["version_info"].update(micro=0, releaselevel="candidate", serial=2)
    details["platform"] = "linux-armv8b"
    details["implementation"]["_multiarch"] = "aarch64-linux-gnu-ft"
    details["c_api"]["headers"] = "include/python3.14t"  # relative to base_prefix
    details["libpython"]["dynamic"] = "lib64/libpython3.14t.so.1.0"
    path = write_build_details(layout314, details)

    host = inspect_host(layout314.python)

    assert host.build_details == path
    assert (host.version, host.full_version) == ("3.14", "3.14.0rc2")
    assert host.platform == "linux-armv8b"
    assert host.ext_suffix == ".cpython-314t-aarch64-linux-gnu.so"
    assert host.soabi == "cpython-314t-aarch64-linux-gnu"
    assert (host.abiflags, host.multiarch) == ("t", "aarch64-linux-gnu-ft")
    assert str(host.tag) == "cp314-cp314t-linux_armv8b"
    assert host.marker_environment()["python_full_version"] == "3.14.0rc2"
    for name, value in {
        "INCLUDEPY": "/usr/include/python3.14t",
        "CONFINCLUDEPY": "/usr/include/python3.14t",
        "LIBDIR": "/usr/lib64",
        "Py_GIL_DISABLED": 1,
        "Py_DEBUG": 0,
    }.items():
        assert host.config_vars[name] == value, name
    assert host.summary()["build_details"] == str(path)

    # … and the backend sees the same through sysconfig and the environment.
    settings = prepare_settings(context_for(host), tmp_path / "settings", Path("/usr/bin/python3"))
    seen = json.loads(settings.host_config.read_text())
    assert seen["paths"]["include"] == str(layout314.root / "usr/include/python3.14t")
    assert seen["multiarch"] == "aarch64-linux-gnu-ft"
    for name in ("EXT_SUFFIX", "SOABI", "VERSION", "ABIFLAGS"):
        assert seen["config_vars"][name] == host.config_vars[name], name
    assert seen["config_vars"]["LIBDIR"] == str(layout314.root / "usr/lib64")
    assert settings.environ["SETUPTOOLS_EXT_SUFFIX"] == ".cpython-314t-aarch64-linux-gnu.so"
    assert settings.environ["_PYTHON_HOST_PLATFORM"] == "linux-armv8b"


def test_absolute_base_prefix_moves_the_prefix(tmp_path: Path, fake_cc: Path) -> None:
    # sysconfigdata says /usr, the file says /opt/py/usr, where the python really is.
    root = tmp_path / "root"
    layout = make_layout(root / "opt" / "py", version="3.14")
    details = build_details("3.14")
    details["base_prefix"] = "/opt/py/usr"
    details["c_api"]["headers"] = "include/python3.14"
    write_build_details(layout, details)

    host = inspect_host(layout.python)

    assert host.sysroot == root
    assert host.prefix == "/opt/py/usr"
    assert host.python_on_host == "/opt/py/usr/bin/python3.14"
    assert host.config_vars["INCLUDEPY"] == "/opt/py/usr/include/python3.14"
    assert host.config_vars["LIBDEST"] == "/opt/py/usr/lib/python3.14"  # every path under the prefix moved
    assert host.config_vars["BINDIR"] == "/opt/py/usr/bin"
    assert host.full_version == "3.14.0"


def test_relative_base_prefix_keeps_the_sysconfig_prefix(layout314: FakeLayout, fake_cc: Path) -> None:
    details = build_details("3.14", micro=1)
    details["base_prefix"] = "../.."  # relative to the file: a relocatable installation
    details["c_api"]["headers"] = "include/python3.14"
    write_build_details(layout314, details)

    host = inspect_host(layout314.python)

    assert host.sysroot == layout314.root
    assert host.prefix == "/usr"
    assert host.config_vars["INCLUDEPY"] == "/usr/include/python3.14"
    assert host.full_version == "3.14.1"


def _malformed(change: str) -> dict[str, Any] | str:
    details = build_details("3.14")
    if change == "not-json":
        return '{"schema_version": "1.0", '
    if change == "a-list":
        return "[1, 2]"
    if change == "schema-2":
        details["schema_version"] = "2.0"
    elif change == "language-a-string":
        details["language"] = "3.14"
    elif change == "other-version":
        details["language"]["version"] = "3.13"
    elif change == "flags-a-string":
        details["abi"]["flags"] = "t"
    elif change == "no-platform":
        del details["platform"]
    elif change == "suffix-a-number":
        details["abi"]["extension_suffix"] = 5
    elif change == "bad-version-info":
        details["language"]["version_info"]["releaselevel"] = "gamma"
    return details


MALFORMED = {
    "not-json": "Expecting property name enclosed in double quotes: line 1 column 27 (char 26)",
    "a-list": "the file is not a JSON object",
    "schema-2": "schema_version '2.0' is not 1.x",
    "language-a-string": "language is not a JSON object",
    "other-version": "language.version '3.13' but it lies in the stdlib of Python 3.14",
    "flags-a-string": "abi.flags is not a list of strings",
    "no-platform": "platform is missing",
    "suffix-a-number": "abi.extension_suffix is not a string",
    "bad-version-info": "language.version_info is not a version",
}


@pytest.mark.parametrize("change", MALFORMED)
def test_malformed_build_details_fall_back_to_sysconfigdata(
    layout314: FakeLayout, fake_cc: Path, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    path = write_build_details(layout314, _malformed(change))

    with caplog.at_level(logging.DEBUG, logger="crossbuild"):
        host = inspect_host(layout314.python)

    assert host.build_details is None
    assert str(host.tag) == "cp314-cp314-linux_aarch64"
    assert host.ext_suffix == ".cpython-314-aarch64-linux-gnu.so"
    assert host.full_version == "3.14.2"  # from patchlevel.h
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, f"ignoring {path}: {MALFORMED[change]}; the host is read from its _sysconfigdata")
    ]


def test_the_note_shows_under_verbose_only(
    layout314: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_build_details(layout314, "not json")
    note = f"ignoring {path}: Expecting value: line 1 column 1 (char 0); the host is read from its _sysconfigdata"

    code, out, err = run_cli(["inspect", "--host", str(layout314.python)], capsys)
    assert (code, err) == (0, "")
    shown = dict(line.split(None, 1) for line in out.splitlines())
    assert (shown["tag"], shown["build_details"]) == ("cp314-cp314-linux_aarch64", "null")

    code, out, err = run_cli(["inspect", "--host", str(layout314.python), "-v"], capsys)
    assert code == 0
    assert note in err.splitlines()


def test_build_details_of_another_implementation(layout314: FakeLayout, fake_cc: Path) -> None:
    details = build_details("3.14")
    details["implementation"]["name"] = "pypy"
    path = write_build_details(layout314, details)

    with pytest.raises(HostPythonError) as caught:
        inspect_host(layout314.python)
    assert str(caught.value) == f"host python {path}: describes pypy, not CPython; crossbuild supports CPython hosts"
