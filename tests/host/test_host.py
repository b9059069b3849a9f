"""inspect_host on fake host layouts: what it reads, how it follows links, how it fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.fakehost import (
    ARMHF,
    S390X,
    X86_64,
    FakeLayout,
    Machine,
    elf_header,
    install_fake_toolchain,
    make_layout,
    write_sysconfigdata,
)

from crossbuild import HostPythonError, inspect_host
from crossbuild.host.elf import ElfTarget
from crossbuild.host.host import Host


def test_reads_the_host(host: Host, layout: FakeLayout, fake_cc: Path) -> None:
    root = layout.root
    assert host.python == root / "usr/bin/python3.11"
    assert host.sysroot == root
    assert host.version == "3.11"
    assert host.full_version == "3.11.2"
    assert host.soabi == "cpython-311-aarch64-linux-gnu"
    assert host.ext_suffix == ".cpython-311-aarch64-linux-gnu.so"
    assert host.abiflags == ""
    assert host.multiarch == "aarch64-linux-gnu"
    assert host.platform == "linux-aarch64"
    assert host.machine == "aarch64"
    assert host.elf == ElfTarget("EM_AARCH64", 64, "little")
    assert (host.byteorder, host.pointer_bits) == ("little", 64)
    assert str(host.tag) == "cp311-cp311-linux_aarch64"
    assert (host.interpreter_tag, host.abi_tag, host.platform_tag) == ("cp311", "cp311", "linux_aarch64")
    assert host.glibc == (2, 36)
    assert host.python_on_host == "/usr/bin/python3.11"
    assert host.prefix == "/usr"
    assert host.sysconfigdata == root / "usr/lib/python3.11/_sysconfigdata__aarch64-linux-gnu.py"
    assert host.config_vars["LDSHARED"] == "aarch64-linux-gnu-gcc -shared -Wl,-O1"
    assert host.in_sysroot("/usr/include/python3.11") == root / "usr/include/python3.11"
    assert host.toolchain.cc == (str(fake_cc),)
    assert host.toolchain.target == "aarch64-linux-gnu"


def test_summary_is_json(host: Host, layout: FakeLayout) -> None:
    summary = json.loads(json.dumps(host.summary()))
    assert summary["tag"] == "cp311-cp311-linux_aarch64"
    assert summary["version"] == "3.11.2"
    assert summary["glibc"] == "2.36"
    assert summary["python_on_host"] == "/usr/bin/python3.11"
    assert summary["sysroot"] == str(layout.root)
    assert summary["built_with"] == "aarch64-linux-gnu-gcc"
    assert summary["toolchain"]["target"] == "aarch64-linux-gnu"


def test_relative_symlink(layout: FakeLayout, fake_cc: Path) -> None:
    link = layout.root / "usr/bin/python3"
    link.symlink_to("python3.11")
    host = inspect_host(link)
    assert host.python == layout.python
    assert host.sysroot == layout.root
    assert host.python_on_host == "/usr/bin/python3.11"


def test_absolute_symlink_stays_in_the_sysroot(layout: FakeLayout, fake_cc: Path) -> None:
    # /usr/bin/python3.11 may well exist on this machine: it must not be the one read.
    link = layout.root / "usr/bin/python3"
    link.symlink_to("/usr/bin/python3.11")
    host = inspect_host(link)
    assert host.python == layout.python
    assert host.machine == "aarch64"
    assert host.python_on_host == "/usr/bin/python3.11"


def test_absolute_symlink_chain_with_sysroot(layout: FakeLayout, fake_cc: Path) -> None:
    alternatives = layout.root / "etc/alternatives"
    alternatives.mkdir(parents=True)
    (alternatives / "python3").symlink_to("/usr/bin/python3.11")
    link = layout.root / "usr/bin/python3"
    link.symlink_to("/etc/alternatives/python3")
    host = inspect_host(link, sysroot=layout.root)
    assert host.python == layout.python
    assert host.sysroot == layout.root


def test_root_directory_finds_the_python(layout: FakeLayout, fake_cc: Path) -> None:
    host = inspect_host(layout.root)
    assert host.python == layout.python
    assert host.sysroot == layout.root


def test_relative_path_argument(layout: FakeLayout, fake_cc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(layout.root / "usr")
    host = inspect_host("bin/python3.11")
    assert host.python == layout.python
    assert host.sysroot == layout.root


def test_without_patchlevel_and_libc(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "bare", micro=None, glibc=None)
    host = inspect_host(layout.python)
    assert host.full_version == "3.11"
    assert host.glibc is None
    assert host.summary()["glibc"] is None


def test_glibc_from_usr_lib(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "root", glibc=None)
    libc = layout.root / "usr/lib/aarch64-linux-gnu/libc.so.6"
    libc.parent.mkdir(parents=True, exist_ok=True)
    libc.write_bytes(b"\x7fELF...GLIBC_2.17\0GLIBC_2.28\0GLIBC_2.9\0GLIBC_PRIVATE\0")
    assert inspect_host(layout.python).glibc == (2, 28)


def test_debug_build(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "root", debug=True)
    host = inspect_host(layout.python)
    assert host.sysconfigdata.name == "_sysconfigdata_d_aarch64-linux-gnu.py"
    assert host.soabi == "cpython-311d-aarch64-linux-gnu"
    assert host.abiflags == "d"
    assert host.abi_tag == "cp311d"
    assert str(host.tag) == "cp311-cp311d-linux_aarch64"
    assert host.full_version == "3.11.2"  # patchlevel.h from INCLUDEPY /usr/include/python3.11d


def test_debug_python_beside_the_release_one(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "root")
    debug = make_layout(tmp_path / "root", debug=True, python_name="python3.11d")
    host = inspect_host(debug.python)
    assert host.sysconfigdata == debug.sysconfigdata
    assert host.abi_tag == "cp311d"
    assert inspect_host(layout.python).abi_tag == "cp311"


def test_free_threaded_abi_tag(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "root", version="3.13", overrides={"Py_GIL_DISABLED": 1, "ABIFLAGS": "t"})
    host = inspect_host(layout.python)
    assert str(host.tag) == "cp313-cp313t-linux_aarch64"


def test_symlinked_second_sysconfigdata_is_the_same_file(layout: FakeLayout, fake_cc: Path) -> None:
    (layout.sysconfigdata.parent / "_sysconfigdata__linux_aarch64-linux-gnu.py").symlink_to(layout.sysconfigdata.name)
    assert inspect_host(layout.python).sysconfigdata == layout.sysconfigdata


@pytest.mark.parametrize(
    ("machine", "platform", "tag", "bits", "byteorder"),
    [
        (ARMHF, "linux-armv7l", "cp311-cp311-linux_armv7l", 32, "little"),
        (S390X, "linux-s390x", "cp311-cp311-linux_s390x", 64, "big"),
    ],
    ids=["armhf", "s390x"],
)
def test_other_machines(
    tmp_path: Path, fake_bin: Path, machine: Machine, platform: str, tag: str, bits: int, byteorder: str
) -> None:
    layout = make_layout(tmp_path / "root", machine=machine)
    cc = install_fake_toolchain(fake_bin, machine)
    host = inspect_host(layout.python)
    assert host.platform == platform
    assert str(host.tag) == tag
    assert (host.pointer_bits, host.byteorder) == (bits, byteorder)
    assert host.multiarch == machine.triplet
    assert host.toolchain.cc == (str(cc),)


# --- errors -------------------------------------------------------------------------


def _error(python: Path | str, **kwargs: object) -> str:
    with pytest.raises(HostPythonError) as caught:
        inspect_host(python, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "rootfs/usr/bin/python3"
    assert _error(missing) == (
        f"host python {missing}: does not exist; pass host= the host's python inside its sysroot, "
        "e.g. ROOTFS/usr/bin/python3"
    )


def test_shell_script_instead_of_elf(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", python_content=b'#!/bin/sh\nexec qemu-aarch64 python3.11 "$@"\n')
    assert _error(layout.python) == (
        f"host python {layout.python}: is not an ELF executable; pass host= the host's python binary"
    )


def test_elf_that_is_not_python(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", python_content=elf_header(X86_64))
    assert _error(layout.python) == (
        f"host python {layout.python}: is not a Python interpreter; pass host= the host's python binary"
    )


def test_no_sysconfigdata(layout: FakeLayout) -> None:
    layout.sysconfigdata.unlink()
    assert _error(layout.python) == (
        f"host python {layout.python}: no _sysconfigdata_*.py under {layout.root}/usr/lib/python3.11; "
        "is this a CPython installation (Debian: libpython3.X-stdlib)?"
    )


def test_not_cpython(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", overrides={"SOABI": "pypy39-pp73"})
    assert _error(layout.python) == (
        f"host python {layout.python}: is not CPython (SOABI 'pypy39-pp73'); crossbuild supports CPython hosts"
    )


def test_dangling_link(layout: FakeLayout) -> None:
    link = layout.root / "usr/bin/python3"
    link.symlink_to("python3.12")
    assert _error(link) == (
        f"host python {link}: is a dangling link to {link.parent / 'python3.12'}; "
        "pass sysroot= if its links are absolute"
    )


def test_link_loop(layout: FakeLayout) -> None:
    (layout.root / "usr/bin/python3").symlink_to("python3-loop")
    (layout.root / "usr/bin/python3-loop").symlink_to("python3")
    assert _error(layout.root / "usr/bin/python3").endswith(": too many levels of symbolic links")


def test_directory_without_python(tmp_path: Path) -> None:
    (tmp_path / "empty/usr/bin").mkdir(parents=True)
    assert _error(tmp_path / "empty") == (
        f"host python {tmp_path / 'empty'}: is a directory with no usr/bin/python3.X; "
        "pass host= the host's python itself"
    )


def test_unreadable_sysconfigdata(layout: FakeLayout) -> None:
    layout.sysconfigdata.write_text("build_time_vars = {'CC': \n")
    message = _error(layout.python)
    assert message.startswith(f"host python {layout.sysconfigdata}: cannot read sysconfig data: ")


def test_sysconfigdata_without_build_time_vars(layout: FakeLayout) -> None:
    layout.sysconfigdata.write_text("something_else = {}\n")
    assert _error(layout.python) == f"host python {layout.sysconfigdata}: has no build_time_vars dictionary"


def test_several_sysconfigdata_files(layout: FakeLayout) -> None:
    other = write_sysconfigdata(
        layout.sysconfigdata.parent / "_sysconfigdata__linux_aarch64-linux-gnu.py", layout.config_vars
    )
    assert _error(layout.python) == (
        f"host python {layout.python}: several sysconfig data files in {other.parent} "
        f"({layout.sysconfigdata.name}, {other.name}); cannot tell which is this python's"
    )


def test_prefix_not_in_the_path(tmp_path: Path) -> None:
    layout = make_layout(tmp_path / "root", overrides={"prefix": "/opt/python", "exec_prefix": "/opt/python"})
    assert _error(layout.python) == (
        f"host python {layout.root / 'usr'}: does not end with the host python's prefix /opt/python; "
        "pass sysroot= (the directory that is / on the host)"
    )


def test_fingerprint_tells_an_upgraded_compiler(host: Host, fake_cc: Path) -> None:
    before = host.fingerprint
    assert inspect_host(host.python).fingerprint == before
    fake_cc.write_text(fake_cc.read_text() + "# gcc 12.2.0-15\n")  # the same command, another build of it
    assert host.fingerprint != before
