"""Every error crossbuild raises on purpose.

Each message says what is wrong and what to do about it, on one line, so the CLI can
print ``error: <message>`` and exit.  Structured data stays on the exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class CrossbuildError(Exception):
    """Base class of the errors a user can act on."""


class HostPythonError(CrossbuildError):
    """The ``--host`` interpreter is missing, not a Python, or cannot be understood."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = Path(path)
        self.problem = problem

    def __str__(self) -> str:
        return f"host python {self.path}: {self.problem}"


class VersionMismatchError(CrossbuildError):
    """Build python and host python differ in their X.Y version."""

    def __init__(self, host_version: str, build_python: str, build_version: str) -> None:
        super().__init__(host_version, build_python, build_version)
        self.host_version = host_version
        self.build_python = build_python
        self.build_version = build_version

    def __str__(self) -> str:
        return (
            f"host python is {self.host_version} but build python {self.build_python} is "
            f"{self.build_version}; pass --build-python with a Python {self.host_version} interpreter"
        )


class ToolchainError(CrossbuildError):
    """No usable cross compiler, or one for the wrong machine."""


class SourceError(CrossbuildError):
    """A SOURCE argument that is neither a source tree, an sdist nor a findable requirement."""


class ResolutionError(CrossbuildError):
    """No set of versions satisfies the requirements on the host."""


class CommandError(CrossbuildError):
    """A subprocess crossbuild ran failed; keeps the tail of its output."""

    def __init__(self, what: str, command: Sequence[str], returncode: int, output_tail: str) -> None:
        super().__init__(what, command, returncode, output_tail)
        self.what = what
        self.command = list(command)
        self.returncode = returncode
        self.output_tail = output_tail

    def __str__(self) -> str:
        return f"{self.what} failed (exit code {self.returncode}): {_last_line(self.output_tail)}"


class BackendError(CrossbuildError):
    """The PEP 517 backend failed; keeps the tail of its output."""

    def __init__(self, project: str, hook: str, output_tail: str) -> None:
        super().__init__(project, hook, output_tail)
        self.project = project
        self.hook = hook
        self.output_tail = output_tail

    def __str__(self) -> str:
        return (
            f"the build backend of {self.project} failed in {self.hook}: "
            f"{_last_line(self.output_tail, prefer='error:')} (see the output above, or rerun with -v)"
        )


class PureFallbackError(CrossbuildError):
    """A compiler failed and the project quietly produced a pure-Python wheel instead."""

    def __init__(self, wheel_name: str, compiler_command: Sequence[str], compiler_output: str) -> None:
        super().__init__(wheel_name, compiler_command, compiler_output)
        self.wheel_name = wheel_name
        self.compiler_command = list(compiler_command)
        self.compiler_output = compiler_output

    def __str__(self) -> str:
        return (
            f"the C/C++ build failed and the project fell back to the pure wheel {self.wheel_name}: "
            f"{_last_line(self.compiler_output, prefer='error:')} "
            "(fix the compile error, or pass --allow-pure-fallback to accept the pure wheel)"
        )


class WheelVerificationError(CrossbuildError):
    """The built wheel contains a binary that is not for the host."""

    def __init__(self, wheel_name: str, member: str, found: str, expected: str) -> None:
        super().__init__(wheel_name, member, found, expected)
        self.wheel_name = wheel_name
        self.member = member
        self.found = found
        self.expected = expected

    def __str__(self) -> str:
        return (
            f"{self.wheel_name}: {self.member} is built for {self.found} but the host is "
            f"{self.expected}; the backend did not use the cross compiler (check its "
            "compiler settings, or rerun with -v)"
        )


MAX_LINE = 300


def _last_line(text: str, prefer: str | None = None) -> str:
    """The most telling line of some output: the first one mentioning ``prefer``, else the last one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    preferred = [line for line in lines if prefer and prefer in line.lower()]
    line = preferred[0] if preferred else lines[-1] if lines else "no output"
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."
