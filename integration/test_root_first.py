"""Extensions built against what the root holds: its headers and C library win over the
cross toolchain's own, build-machine answers and paths become the host's, and a bundled
``./configure`` run without ``--host`` configures for the host."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import ARCH, QemuHost, link_copy, run_crossbuild
from test_glibc_too_new import _libc_claiming

import crossbuild
from crossbuild.backend_env.wrappers import write_wrappers


def with_newer_kernel_headers(root: Path) -> Path:
    """``root`` (a copy) with one more input event code than any other copy of the headers."""
    header = root / "usr/include/linux/input-event-codes.h"
    text = header.read_text()
    header.unlink()  # a copy, not the cached sysroot's file
    header.write_text(
        text.replace("#define KEY_A\t\t\t30", "#define KEY_A\t\t\t30\n#define KEY_CROSSBUILD_ROOTFS_ONLY 0x2fe")
    )
    return root


def on_device(root: Path, wheel: Path, site: Path) -> QemuHost:
    """The host python of ``root`` under qemu, with ``wheel`` installed in ``site``."""
    site.mkdir()
    qemu = QemuHost(root, site)
    qemu.install(wheel)
    return qemu


def built(source: Path, host_python: Path, dist: Path, *options: str) -> tuple[Path, str]:
    result = run_crossbuild("wheel", source, "--host", host_python, "-w", dist, *options)
    assert result.returncode == 0, result.stderr
    [wheel] = dist.iterdir()
    return wheel, result.stderr


def test_a_header_of_the_root_wins_over_the_toolchain_s(
    project: Callable[[str], Path], sysroot: Path, tmp_path: Path
) -> None:
    root = with_newer_kernel_headers(link_copy(sysroot, tmp_path / "image"))
    assert (
        "KEY_CROSSBUILD_ROOTFS_ONLY" not in Path(f"/usr/{ARCH.triplet}/include/linux/input-event-codes.h").read_text()
    )
    wheel, _ = built(project("rootfs_header"), root / "usr/bin/python3.11", tmp_path / "dist")
    qemu = on_device(root, wheel, tmp_path / "site")
    assert qemu.python("import rootfsheader; print(rootfsheader.rootfs_only(), rootfsheader.key_a())") == "766 30"


def test_the_c_library_of_the_root_is_linked(sysroot: Path, tmp_path: Path) -> None:
    # an image whose libc.so.6 has arc4random at GLIBC_2.17 and nothing newer than GLIBC_2.35:
    # linked against it, a library needs arc4random@GLIBC_2.17; linked against the cross
    # toolchain's own glibc 2.36 (what gcc finds first) it would need arc4random@GLIBC_2.36
    root = link_copy(sysroot, tmp_path / "image")
    libc = root / "lib" / ARCH.triplet / "libc.so.6"
    libc.unlink()
    shutil.copy(_libc_claiming(tmp_path / "stub", "GLIBC_2.35", old="arc4random"), libc)
    wrappers = write_wrappers(crossbuild.inspect_host(root / "usr/bin/python3.11"), tmp_path / "bin")
    (tmp_path / "random.c").write_text("#include <stdlib.h>\nunsigned int random32(void) { return arc4random(); }\n")
    # C++ too: libstdc++'s <cstdlib> finds the C library's <stdlib.h> with #include_next
    (tmp_path / "text.cpp").write_text(
        '#include <cstdlib>\n#include <string>\nint n() { return std::atoi(std::string("7").c_str()); }\n'
    )
    for compiler, source in ((wrappers.cc, "random.c"), (wrappers.cxx, "text.cpp")):
        argv = [compiler, "-shared", "-fPIC", "-o", tmp_path / f"{source}.so", tmp_path / source]
        subprocess.run(argv, check=True, capture_output=True)
    symbols = subprocess.run(["readelf", "--dyn-syms", "-W", tmp_path / "random.c.so"], capture_output=True, text=True)
    assert "arc4random@GLIBC_2.17" in symbols.stdout


def test_build_machine_answers_and_paths_become_the_host_s(
    project: Callable[[str], Path], host_python: Path, sysroot: Path, qemu: QemuHost, tmp_path: Path
) -> None:
    wheel, stderr = built(project("multiarch_probe"), host_python, tmp_path / "dist", "-v")
    qemu.install(wheel)
    answers = qemu.python("import multiarchprobe; print(*multiarchprobe.answers())")
    assert answers == f"{ARCH.triplet} aarch64 {ARCH.triplet} 1.2.13"
    assert (
        f"compiler search dir /usr/lib/{ARCH.triplet} is the build machine's: using the host's "
        f"{sysroot}/usr/lib/{ARCH.triplet}"
    ) in stderr


def test_a_bundled_configure_without_host_configures_for_the_host(
    project: Callable[[str], Path], host_python: Path, qemu: QemuHost, tmp_path: Path
) -> None:
    wheel, _ = built(project("autoconf_vendored"), host_python, tmp_path / "dist")
    qemu.install(wheel)
    configured = qemu.python("import autoconfvendored; print(*autoconfvendored.configured())")
    assert configured == "aarch64-unknown-linux-gnu 8 1"


def test_gnureadline_configures_its_bundled_readline_for_the_host(
    sysroot_with: Callable[..., Path], tmp_path: Path
) -> None:
    # gnureadline's setup.py runs readline 8.3's own ./configure (no --host) and make, then
    # links the static library with the root's libncurses
    root = sysroot_with("libncurses-dev")
    wheel, stderr = built(
        Path("gnureadline==8.3.3"), root / "usr/bin/python3.11", tmp_path / "dist", "-v", "--no-cache"
    )
    assert "checking whether we are cross compiling... yes" in stderr
    assert wheel.name == "gnureadline-8.3.3-cp311-cp311-linux_aarch64.whl"
    qemu = on_device(root, wheel, tmp_path / "site")
    code = "import gnureadline as r; r.add_history('on the device'); print(r.get_history_item(1), r._READLINE_VERSION)"
    assert qemu.python(code) == "on the device 2051"
