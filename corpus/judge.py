"""Judge an installed package as its user would: on the host's own terms, not crossbuild's.

Nothing here asks crossbuild: the host's facts come from the root's python under qemu
(its ABI, platform and glibc), the tags from the installed ``WHEEL`` file, the machines
from each ELF file's header (pyelftools), and the imports from the root's python under
qemu with the root as ``/`` and its default ``sys.path``.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from corpus.catalog import Package

#: The facts of the host python that decide which wheels it takes and where it imports from.
_FACTS = """
import json, os, sys, sysconfig
print(json.dumps({
    "soabi": sysconfig.get_config_var("SOABI"),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "platform": sysconfig.get_platform(),
    "glibc": os.confstr("CS_GNU_LIBC_VERSION"),
    "version": "%d%d" % sys.version_info[:2],
    "path": [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))],
}))
"""

_IMPORTS = """
import importlib, json, sys, traceback
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except BaseException as error:
        print(json.dumps([name, traceback.format_exception_only(type(error), error)[-1].strip()]), flush=True)
    else:
        print(json.dumps([name, None]), flush=True)
"""


#: Packages of a distribution's own tests, not what its users import.
_NOT_SHIPPED = frozenset({"tests", "test", "testing"})


@dataclass(frozen=True)
class Machine:
    """What ELF files for the host are: pyelftools' ``e_machine``, class and flags."""

    e_machine: str
    elfclass: int
    hard_float: bool = False  # armhf: EF_ARM_ABI_FLOAT_HARD


MACHINES = {"arm64": Machine("EM_AARCH64", 64), "armhf": Machine("EM_ARM", 32, hard_float=True)}
_EF_ARM_ABI_FLOAT_HARD = 0x400


@dataclass(frozen=True)
class HostFacts:
    root: Path
    python: str  # its path on the host: /usr/bin/python3.11
    qemu: str
    machine: Machine
    soabi: str
    ext_suffix: str
    platform: str  # linux_aarch64
    glibc: tuple[int, int]
    version: str  # 311
    site_dirs: tuple[str, ...]

    def python_command(self, *args: str) -> list[str]:
        return [self.qemu, "-L", str(self.root), str(self.root / self.python.lstrip("/")), "-I", "-B", *args]

    def accepts(self, tag: str) -> bool:
        """Whether the host python installs a wheel of ``tag`` (one ``py-abi-platform``)
        with compiled code: its own platform (``linux_*``, or ``manylinux`` up to its glibc)."""
        python, abi, platform = tag.split("-")
        arch = self.platform.split("_", 1)[1]
        if python not in (f"cp{self.version}", f"py{self.version}", "py3", "cp3") and not (
            abi == "abi3" and python.startswith("cp3") and int(python[3:]) <= int(self.version[1:])
        ):
            return False
        if abi not in (f"cp{self.version}", "abi3", "none"):
            return False
        if platform == self.platform:
            return True
        legacy = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}
        match = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", platform)
        if match is not None:
            return match[3] == arch and (int(match[1]), int(match[2])) <= self.glibc
        base, _, wheel_arch = platform.partition("_")
        return wheel_arch == arch and base in legacy and legacy[base] <= self.glibc


def host_facts(root: Path, python: str, qemu: str, arch: str) -> HostFacts:
    """Ask the root's ``python`` (a host path) under ``qemu`` what it is."""
    command = [qemu, "-L", str(root), str(root / python.lstrip("/")), "-I", "-c", _FACTS]
    facts = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    major, minor = facts["glibc"].split()[-1].split(".")[:2]
    return HostFacts(
        root,
        python,
        qemu,
        MACHINES[arch],
        facts["soabi"],
        facts["ext_suffix"],
        facts["platform"].replace("-", "_").replace(".", "_"),
        (int(major), int(minor)),
        facts["version"],
        tuple(_on_host(path, root) for path in facts["path"]),
    )


def _on_host(path: str, root: Path) -> str:
    """The host path of a directory the python named: started by its path in the root (its
    prefix comes from where it was run), it names ``ROOT/usr/…``."""
    return path[len(str(root)) :] if path.startswith(str(root) + "/") else path


@dataclass(frozen=True)
class Verdict:
    ok: bool
    stage: str  # "tag", "elf", "import", or "" when ok
    line: str  # the first problem
    tags: tuple[str, ...] = ()
    elf_files: int = 0
    modules: tuple[str, ...] = ()


