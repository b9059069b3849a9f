"""Fake hosts for the fast tests: real files, made at test time.

A fake host is a directory laid out like a Debian rootfs (``ROOT/usr/bin/python3.11``,
``ROOT/usr/lib/python3.11/_sysconfigdata__aarch64-linux-gnu.py``, headers, ``libc.so.6``)
whose python is only a valid ELF header for the chosen machine, and a fake cross compiler:
a shell script that answers ``-dumpmachine`` and "compiles" by writing an ELF object
header for its machine.  Nothing here runs a real toolchain or emulator.
"""

from __future__ import annotations

import hashlib
import json
import os
import pprint
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossbuild.host.elf import ElfTarget, read_elf_target

ET_REL = 1
ET_EXEC = 2
ET_DYN = 3


@dataclass(frozen=True)
class Machine:
    """A machine as an ELF header and a Debian multiarch see it."""

    uname: str
    """What ``platform.machine()`` says there (and what crossbuild should name it)."""
    e_machine: int
    bits: int
    byteorder: str
    triplet: str
    """The Debian multiarch triplet, also the cross compilers' prefix."""
    gnu_type: str
    """What ``config.guess`` says there (sysconfig ``HOST_GNU_TYPE``)."""
    e_flags: int = 0


AARCH64 = Machine("aarch64", 183, 64, "little", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu")
X86_64 = Machine("x86_64", 62, 64, "little", "x86_64-linux-gnu", "x86_64-pc-linux-gnu")
ARMHF = Machine("armv7l", 40, 32, "little", "arm-linux-gnueabihf", "arm-unknown-linux-gnueabihf", 0x05000400)
S390X = Machine("s390x", 22, 64, "big", "s390x-linux-gnu", "s390x-ibm-linux-gnu")


def elf_header(machine: Machine, e_type: int = ET_EXEC) -> bytes:
    """A complete ELF file header (no program or section headers) for ``machine``."""
    little = machine.byteorder == "little"
    ident = b"\x7fELF" + bytes([1 if machine.bits == 32 else 2, 1 if little else 2, 1, 0, 0]) + bytes(7)
    order = "<" if little else ">"
    if machine.bits == 64:
        fields = struct.pack(
            order + "HHIQQQIHHHHHH", e_type, machine.e_machine, 1, 0, 0, 0, machine.e_flags, 64, 0, 0, 64, 0, 0
        )
    else:
        fields = struct.pack(
            order + "HHIIIIIHHHHHH", e_type, machine.e_machine, 1, 0, 0, 0, machine.e_flags, 52, 0, 0, 40, 0, 0
        )
    return ident + fields


def elf_target(machine: Machine) -> ElfTarget:
    """What crossbuild reads from an ELF header of ``machine``."""
    target = read_elf_target(elf_header(machine))
    assert target is not None
    return target


#: Real musl programs (``int main(void)``), made by ``make_musl_programs.sh`` beside them.
MUSL_PROGRAMS = Path(__file__).parent.parent / "host" / "data"
MIPSEL = Machine("mips", 8, 32, "little", "mipsel-linux-gnu", "mipsel-unknown-linux-gnu", 0x70001007)


def musl_program(machine: Machine) -> bytes:
    """A real dynamic musl program for ``machine`` (AARCH64, MIPSEL): its ELF interpreter is
    ``/lib/ld-musl-<arch>.so.1``."""
    return (MUSL_PROGRAMS / f"musl-hello-{machine.triplet.split('-')[0]}").read_bytes()


def musl_library(version: str, arch: str = "aarch64") -> bytes:
    """What crossbuild reads of musl's ``libc.so`` (its loader): an ELF header, the loader's
    usage text and the bare version string among musl's other read-only strings."""
    return (
        elf_header(AARCH64, ET_DYN)
        + b"\0127.0.0.1\0%s: %s\0musl libc ("
        + arch.encode()
        + b")\nVersion %s\nDynamic Program Loader\n\0"
        + version.encode()
        + b"\0/etc/ld-musl-aarch64.path\0"
    )


def python_binary(machine: Machine) -> bytes:
    """What a host python binary looks like to crossbuild: an ELF header, then libpython's symbols."""
    return elf_header(machine, ET_DYN) + b"\0Py_Initialize\0Py_BytesMain\0"


def sysconfig_vars(
    version: str = "3.11",
    machine: Machine = AARCH64,
    *,
    multiarch: str | None = None,
    cc: str | None = None,
    debug: bool = False,
) -> dict[str, Any]:
    """``build_time_vars`` like Debian's for ``machine`` (a subset of the real ~900 keys)."""
    multiarch = machine.triplet if multiarch is None else multiarch
    cc = f"{machine.triplet}-gcc" if cc is None else cc
    cxx = f"{machine.triplet}-g++"
    nodot = version.replace(".", "")
    abiflags = "d" if debug else ""
    soabi = f"cpython-{nodot}{abiflags}-{multiarch}"
    return {
        "ABIFLAGS": abiflags,
        "AR": f"{machine.triplet}-ar",
        "ARFLAGS": "rcs",
        "BINDIR": "/usr/bin",
        "BLDSHARED": f"{cc} -shared -Wl,-O1 -Wl,-Bsymbolic-functions",
        "CC": cc,
        "CCSHARED": "-fPIC",
        "CFLAGS": "-Wsign-compare -DNDEBUG -g -fwrapv -O2 -Wall",
        "CONFIG_ARGS": "'--enable-shared' '--prefix=/usr' '--with-system-expat'",
        "CONFINCLUDEPY": f"/usr/include/python{version}{abiflags}",
        "CPP": f"{cc} -E",
        "CXX": cxx,
        "EXT_SUFFIX": f".{soabi}.so",
        "HOST_GNU_TYPE": machine.gnu_type,
        "INCLUDEPY": f"/usr/include/python{version}{abiflags}",
        "LDCXXSHARED": f"{cxx} -shared -Wl,-O1",
        "LDLIBRARY": f"libpython{version}{abiflags}.so",
        "LDSHARED": f"{cc} -shared -Wl,-O1",
        "LIBDEST": f"/usr/lib/python{version}",
        "LIBDIR": f"/usr/lib/{multiarch}",
        "LIBPL": f"/usr/lib/python{version}/config-{version}{abiflags}-{multiarch}",
        "LINKCC": cc,
        "MACHDEP": "linux",
        "MULTIARCH": multiarch,
        "Py_DEBUG": 1 if debug else 0,
        "Py_ENABLE_SHARED": 1,
        "SHLIB_SUFFIX": ".so",
        "SIZEOF_VOID_P": machine.bits // 8,
        "SOABI": soabi,
        "VERSION": version,
        "WITH_DOC_STRINGS": 1,
        "exec_prefix": "/usr",
        "prefix": "/usr",
        "py_version_nodot": nodot,
    }


@dataclass(frozen=True)
class FakeLayout:
    """The files of a fake host python."""

    root: Path
    python: Path
    """``ROOT/usr/bin/pythonX.Y``: an ELF header for the machine."""
    sysconfigdata: Path
    include_dir: Path
    machine: Machine
    version: str
    config_vars: dict[str, Any]


def write_sysconfigdata(path: Path, config_vars: dict[str, Any]) -> Path:
    """Write a ``_sysconfigdata_*.py`` file as CPython's build writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# system configuration generated and used by the sysconfig module\n"
        f"build_time_vars = {pprint.pformat(config_vars, indent=1)}\n"
    )
    return path


#: The modification time of every file of a fake layout.
LAYOUT_MTIME = 1_700_000_000


def make_layout(
    root: Path,
    *,
    version: str = "3.11",
    machine: Machine = AARCH64,
    multiarch: str | None = None,
    cc: str | None = None,
    debug: bool = False,
    micro: int | None = 2,
    glibc: tuple[int, ...] | None = (17, 36),
    musl: str | None = None,
    python_name: str | None = None,
    python_content: bytes | None = None,
    overrides: dict[str, Any] | None = None,
    sysconfig_py: bool = False,
) -> FakeLayout:
    """Lay out a fake host python under ``root``.

    ``micro`` is the patch level written to ``patchlevel.h`` (``None``: no header);
    ``glibc`` lists the ``GLIBC_2.N`` symbol versions of ``libc.so.6`` (``None``: no libc);
    ``musl`` (``"1.2.3"``) makes the python a real musl program (see :func:`musl_program`)
    and gives the root musl's loader, ``/lib/ld-musl-<arch>.so.1``, of that version;
    ``python_content`` is the python binary's content (default: an ELF header and the
    ``Py_BytesMain`` symbol name that marks a CPython interpreter); ``overrides`` replaces or
    adds sysconfig variables (``None`` values remove them); ``sysconfig_py`` adds Debian's
    ``sysconfig.py`` (its ``_INSTALL_SCHEMES``) to the stdlib.
    """
    config_vars = sysconfig_vars(version, machine, multiarch=multiarch, cc=cc, debug=debug)
    for key, value in (overrides or {}).items():
        if value is None:
            config_vars.pop(key, None)
        else:
            config_vars[key] = value
    multiarch = str(config_vars.get("MULTIARCH", ""))
    abiflags = str(config_vars.get("ABIFLAGS", ""))

    python = root / "usr" / "bin" / (python_name or f"python{version}")
    python.parent.mkdir(parents=True, exist_ok=True)
    if python_content is None and musl is not None:
        python_content = musl_program(machine) + b"\0Py_Initialize\0Py_BytesMain\0"
        arch = machine.triplet.split("-")[0]
        loader = root / "lib" / f"ld-musl-{arch}.so.1"
        loader.parent.mkdir(parents=True, exist_ok=True)
        loader.write_bytes(musl_library(musl, arch))
    python.write_bytes(python_binary(machine) if python_content is None else python_content)
    python.chmod(0o755)

    stdlib = root / "usr" / "lib" / f"python{version}"
    sysconfigdata = write_sysconfigdata(stdlib / f"_sysconfigdata_{abiflags}_{multiarch}.py", config_vars)
    (stdlib / "os.py").write_text("# the host's os module (never imported)\n")
    if sysconfig_py:
        write_debian_sysconfig(stdlib)

    include_dir = root / str(config_vars.get("INCLUDEPY", f"/usr/include/python{version}")).lstrip("/")
    include_dir.mkdir(parents=True, exist_ok=True)
    if micro is not None:
        (include_dir / "patchlevel.h").write_text(
            f'/* Version as a string */\n#define PY_VERSION      \t"{version}.{micro}"\n'
        )
    (include_dir / "Python.h").write_text("/* the host's Python.h */\n")

    if glibc is not None:
        libc = root / "lib" / multiarch / "libc.so.6"
        libc.parent.mkdir(parents=True, exist_ok=True)
        libc.write_bytes(elf_header(machine, ET_DYN) + b"".join(f"GLIBC_2.{minor}".encode() + b"\0" for minor in glibc))
    for path in root.rglob("*"):  # as a package manager leaves them: two layouts alike are alike
        os.utime(path, (LAYOUT_MTIME, LAYOUT_MTIME), follow_symlinks=False)
    return FakeLayout(
        root=root,
        python=python,
        sysconfigdata=sysconfigdata,
        include_dir=include_dir,
        machine=machine,
        version=version,
        config_vars=config_vars,
    )


def build_details(
    version: str = "3.14", machine: Machine = AARCH64, *, flags: str = "", micro: int = 0
) -> dict[str, Any]:
    """A PEP 739 ``build-details.json`` as CPython 3.14 writes it for ``machine`` (``flags``:
    the ABI flags, ``t`` for a free-threaded build)."""
    nodot = version.replace(".", "")
    major, minor = (int(part) for part in version.split("."))
    version_info = {"major": major, "minor": minor, "micro": micro, "releaselevel": "final", "serial": 0}
    suffix = f".cpython-{nodot}{flags}-{machine.triplet}.so"
    return {
        "schema_version": "1.0",
        "base_prefix": "/usr",
        "base_interpreter": f"/usr/bin/python{version}{flags}",
        "platform": f"linux-{machine.uname}",
        "language": {"version": version, "version_info": version_info},
        "implementation": {
            "name": "cpython",
            "version": version_info,
            "hexversion": (major << 24) | (minor << 16) | (micro << 8) | 0xF0,
            "cache_tag": f"cpython-{nodot}",
            "_multiarch": machine.triplet,
        },
        "abi": {"flags": list(flags), "extension_suffix": suffix, "stable_abi_suffix": ".abi3.so"},
        "suffixes": {
            "source": [".py"],
            "bytecode": [".pyc"],
            "optimized_bytecode": [".pyc"],
            "debug_bytecode": [".pyc"],
            "extensions": [suffix, ".abi3.so", ".so"],
        },
        "libpython": {
            "dynamic": f"/usr/lib/libpython{version}{flags}.so.1.0",
            "dynamic_stableabi": "/usr/lib/libpython3.so",
            "link_extensions": False,
        },
        "c_api": {"headers": f"/usr/include/python{version}{flags}", "pkgconfig_path": "/usr/lib/pkgconfig"},
    }


def write_build_details(layout: FakeLayout, details: dict[str, Any] | str) -> Path:
    """Write ``build-details.json`` (a dictionary, or the file's text as it is) into the
    stdlib of ``layout``."""
    path = layout.sysconfigdata.parent / "build-details.json"
    path.write_text(details if isinstance(details, str) else json.dumps(details, indent=2))
    return path


_FAKE_COMPILER = """#!/bin/sh
# A fake compiler for crossbuild's tests: answers -dumpmachine, and "compiles" anything
# given -o OUT by writing an ELF object header for {uname} to OUT.
out=
while [ $# -gt 0 ]; do
    case "$1" in
        -dumpmachine) echo {triplet}; exit 0 ;;
        -dumpfullversion) echo 12.2.0; exit 0 ;;
        -o) out="$2"; shift ;;
    esac
    shift
