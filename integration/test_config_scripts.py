"""The root's ``*-config`` scripts answer the build, with the root's paths: a shell script
and a compiled program of a test root, and curl-config for pycurl."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, QemuHost, assert_no_wheel, error_line, link_copy, run_crossbuild


def _root_with_libraries(sysroot: Path, files: Path, image: Path) -> Path:
    """A copy of ``sysroot`` with libfoo and its foo-config (a shell script, reached through
    an absolute symlink), and libbar's header with its bar-config (an arm64 program)."""
    root = link_copy(sysroot, image)
    gcc = f"{ARCH.triplet}-gcc"
    for name in ("foo", "bar"):
        (root / "usr/include" / name).mkdir()
        shutil.copy(files / f"{name}.h", root / "usr/include" / name)
    libs = root / "usr/lib" / ARCH.triplet
    library = ["-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", "-o", libs / "libfoo.so.1", files / "foo.c"]
    subprocess.run([gcc, *library], check=True)
    (libs / "libfoo.so").symlink_to("libfoo.so.1")
    (root / "usr/share/foo").mkdir(parents=True)
    shutil.copy(files / "foo-config", root / "usr/share/foo/foo-config")
    (root / "usr/bin/foo-config").symlink_to("/usr/share/foo/foo-config")  # absolute: the host's
    subprocess.run([gcc, "-o", root / "usr/bin/bar-config", files / "bar-config.c"], check=True)
    return root


def _build(source: Path, root: Path, dist: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run_crossbuild("wheel", source, "--host", root / "usr/bin/python3.11", "-w", dist, "--no-cache", *options)


def test_config_scripts_of_the_root_answer_with_the_root_s_paths(
    project: Callable[[str], Path], sysroot: Path, tmp_path: Path
) -> None:
    source = project("config_script")
    root = _root_with_libraries(sysroot, source / "root", tmp_path / "image")
    result = _build(source, root, tmp_path / "dist", "-v")
    assert result.returncode == 0, result.stderr
    assert "foo-config printed the host's /usr/include/foo: using " in result.stderr
    assert f"foo-config printed the host's /usr/lib/{ARCH.triplet}: using " in result.stderr
    assert "bar-config printed the host's /usr/include/bar: using " in result.stderr
    [wheel] = (tmp_path / "dist").iterdir()
    site = tmp_path / "site"
    site.mkdir()
    qemu = QemuHost(root, site)
    qemu.install(wheel)
    assert qemu.python("import configscript; print(*configscript.answers())") == "42 7"


def test_a_config_script_whose_interpreter_is_missing_is_an_error(
    project: Callable[[str], Path], sysroot: Path, tmp_path: Path
) -> None:
    source = project("config_script")
    root = _root_with_libraries(sysroot, source / "root", tmp_path / "image")
    script = root / "usr/share/foo/foo-config"
    script.write_text(script.read_text().replace("#!/bin/sh", "#!/usr/bin/crossbuild-no-such-shell", 1))
    result = _build(source, root, tmp_path / "dist")
    assert result.returncode != 0
    assert (
        "cannot run the root's /usr/bin/foo-config: its interpreter "
        "/usr/bin/crossbuild-no-such-shell is not on this machine; install it"
    ) in error_line(result.stderr)
    assert_no_wheel(tmp_path / "dist")


def test_pycurl_builds_with_the_root_s_curl_config(sysroot_with: Callable[..., Path], tmp_path: Path) -> None:
    # pycurl's setup.py runs curl-config (--version, --cflags, --libs, --features,
    # --ssl-backends) and stops when there is none; this machine has no libcurl -dev
    root = sysroot_with("libcurl4-openssl-dev", "libssl-dev")
    dist = tmp_path / "dist"
    result = _build(Path("pycurl==7.49.0"), root, dist, "-v")
    assert result.returncode == 0, result.stderr
    assert "Using curl-config (libcurl 7.88.1)" in result.stderr
    assert "Using SSL library: OpenSSL" in result.stderr  # from the root's curl-config --ssl-backends
    [wheel] = dist.iterdir()
    site = tmp_path / "site"
    site.mkdir()
    qemu = QemuHost(root, site)
    qemu.install(wheel)
    version = qemu.python("import pycurl; print(pycurl.version)")
    assert version.startswith("PycURL/7.49.0 libcurl/7.88.1 OpenSSL/3.0."), version


def test_psycopg2_builds_with_the_root_s_pg_config(sysroot_with: Callable[..., Path], tmp_path: Path) -> None:
    # Debian's libpq-dev pg_config is a Perl script printing bare paths (--includedir,
    # --libdir); this machine has a pg_config of its own, which must not answer
    root = sysroot_with("libpq-dev")
    dist = tmp_path / "dist"
    result = _build(Path("psycopg2==2.9.13"), root, dist, "-v")
    assert result.returncode == 0, result.stderr
    for path in ("/usr/include/postgresql", f"/usr/lib/{ARCH.triplet}"):
        assert f"pg_config printed the host's {path}: using {root}{path}" in result.stderr
    [wheel] = dist.iterdir()
    site = tmp_path / "site"
    site.mkdir()
    qemu = QemuHost(root, site)
    qemu.install(wheel)
    code = "import psycopg2, psycopg2.extensions as e; print(psycopg2.__libpq_version__, e.libpq_version())"
    header = (root / "usr/include/postgresql/pg_config.h").read_text()
    [version] = re.findall(r"#define PG_VERSION_NUM (\d+)", header)
    assert qemu.python(code) == f"{version} {version}"  # the root's libpq, built against and loaded
