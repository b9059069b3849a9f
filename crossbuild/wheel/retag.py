"""Give a wheel the host's tags and rewrite its WHEEL and RECORD files.

The backend computed its tags while seeing the host through the runtime patch, but it may
still have used the build machine's platform (or a pure tag for a wheel holding
binaries).  The platform tag is set to the host's; interpreter and ABI tags are kept
when they fit the host (``cp311``, ``abi3``, ``none``) and replaced otherwise.

Every wheel is rewritten, even one whose tags were right, so that the same files make the
same bytes whatever the backend did: members in a fixed order, every one with the same
time stamp (the build's ``SOURCE_DATE_EPOCH``), mode 0644 or 0755, deflated.
"""

from __future__ import annotations

import email.policy
import stat
import tempfile
import time
import zipfile
from collections.abc import Mapping
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import parse_wheel_filename
from wheel.wheelfile import WheelFile

from ..host.host import Host

#: The first and last second a zip time stamp can say: 1980-01-01 00:00:00, 2107-12-31 23:59:58.
_ZIP_FIRST, _ZIP_LAST = 315532800, 4354819198

#: A zip member's time stamp: year, month, day, hour, minute, second.
DateTime = tuple[int, int, int, int, int, int]


def host_tags(wheel_name: str, host: Host, has_binaries: bool) -> frozenset[Tag]:
    """The tags ``wheel_name`` must carry on ``host``."""
    _, _, _, tags = parse_wheel_filename(wheel_name)
    if not has_binaries and all(tag.platform == "any" for tag in tags):
        return frozenset(tags)  # a pure wheel stays pure
    result = set()
    for tag in tags:
        if tag.abi in (host.abi_tag, "abi3", "none") and tag.interpreter.startswith(("cp", "py")):
            interpreter = tag.interpreter if tag.abi != host.abi_tag else host.interpreter_tag
            result.add(Tag(interpreter, tag.abi, host.platform_tag))
        else:
            result.add(host.tag)
    return frozenset(result)


def retag_wheel(
    wheel: Path,
    tags: frozenset[Tag],
    destination_dir: Path,
    source_date_epoch: int,
    extra: Mapping[str, bytes] | None = None,
) -> Path:
    """Write ``wheel`` with ``tags``, normalised, into ``destination_dir``; return its path.

    ``destination_dir`` may hold ``wheel``, which is then replaced.  ``extra`` members
    (name → content: an SBOM) are added, or replace those of the same name.
    """
    _, _, build, _ = parse_wheel_filename(wheel.name)
    with WheelFile(wheel) as source, tempfile.TemporaryDirectory(dir=destination_dir) as tmp:
        # Name the new file after the wheel's .dist-info directory: WheelFile writes RECORD
        # under the name-version of the file name, and the two must agree.
        namever = source.record_path.removesuffix(".dist-info/RECORD")
        name = _wheel_filename(namever, f"{build[0]}{build[1]}" if build else None, tags)
        staged = Path(tmp) / name
        _copy_with_tags(source, staged, tags, _zip_date_time(source_date_epoch), extra or {})
        new_path = destination_dir / name
        staged.replace(new_path)
    return new_path


class _NormalisedWheelFile(WheelFile):  # type: ignore[misc]
    """A WheelFile that writes every member, RECORD included, the same way whatever its
    ZipInfo said: the build's time stamp, 0644 (0755 if executable), deflated."""

    def __init__(self, path: Path, date_time: DateTime) -> None:
        super().__init__(path, "w")
        self.date_time = date_time

    def writestr(
        self, zinfo_or_arcname: str | zipfile.ZipInfo, data: bytes | str, compress_type: int | None = None
    ) -> None:
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            name, executable = zinfo_or_arcname.filename, bool((zinfo_or_arcname.external_attr >> 16) & 0o111)
        else:
            name, executable = zinfo_or_arcname, False
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.create_system = 3  # Unix: the mode below is meant
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
        super().writestr(info, data)


def _copy_with_tags(
    source: WheelFile, new_path: Path, tags: frozenset[Tag], date_time: DateTime, extra: Mapping[str, bytes]
) -> None:
    wheel_metadata_name = f"{source.dist_info_path}/WHEEL"
    members: list[zipfile.ZipInfo | str] = [i for i in source.infolist() if i.filename not in extra]
    members += sorted(extra)
    with _NormalisedWheelFile(new_path, date_time) as target:
        for info in sorted(members, key=_member_order):
            if isinstance(info, str):
                target.writestr(info, extra[info])
            elif info.filename == wheel_metadata_name:
                target.writestr(info, _rewrite_wheel_metadata(source.read(info), tags))
            elif info.filename != source.record_path and not info.is_dir():
                target.writestr(info, source.read(info))


def _member_order(info: zipfile.ZipInfo | str) -> tuple[bool, str]:
    """Files by name, the .dist-info directory last (RECORD is written after it): the order
    of a directory listing depends on the file system, so a backend's order may vary."""
    name = info if isinstance(info, str) else info.filename
    return name.split("/", 1)[0].endswith(".dist-info"), name


def _zip_date_time(epoch: int) -> DateTime:
    """``epoch`` as a zip time stamp (UTC), which can only say 1980 to 2107."""
    year, month, day, hour, minute, second = time.gmtime(min(max(epoch, _ZIP_FIRST), _ZIP_LAST))[:6]
    return year, month, day, hour, minute, second


def _wheel_filename(namever: str, build: str | None, tags: frozenset[Tag]) -> str:
    interpreters = ".".join(sorted({t.interpreter for t in tags}))
    abis = ".".join(sorted({t.abi for t in tags}))
    platforms = ".".join(sorted({t.platform for t in tags}))
    build_part = f"-{build}" if build else ""
    return f"{namever}{build_part}-{interpreters}-{abis}-{platforms}.whl"


def _rewrite_wheel_metadata(content: bytes, tags: frozenset[Tag]) -> bytes:
    old = BytesParser(policy=email.policy.compat32).parsebytes(content)
    new = Message()
    for key, value in old.items():
        if key.lower() != "tag":
            new[key] = value
    for tag in sorted(tags, key=str):
        new["Tag"] = str(tag)
    return new.as_bytes(policy=email.policy.compat32)