done
if [ -z "$out" ]; then echo "fake compiler: no -o OUTPUT given" >&2; exit 1; fi
printf '{object}' > "$out"
"""


def write_fake_compiler(path: Path, machine: Machine, triplet: str | None = None) -> Path:
    """An executable at ``path`` that compiles for ``machine`` and says it targets ``triplet``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    octal = "".join(f"\\{byte:03o}" for byte in elf_header(machine, ET_REL))
    path.write_text(_FAKE_COMPILER.format(uname=machine.uname, triplet=triplet or machine.triplet, object=octal))
    path.chmod(0o755)
    return path


def write_script(path: Path, body: str) -> Path:
    """An executable ``/bin/sh`` script at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def install_fake_toolchain(
    bin_dir: Path,
    machine: Machine = AARCH64,
    *,
    prefix: str | None = None,
    cxx: bool = True,
    binutils: bool = True,
    fortran: bool = False,
) -> Path:
    """``PREFIX-gcc`` (and ``PREFIX-g++``, ``PREFIX-gcc-ar``…, ``PREFIX-gfortran`` if
    ``fortran``) for ``machine`` in ``bin_dir``.

    Returns the C compiler's path.  ``prefix`` defaults to the machine's triplet.
    """
    prefix = machine.triplet if prefix is None else prefix
    cc = write_fake_compiler(bin_dir / f"{prefix}-gcc", machine)
    if cxx:
        write_fake_compiler(bin_dir / f"{prefix}-g++", machine)
    if fortran:
        write_fake_compiler(bin_dir / f"{prefix}-gfortran", machine)
    if binutils:
        for tool in ("gcc-ar", "gcc-ranlib", "strip"):
            write_script(bin_dir / f"{prefix}-{tool}", "exit 0\n")
    return cc


def make_wheel(
    directory: Path,
    *,
    name: str = "pkg",
    version: str = "1.0",
    tags: str = "cp311-cp311-linux_x86_64",
    build: str | None = None,
    files: dict[str, bytes] | None = None,
    purelib: bool = False,
    dist_info: str | None = None,
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    executable: Sequence[str] = (),
) -> Path:
    """Write a wheel with a WHEEL, METADATA and RECORD, like a backend writes it.

    ``tags`` is the compressed tag set of the file name; each expanded tag gets a ``Tag:``
    line.  ``dist_info`` names the ``.dist-info`` directory (default: from the file name).
    ``requires`` become ``Requires-Dist:`` lines of METADATA, ``requires_python`` its
    ``Requires-Python:``.  Members named in ``executable`` have mode 0755, the others 0644.
    """
    import zipfile

    from packaging.tags import parse_tag
    from wheel.wheelfile import WheelFile

    directory.mkdir(parents=True, exist_ok=True)
    build_part = f"-{build}" if build else ""
    path = directory / f"{name}-{version}{build_part}-{tags}.whl"
    dist_info = dist_info or f"{name}-{version}.dist-info"
    wheel_lines = [
        "Wheel-Version: 1.0",
        "Generator: fakehost (1.0)",
        f"Root-Is-Purelib: {'true' if purelib else 'false'}",
        *(f"Tag: {tag}" for tag in sorted(map(str, parse_tag(tags)))),
        *([f"Build: {build}"] if build else []),
    ]
    with WheelFile(path, "w") as wheel:
        for member, content in (files or {f"{name}/__init__.py": b"ANSWER = 42\n"}).items():
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | (0o755 if member in executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, content)
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Python: {requires_python}"] if requires_python else []
        metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
        wheel.writestr(f"{dist_info}/METADATA", "\n".join(metadata) + "\n\n")
        wheel.writestr(f"{dist_info}/WHEEL", "\n".join(wheel_lines) + "\n\n")
    return path


def make_sdist(
    path: Path, files: dict[str, bytes], top: str | None = None, *, modes: dict[str, int] | None = None
) -> Path:
    """Write an sdist (``.tar.gz``, ``.tgz`` or ``.zip``) whose members sit under ``top/``.

    Members have mode 0644 unless ``modes`` gives another (``{"configure": 0o755}``).
    """
    import io
    import tarfile
    import zipfile

    top = top or path.name.split(".tar")[0].removesuffix(".tgz").removesuffix(".zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    modes = modes or {}
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                member = zipfile.ZipInfo(f"{top}/{name}")
                member.external_attr = (0o100000 | modes.get(name, 0o644)) << 16
                archive.writestr(member, data)
        return path
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = modes.get(name, 0o644)
            archive.addfile(info, io.BytesIO(data))
    return path


#: ``_INSTALL_SCHEMES`` of Debian bookworm's ``/usr/lib/python3.11/sysconfig.py`` (abridged:
#: the schemes a prefix install chooses from), laid out as Debian writes it.
DEBIAN_INSTALL_SCHEMES = """\
_INSTALL_SCHEMES = {
    'posix_prefix': {
        'stdlib': '{installed_base}/{platlibdir}/python{py_version_short}',
        'platstdlib': '{platbase}/{platlibdir}/python{py_version_short}',
        'purelib': '{base}/lib/python{py_version_short}/site-packages',
        'platlib': '{platbase}/{platlibdir}/python{py_version_short}/site-packages',
        'include':
            '{installed_base}/include/python{py_version_short}{abiflags}',
        'platinclude':
            '{installed_platbase}/include/python{py_version_short}{abiflags}',
        'scripts': '{base}/bin',
        'data': '{base}',
        },
    'deb_system': {
        'stdlib': '{installed_base}/lib/python{py_version_short}',
        'platstdlib': '{platbase}/lib/python{py_version_short}',
        'purelib': '{base}/lib/python3/dist-packages',
        'platlib': '{platbase}/lib/python3/dist-packages',
        'include':
            '{installed_base}/include/python{py_version_short}{abiflags}',
        'platinclude':
            '{installed_platbase}/include/python{py_version_short}{abiflags}',
        'scripts': '{base}/bin',
        'data': '{base}',
        },
    'posix_local': {
        'stdlib': '{installed_base}/lib/python{py_version_short}',
        'platstdlib': '{platbase}/lib/python{py_version_short}',
        'purelib': '{base}/local/lib/python{py_version_short}/dist-packages',
        'platlib': '{platbase}/local/lib/python{py_version_short}/dist-packages',
        'include':
            '{installed_base}/include/python{py_version_short}{abiflags}',
        'platinclude':
            '{installed_platbase}/include/python{py_version_short}{abiflags}',
        'scripts': '{base}/local/bin',
        'data': '{base}/local',
        },
    'posix_home': {
        'stdlib': '{installed_base}/lib/python',
        'platstdlib': '{base}/lib/python',
        'purelib': '{base}/lib/python',
        'platlib': '{base}/lib/python',
        'include': '{installed_base}/include/python',
        'platinclude': '{installed_base}/include/python',
        'scripts': '{base}/bin',
        'data': '{base}',
        },
    }