def judge(package: Package, files: list[str], host: HostFacts) -> Verdict:
    """The installed ``package`` (``files``: host paths of its RECORD) judged: its wheel tag,
    every ELF file's machine, every extension module (and ``package.imports``) imported."""
    tags = _wheel_tags(files, host.root)
    wrong = [tag for tag in tags if not host.accepts(tag)]
    if not tags or wrong:
        return Verdict(False, "tag", f"wheel tag {', '.join(wrong or ['(none)'])} is not one the host takes", tags)
    elf_files = [f for f in files if _is_elf(host.root / f.lstrip("/"))]
    for path in elf_files:
        problem = _elf_problem(host.root / path.lstrip("/"), host.machine)
        if problem:
            return Verdict(False, "elf", f"{path}: {problem}", tags, len(elf_files))
    modules = [*_extension_modules(files, host), *package.imports]
    modules = list(dict.fromkeys(modules))
    if not any(f.endswith(".so") or ".so." in f for f in elf_files):
        return Verdict(False, "elf", "no compiled extension was installed (a pure-Python fallback?)", tags)
    failure = _import_failure(modules, host)
    if failure:
        return Verdict(False, "import", failure, tags, len(elf_files), tuple(modules))
    return Verdict(True, "", "", tags, len(elf_files), tuple(modules))


def _wheel_tags(files: list[str], root: Path) -> tuple[str, ...]:
    for path in files:
        if path.endswith(".dist-info/WHEEL"):
            text = (root / path.lstrip("/")).read_text()
            return tuple(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:"))
    return ()


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"\x7fELF"
    except OSError:
        return False


def _elf_problem(path: Path, machine: Machine) -> str | None:
    try:
        with path.open("rb") as stream:
            elf = ELFFile(stream)
            found = (elf["e_machine"], elf.elfclass, elf.little_endian, elf["e_flags"])
    except (ELFError, OSError) as error:
        return f"not a readable ELF file ({error})"
    e_machine, elfclass, little, flags = found
    if e_machine != machine.e_machine or elfclass != machine.elfclass or not little:
        return f"built for {e_machine} ELF{elfclass}, the host is {machine.e_machine} ELF{machine.elfclass}"
    if machine.hard_float and not flags & _EF_ARM_ABI_FLOAT_HARD:
        return "soft-float ABI, the host is hard-float (armhf)"
    return None


def _extension_modules(files: list[str], host: HostFacts) -> list[str]:
    """The importable names of the extension modules among ``files`` (host paths): the
    shared objects in a site directory that define ``PyInit_<their name>``."""
    modules = []
    for path in files:
        site = next((s for s in host.site_dirs if path.startswith(s.rstrip("/") + "/")), None)
        if site is None or not path.endswith(".so"):
            continue
        relative = path[len(site.rstrip("/")) + 1 :]
        suffix = next(s for s in (host.ext_suffix, ".abi3.so", ".so") if relative.endswith(s))
        parts = relative[: -len(suffix)].split("/")
        if set(parts) & _NOT_SHIPPED:
            continue  # a test extension: its package imports the test requirements (greenlet.tests: objgraph)
        if all(part.isidentifier() for part in parts) and _defines(host.root / path.lstrip("/"), f"PyInit_{parts[-1]}"):
            modules.append(".".join(parts))
    return sorted(modules)


def _defines(path: Path, symbol: str) -> bool:
    try:
        with path.open("rb") as stream:
            table = ELFFile(stream).get_section_by_name(".dynsym")
            return isinstance(table, SymbolTableSection) and any(
                s.name == symbol and s["st_shndx"] != "SHN_UNDEF" for s in table.iter_symbols()
            )
    except (ELFError, OSError):
        return False


def _import_failure(modules: list[str], host: HostFacts) -> str | None:
    """The first module that does not import, with its error; ``None`` when all do."""
    if not modules:
        return None
    command = host.python_command("-c", _IMPORTS, json.dumps(modules))
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=600, cwd="/")
    except subprocess.TimeoutExpired:
        return f"importing {', '.join(modules)} took more than 600s"
    seen = set()
    for line in done.stdout.splitlines():
        try:
            name, error = json.loads(line)
        except ValueError:
            continue
        seen.add(name)
        if error is not None:
            return f"import {name}: {error}"
    missing = [m for m in modules if m not in seen]
    if missing or done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return f"import {missing[0] if missing else modules[-1]}: the python died: {tail}"
    return None
