"""The root's ``*-config`` scripts: found as the host finds them, run on this machine (a
script with this machine's interpreter, a program under the emulator), the paths they
print moved into the root, and a one-line error for one that cannot run."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.contexts import context_for
from helpers.fakehost import AARCH64, elf_header, write_script

from crossbuild.backend_env._configrun import map_paths
from crossbuild.backend_env.configscripts import find_config_scripts, write_config_scripts
from crossbuild.backend_env.settings import prepare_settings
from crossbuild.host.host import Host

ROOT = "/srv/root"


def test_include_and_library_dirs_and_installed_paths_move_into_the_root() -> None:
    text = "-I/usr/include/libxml2 -DX=1 -L /usr/lib/aarch64-linux-gnu -lxml2\n/usr/include/postgresql\n"
    mapped, pairs = map_paths(text, ROOT, [ROOT])
    assert mapped == (
        f"-I{ROOT}/usr/include/libxml2 -DX=1 -L {ROOT}/usr/lib/aarch64-linux-gnu -lxml2\n"
        f"{ROOT}/usr/include/postgresql\n"
    )
    assert pairs == [
        ["/usr/include/libxml2", f"{ROOT}/usr/include/libxml2"],
        ["/usr/lib/aarch64-linux-gnu", f"{ROOT}/usr/lib/aarch64-linux-gnu"],
        ["/usr/include/postgresql", f"{ROOT}/usr/include/postgresql"],
    ]
    # pg_config's own lines, quoted words, and -isystem: the same
    assert map_paths('INCLUDEDIR = /usr/include/pq\nCFLAGS = "-isystem/opt/x/include"', ROOT, [ROOT])[0] == (
        f'INCLUDEDIR = {ROOT}/usr/include/pq\nCFLAGS = "-isystem{ROOT}/opt/x/include"'
    )


def test_paths_of_the_host_at_run_time_and_paths_in_the_root_stay() -> None:
    kept = (
        "-Wl,-rpath,/usr/lib/curl --with-ca-bundle=/etc/ssl/certs/ca.crt /etc/ssl/certs /var/run/x\n"
        f"-I{ROOT}/usr/include/python3.11 -L{ROOT}/usr/lib libcurl 7.88.1 https://curl.se/\n"
    )
    assert map_paths(kept, ROOT, [ROOT]) == (kept, [])


def test_the_root_s_config_scripts_are_found_as_the_host_finds_them(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for name in ("curl-config", "pg_config", "pkg-config", "aarch64-linux-gnu-pkg-config", "xml2-config"):
        write_script(root / "usr/bin" / name, "echo root\n")
    (root / "usr/bin/xml2-config").chmod(0o644)  # not executable: not a program
    write_script(root / "usr/bin/aarch64-linux-gnu-python3.11-config", "echo python\n")
    write_script(root / "usr/local/bin/curl-config", "echo local\n")  # first on the host's PATH
    write_script(root / "usr/share/geos/geos-config", "echo geos\n")
    (root / "usr/bin/geos-config").symlink_to("/usr/share/geos/geos-config")  # absolute: the host's
    (root / "bin").symlink_to("/usr/bin")  # merged /usr
    assert find_config_scripts(root, "aarch64-linux-gnu") == {
        "curl-config": "/usr/local/bin/curl-config",
        "aarch64-linux-gnu-python3.11-config": "/usr/bin/aarch64-linux-gnu-python3.11-config",
        "geos-config": "/usr/bin/geos-config",
        "pg_config": "/usr/bin/pg_config",
        "python3.11-config": "/usr/bin/aarch64-linux-gnu-python3.11-config",
    }


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """The wrapper directory (the compiler wrappers' in a build)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    return directory


def _run(wrapper: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([wrapper, *args], capture_output=True, text=True, check=False)


def test_a_shell_config_script_answers_with_the_root_s_paths(host: Host, tmp_path: Path, bin_dir: Path) -> None:
    root = host.sysroot
    write_script(root / "usr/bin/foo-config", 'prefix=/usr\necho "-I$prefix/include/foo -L$prefix/lib/foo -lfoo"\n')
    # one that finds its prefix from its own location prints the root's paths already
    write_script(root / "usr/bin/bar-config", 'echo "-I$(cd "${0%/*}/.." && pwd)/include/bar"\n')
    scripts = write_config_scripts(host, tmp_path / "bin")
    foo = _run(tmp_path / "bin/foo-config", "--cflags", "--libs")
    assert (foo.returncode, foo.stdout) == (0, f"-I{root}/usr/include/foo -L{root}/usr/lib/foo -lfoo\n")
    assert _run(tmp_path / "bin/bar-config").stdout == f"-I{root}/usr/include/bar\n"
    assert scripts.mappings() == [
        ("foo-config", "/usr/include/foo", f"{root}/usr/include/foo"),
        ("foo-config", "/usr/lib/foo", f"{root}/usr/lib/foo"),
    ]
    assert [(call.script, call.args, call.returncode) for call in scripts.calls()] == [
        ("foo-config", ["--cflags", "--libs"], 0),
        ("bar-config", [], 0),
    ]


def test_a_script_runs_with_this_machine_s_interpreter_and_keeps_its_status(
    host: Host, tmp_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join([os.environ["PATH"], "/usr/bin", "/bin"]))
    script = host.sysroot / "usr/bin/foo-config"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text('#!/usr/bin/env sh\necho "/usr/lib/foo: $*" >&2\nexit 3\n')
    script.chmod(0o755)
    elsewhere = host.sysroot / "usr/bin/bar-config"  # sh is not there here, but on PATH
    elsewhere.write_text("#!/crossbuild/no/such/dir/sh\necho /usr/include/bar\n")
    elsewhere.chmod(0o755)
    write_config_scripts(host, tmp_path / "bin")
    result = _run(tmp_path / "bin/foo-config", "--bad")
    assert (result.returncode, result.stdout, result.stderr) == (3, "", "/usr/lib/foo: --bad\n")
    assert _run(tmp_path / "bin/bar-config").stdout == f"{host.sysroot}/usr/include/bar\n"


def test_a_compiled_config_program_runs_under_the_emulator(host: Host, tmp_path: Path, bin_dir: Path) -> None:
    program = host.sysroot / "usr/bin/pg_config"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_bytes(elf_header(AARCH64))
    program.chmod(0o755)
    qemu = write_script(tmp_path / "qemu-aarch64", 'echo "$1 $2 /usr/include/postgresql $4"\n')
    scripts = write_config_scripts(replace(host, emulator=(str(qemu), "-L", str(host.sysroot))), tmp_path / "bin")
    result = _run(tmp_path / "bin/pg_config", "--includedir")
    root = host.sysroot
    assert (result.returncode, result.stdout) == (0, f"-L {root} {root}/usr/include/postgresql --includedir\n")
    assert scripts.mappings() == [
        ("pg_config", "/usr/include/postgresql", f"{host.sysroot}/usr/include/postgresql"),
    ]


def test_a_config_script_that_cannot_run_says_why_in_one_line(host: Host, tmp_path: Path, bin_dir: Path) -> None:
    perl = host.sysroot / "usr/bin/mysql_config"
    perl.write_text("#!/usr/bin/crossbuild-no-perl -w\nprint '-I/usr/include/mysql'\n")
    perl.chmod(0o755)
    program = host.sysroot / "usr/bin/pg_config"
    program.write_bytes(elf_header(AARCH64))
    program.chmod(0o755)
    scripts = write_config_scripts(replace(host, emulator=None), tmp_path / "bin")
    missing = {
        "mysql_config": "cannot run the root's /usr/bin/mysql_config: its interpreter /usr/bin/crossbuild-no-perl "
        "is not on this machine; install it",
        "pg_config": "cannot run the root's /usr/bin/pg_config, a program for aarch64: qemu-aarch64 is not on PATH; "
        "install it (Debian: apt-get install qemu-user)",
    }
    for name, error in missing.items():
        result = _run(tmp_path / "bin" / name, "--cflags")
        assert (result.returncode, result.stdout, result.stderr) == (127, "", f"crossbuild: error: {error}\n")
    assert scripts.errors() == list(missing.values())


def test_a_root_that_is_the_build_machine_s_gets_no_wrappers(host: Host, bin_dir: Path) -> None:
    write_script(host.sysroot / "usr/bin/foo-config", "echo /usr/include\n")
    assert write_config_scripts(replace(host, sysroot=Path("/")), bin_dir).scripts == {}
    assert list(bin_dir.iterdir()) == []


def test_the_backend_gets_the_wrappers_on_path_and_meson_in_its_cross_file(host: Host, tmp_path: Path) -> None:
    write_script(host.sysroot / "usr/bin/cups-config", "echo -I/usr/include/cups\n")
    settings = prepare_settings(context_for(host), tmp_path / "cross", Path(sys.executable))
    wrapper = settings.wrappers.directory / "cups-config"
    assert _run(wrapper, "--cflags").stdout == f"-I{host.sysroot}/usr/include/cups\n"
    # in a cross build meson looks for dependency('cups')'s cups-config only in the cross file
    cross = configparser.ConfigParser()
    cross.read(settings.meson_cross_file)
    assert cross["binaries"]["cups-config"] == repr(str(wrapper))