# For the OS-native venv scheme, we essentially provide an alias:
if os.name == 'nt':
    _INSTALL_SCHEMES['venv'] = _INSTALL_SCHEMES['nt_venv']
else:
    _INSTALL_SCHEMES['venv'] = _INSTALL_SCHEMES['posix_venv']
"""


def write_debian_sysconfig(stdlib: Path) -> Path:
    """A ``sysconfig.py`` in ``stdlib`` with Debian's install schemes (and code around them)."""
    path = stdlib / "sysconfig.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '"""Access to Python\'s configuration information."""\n\nimport os\nimport sys\n\n'
        "__all__ = ['get_paths']\n\n" + DEBIAN_INSTALL_SCHEMES
    )
    return path


#: What :func:`snapshot` records of a path: its type, mode, and content digest or link target.
Entry = tuple[str, int, str]


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under ``root`` with its type, mode, and content (file bytes, link target).

    Two equal snapshots mean a byte-identical tree (modification times aside).
    """
    result: dict[str, Entry] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                result[relative] = ("link", info.st_mode, str(path.readlink()))
            elif path.is_dir():
                result[relative] = ("dir", info.st_mode, "")
            else:
                result[relative] = ("file", info.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return result


_FAKE_RUSTC = """\
# A fake rustc: says its version, and where the standard library of a target is
case "$1" in
    -vV) printf 'rustc {version}\\nrelease: {version}\\nLLVM version: 14.0.6\\n' ;;
    --print) echo "{directory}/lib/rustlib/$4/lib" ;;  # --print target-libdir --target T
    *) echo "fake rustc: cannot $*" >&2; exit 1 ;;
esac
"""


def make_rust_toolchain(directory: Path, targets: Sequence[str], version: str = "1.63.0") -> Path:
    """A fake Rust toolchain directory: ``bin/cargo``, ``bin/rustc`` and the standard library
    (an empty ``libstd-*.rlib``) of each of ``targets``."""
    write_script(directory / "bin" / "rustc", _FAKE_RUSTC.format(version=version, directory=directory))
    write_script(directory / "bin" / "cargo", f"echo 'cargo {version}'\n")
    for target in targets:
        libdir = directory / "lib" / "rustlib" / target / "lib"
        libdir.mkdir(parents=True)
        (libdir / "libstd-0123456789abcdef.rlib").write_bytes(b"")
    return directory
