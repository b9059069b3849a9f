"""crossbuild install into a real arm64 rootfs; the host python imports what was installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, link_copy, run_crossbuild
from helpers.fakehost import snapshot
from helpers.signals import stop_signals_default

SITE = "usr/local/lib/python3.11/dist-packages"

REQUIREMENTS = """\
# the Python packages of a firmware image
tabulate==0.9.0                  # pure, with a console script
numpy==2.2.6                     # a manylinux aarch64 wheel on the index
pyyaml==6.0.2                    # another binary wheel
crcmod==1.7                      # sdist only: cross-built
six==1.16.0 ; platform_machine == "aarch64"
no-such-project-crossbuild ; platform_machine == "x86_64"
{c_ext}
"""


def host_python(root: Path, *args: str) -> str:
    """Run the rootfs's own python3.11 under qemu, with its default sys.path."""
    result = subprocess.run(
        [ARCH.qemu, "-L", str(root), str(root / "usr/bin/python3.11"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": os.environ["PATH"]},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_requirements_file_into_a_rootfs(rootfs: Path, tmp_path: Path, project: Callable[[str], Path]) -> None:
    c_ext = project("c_ext")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS.format(c_ext=c_ext))
    report = tmp_path / "report.json"

    result = run_crossbuild(
        "install", "-r", requirements, "--host", rootfs / "usr/bin/python3.11", "--root", rootfs, "--report", report
    )

    assert result.returncode == 0, result.stderr
    *lines, image = result.stdout.splitlines()
    # crcmod comes from its sdist: cross-built now, or earlier by the same code (the cache)
    reused = "crcmod-1.7-cp311-cp311-linux_aarch64.whl, cross-built before from crcmod-1.7.tar.gz" in result.stderr
    crcmod_source = "(reused)" if reused else "(built)"
    assert [(*line.split()[:3], line.split()[-1]) for line in lines] == [
        ("installed", "cext", "1.0", "(built)"),
        ("installed", "crcmod", "1.7", crcmod_source),
        ("installed", "numpy", "2.2.6", "(wheel)"),
        ("installed", "pyyaml", "6.0.2", "(wheel)"),
        ("installed", "six", "1.16.0", "(wheel)"),
        ("installed", "tabulate", "0.9.0", "(wheel)"),
    ]
    data = json.loads(report.read_text())
    chosen = {d["metadata"]["name"]: d for d in data["install"]}
    numpy_bytes = sum((rootfs / path.lstrip("/")).lstat().st_size for path in chosen["numpy"]["files"])
    assert chosen["numpy"]["size"] == numpy_bytes > 20_000_000
    assert lines[2].split()[3:5] == [f"{numpy_bytes / 1e6:.1f}", "MB"]
    growth = data["change"]["growth"]
    assert growth == sum(d["size"] for d in data["install"])  # nothing was there before
    assert image == (
        f"image grew by {growth / 1e6:.1f} MB ({growth:,} bytes; {data['change']['files_added']:,} files added, "
        "0 removed, 0 replaced)"
    )
    assert chosen["numpy"]["download_info"]["url"].endswith(
        "-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
    )
    assert chosen["crcmod"]["download_info"]["url"].endswith("/crcmod-1.7.tar.gz")
    assert chosen["cext"]["download_info"]["url"] == str(c_ext)
    assert all(d["requested"] for d in data["install"])
    assert data["scheme"]["purelib"] == "/" + SITE
    assert f"/{SITE}/crcmod/_crcfunext.cpython-311-aarch64-linux-gnu.so" in chosen["crcmod"]["files"]

    # on the device: the host python's default sys.path finds everything
    out = host_python(
        rootfs,
        "-c",
        "import numpy, yaml, six, tabulate, cext, crcmod._crcfunext as crc\n"
        "print(numpy.__version__, yaml.__with_libyaml__, cext.machine(), crc.__file__.endswith('.so'),\n"
        "      numpy.linalg.det(numpy.eye(3)) == 1.0)",
    )
    assert out == "2.2.6 True aarch64 True True"
    script = rootfs / "usr/local/bin/tabulate"
    assert script.read_text().splitlines()[0] == "#!/usr/bin/python3.11"
    assert host_python(rootfs, "/usr/local/bin/tabulate", "--help").startswith("Usage: tabulate")


def test_prefix_is_the_same_as_root(sysroot: Path, tmp_path: Path) -> None:
    by_root, by_prefix = tmp_path / "a", tmp_path / "b"
    for root in (by_root, by_prefix):
        shutil.copytree(sysroot, root, symlinks=True)
    host = by_root / "usr/bin/python3.11"

    first = run_crossbuild("install", "tabulate==0.9.0", "six==1.16.0", "--host", host, "--root", by_root)
    second = run_crossbuild("install", "tabulate==0.9.0", "six==1.16.0", "--host", host, "--prefix", by_prefix / "usr")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert snapshot(by_root) == snapshot(by_prefix)


def test_a_failing_requirement_leaves_the_rootfs_unchanged(rootfs: Path, project: Callable[[str], Path]) -> None:
    before = snapshot(rootfs)

    result = run_crossbuild(
        "install", "tabulate==0.9.0", project("broken_c"), "--host", rootfs / "usr/bin/python3.11", "--root", rootfs
    )

    assert result.returncode == 1
    *_, log_line, error = result.stderr.strip().splitlines()
    assert error.startswith("error: the build backend of broken_c failed in build_wheel: brokenc.c:4:14: error: ")
    assert log_line.startswith("full log: ") and Path(log_line.removeprefix("full log: ")).is_file()
    assert snapshot(rootfs) == before


def test_ctrl_c_leaves_the_rootfs_unchanged(rootfs: Path, project: Callable[[str], Path]) -> None:
    before = snapshot(rootfs)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crossbuild",
            "install",
            "tabulate==0.9.0",
            str(project("cython_ext")),
            "--host",
            str(rootfs / "usr/bin/python3.11"),
            "--root",
            str(rootfs),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CROSSBUILD_FAULT": "stage:sigint"},  # Ctrl-C once everything is staged
        preexec_fn=stop_signals_default,  # it is sent SIGINT: not ignored, however the tests were started
    )
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert snapshot(rootfs) == before


def test_another_version_replaces_the_old_one(rootfs: Path) -> None:
    host = rootfs / "usr/bin/python3.11"
    assert run_crossbuild("install", "tabulate==0.8.10", "--compile", "--host", host, "--root", rootfs).returncode == 0
    site = rootfs / SITE
    assert (site / "tabulate-0.8.10.dist-info").is_dir()
    assert list((site / "__pycache__").glob("tabulate.cpython-311.pyc"))

    again = run_crossbuild("install", "tabulate==0.8.10", "--host", host, "--root", rootfs)
    assert [line.split()[:3] for line in again.stdout.splitlines()] == [
        ["kept", "tabulate", "0.8.10"],
        ["image", "size", "unchanged"],
    ]

    result = run_crossbuild("install", "tabulate==0.9.0", "--host", host, "--root", rootfs)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("upgraded    tabulate 0.9.0 (from 0.8.10) ")
    assert not (site / "tabulate-0.8.10.dist-info").exists()
    assert not (site / "tabulate.py").exists()  # 0.8.10 was a module, 0.9.0 is a package
    assert not list((site / "__pycache__").glob("tabulate.*.pyc"))
    assert (site / "tabulate" / "__init__.py").is_file()
    assert host_python(rootfs, "-c", "import tabulate; print(tabulate.__version__)") == "0.9.0"


def test_symlinks_in_the_rootfs_never_lead_outside(rootfs: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside-the-rootfs"
    # /usr/local is a link to /srv/local on the device: absolute, meant for the host;
    # /srv/local/lib climbs with '..' as if to leave the rootfs.
    assert not (rootfs / "usr/local").exists()
    (rootfs / "srv/local").mkdir(parents=True)
    (rootfs / "usr/local").symlink_to("/srv/local")
    (rootfs / "srv/local/lib").symlink_to("../../../../../../../../.." + str(outside))

    result = run_crossbuild("install", "six==1.16.0", "--host", rootfs / "usr/bin/python3.11", "--root", rootfs)

    assert result.returncode == 0, result.stderr
    assert not outside.exists()
    assert (rootfs / str(outside).lstrip("/") / "python3.11/dist-packages/six.py").is_file()
    assert not Path("/srv/local").exists()


def test_wheels_cross_built_from_sdists_are_reused(sysroot: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    runs = []
    for name in ("first", "second"):
        root = tmp_path / name
        shutil.copytree(sysroot, root, symlinks=True)
        runs.append(
            run_crossbuild(
                "install", "crcmod==1.7", "--host", root / "usr/bin/python3.11", "--root", root, "--cache-dir", cache
            )
        )

    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    assert "building crcmod-1.7.tar.gz" in runs[0].stderr
    assert "reusing crcmod-1.7-cp311-cp311-linux_aarch64.whl, cross-built before from crcmod-1.7.tar.gz" in (
        runs[1].stderr
    )
    assert "building crcmod-1.7.tar.gz" not in runs[1].stderr  # no backend ran
    assert "(built)" in runs[0].stdout and "(reused)" in runs[1].stdout  # the summary says which
    assert snapshot(tmp_path / "first") == snapshot(tmp_path / "second")


def test_hard_links_from_the_cache(sysroot: Path, tmp_path: Path) -> None:
    """--link-mode hardlink: two images share the cache entry's files, and import from
    them on the device; an edit in place in one reaches the cache entry, which the next
    install notices and makes again (the edited image keeps its edit: the documented cost)."""
    cache = tmp_path / "cache"
    roots = [link_copy(sysroot, tmp_path / name) for name in ("one", "two")]

    def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        host = root / "usr/bin/python3.11"
        flags = ("--link-mode", "hardlink", "--host", host, "--root", root, "--cache-dir", cache)
        result = run_crossbuild("install", "pyyaml==6.0.2", *args, *flags)
        assert result.returncode == 0, result.stderr
        return result

    for root in roots:
        install(root)
    one, two = (root / SITE / "yaml/_yaml.cpython-311-aarch64-linux-gnu.so" for root in roots)
    assert one.stat().st_ino == two.stat().st_ino
    assert one.stat().st_nlink == 3  # the two images and the cache entry
    assert one.stat().st_mode & 0o7022 == 0  # pip's modes: nobody else may write it
    assert host_python(roots[1], "-c", "import yaml; print(yaml.__with_libyaml__)") == "True"

    edited = roots[0] / SITE / "yaml/__init__.py"
    with edited.open("a") as stream:
        stream.write("EDITED = True\n")
    result = install(roots[1], "--force-reinstall")
    assert "unpacking PyYAML-6.0.2-" in result.stderr and "again: its copy in the cache is damaged" in result.stderr
    assert "EDITED" not in (roots[1] / SITE / "yaml/__init__.py").read_text()
    assert "EDITED" in edited.read_text()


def test_the_same_requirements_again_take_the_remembered_resolution(sysroot: Path, tmp_path: Path) -> None:
    """A second image of the same requirements: the index pages are asked for again (all at
    once), found the same, and the resolution made before is the answer, laid the same."""
    cache = tmp_path / "cache"
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pyyaml==6.0.2\nrequests\n")  # requests: four dependencies, pages of their own
    runs = []
    for name in ("one", "two"):
        root = link_copy(sysroot, tmp_path / name)
        result = run_crossbuild(
            "install", "-r", requirements, "--host", root / "usr/bin/python3.11", "--root", root, "--cache-dir", cache
        )
        assert result.returncode == 0, result.stderr
        runs.append(result)
    said = "the resolution is the one made before: the "
    assert said not in runs[0].stderr
    [line] = [line for line in runs[1].stderr.splitlines() if said in line]
    pages = int(line.split(said)[1].split()[0])
    assert pages >= 6  # pyyaml, requests, charset-normalizer, idna, urllib3, certifi (and every extra index's)
    assert runs[0].stdout == runs[1].stdout
    assert snapshot(tmp_path / "one" / SITE) == snapshot(tmp_path / "two" / SITE)
    assert host_python(tmp_path / "two", "-c", "import requests, yaml; print(yaml.__with_libyaml__)") == "True"
