"""verify_wheel with the host's libraries: every ELF file of a wheel must load on the host.

Real ELF files, compiled here with this machine's gcc: a library ``libdemo.so.1`` with
symbol versions, an older copy of it that lacks the newest version, and an extension that
needs it.  The "host" is this machine's kind (x86_64) in a root made in ``tmp_path``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.nativebuild import MULTIARCH, compile_shared, demo_builds, needs_gcc, root_with, wheel_of

from crossbuild import UnloadableWheelError
from crossbuild.host.elf import read_linkage
from crossbuild.host.libraries import HostLibraries
from crossbuild.wheel.verify import verify_wheel

pytestmark = needs_gcc


@pytest.fixture
def built(tmp_path: Path) -> dict[str, Path]:
    return demo_builds(tmp_path)


def test_linkage_is_read(built: dict[str, Path]) -> None:
    linkage = read_linkage(built["ext"])
    assert linkage is not None
    assert "libdemo.so.1" in linkage.needed
    assert linkage.versions_needed["libdemo.so.1"] == {"DEMO_1.0": "demo_1_0", "DEMO_2.0": "demo_2_0"}
    library = read_linkage(built["new"])
    assert library is not None and library.versions_defined == {"DEMO_1.0", "DEMO_2.0"}


def test_the_hosts_library_has_every_version(tmp_path: Path, built: dict[str, Path]) -> None:
    libraries = root_with(tmp_path, built["new"])
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    assert verify_wheel(wheel, libraries.target, libraries).elf_files == ("pkg/_ext.so",)


def test_a_symbol_version_the_host_lacks_is_refused(tmp_path: Path, built: dict[str, Path]) -> None:
    libraries = root_with(tmp_path, built["old"])
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    with pytest.raises(UnloadableWheelError) as caught:
        verify_wheel(wheel, libraries.target, libraries)
    assert str(caught.value) == (
        f"{wheel.name}: pkg/_ext.so needs demo_2_0@DEMO_2.0 from libdemo.so.1, which the host's libdemo.so.1 "
        "does not define (it has up to DEMO_1.0); build it against the host's root, or give the root a newer "
        "libdemo.so.1"
    )


def test_a_library_the_host_lacks_is_refused(tmp_path: Path, built: dict[str, Path]) -> None:
    libraries = root_with(tmp_path, None)
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    with pytest.raises(UnloadableWheelError) as caught:
        verify_wheel(wheel, libraries.target, libraries)
    assert str(caught.value) == (
        f"{wheel.name}: pkg/_ext.so needs libdemo.so.1, which is neither in the wheel nor in the host's root "
        f"{libraries.root}; add it to the root (its -dev package in a sysroot), or build without it"
    )


def test_a_library_the_wheel_carries_is_enough(tmp_path: Path, built: dict[str, Path]) -> None:
    """auditwheel-style: the library grafted into ``pkg.libs``."""
    libraries = root_with(tmp_path, None)
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"], "pkg.libs/libdemo.so.1": built["new"]})
    assert verify_wheel(wheel, libraries.target, libraries).elf_files == ("pkg/_ext.so", "pkg.libs/libdemo.so.1")


def test_ld_so_conf_directories_are_searched(tmp_path: Path, built: dict[str, Path]) -> None:
    libraries = root_with(tmp_path, None)
    (libraries.root / "opt/vendor/lib").mkdir(parents=True)
    shutil.copy(built["new"], libraries.root / "opt/vendor/lib/libdemo.so.1")
    (libraries.root / "etc/ld.so.conf.d").mkdir(parents=True)
    (libraries.root / "etc/ld.so.conf").write_text("include /etc/ld.so.conf.d/*.conf\n")
    (libraries.root / "etc/ld.so.conf.d/vendor.conf").write_text("# the vendor's libraries\n/opt/vendor/lib\n")
    configured = HostLibraries(libraries.root, MULTIARCH, libraries.target)
    assert configured.find("libdemo.so.1") == libraries.root / "opt/vendor/lib/libdemo.so.1"
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": built["ext"]})
    verify_wheel(wheel, configured.target, configured)


def test_a_run_time_search_path_into_the_root_on_this_machine_is_refused(
    tmp_path: Path, built: dict[str, Path]
) -> None:
    libraries = root_with(tmp_path, built["new"])
    inside = f"{libraries.root}/usr/lib/{MULTIARCH}/openblas-pthread"
    ext = compile_shared(tmp_path / "rpath", "_ext.so", "int f(void) { return 1; }\n", f"-Wl,-rpath,/opt/x:{inside}")
    wheel = wheel_of(tmp_path, {"pkg/_ext.so": ext})
    with pytest.raises(UnloadableWheelError) as caught:
        verify_wheel(wheel, libraries.target, libraries)
    assert str(caught.value) == (
        f"{wheel.name}: pkg/_ext.so searches {inside} for libraries at run time, a directory of this machine "
        f"(the host's root is {libraries.root} here) that the host does not have; build the wheel from its sdist "
        f"with crossbuild, which gives such a file the host's path (/usr/lib/{MULTIARCH}/openblas-pthread), or "
        "set that path yourself with patchelf --set-rpath"
    )
    source, flags = "int f(void) { return 1; }\n", f"-Wl,-rpath,/usr/lib/{MULTIARCH}/x"
    host_path = compile_shared(tmp_path / "ok", "_ext.so", source, flags)
    assert verify_wheel(wheel_of(tmp_path / "ok", {"pkg/_ext.so": host_path}), libraries.target, libraries).elf_files
