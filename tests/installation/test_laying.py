"""How crossbuild install lays wheels into the host root: replacing older versions by their
RECORD, bytecode for the host's paths and version, install schemes, console scripts."""

from __future__ import annotations

import marshal
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
from helpers.fakehost import make_layout, make_wheel, snapshot
from helpers.installing import HOST_SITE, SITE, SO, Install, compiled_by_311, installed, site_listing

import crossbuild
from crossbuild import BuildOptions, CrossbuildError, IndexSettings, InstallOptions, VersionMismatchError


def test_console_script_runs_the_host_python(install: Install, root: Path) -> None:
    result = install(["tool"])
    script = root / "usr/local/bin/tool"
    assert "/usr/local/bin/tool" in result.distributions[0].files
    assert script.read_text().splitlines()[0] == "#!/usr/bin/python3.11"
    assert "from tool import main" in script.read_text()
    assert script.stat().st_mode & 0o111 == 0o111
    record = (root / SITE / "tool-1.0.dist-info/RECORD").read_text()
    assert "../../../bin/tool," in record


def test_root_with_another_prefix(install: Install, root: Path) -> None:
    result = install(["tool"], prefix="/opt/firmware")
    assert result.prefix == "/opt/firmware"
    assert result.scheme["purelib"] == "/opt/firmware/local/lib/python3.11/dist-packages"  # posix_local
    assert (root / "opt/firmware/local/lib/python3.11/dist-packages/tool/__init__.py").is_file()
    assert (root / "opt/firmware/local/bin/tool").read_text().startswith("#!/usr/bin/python3.11\n")


def test_scheme(install: Install, root: Path) -> None:
    result = install(["tool"], scheme="deb_system")
    assert result.scheme["purelib"] == "/usr/lib/python3/dist-packages"
    assert (root / "usr/lib/python3/dist-packages/tool/__init__.py").is_file()
    assert (root / "usr/bin/tool").is_file()
    with pytest.raises(CrossbuildError, match="no install scheme 'nope'; pass scheme= one of posix_prefix, deb_system"):
        install(["tool"], scheme="nope")


@compiled_by_311
def test_downgrade_removes_the_old_files_by_record(install: Install, root: Path) -> None:
    site = root / SITE
    first = install(["beta==2.0"], compile_bytecode=True)
    assert installed(first) == [("beta", "2.0", "wheel", True)]
    assert (site / "beta/__pycache__/fast.cpython-311.pyc").is_file()
    assert (site / "beta/__pycache__/__init__.cpython-311.pyc").is_file()

    second = install(["beta==1.0"])
    assert installed(second) == [("beta", "1.0", "wheel", True)]
    assert second.removed == ("beta 2.0",)
    assert second.report()["removed"] == ["beta 2.0"]
    assert site_listing(root) == [
        "beta-1.0.dist-info/INSTALLER",
        "beta-1.0.dist-info/METADATA",
        "beta-1.0.dist-info/RECORD",
        "beta-1.0.dist-info/WHEEL",
        "beta-1.0.dist-info/crossbuild-origin.json",
        "beta/__init__.py",
    ]
    assert (site / "beta/__init__.py").read_bytes() == b"V = 1\n"
    assert not (site / "beta-2.0.dist-info").exists()  # not even an empty directory
    assert not (site / "beta/__pycache__").exists()  # the stale bytecode of 2.0 went with it
    assert list(root.glob(".crossbuild-*")) == []


def test_force_reinstall(install: Install, root: Path) -> None:
    install(["beta"])
    (root / SITE / "beta/fast.py").write_bytes(b"edited by hand\n")
    result = install(["beta"], force_reinstall=True)
    assert installed(result) == [("beta", "2.0", "wheel", True)]
    assert result.removed == ("beta 2.0",)
    assert (root / SITE / "beta/fast.py").read_bytes() == b"F = 2\n"


@compiled_by_311
def test_same_version_is_alreadyinstalled(install: Install, root: Path) -> None:
    install(["alpha"], compile_bytecode=True)
    before = snapshot(root)
    result = install(["alpha"])
    assert installed(result) == [
        ("alpha", "1.0", "already installed", True),
        ("beta", "2.0", "already installed", False),
    ]
    assert result.removed == ()
    assert f"{HOST_SITE}/alpha/__pycache__/__init__.cpython-311.pyc" in result.distributions[0].files
    assert snapshot(root) == before


def test_upgrade_of_a_dependency(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    result = install(["alpha"])
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert result.removed == ("beta 1.0",)
    assert not (root / SITE / "beta-1.0.dist-info").exists()


def test_distribution_without_record_cannot_be_replaced(install: Install, root: Path) -> None:
    dist_info = root / SITE / "beta-0.9.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: beta\nVersion: 0.9\n\n")
    before = snapshot(root)
    with pytest.raises(CrossbuildError) as caught:
        install(["beta"])
    assert str(caught.value) == (
        f"cannot replace beta 0.9: {root / SITE}/beta-0.9.dist-info has no RECORD; "
        "remove it from the root by hand first"
    )
    assert snapshot(root) == before


