"""Give a wheel the host's tags and rewrite its WHEEL and RECORD files.

The backend computed its tags while seeing the host through the runtime patch, but it may
still have used the build machine's platform (or a pure tag for a wheel holding
binaries).  The platform tag is set to the host's; interpreter and ABI tags are kept
when they fit the host (``cp311``, ``abi3``, ``none``) and replaced otherwise.
"""

from __future__ import annotations

import email.policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import parse_wheel_filename
from wheel.wheelfile import WheelFile

from ..host.host import Host


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


def retag_wheel(wheel: Path, tags: frozenset[Tag], destination_dir: Path) -> Path:
    """Write ``wheel`` with ``tags`` into ``destination_dir``; return the new wheel's path."""
    _, _, build, old_tags = parse_wheel_filename(wheel.name)
    if frozenset(old_tags) == tags and wheel.parent == destination_dir:
        return wheel
    with WheelFile(wheel) as source:
        # Name the new file after the wheel's .dist-info directory: WheelFile writes RECORD
        # under the name-version of the file name, and the two must agree.
        namever = source.record_path.removesuffix(".dist-info/RECORD")
        new_path = destination_dir / _wheel_filename(namever, f"{build[0]}{build[1]}" if build else None, tags)
        _copy_with_tags(source, new_path, tags)
    return new_path


def _copy_with_tags(source: WheelFile, new_path: Path, tags: frozenset[Tag]) -> None:
    with WheelFile(new_path, "w") as target:
        wheel_metadata_name = f"{source.dist_info_path}/WHEEL"
        for info in source.infolist():
            if info.filename == wheel_metadata_name:
                target.writestr(info, _rewrite_wheel_metadata(source.read(info), tags))
            elif info.filename != source.record_path and not info.is_dir():
                target.writestr(info, source.read(info))


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
