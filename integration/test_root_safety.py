"""What crossbuild refuses to lay into a rootfs, and how it says so: the real CLI, a real
arm64 rootfs, real mounts (read-only, a full tmpfs) and a root without CAP_DAC_OVERRIDE.

Every refusal is one ``error: …`` line, exit code 1, no traceback, and the root is left
byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import error_line, run_crossbuild
from helpers.fakehost import Entry, make_wheel, snapshot

TOOL = {"tool/__init__.py": b"def main():\n    print('tool')\n"}
REFUSAL_END = "; it is damaged or unsafe: build or download it again"


@pytest.fixture(scope="module")
def image(sysroot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the arm64 sysroot, shared: no test here may change it."""
    root = tmp_path_factory.mktemp("image") / "rootfs"
    shutil.copytree(sysroot, root, symlinks=True)
    return root


@pytest.fixture(scope="module")
def image_snapshot(image: Path) -> dict[str, Entry]:
    return snapshot(image)


@pytest.fixture
def unchanged(image: Path, image_snapshot: dict[str, Entry]) -> Iterator[None]:
    yield
    assert snapshot(image) == image_snapshot


def _install(root: Path, *requirements: str | Path, host: Path | None = None) -> subprocess.CompletedProcess[str]:
    python = host or root / "usr/bin/python3.11"
    return run_crossbuild("install", *requirements, "--host", python, "--root", root, "--no-index")


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return error_line(result.stderr)


@pytest.mark.parametrize("member", ["../../../../etc/evil.conf", "/etc/evil.conf"])
def test_wheel_with_a_member_outside_is_refused(image: Path, unchanged: None, tmp_path: Path, member: str) -> None:
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files={**TOOL, member: b"x\n"})
    assert _refused(_install(image, wheel)) == (
        f"error: {wheel.name} has a member {member!r} that points outside the wheel{REFUSAL_END}"
    )


def test_wheel_that_does_not_match_its_record_is_refused(image: Path, unchanged: None, tmp_path: Path) -> None:
    good = make_wheel(tmp_path / "good", name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    wheel = tmp_path / good.name
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(wheel, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, content.replace(b"print('tool')", b"print('owned')"))
    assert _refused(_install(image, wheel)) == (
        f"error: {wheel.name} does not match its RECORD: hash / size of tool/__init__.py didn't match RECORD"
        f"{REFUSAL_END}"
    )


def test_corrupt_wheel_is_refused(image: Path, unchanged: None, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    wheel.write_bytes(wheel.read_bytes()[:100])
    assert _refused(_install(image, wheel)) == (
        f"error: {wheel.name} is not a readable zip archive (File is not a zip file){REFUSAL_END}"
    )


def test_build_machine_python_into_an_arm64_root_is_refused(image: Path, unchanged: None, tmp_path: Path) -> None:
    """The x86_64 python of this machine as --host: its wheels would never run on the image."""
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    line = _refused(_install(image, wheel, host=Path("/usr/bin/python3")))
    assert line == (
        f"error: {image} is a root for aarch64 (64-bit, little-endian), python 3.11 (usr/bin/python3.11) but "
        "the host python /usr/bin/python3.11 is for x86_64 (64-bit, little-endian), python 3.11; pass --host "
        f"the root's own python (e.g. {image}/usr/bin/python3.11)"
    )


def test_armhf_python_into_an_arm64_root_is_refused(image: Path, unchanged: None, tmp_path: Path) -> None:
    import sysroot as sysroot_script

    armhf = sysroot_script.ARCHES["armhf"]
    sysroot_script.ensure_toolchain(armhf)
    armhf_python = Path(sysroot_script.ensure_sysroot(armhf)) / "usr/bin/python3.11"
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    line = _refused(_install(image, wheel, host=armhf_python))
    assert line.startswith(f"error: {image} is a root for aarch64 (64-bit, little-endian), python 3.11 ")
    assert "is for armv7l (32-bit, little-endian), python 3.11; pass --host the root's own python" in line


def test_pure_fallback_is_not_installed(
    image: Path, unchanged: None, project: Callable[[str], Path], tmp_path: Path
) -> None:
    """setuptools' optional extension fails to compile: no wheel without its binary goes in."""
    line = _refused(_install(image, project("optional_ext")))
    assert line.startswith("error: the C/C++ build failed and the project fell back to the pure wheel optext-1.0-")


@contextlib.contextmanager
def _mounted(target: Path, *mounts: list[str]) -> Iterator[None]:
    """``target`` mounted by the ``mount`` commands (arguments before the target), then unmounted."""
    subprocess.run(["mount", *mounts[0], str(target)], check=True)
    try:
        for argv in mounts[1:]:
            subprocess.run(["mount", *argv, str(target)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_read_only_root(image: Path, unchanged: None, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    view = tmp_path / "read-only-view"
    view.mkdir()
    with _mounted(view, ["--bind", str(image)], ["-o", "remount,bind,ro"]):
        line = _refused(_install(view, wheel))
    assert line.startswith(f"error: cannot write into {view}: Read-only file system ({view}/.crossbuild-")
    assert line.endswith("); mount it read-write; the root was left as it was")


def test_permission_denied(tmp_path: Path, sysroot: Path) -> None:
    """As root, but without the capability that ignores file modes (as a build user would be)."""
    wheel = make_wheel(tmp_path, name="tool", tags="py3-none-any", purelib=True, files=TOOL)
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    (root / "etc/hostname").write_text("device\n")
    root.chmod(0o555)
    before = snapshot(root)
    drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
    command = [*drop, sys.executable, "-m", "crossbuild", "install", str(wheel), "--host"]
    command += [str(sysroot / "usr/bin/python3.11"), "--root", str(root), "--no-index"]
    result = subprocess.run(command, capture_output=True, text=True)
    line = _refused(result)
    assert line.startswith(f"error: cannot write into {root}: Permission denied ({root}/.crossbuild-")
    assert line.endswith("); run crossbuild as a user who may write there; the root was left as it was")
    assert snapshot(root) == before


def test_disk_full(tmp_path: Path, sysroot: Path) -> None:
    """A root on a 256 KiB tmpfs and a wheel that unpacks to 1 MiB."""
    wheel = make_wheel(tmp_path, name="big", tags="py3-none-any", purelib=True, files={"big/data.bin": bytes(1 << 20)})
    root = tmp_path / "small-image"
    root.mkdir()
    with _mounted(root, ["-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs"]):
        (root / "etc").mkdir()
        (root / "etc/hostname").write_text("device\n")
        before = snapshot(root)
        line = _refused(_install(root, wheel, host=sysroot / "usr/bin/python3.11"))
        after = snapshot(root)
    assert line.startswith(f"error: cannot write into {root}: No space left on device (")
    assert line.endswith("); free space on its file system; the root was left as it was")
    assert after == before


def test_closed_output(sysroot: Path) -> None:
    """`crossbuild inspect … | head -0`: the reader is gone before the first line."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crossbuild", "inspect", "--host", str(sysroot / "usr/bin/python3.11")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: the output was closed before crossbuild finished writing it"]