def test_unrelated_distribution_without_record(install: Install, root: Path) -> None:
    dist_info = root / SITE / "system_pkg-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: system-pkg\nVersion: 1.0\n\n")
    assert installed(install(["tool"])) == [("tool", "1.0", "wheel", True)]


def _code_of(pyc: Path) -> CodeType:
    code = marshal.loads(pyc.read_bytes()[16:])
    assert isinstance(code, CodeType)
    return code


@compiled_by_311
def test_compiled_bytecode_names_host_paths(install: Install, root: Path) -> None:
    result = install(["alpha"], compile_bytecode=True)
    site = root / SITE
    pycs = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.pyc"))
    assert pycs == [
        "alpha/__pycache__/__init__.cpython-311.pyc",
        "beta/__pycache__/__init__.cpython-311.pyc",
        "beta/__pycache__/fast.cpython-311.pyc",
    ]
    assert _code_of(site / pycs[0]).co_filename == f"{HOST_SITE}/alpha/__init__.py"
    assert _code_of(site / pycs[2]).co_filename == f"{HOST_SITE}/beta/fast.py"
    assert f"{HOST_SITE}/{pycs[0]}" in result.distributions[0].files
    assert not [p for p in root.rglob("*.pyc") if not p.is_relative_to(site)]


def test_bytecode_for_another_host_version_needs_a_python_of_that_version(
    tmp_path: Path, fake_cc: Path, links: Path
) -> None:
    layout = make_layout(tmp_path / "py312", version="3.12", sysconfig_py=True)
    host = crossbuild.inspect_host(layout.python)
    before = snapshot(layout.root)
    with pytest.raises(VersionMismatchError) as caught:
        crossbuild.install(
            ["tool"],
            host=host,
            root=layout.root,
            options=BuildOptions(cache_dir=tmp_path / "cache"),
            install_options=InstallOptions(compile_bytecode=True),
        )
    assert str(caught.value) == (
        f"host python is 3.12 but build python {sys.executable} is "
        f"{sys.version_info[0]}.{sys.version_info[1]}, and no native python3.12 was found on PATH, in pyenv or "
        "among uv's pythons; install one (pyenv install 3.12, or uv python install 3.12) or pass build_python= "
        "a Python 3.12 interpreter"
    )
    assert snapshot(layout.root) == before


def _python_3_12() -> str | None:
    """A Python 3.12 that runs (pyenv's shims exist but may refuse to run)."""
    pyenv = sorted(str(p) for p in (Path.home() / ".pyenv/versions").glob("3.12*/bin/python3.12"))
    candidates = [shutil.which("python3.12"), *pyenv]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


PYTHON_3_12 = _python_3_12()


@pytest.mark.skipif(PYTHON_3_12 is None, reason="needs a Python 3.12 on PATH")
def test_bytecode_is_compiled_by_a_python_of_the_host_version(tmp_path: Path, fake_cc: Path, links: Path) -> None:
    layout = make_layout(tmp_path / "py312", version="3.12", sysconfig_py=True)
    crossbuild.install(
        ["tool"],
        host=crossbuild.inspect_host(layout.python),
        root=layout.root,
        options=BuildOptions(
            index=IndexSettings(no_index=True, find_links=(str(links),)),
            cache_dir=tmp_path / "cache",
            build_python=PYTHON_3_12,
        ),
        install_options=InstallOptions(compile_bytecode=True),
    )
    site = layout.root / "usr/local/lib/python3.12/dist-packages"
    assert [p.name for p in site.rglob("*.pyc")] == ["__init__.cpython-312.pyc"]


@pytest.fixture
def umask_000() -> Iterator[None]:
    """Run with ``umask 000``, as a careless shell or a library may leave it."""
    saved = os.umask(0)
    try:
        yield
    finally:
        os.umask(saved)


@compiled_by_311
@pytest.mark.usefixtures("umask_000")
def test_installed_modes_are_pips_whatever_the_umask(install: Install, root: Path, tmp_path: Path) -> None:
    before = set(root.rglob("*"))
    wheel = make_wheel(
        tmp_path / "local",
        name="modes",
        files={
            "modes/__init__.py": b"",
            "modes/_c.cpython-311-aarch64-linux-gnu.so": SO,
            "modes/helper.sh": b"#!/bin/sh\n",
            "modes-1.0.data/scripts/run-modes": b"#!python\nprint('modes')\n",
        },
        tags="cp311-cp311-linux_aarch64",
        executable=["modes/helper.sh", "modes-1.0.data/scripts/run-modes"],
    )
    install([wheel, "tool"], compile_bytecode=True)
    added = {p.relative_to(root).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in set(root.rglob("*")) - before}
    executable = {f"{SITE}/modes/helper.sh", "usr/local/bin/run-modes", "usr/local/bin/tool"}
    assert added == {path: 0o755 if (root / path).is_dir() or path in executable else 0o644 for path in added}
    assert f"{SITE}/modes/__pycache__/__init__.cpython-311.pyc" in added  # bytecode is laid in the same way
    assert os.umask(0) == 0  # left as it was
