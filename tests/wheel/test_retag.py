"""Retagging wheels for the host: file name, WHEEL tags, RECORD."""

from __future__ import annotations

import csv
import email.parser
import io
import zipfile
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ET_DYN, elf_header, make_wheel
from packaging.tags import Tag
from wheel.wheelfile import WheelError, WheelFile

from crossbuild.host.host import Host
from crossbuild.wheel.retag import host_tags, retag_wheel

SO = elf_header(AARCH64, ET_DYN) + bytes(100)
#: The build's SOURCE_DATE_EPOCH, and the zip time stamp it makes (UTC).
EPOCH, EPOCH_DATE_TIME = 1700000000, (2023, 11, 14, 22, 13, 20)
BINARY_FILES = {
    "pkg/__init__.py": b"from ._native import answer\n",
    "pkg/_native.cpython-311-aarch64-linux-gnu.so": SO,
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where retagged wheels go (the pipeline's existing dist directory)."""
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def _members(wheel: Path) -> dict[str, bytes]:
    """Every member, read through WheelFile: that checks each one against RECORD."""
    with WheelFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _wheel_headers(wheel: Path, dist_info: str = "pkg-1.0.dist-info") -> list[tuple[str, str]]:
    content = _members(wheel)[f"{dist_info}/WHEEL"]
    return list(email.parser.BytesParser().parsebytes(content).items())


def _record(wheel: Path, dist_info: str = "pkg-1.0.dist-info") -> dict[str, tuple[str, str]]:
    content = _members(wheel)[f"{dist_info}/RECORD"].decode()
    return {row[0]: (row[1], row[2]) for row in csv.reader(io.StringIO(content))}


def test_binary_wheel_gets_the_host_platform(host: Host, tmp_path: Path, out: Path) -> None:
    built = make_wheel(tmp_path / "built", files=BINARY_FILES)
    assert built.name == "pkg-1.0-cp311-cp311-linux_x86_64.whl"
    tags = host_tags(built.name, host, has_binaries=True)
    assert tags == frozenset({Tag("cp311", "cp311", "linux_aarch64")})

    retagged = retag_wheel(built, tags, out, EPOCH)
    assert retagged == tmp_path / "out/pkg-1.0-cp311-cp311-linux_aarch64.whl"
    assert _wheel_headers(retagged) == [
        ("Wheel-Version", "1.0"),
        ("Generator", "fakehost (1.0)"),
        ("Root-Is-Purelib", "false"),
        ("Tag", "cp311-cp311-linux_aarch64"),
    ]
    old, new = _members(built), _members(retagged)
    assert set(new) == set(old)
    for name in old:
        if not name.endswith(("/WHEEL", "/RECORD")):
            assert new[name] == old[name], name
    record = _record(retagged)
    assert set(record) == set(new)
    assert record["pkg-1.0.dist-info/RECORD"] == ("", "")
    assert record["pkg-1.0.dist-info/WHEEL"][1] == str(len(new["pkg-1.0.dist-info/WHEEL"]))
    assert all(hash_.startswith("sha256=") for name, (hash_, _) in record.items() if not name.endswith("RECORD"))


def test_several_platform_tags_collapse(host: Host, tmp_path: Path, out: Path) -> None:
    built = make_wheel(tmp_path, tags="cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", files=BINARY_FILES)
    tags = host_tags(built.name, host, has_binaries=True)
    assert tags == frozenset({Tag("cp311", "cp311", "linux_aarch64")})
    retagged = retag_wheel(built, tags, out, EPOCH)
    assert retagged.name == "pkg-1.0-cp311-cp311-linux_aarch64.whl"
    assert [v for k, v in _wheel_headers(retagged) if k == "Tag"] == ["cp311-cp311-linux_aarch64"]


@pytest.mark.parametrize("interpreter", ["cp311", "cp38"])
def test_abi3_is_kept(host: Host, tmp_path: Path, interpreter: str, out: Path) -> None:
    built = make_wheel(tmp_path, tags=f"{interpreter}-abi3-linux_x86_64", files=BINARY_FILES)
    tags = host_tags(built.name, host, has_binaries=True)
    assert tags == frozenset({Tag(interpreter, "abi3", "linux_aarch64")})
    retagged = retag_wheel(built, tags, out, EPOCH)
    assert retagged.name == f"pkg-1.0-{interpreter}-abi3-linux_aarch64.whl"
    assert ("Tag", f"{interpreter}-abi3-linux_aarch64") in _wheel_headers(retagged)


def test_other_abi_becomes_the_host_abi(host: Host, tmp_path: Path) -> None:
    built = make_wheel(tmp_path, tags="cp310-cp310-linux_x86_64", files=BINARY_FILES)
    assert host_tags(built.name, host, has_binaries=True) == frozenset({host.tag})


def test_pure_wheel_stays(host: Host, tmp_path: Path, out: Path) -> None:
    built = make_wheel(tmp_path, tags="py3-none-any", purelib=True)
    tags = host_tags(built.name, host, has_binaries=False)
    assert tags == frozenset({Tag("py3", "none", "any")})
    copied = retag_wheel(built, tags, out, EPOCH)
    assert copied == out / built.name
    assert _members(copied) == _members(built)


def test_universal_pure_wheel_stays(host: Host, tmp_path: Path) -> None:
    built = make_wheel(tmp_path, tags="py2.py3-none-any", purelib=True)
    assert host_tags(built.name, host, has_binaries=False) == frozenset(
        {Tag("py2", "none", "any"), Tag("py3", "none", "any")}
    )


def test_pure_tagged_wheel_with_a_binary(host: Host, tmp_path: Path, out: Path) -> None:
    built = make_wheel(tmp_path, tags="py3-none-any", purelib=True, files={"pkg/libhelper.so": SO})
    tags = host_tags(built.name, host, has_binaries=True)
    assert tags == frozenset({Tag("py3", "none", "linux_aarch64")})
    retagged = retag_wheel(built, tags, out, EPOCH)
    assert retagged.name == "pkg-1.0-py3-none-linux_aarch64.whl"
    assert [v for k, v in _wheel_headers(retagged) if k == "Tag"] == ["py3-none-linux_aarch64"]
    assert _members(retagged)["pkg/libhelper.so"] == SO


def test_build_tag_is_kept(host: Host, tmp_path: Path, out: Path) -> None:
    built = make_wheel(tmp_path, build="1", files=BINARY_FILES)
    assert built.name == "pkg-1.0-1-cp311-cp311-linux_x86_64.whl"
    retagged = retag_wheel(built, host_tags(built.name, host, has_binaries=True), out, EPOCH)
    assert retagged.name == "pkg-1.0-1-cp311-cp311-linux_aarch64.whl"
    headers = _wheel_headers(retagged)
    assert ("Build", "1") in headers
    assert [v for k, v in headers if k == "Tag"] == ["cp311-cp311-linux_aarch64"]


def test_file_modes_are_kept(host: Host, tmp_path: Path, out: Path) -> None:
    built = tmp_path / "pkg-1.0-cp311-cp311-linux_x86_64.whl"
    with WheelFile(built, "w") as wheel:
        script = zipfile.ZipInfo("pkg-1.0.data/scripts/tool", date_time=(2020, 1, 1, 0, 0, 0))
        script.external_attr = 0o100755 << 16
        wheel.writestr(script, b"#!python\nprint('hi')\n")
        wheel.writestr("pkg/_native.so", SO)
        wheel.writestr("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n")
        wheel.writestr(
            "pkg-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n\n",
        )
    retagged = retag_wheel(built, host_tags(built.name, host, has_binaries=True), out, EPOCH)
    with zipfile.ZipFile(retagged) as archive:
        info = archive.getinfo("pkg-1.0.data/scripts/tool")
    assert (info.external_attr >> 16) & 0o777 == 0o755
    assert info.date_time == EPOCH_DATE_TIME


def test_dist_info_spelled_differently_from_the_file_name(host: Host, tmp_path: Path, out: Path) -> None:
    # a valid wheel whose file name is spelled differently from its .dist-info directory
    normalized = make_wheel(tmp_path, name="foo_bar", files=BINARY_FILES)
    built = normalized.rename(normalized.with_name(normalized.name.replace("foo_bar", "Foo_Bar")))
    _members(built)  # wheel's WheelFile finds foo_bar-1.0.dist-info/RECORD
    retagged = retag_wheel(built, host_tags(built.name, host, has_binaries=True), out, EPOCH)
    with zipfile.ZipFile(retagged) as archive:
        top_level = {name.split("/")[0] for name in archive.namelist()}
    assert {name for name in top_level if name.endswith(".dist-info")} == {"foo_bar-1.0.dist-info"}
    assert _record(retagged, "foo_bar-1.0.dist-info")
    with zipfile.ZipFile(retagged) as archive:
        assert "Tag: cp311-cp311-linux_aarch64" in archive.read("foo_bar-1.0.dist-info/WHEEL").decode()


def test_tampered_wheel_is_not_laundered(host: Host, tmp_path: Path, out: Path) -> None:
    """A member that does not match RECORD must not get a fresh, valid RECORD entry."""
    built = make_wheel(tmp_path / "built", files=BINARY_FILES)
    tampered = tmp_path / built.name
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, b"import os\n" if info.filename == "pkg/__init__.py" else data)
    with pytest.raises(WheelError, match=r"Hash mismatch for file 'pkg/__init__.py'"):
        retag_wheel(tampered, host_tags(tampered.name, host, has_binaries=True), out, EPOCH)


def _entries(wheel: Path) -> list[tuple[str, tuple[int, ...], str, int, int]]:
    """Each member's name, time stamp, mode, compression and system, in the zip's order."""
    with zipfile.ZipFile(wheel) as archive:
        return [
            (i.filename, i.date_time, oct(i.external_attr >> 16), i.compress_type, i.create_system)
            for i in archive.infolist()
        ]


DateTime = tuple[int, int, int, int, int, int]


def _write_like_a_backend(path: Path, order: list[str], date_time: DateTime, stored: bool = False) -> Path:
    """The files of one build, written in ``order`` with a backend's own time stamps and modes."""
    files: dict[str, tuple[bytes, int]] = {
        "pkg/__init__.py": (b"from ._native import answer\n", 0o664),  # mode without a file type (meson-python)
        "pkg/_native.cpython-311-aarch64-linux-gnu.so": (SO, 0o100775),
        "pkg-1.0.data/scripts/tool": (b"#!python\n", 0o100755),
        "pkg-1.0.dist-info/METADATA": (b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n", 0o100664),
        "pkg-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: a backend\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_aarch64\n\n",
            0o100644,
        ),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with WheelFile(path, "w") as wheel:
        for name in order:
            content, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.extra = b"UT\x05\x00\x01" + bytes(4) if stored else b""  # an extended time stamp
            wheel.writestr(info, content)
    return path


BACKEND_ORDER = [
    "pkg-1.0.dist-info/WHEEL",
    "pkg-1.0.dist-info/METADATA",
    "pkg/_native.cpython-311-aarch64-linux-gnu.so",
    "pkg-1.0.data/scripts/tool",
    "pkg/__init__.py",
]
NAME = "pkg-1.0-cp311-cp311-linux_aarch64.whl"


def test_a_wheel_whose_tags_are_right_is_still_normalised(host: Host, tmp_path: Path) -> None:
    built = _write_like_a_backend(tmp_path / "dist" / NAME, BACKEND_ORDER, (2026, 3, 4, 5, 6, 8))
    tags = host_tags(built.name, host, has_binaries=True)
    assert retag_wheel(built, tags, built.parent, EPOCH) == built  # replaced where it is
    unix, deflated = 3, zipfile.ZIP_DEFLATED
    assert _entries(built) == [
        ("pkg-1.0.data/scripts/tool", EPOCH_DATE_TIME, "0o100755", deflated, unix),
        ("pkg/__init__.py", EPOCH_DATE_TIME, "0o100644", deflated, unix),
        ("pkg/_native.cpython-311-aarch64-linux-gnu.so", EPOCH_DATE_TIME, "0o100755", deflated, unix),
        ("pkg-1.0.dist-info/METADATA", EPOCH_DATE_TIME, "0o100644", deflated, unix),
        ("pkg-1.0.dist-info/WHEEL", EPOCH_DATE_TIME, "0o100644", deflated, unix),
        ("pkg-1.0.dist-info/RECORD", EPOCH_DATE_TIME, "0o100644", deflated, unix),
    ]
    assert set(_record(built)) == {name for name, *_ in _entries(built)}  # RECORD matches (read checks hashes)
    assert list(built.parent.iterdir()) == [built]  # nothing left beside it


def test_the_same_files_make_the_same_bytes(host: Host, tmp_path: Path) -> None:
    one = _write_like_a_backend(tmp_path / "one" / NAME, BACKEND_ORDER, (2026, 3, 4, 5, 6, 8))
    two = _write_like_a_backend(tmp_path / "two" / NAME, sorted(BACKEND_ORDER), (2021, 1, 2, 3, 4, 6), stored=True)
    assert one.read_bytes() != two.read_bytes()
    tags = host_tags(NAME, host, has_binaries=True)
    one, two = (retag_wheel(wheel, tags, wheel.parent, EPOCH) for wheel in (one, two))
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(
    ("epoch", "date_time"),
    [
        (0, (1980, 1, 1, 0, 0, 0)),  # a zip cannot say earlier
        (315532800, (1980, 1, 1, 0, 0, 0)),  # crossbuild's default
        (1700000001, (2023, 11, 14, 22, 13, 20)),  # zip time has 2 s steps
        (2**40, (2107, 12, 31, 23, 59, 58)),  # nor later
    ],
)
def test_every_time_stamp_comes_from_the_epoch(
    host: Host, tmp_path: Path, out: Path, epoch: int, date_time: tuple[int, ...]
) -> None:
    built = make_wheel(tmp_path, files=BINARY_FILES)
    retagged = retag_wheel(built, host_tags(built.name, host, has_binaries=True), out, epoch)
    assert {entry[1] for entry in _entries(retagged)} == {date_time}
