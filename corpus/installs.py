"""Every package installed into the root by ``crossbuild install -j N``, failures peeled off.

One ``install`` is one transaction: when one build fails, crossbuild stops the others and
leaves the root as it was.  So the runner installs the whole selection at once, and when
that fails it takes out the package the error names (``the build backend of
PyNaCl-1.5.0.tar.gz failed``) and installs the rest again, all at once.  The wheels
built before the failure come from crossbuild's built-wheel cache, so a retry costs the
resolution and the builds the failure interrupted.  An error that names no package of
the group (a dependency's build, a resolution conflict) is narrowed down by halves — a
half that installs stays installed — to the one package that fails alone; then the rest
is tried at once again.  Every build runs inside ``install -j``, as a user's would.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from corpus.catalog import Package

_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) crossbuild INFO (building|built) (\S+)$")


@dataclass
class Attempt:
    """One ``crossbuild install`` run over a group of packages."""

    names: list[str]
    command: list[str]
    returncode: int
    seconds: float
    stderr: str
    log: Path

    @property
    def errors(self) -> list[str]:
        """The command's ``error: …`` lines."""
        return [line.strip() for line in self.stderr.splitlines() if line.startswith("error:")]

    @property
    def first_error(self) -> str:
        errors = self.errors
        if errors:
            return errors[0]
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else f"exit code {self.returncode}"


@dataclass
class Installs:
    """What the installs did: the packages installed, those that failed (with the attempt
    that showed it), every attempt, and each build's seconds from crossbuild's log."""

    installed: list[str] = field(default_factory=list)
    failed: dict[str, Attempt] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    build_seconds: dict[str, float] = field(default_factory=dict)
    report: dict[str, dict[str, object]] = field(default_factory=dict)
    """The ``--report`` entry of every distribution installed, by canonical name."""

    @property
    def wall_seconds(self) -> float:
        return sum(attempt.seconds for attempt in self.attempts)


@dataclass(frozen=True)
class Installer:
    """How to run ``crossbuild install`` for the corpus."""

    crossbuild: Path
    host_python: Path
    root: Path
    jobs: int
    cache_dir: Path
    workdir: Path
    no_binary: tuple[str, ...]
    extra_args: tuple[str, ...] = ()
    sdists: dict[str, Path] | None = None
    """The packages' sdist files, given instead of ``name==version`` (``--from-sdists``)."""

    def wanted(self, package: Package) -> str:
        return str(self.sdists[package.name]) if self.sdists else package.requirement

    def run(self, group: Sequence[Package], number: int) -> Attempt:
        log = self.workdir / f"install-{number:03d}.log"
        report = self.workdir / f"install-{number:03d}.json"
        command = [
            str(self.crossbuild),
            "install",
            "--host",
            str(self.host_python),
            "--root",
            str(self.root),
            "-j",
            str(self.jobs),
            "--cache-dir",
            str(self.cache_dir),
            "--no-binary",
            ",".join(self.no_binary),
            "--log",
            str(log),
            "--report",
            str(report),
            *self.extra_args,
            *(self.wanted(p) for p in group),
        ]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL)
        seconds = time.monotonic() - started
        return Attempt([p.name for p in group], command, done.returncode, seconds, done.stderr, log)


def install_all(installer: Installer, packages: Sequence[Package], say: Callable[[str], None] = print) -> Installs:
    """Install ``packages`` (see the module's docstring), every failure peeled off."""
    installs = Installs()
    pending = list(packages)
    while pending:
        attempt = _attempt(installer, pending, installs, say)
        if attempt.returncode == 0:
            return installs
        culprit = blame(attempt, pending) or _narrow(installer, pending, installs, say)
        if culprit is not None:
            _fail(culprit, installs.failed.get(culprit.name) or attempt, installs, say)
        pending = [p for p in pending if p.name not in installs.installed and p.name not in installs.failed]
    return installs


