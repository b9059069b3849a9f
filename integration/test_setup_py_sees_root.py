"""A setup.py that looks at the system's files itself sees the root's, not this machine's:
an optional feature follows the root's headers and libraries (Pillow's way) and code
generated from a system header follows the root's copy (evdev's way)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, QemuHost, link_copy
from test_root_first import built, on_device, with_newer_kernel_headers


def test_a_setup_py_probing_the_system_sees_the_root(
    project: Callable[[str], Path], sysroot: Path, tmp_path: Path
) -> None:
    # this machine has zlib.h and libz.so; the image has newer kernel headers and no zlib
    root = with_newer_kernel_headers(link_copy(sysroot, tmp_path / "image"))
    for name in ("usr/include/zlib.h", f"usr/lib/{ARCH.triplet}/libz.so", f"usr/lib/{ARCH.triplet}/libz.a"):
        (root / name).unlink()
    assert Path("/usr/include/zlib.h").is_file()
    wheel, stderr = built(project("system_probe"), root / "usr/bin/python3.11", tmp_path / "dist", "-v")
    qemu = on_device(root, wheel, tmp_path / "site")
    header = (root / "usr/include/linux/input-event-codes.h").read_text()
    codes = len(dict(re.findall(r"#define\s+(KEY_\w+)\s+(0x[0-9a-fA-F]+|\d+)", header)))  # as setup.py counts
    assert qemu.python("import systemprobe; print(*systemprobe.found())") == f"None {codes} 766"
    assert (
        f"path /usr/include/zlib.h is the build machine's: the backend saw the host's {root}/usr/include/zlib.h"
    ) in stderr


def test_the_same_setup_py_finds_what_the_root_has(
    project: Callable[[str], Path], host_python: Path, qemu: QemuHost, tmp_path: Path
) -> None:
    wheel, _ = built(project("system_probe"), host_python, tmp_path / "dist")
    qemu.install(wheel)
    assert qemu.python("import systemprobe; z, _, only = systemprobe.found(); print(z, only)") == "1.2.13 -1"


def test_pillow_builds_the_features_the_root_has(sysroot_with: Callable[..., Path], tmp_path: Path) -> None:
    # Pillow's setup.py enables xcb, freetype, tiff… when their headers exist in
    # /usr/include: this machine has several, the image only libjpeg and zlib
    root = sysroot_with("libjpeg62-turbo-dev")
    wheel, _ = built(Path("pillow==11.3.0"), root / "usr/bin/python3.11", tmp_path / "dist")
    assert wheel.name == "pillow-11.3.0-cp311-cp311-linux_aarch64.whl"
    qemu = on_device(root, wheel, tmp_path / "site")
    code = (
        "import io; from PIL import Image, features\n"
        "out = io.BytesIO(); Image.new('RGB', (8, 8), 'red').save(out, 'JPEG'); out.seek(0)\n"
        "print(Image.open(out).getpixel((4, 4))[0] > 240, *map(features.check, ('jpg', 'zlib', 'xcb', 'freetype2')))"
    )
    assert qemu.python(code) == "True True True False False"


def test_evdev_knows_the_event_codes_of_the_root_s_kernel_headers(sysroot: Path, tmp_path: Path) -> None:
    # evdev's setup.py generates ecodes from /usr/include/linux/input*.h: the image's
    # kernel headers have one more key than this machine's or the toolchain's
    root = with_newer_kernel_headers(link_copy(sysroot, tmp_path / "image"))
    wheel, _ = built(Path("evdev==1.9.2"), root / "usr/bin/python3.11", tmp_path / "dist")
    qemu = on_device(root, wheel, tmp_path / "site")
    code = "from evdev import ecodes; print(ecodes.KEY_CROSSBUILD_ROOTFS_ONLY, ecodes.KEY[766], ecodes.KEY_A)"
    assert qemu.python(code) == "766 KEY_CROSSBUILD_ROOTFS_ONLY 30"
