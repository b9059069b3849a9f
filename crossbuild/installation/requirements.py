"""What the user asks to install: requirement specifiers, files (``-r``, ``-c``), local sources.

Requirements files are read with ``pip-requirements-parser`` (pip's own grammar: markers,
``-r``/``-c`` nesting, ``--index-url``/``--find-links`` options, ``--hash``).  Local paths
and ``--find-links`` directories in a file are relative to that file, as with pip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pip_requirements_parser
from packaging.requirements import InvalidRequirement, Requirement

from .._exceptions import RequirementError
from ..wheel.sources import looks_like_path

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

#: The algorithms pip allows in ``--hash`` (its ``STRONG_HASHES``): md5 and sha1 are refused.
ALLOWED_HASHES = frozenset({"sha256", "sha384", "sha512"})


@dataclass(frozen=True)
class UserRequirement:
    """One requirement of the user: by name (``requirement``), a local source (``path``) or a
    remote file (``url``)."""

    origin: str
    """Where it was written: ``command line`` or ``FILE:LINE``."""
    requirement: Requirement | None = None
    path: Path | None = None
    """A local source tree, sdist or wheel."""
    url: str | None = None
    """An sdist or wheel to download (``NAME @ https://…`` or a bare URL)."""
    hashes: tuple[str, ...] = ()
    """``--hash`` values, ``sha256:HEX``: the file installed must match one of them."""

    def __str__(self) -> str:
        if self.requirement is not None:
            return str(self.requirement)
        return str(self.path or self.url)


@dataclass
class RequirementSet:
    requirements: list[UserRequirement] = field(default_factory=list)
    constraints: list[UserRequirement] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    no_index: bool = False


def parse_argument(
    text: str, origin: str = "command line", base: Path | None = None, hashes: tuple[str, ...] = ()
) -> UserRequirement:
    """A requirement given as text: a local path (``./pkg``, ``x.tar.gz``, ``x.whl``), a URL,
    or a specifier (``name==1.0``, ``name @ URL``)."""
    if _URL.match(text):
        return _from_url(text, origin, hashes)
    path = (base or Path.cwd()) / text
    if path.exists() or looks_like_path(text):
        if not path.exists():
            raise RequirementError("{text} ({origin}): no such file or directory", text=text, origin=origin)
        return UserRequirement(origin=origin, path=path.resolve(), hashes=hashes)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise RequirementError(
            "{text!r} ({origin}) is not a valid requirement: {error}",
            text=text,
            origin=origin,
            error=_first_line(error),
        ) from None
    if requirement.url:
        return _from_url(requirement.url, origin, hashes)
    return UserRequirement(origin=origin, requirement=requirement, hashes=hashes)


def _from_url(url: str, origin: str, hashes: tuple[str, ...]) -> UserRequirement:
    if url.startswith("file:"):
        return parse_argument(unquote(urlparse(url).path), origin, hashes=hashes)
    if not url.startswith(("http://", "https://")):
        raise RequirementError(
            "{url} ({origin}): only file, http and https URLs can be installed", url=url, origin=origin
        )
    return UserRequirement(origin=origin, url=url, hashes=hashes)


def read_requirement_files(
    files: Iterable[str | os.PathLike[str]], constraint_files: Iterable[str | os.PathLike[str]] = ()
) -> RequirementSet:
    """Requirements, constraints and index options of pip requirements files."""
    result = RequirementSet()
    for path, is_constraint in [*((f, False) for f in files), *((f, True) for f in constraint_files)]:
        if not Path(path).is_file():
            raise RequirementError("requirements file {path} not found", path=path)
        _check_nesting(Path(path), ())
        try:
            parsed = pip_requirements_parser.RequirementsFile.from_file(str(path), include_nested=True)
        except pip_requirements_parser.PipError as error:
            raise RequirementError("{path}: {error}", path=path, error=_first_line(error)) from None
        if parsed.invalid_lines:
            bad = parsed.invalid_lines[0]
            raise RequirementError(
                "{file}:{line_number}: cannot read {line!r}: {error}",
                file=bad.requirement_line.filename,
                line_number=bad.requirement_line.line_number,
                line=bad.requirement_line.line,
                error=_first_line(bad.error_message),
            )
        for item in parsed.requirements:
            user = _user_requirement(item)
            (result.constraints if is_constraint or item.is_constraint else result.requirements).append(user)
        for option in parsed.options:
            values = option.options
            here = Path(option.requirement_line.filename).parent
            result.index_url = values.get("index_url", result.index_url)
            result.extra_index_urls += values.get("extra_index_urls", [])
            result.find_links += [_relative_to(here, link) for link in values.get("find_links", [])]
            result.no_index = result.no_index or bool(values.get("no_index"))
    return result


#: ``-r FILE``, ``--requirement=FILE``, ``-cFILE``…: a line that reads another file.
_INCLUDE = re.compile(r"^\s*(?:-[rc]\s*=?|--(?:requirement|constraint)(?:\s*=\s*|\s+))(?P<file>\S+)")


def _check_nesting(path: Path, including: tuple[Path, ...]) -> None:
    """Each file of a nest of ``-r``/``-c`` files is UTF-8 text, and none includes itself:
    the parser would fail on either with an error that names neither the file nor the cause."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequirementError(
            "{path} is not UTF-8 text (byte 0x{byte:02x} at offset {offset}); save it as UTF-8",
            path=path,
            byte=data[error.start],
            offset=error.start,
        ) from None
    chain = (*including, path.resolve())
    for number, line in enumerate(text.splitlines(), 1):
        match = _INCLUDE.match(line)
        if match is None or _URL.match(match["file"]):
            continue
        nested = (path.parent / match["file"]).resolve()
        if nested in chain:
            raise RequirementError(
                "{path}:{number}: includes {nested} again (a file that includes itself); remove that line",
                path=path,
                number=number,
                nested=nested,
            )
        if nested.is_file():  # else the parser says it is missing
            _check_nesting(nested, chain)


def _user_requirement(item: pip_requirements_parser.InstallRequirement) -> UserRequirement:
    line = item.requirement_line
    origin = f"{line.filename}:{line.line_number}"
    hashes = tuple(item.hash_options)
    for value in hashes:
        if value.partition(":")[0] not in ALLOWED_HASHES:
            raise RequirementError(
                "{origin}: --hash={value}: only sha256, sha384 and sha512 hashes are allowed (as pip allows); "
                "give the file's sha256 (pip hash FILE prints it)",
                origin=origin,
                value=value,
            )
    if item.is_editable:
        raise RequirementError(
            "{origin}: editable requirements (-e) cannot be installed into a host root", origin=origin
        )
    if item.link is not None:  # a path or URL, maybe with a name the parser made up for it
        return parse_argument(item.link.url, origin, base=Path(line.filename).parent, hashes=hashes)
    text = str(item.req) if item.marker is None else f"{item.req}; {item.marker}"
    return UserRequirement(origin=origin, requirement=Requirement(text), hashes=hashes)


def _relative_to(directory: Path, link: str) -> str:
    """A ``--find-links`` value of a requirements file: local paths are relative to it."""
    if _URL.match(link) or Path(link).is_absolute() or not (directory / link).exists():
        return link
    return str((directory / link).resolve())


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
