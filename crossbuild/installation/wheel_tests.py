"""Run a wheel's tests on the host's machine, under qemu-user, before it is published.

Like cibuildwheel's ``test-command``/``test-requires``, for a wheel that cannot run here:
the wheel and the test requirements are installed for the host by crossbuild's own
``install`` (host wheels from the index, or cross-built) into a fresh, empty directory,
and the host python runs the command under qemu-user with that directory's site
directories first on ``PYTHONPATH``.  Why a directory on ``PYTHONPATH`` rather than a
copy or an overlay of the sysroot: nothing of the sysroot is copied or written (qemu only
reads it, through ``-L``), its own packages stay importable behind the test's, as with a
virtual environment that sees the system's site-packages, and the directory goes away
with the test.  (``.pth`` files of the test requirements are not processed there.)

The command is split as a shell would split it, without a shell (no ``&&`` or pipes);
``{project}`` and ``{wheel}`` in it become the project's and the wheel's paths.  Its
first word picks what the host python runs: ``python``, ``python3`` or ``python3.X`` is
the host python itself; a script the test requirements installed (``pytest``) is run by
the host python; any other word ``W`` is run as ``python -m W``.  So ``pytest
{project}/tests`` runs the host's pytest, under qemu, never the build machine's.  The
command runs in an empty directory, so that the source tree is not imported instead of
the installed wheel.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._buildlog import build_log
from .._exceptions import OptionError, ToolchainError
from .._files import make_dirs, publish_file
from .._reporter import Reporter, reporting
from .._signals import signals_raise
from .._subprocess import run
from .._tempdirs import temporary_directory
from .._version import __version__
from ..host.host import Host
from ..host.machines import QEMU
from ..wheel.context import BuildContext, HostSpec, make_context
from ..wheel.options import BuildOptions
from ..wheel.pipeline import build_wheel
from ._core import install

logger = logging.getLogger("crossbuild")

_PYTHON = re.compile(r"python(?:3(?:\.\d+)?)?")


@dataclass(frozen=True)
class WheelTests:
    """What tests a wheel: ``command`` (``pytest {project}/tests``) and its requirements."""

    command: str
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requires", tuple(self.requires))
        if not self.arguments("", ""):
            raise OptionError("{test_command} is empty; pass the command that runs the tests, e.g. 'pytest'")

    def arguments(self, project: str, wheel: str) -> list[str]:
        """The command's words with ``{project}`` and ``{wheel}`` replaced (and nothing else:
        other braces are the command's own)."""
        try:
            words = shlex.split(self.command)
        except ValueError as error:
            raise OptionError(
                "{test_command} {command!r} cannot be split into words: {reason}", command=self.command, reason=error
            ) from None
        return [word.replace("{project}", project).replace("{wheel}", wheel) for word in words]


def emulator_for(host: Host, root: Path) -> list[str]:
    """qemu-user for the host's machine, loading the host's files from ``root``."""
    if host.emulator is None:
        raise ToolchainError(
            "cannot run {machine} programs here: {qemu} is not on PATH; install it (Debian: apt-get install qemu-user)",
            machine=host.machine,
            qemu=QEMU.get(host.machine, f"qemu-{host.machine}"),
        )
    return [host.emulator[0], "-L", str(root)]


def host_command(words: Sequence[str], host: Host, scripts: Path) -> list[str]:
    """The command line that runs ``words`` with the host python under qemu (see the module)."""
    first, rest = words[0], list(words[1:])
    python = [*emulator_for(host, host.sysroot), str(host.python)]
    if _PYTHON.fullmatch(first):
        return [*python, *rest]
    if "/" not in first and (scripts / first).is_file():
        return [*python, str(scripts / first), *rest]
    return [*python, "-m", first, *rest]


def run_wheel_tests(
    wheel: str | os.PathLike[str],
    host: HostSpec,
    tests: WheelTests,
    *,
    project: str | os.PathLike[str] = "",
    options: BuildOptions | BuildContext | None = None,
    reporter: Reporter | None = None,
) -> None:
    """Install ``wheel`` and ``tests.requires`` for ``host`` into a throwaway directory and
    run ``tests.command`` with the host python under qemu-user; raise :class:`CommandError`
    (with the output's tail, and the log kept in the cache) if it fails."""
    with signals_raise():
        context = make_context(host, options)
        host = context.host
        wheel = Path(wheel).absolute()
        emulator_for(host, host.sysroot)  # before anything is installed
        words = tests.arguments(os.fspath(Path(project).absolute()) if project else "", str(wheel))
        with temporary_directory("test") as tmp:
            overlay = tmp / "root"
            overlay.mkdir()
            result = install([wheel, *tests.requires], host=host, root=overlay, options=context, reporter=reporter)
            sites = dict.fromkeys(str(overlay) + result.scheme[key] for key in ("purelib", "platlib"))
            scripts = Path(str(overlay) + result.scheme["scripts"])
            argv = host_command(words, host, scripts)
            environ = {
                "PATH": os.pathsep.join([str(scripts), os.environ.get("PATH", os.defpath)]),
                "PYTHONPATH": os.pathsep.join(sites),
                "PYTHONDONTWRITEBYTECODE": "1",
                "LANG": "C.UTF-8",
                "HOME": str(tmp),
            }
            (tmp / "cwd").mkdir()
            name = wheel.name.split("-")[0]
            header = f"# crossbuild {__version__}: testing {wheel.name} for {host.tag}"
            with build_log(context.cache, f"{name}-tests", header) as log, reporting(reporter, name, "testing"):
                logger.info("testing %s under %s: %s", wheel.name, Path(argv[0]).name, shlex.join(words))
                run(argv, what=f"the tests of {wheel.name}", env=environ, cwd=tmp / "cwd", log=log)


def build_tested_wheel(
    source: str | os.PathLike[str],
    host: HostSpec,
    wheel_dir: str | os.PathLike[str],
    tests: WheelTests,
    options: BuildOptions | BuildContext | None = None,
    *,
    reporter: Reporter | None = None,
) -> Path:
    """:func:`~crossbuild.build_wheel`, then :func:`run_wheel_tests`: the wheel reaches
    ``wheel_dir`` only if its tests pass on the host's machine.  ``{project}`` is
    ``source``, which must then be a source tree."""
    with signals_raise():
        context = make_context(host, options)
        host = context.host
        emulator_for(host, host.sysroot)  # before the build, not after it
        project = source if Path(source).is_dir() else ""
        if not project and "{project}" in tests.command:
            raise OptionError(
                "{test_command} uses {{project}}, the source tree, but {source} is not a directory; build from the "
                "project's source tree, or name the tests' path in the command",
                source=source,
            )
        with temporary_directory("tested") as tmp:
            wheel = build_wheel(source, host, tmp / "dist", context, reporter=reporter)
            run_wheel_tests(wheel, host, tests, project=project, options=context, reporter=reporter)
            make_dirs(Path(wheel_dir))
            published = publish_file(wheel, Path(wheel_dir) / wheel.name)
            logger.info("tested %s: the tests passed under qemu", wheel.name)
            return published
