"""``install --check-imports``: import what was installed, on the host's machine, under qemu.

The smoke test users write by hand for a firmware image: after the commit, the root's own
python, run by qemu-user with the root as its ``/`` (``-L ROOT``), imports every
top-level module and package of the installed distributions, with the root's default
``sys.path`` (``-I``: no ``PYTHONPATH``, no user site, not the current directory) and
without writing bytecode into the root (``-B``).  The modules come from each
distribution's RECORD: the packages and modules at the top of its site directory, not
its tests, scripts, data or grafted libraries.  All are imported by one process (python
under qemu starts slowly); a crash (a segfault in an extension) is blamed on the module
being imported and the others after it are not reached.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .._subprocess import probe
from .result import InstallResult
from .wheel_tests import emulator_for

logger = logging.getLogger("crossbuild")

#: Top-level names that are not the distribution's importable code.
_NOT_MODULES = frozenset({"tests", "test", "testing", "__pycache__"})

#: Marks crossbuild's lines in the output, apart from what modules print as they import.
_MARK = "@@crossbuild-import@@ "

_SCRIPT = """
import json, sys, traceback
for name in json.loads(sys.argv[1]):
    print(MARK + json.dumps(["start", name, ""]), flush=True)
    try:
        __import__(name)
    except BaseException as error:
        line = traceback.format_exception_only(type(error), error)[-1].strip()
        print(MARK + json.dumps(["fail", name, line]), flush=True)
    else:
        print(MARK + json.dumps(["ok", name, ""]), flush=True)
"""


@dataclass(frozen=True)
class ImportFailure:
    module: str
    distribution: str
    """``NAME VERSION`` of the distribution that installed it."""
    line: str
    """The last line of the exception (``ImportError: cannot import name 'x' from 'y'``)."""

    def __str__(self) -> str:
        return f"{self.module} ({self.distribution}): {self.line}"


@dataclass(frozen=True)
class ImportReport:
    modules: tuple[str, ...]
    """Every module imported, in order."""
    failures: tuple[ImportFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def top_level_modules(files: Iterable[str], site_dirs: Sequence[str]) -> list[str]:
    """The importable top-level names among ``files`` (host paths) in ``site_dirs``."""
    names: dict[str, None] = {}
    for path in files:
        for site in site_dirs:
            prefix = site.rstrip("/") + "/"
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix) :]
            first, _, rest = relative.partition("/")
            if rest:  # a file in a package (or namespace package) directory
                name = first
            elif first.endswith((".py", ".so")):  # a module, or an extension module: NAME.cpython-311-….so
                name = first.split(".")[0]
            else:
                continue
            if name.isidentifier() and name not in _NOT_MODULES:
                names.setdefault(name, None)
    return list(names)


def check_imports(result: InstallResult) -> ImportReport:
    """Import every top-level module of ``result``'s distributions with the root's python
    under qemu; the failures, one per module that did not import."""
    host = result.host
    sites = list(dict.fromkeys(result.scheme[key] for key in ("purelib", "platlib")))
    owners: dict[str, str] = {}
    for distribution in result.distributions:
        for module in top_level_modules(distribution.files, sites):
            owners.setdefault(module, f"{distribution.name} {distribution.version}")
    modules = sorted(owners)
    if not modules:
        return ImportReport((), ())
    python = str(result.root) + host.python_on_host
    argv = [*emulator_for(host, result.root), python, "-I", "-B", "-c", _SCRIPT.replace("MARK", repr(_MARK))]
    logger.info("importing %d modules under qemu: %s", len(modules), ", ".join(modules))
    outcome = probe([*argv, json.dumps(modules)], env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    failures: list[ImportFailure] = []
    started = None
    for line in outcome.stdout.split("\n"):  # not splitlines(): modules may print \x1c-\x1e
        if not line.startswith(_MARK):
            continue
        state, module, message = json.loads(line[len(_MARK) :])
        message = message.replace(str(result.root), "")  # paths as on the host
        started = module if state == "start" else None
        if state == "fail":
            failures.append(ImportFailure(module, owners[module], message))
    if not outcome.ok:
        last = (outcome.stderr.strip().splitlines() or [f"exit code {outcome.returncode}"])[-1]
        blamed = started or "python"
        failures.append(ImportFailure(blamed, owners.get(blamed, "?"), f"the process ended: {last}"))
    return ImportReport(tuple(modules), tuple(failures))