def _narrow(
    installer: Installer, group: list[Package], installs: Installs, say: Callable[[str], None]
) -> Package | None:
    """The package of ``group`` that fails alone, found by halves when the error named none
    (the halves that install are installed); ``None`` if every half installs."""
    while len(group) > 1:
        first, second = group[: len(group) // 2], group[len(group) // 2 :]
        say(f"an error naming no package of {len(group)}: trying {len(first)} of them")
        attempt = _attempt(installer, first, installs, say)
        if attempt.returncode == 0:
            group = second
            if len(group) > 1 or _attempt(installer, group, installs, say).returncode == 0:
                continue
            installs.failed[group[0].name] = installs.attempts[-1]
            return group[0]
        culprit = blame(attempt, first)
        if culprit is not None:
            installs.failed[culprit.name] = attempt
            return culprit
        group = first
    if group and group[0].name not in installs.installed:
        if group[0].name not in installs.failed:
            installs.failed[group[0].name] = installs.attempts[-1]
        return group[0]
    return None


def _attempt(installer: Installer, group: Sequence[Package], installs: Installs, say: Callable[[str], None]) -> Attempt:
    attempt = installer.run(group, len(installs.attempts) + 1)
    installs.attempts.append(attempt)
    _read_build_times(attempt.log, installs.build_seconds)
    if attempt.returncode == 0:
        installs.installed.extend(p.name for p in group)
        _read_report(attempt.log.with_suffix(".json"), installs.report)
        names = " ".join(p.name for p in group) if len(group) <= 4 else f"{len(group)} packages"
        say(f"installed {names} in {attempt.seconds:.0f}s")
    return attempt


def _fail(culprit: Package, attempt: Attempt, installs: Installs, say: Callable[[str], None]) -> None:
    installs.failed[culprit.name] = attempt
    installs.build_seconds.setdefault(culprit.name, _failure_seconds(attempt.log, culprit.name))
    say(f"{culprit.name} failed ({attempt.seconds:.0f}s): {attempt.first_error}")


def blame(attempt: Attempt, group: Sequence[Package]) -> Package | None:
    """The package of ``group`` whose ``name-version`` the error names, if only one is."""
    text = _normal(" ".join(attempt.errors) or attempt.first_error)
    named = [
        p for p in group if re.search(rf"(?<![a-z0-9]){re.escape(_normal(f'{p.name}-{p.version}'))}(?![0-9])", text)
    ]
    return named[0] if len(named) == 1 else None


def _normal(text: str) -> str:
    """Names and versions as the error may spell them (``PyNaCl-1.5.0``, ``python_rtmidi``):
    lower case, every run of ``-_.`` and spaces one ``-``."""
    return re.sub(r"[-_.\s]+", "-", text.lower())


def _read_build_times(log: Path, seconds: dict[str, float]) -> None:
    """Each build's seconds, from its ``building SDIST`` line to its ``built WHEEL`` line in
    crossbuild's log (the first time a project is built; a later reuse is not a build)."""
    started: dict[str, datetime] = {}
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        match = _LOG_LINE.match(line)
        if match is None:
            continue
        when = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
        try:
            if match[2] == "building":
                started.setdefault(str(parse_sdist_filename(match[3])[0]), when)
            else:
                name = str(parse_wheel_filename(match[3])[0])
                if name in started and name not in seconds:
                    seconds[name] = (when - started[name]).total_seconds()
        except (InvalidSdistFilename, InvalidWheelFilename):
            continue


def _failure_seconds(log: Path, name: str) -> float:
    """How long the failed build of ``name`` ran: from its ``building`` line to the log's end
    (when a build fails, crossbuild stops the others and ends)."""
    start = last = None
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return 0.0
    for line in lines:
        try:
            when = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        except ValueError:
            continue
        last = when
        match = _LOG_LINE.match(line)
        if start is None and match is not None and match[2] == "building":
            try:
                if parse_sdist_filename(match[3])[0] == name:
                    start = when
            except InvalidSdistFilename:
                continue
    return (last - start).total_seconds() if start is not None and last is not None else 0.0


def _read_report(path: Path, into: dict[str, dict[str, object]]) -> None:
    """The entries of an install's ``--report``; a distribution kept as installed by a later
    install keeps the entry of the one that installed it."""
    try:
        entries = json.loads(path.read_text())["install"]
    except (OSError, ValueError, KeyError):
        return
    for entry in entries:
        name = str(canonicalize_name(entry["metadata"]["name"]))
        if entry.get("action") != "kept" or name not in into:
            into[name] = entry
