"""Every error crossbuild raises on purpose.

Each message says what is wrong and what to do about it, on one line, so the CLI can
print ``error: <message>`` and exit.  Structured data stays on the exception.

Messages speak of the library's parameters: a message is a template in which
``{build_python}`` names a parameter and the other fields are the error's details.
``str(error)`` shows parameter names (``build_python=``); the CLI renders the same error
with its own flag names (``--build-python``) through :meth:`CrossbuildError.render`.
Only crossbuild's own words are templates: details (paths, a compiler's output) are
inserted as they are, so a ``--sysroot=…`` in a compiler's output is never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

#: How messages name parameters when the library is used from Python (others: ``name=``).
API_NAMES = {
    "allow_pure_fallback": "allow_pure_fallback=True",
    "verbose": "the 'crossbuild.output' logger at INFO",
}


class _Fields(dict[str, object]):
    """Details by name; any other field is a parameter, shown by its name in ``names``."""

    def __init__(self, details: Mapping[str, object], names: Mapping[str, str]) -> None:
        super().__init__(details)
        self.names = names

    def __missing__(self, parameter: str) -> str:
        return self.names.get(parameter, f"{parameter}=")


class CrossbuildError(Exception):
    """Base class of the errors a user can act on.

    ``message`` is a template: ``{name}`` fields are filled from ``details``, or else name
    a parameter of the library (see :meth:`render`).
    """

    log: Path | None = None
    """The full log of the build that failed, kept in the cache (``<cache>/logs/…``)."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message, with parameters called as ``names`` maps them (default: their own names)."""
        try:
            return self.message.format_map(_Fields(self.details, names or API_NAMES))
        except (ValueError, IndexError, AttributeError):  # a message that is not a template
            return self.message

    def __str__(self) -> str:
        return self.render()


class HostPythonError(CrossbuildError):
    """The ``host`` interpreter is missing, not a Python, or cannot be understood."""

    def __init__(self, path: Path | str, problem: str, **details: object) -> None:
        super().__init__("host python {path}: " + problem, path=Path(path), **details)
        self.path = Path(path)
        self.problem = problem


class BuildPythonError(CrossbuildError):
    """The build python cannot be found or does not run."""


class VersionMismatchError(BuildPythonError):
    """Build python and host python differ in their X.Y version."""

    def __init__(self, host_version: str, build_python: str, build_version: str, *, searched: bool = False) -> None:
        if searched:  # the running python is of another X.Y, and no native pythonX.Y was found
            message = (
                "host python is {host_version} but build python {build_path} is {build_version}, and no native "
                "python{host_version} was found on PATH, in pyenv or among uv's pythons; install one "
                "(pyenv install {host_version}, or uv python install {host_version}) or pass {build_python} "
                "a Python {host_version} interpreter"
            )
        else:
            message = (
                "host python is {host_version} but build python {build_path} is {build_version}; "
                "pass {build_python} with a Python {host_version} interpreter"
            )
        super().__init__(message, host_version=host_version, build_path=build_python, build_version=build_version)
        self.host_version = host_version
        self.build_python = build_python
        self.build_version = build_version
        self.searched = searched


class OptionError(CrossbuildError):
    """An option whose value cannot be understood."""


class ConfigurationError(CrossbuildError):
    """A configuration file or ``CROSSBUILD_*`` variable that cannot be understood."""


class ToolchainError(CrossbuildError):
    """No usable cross compiler, or one for the wrong machine."""


class SourceError(CrossbuildError):
    """A source that is neither a source tree, an sdist nor a findable requirement, or
    one that cannot be downloaded or unpacked."""


class RequirementError(CrossbuildError):
    """A requirement, requirements file or constraints file that cannot be understood."""


class HostRequirementError(CrossbuildError):
    """A host requirement (a build requirement the project compiles against: numpy) that
    cannot be understood, found for the host or cross-built."""


