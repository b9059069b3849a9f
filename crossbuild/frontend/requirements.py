"""What the user asks to install: requirement specifiers, files (``-r``, ``-c``), local sources.

Requirements files are read with ``pip-requirements-parser`` (pip's own grammar: markers,
``-r``/``-c`` nesting, ``--index-url``/``--find-links`` options, hashes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pip_requirements_parser
from packaging.requirements import InvalidRequirement, Requirement

from .._exceptions import SourceError
from .sources import SDIST_SUFFIXES


@dataclass(frozen=True)
class UserRequirement:
    """One requirement of the user: by name (``requirement``) or a local source (``path``)."""

    origin: str
    """Where it was written: ``command line`` or ``FILE:LINE``."""
    requirement: Requirement | None = None
    path: Path | None = None
    """A local source tree, sdist or wheel."""

    def __str__(self) -> str:
        return str(self.requirement) if self.requirement is not None else str(self.path)


@dataclass
class RequirementSet:
    requirements: list[UserRequirement] = field(default_factory=list)
    constraints: list[UserRequirement] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    no_index: bool = False


def parse_argument(text: str, origin: str = "command line", base: Path | None = None) -> UserRequirement:
    """A requirement given as text: a local path (``./pkg``, ``x.tar.gz``, ``x.whl``) or a specifier."""
    path = (base or Path.cwd()) / text
    if path.exists() or os.sep in text or text.startswith(".") or text.endswith((*SDIST_SUFFIXES, ".whl")):
        if not path.exists():
            raise SourceError(f"{text} ({origin}): no such file or directory")
        return UserRequirement(origin=origin, path=path.resolve())
    try:
        return UserRequirement(origin=origin, requirement=Requirement(text))
    except InvalidRequirement as error:
        raise SourceError(f"{text!r} ({origin}) is not a valid requirement: {error}") from None


def read_requirement_files(
    files: Iterable[str | os.PathLike[str]], constraint_files: Iterable[str | os.PathLike[str]] = ()
) -> RequirementSet:
    """Requirements, constraints and index options of pip requirements files."""
    result = RequirementSet()
    for path, is_constraint in [*((f, False) for f in files), *((f, True) for f in constraint_files)]:
        if not Path(path).is_file():
            raise SourceError(f"requirements file {path} not found")
        parsed = pip_requirements_parser.RequirementsFile.from_file(str(path), include_nested=True)
        if parsed.invalid_lines:
            bad = parsed.invalid_lines[0]
            raise SourceError(
                f"{bad.requirement_line.filename}:{bad.requirement_line.line_number}: "
                f"cannot read {bad.requirement_line.line!r}: {bad.error_message}"
            )
        for item in parsed.requirements:
            line = item.requirement_line
            origin = f"{line.filename}:{line.line_number}"
            if item.is_editable:
                raise SourceError(f"{origin}: editable requirements (-e) cannot be installed into a host root")
            if item.link is not None and item.req is None:
                user = parse_argument(item.link.url, origin, base=Path(line.filename).parent)
            else:
                user = UserRequirement(
                    origin=origin,
                    requirement=Requirement(str(item.req))
                    if item.marker is None
                    else Requirement(f"{item.req}; {item.marker}"),
                )
            (result.constraints if is_constraint or item.is_constraint else result.requirements).append(user)
        for option in parsed.options:
            values = option.options
            result.index_url = values.get("index_url", result.index_url)
            result.extra_index_urls += values.get("extra_index_urls", [])
            result.find_links += values.get("find_links", [])
            result.no_index = result.no_index or bool(values.get("no_index"))
    return result