class HashMismatchError(CrossbuildError):
    """A file whose digest is none of the ``--hash`` values its requirement allows."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(
            "the hash of {what} does not match the requirement (--hash); {detail}", what=what, detail=detail
        )
        self.what = what
        self.detail = detail


class CacheError(CrossbuildError):
    """The cache cannot be written: a full disk, a read-only or foreign folder."""


class InstallTargetError(CrossbuildError):
    """The root or prefix to install into is missing, wrong for the host, or unusable."""


class RootfsError(CrossbuildError):
    """A path inside a root directory cannot be resolved (a symlink loop), or the view of
    a root that its build tools need cannot be made."""


class ResolutionError(CrossbuildError):
    """No set of versions satisfies the requirements on the host."""


class CommandError(CrossbuildError):
    """A subprocess crossbuild ran failed; keeps the tail of its output and its first real
    failure (``first_failure``: a compiler's ``error:`` line, ninja's ``FAILED:`` target)."""

    def __init__(
        self, what: str, command: Sequence[str], returncode: int, output_tail: str, first_failure: str | None = None
    ) -> None:
        super().__init__(
            "{what} failed (exit code {returncode}): {line}",
            what=what,
            returncode=returncode,
            line=first_failure or _last_line(output_tail),
        )
        self.what = what
        self.command = list(command)
        self.returncode = returncode
        self.output_tail = output_tail
        self.first_failure = first_failure


class BackendError(CrossbuildError):
    """The PEP 517 backend failed; keeps the tail of its output.  The message names the first
    real failure of the whole output (``first_failure``) when one was found."""

    def __init__(self, project: str, hook: str, output_tail: str, first_failure: str | None = None) -> None:
        super().__init__(
            "the build backend of {project} failed in {hook}: {line} (see the output above, or rerun with {verbose})",
            project=project,
            hook=hook,
            line=first_failure or _last_line(output_tail, prefer="error:"),
        )
        self.project = project
        self.hook = hook
        self.output_tail = output_tail
        self.first_failure = first_failure


class PureFallbackError(CrossbuildError):
    """A compiler failed and the project quietly produced a pure-Python wheel instead."""

    def __init__(
        self, wheel_name: str, compiler_command: Sequence[str], compiler_output: str, first_failure: str | None = None
    ) -> None:
        super().__init__(
            "the C/C++ build failed and the project fell back to the pure wheel {wheel_name}: {line} "
            "(fix the compile error, or pass {allow_pure_fallback} to accept the pure wheel)",
            wheel_name=wheel_name,
            line=first_failure or _last_line(compiler_output, prefer="error:"),
        )
        self.wheel_name = wheel_name
        self.compiler_command = list(compiler_command)
        self.compiler_output = compiler_output


class InvalidWheelError(CrossbuildError):
    """A wheel that is not a sound archive: corrupt or truncated, a member named outside
    the wheel (``../``, an absolute path), or contents that do not match its RECORD."""

    def __init__(self, wheel: Path | str, problem: str, **details: object) -> None:
        super().__init__(
            "{wheel_name} " + problem + "; it is damaged or unsafe: build or download it again",
            wheel_name=Path(wheel).name,
            **details,
        )
        self.wheel = Path(wheel)


class UnloadableWheelError(CrossbuildError):
    """A binary of the wheel would not load on the host: a library it needs is not in the
    host's root, or needs a symbol version (``GLIBC_2.38``) the root's library lacks."""


class RepairError(CrossbuildError):
    """A wheel that cannot be made a manylinux wheel for the host (``repair``): a symbol
    version too new for the platform tag asked for, a library that cannot be grafted."""


class WheelVerificationError(CrossbuildError):
    """The built wheel contains a binary that is not for the host."""

    def __init__(
        self,
        wheel_name: str,
        member: str,
        found: str,
        expected: str,
        message: str = "{wheel_name}: {member} is built for {found} but the host is {expected}; the backend did not "
        "use the cross compiler (check its compiler settings, or rerun with {verbose})",
    ) -> None:
        super().__init__(message, wheel_name=wheel_name, member=member, found=found, expected=expected)
        self.wheel_name = wheel_name
        self.member = member
        self.found = found
        self.expected = expected


class ForeignExtensionError(WheelVerificationError):
    """The built wheel holds an extension module named for another host
    (``m.cpython-311-aarch64-linux-musl.so`` in a glibc build): a build of another host left
    in the source tree (setuptools reuses ``build/``) was packed with this one.  ``found``
    and ``expected`` are the module's suffix and the host's."""

    def __init__(self, wheel_name: str, member: str, expected_suffix: str) -> None:
        super().__init__(
            wheel_name,
            member,
            "." + member.rpartition("/")[2].partition(".")[2],
            expected_suffix,
            "{wheel_name}: {member} is an extension module named for another host (this host's end in "
            "{expected}); the source tree holds an earlier build for another host: remove the project's "
            "build/ directory and build again",
        )


MAX_LINE = 300


def _last_line(text: str, prefer: str | None = None) -> str:
    """The most telling line of some output: the first one mentioning ``prefer``, else the last one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    preferred = [line for line in lines if prefer and prefer in line.lower()]
    return shorten(preferred[0] if preferred else lines[-1] if lines else "no output")


def shorten(line: str) -> str:
    """``line``, cut to :data:`MAX_LINE` characters for a one-line message."""
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."
