"""build_wheel's last steps: a pure wheel after a failed compiler call is refused, and a
finished wheel reaches the wheel directory whole or not at all."""

from __future__ import annotations

import errno
import logging
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import pytest
from helpers.contexts import context_for
from helpers.fakehost import make_wheel, snapshot, write_script

from crossbuild import PureFallbackError
from crossbuild.backend_env.settings import CrossSettings, prepare_settings
from crossbuild.host.host import Host
from crossbuild.host.toolchain import Toolchain
from crossbuild.wheel.pipeline import _publish, _refuse_pure_fallback

#: A compiler that fails on missing.c as gcc does on a missing header, and compiles the rest.
COMPILER = """\
for arg in "$@"; do
    if [ "$arg" = missing.c ]; then
        echo "In file included from missing.c:1:" >&2
        echo "missing.c:3:10: fatal error: zlib.h: No such file or directory" >&2
        echo "compilation terminated." >&2
        exit 1
    fi
done
"""
ERROR_LINE = "missing.c:3:10: fatal error: zlib.h: No such file or directory"


@pytest.fixture
def settings(host: Host, tmp_path: Path) -> CrossSettings:
    """The settings of a build whose compiler wrappers run :data:`COMPILER`."""
    compiler = write_script(tmp_path / "tools/aarch64-linux-gnu-gcc", COMPILER)
    toolchain = Toolchain(cc=(str(compiler),), cxx=None, target="aarch64-linux-gnu")
    return prepare_settings(context_for(replace(host, toolchain=toolchain)), tmp_path / "cross", Path(sys.executable))


def _compile(settings: CrossSettings, source: str) -> int:
    """Run the C compiler as a backend does: through the wrapper."""
    argv = [str(settings.wrappers.cc), "-c", source, "-o", "out.o"]
    return subprocess.run(argv, capture_output=True, timeout=30).returncode


@pytest.fixture
def pure_wheel(tmp_path: Path) -> Path:
    return make_wheel(tmp_path / "dist", name="optional_c", tags="py3-none-any", purelib=True)


def test_pure_wheel_after_a_failed_compiler_call_is_refused(settings: CrossSettings, pure_wheel: Path) -> None:
    assert (_compile(settings, "ok.c"), _compile(settings, "missing.c")) == (0, 1)
    with pytest.raises(PureFallbackError) as caught:
        _refuse_pure_fallback(pure_wheel, False, settings, allowed=False)
    assert caught.value.wheel_name == "optional_c-1.0-py3-none-any.whl"
    command = caught.value.compiler_command  # the call's own arguments, then the root's search dirs
    assert command[command.index("-c") :][:4] == ["-c", "missing.c", "-o", "out.o"]
    assert ERROR_LINE in caught.value.compiler_output
    assert str(caught.value) == (
        f"the C/C++ build failed and the project fell back to the pure wheel optional_c-1.0-py3-none-any.whl: "
        f"{ERROR_LINE} (fix the compile error, or pass allow_pure_fallback=True to accept the pure wheel)"
    )
    assert caught.value.render({"allow_pure_fallback": "--allow-pure-fallback"}).endswith(
        "(fix the compile error, or pass --allow-pure-fallback to accept the pure wheel)"
    )


def test_pure_fallback_allowed_is_a_warning(
    settings: CrossSettings, pure_wheel: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _compile(settings, "missing.c")
    with caplog.at_level(logging.WARNING, logger="crossbuild"):
        _refuse_pure_fallback(pure_wheel, False, settings, allowed=True)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "optional_c-1.0-py3-none-any.whl is pure Python: the compiler failed, and the pure fallback is allowed",
        )
    ]


def test_pure_wheel_without_a_failed_compiler_call(
    settings: CrossSettings, pure_wheel: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _refuse_pure_fallback(pure_wheel, False, settings, allowed=False)  # no compiler call at all
    assert _compile(settings, "ok.c") == 0
    with caplog.at_level(logging.DEBUG, logger="crossbuild"):
        _refuse_pure_fallback(pure_wheel, False, settings, allowed=False)
    assert caplog.records == []


def test_binary_wheel_after_a_failed_compiler_call(settings: CrossSettings, tmp_path: Path) -> None:
    """A configure-style probe may fail while the build succeeds: a wheel with binaries is fine."""
    _compile(settings, "missing.c")
    wheel = make_wheel(tmp_path / "dist", name="c_ext", tags="cp311-cp311-linux_aarch64")
    _refuse_pure_fallback(wheel, True, settings, allowed=False)


def test_platform_tagged_wheel_without_binaries_after_a_failed_compiler_call(
    settings: CrossSettings, tmp_path: Path
) -> None:
    """setuptools' optional extensions keep the platform tag when they do not compile."""
    _compile(settings, "missing.c")
    wheel = make_wheel(tmp_path / "dist", name="c_ext", tags="cp311-cp311-linux_aarch64")
    with pytest.raises(PureFallbackError):
        _refuse_pure_fallback(wheel, False, settings, allowed=False)


def test_publish(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel_dir = tmp_path / "out/wheels"  # made when missing
    published = _publish(wheel, wheel_dir)
    assert published == wheel_dir / wheel.name
    assert published.read_bytes() == wheel.read_bytes()
    assert sorted(p.name for p in wheel_dir.iterdir()) == [wheel.name]


def test_publish_replaces_a_wheel_of_the_same_name(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    (wheel_dir / wheel.name).write_bytes(b"an older build")
    _publish(wheel, wheel_dir)
    assert (wheel_dir / wheel.name).read_bytes() == wheel.read_bytes()
    assert sorted(p.name for p in wheel_dir.iterdir()) == [wheel.name]


def test_publish_into_a_file_fails(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel_dir = tmp_path / "wheels"
    wheel_dir.write_bytes(b"not a directory")
    before = snapshot(tmp_path)
    with pytest.raises((FileExistsError, NotADirectoryError)):
        _publish(wheel, wheel_dir)
    assert snapshot(tmp_path) == before


def test_publish_of_a_vanished_wheel_leaves_nothing(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel.unlink()
    wheel_dir = tmp_path / "wheels"
    with pytest.raises(FileNotFoundError):
        _publish(wheel, wheel_dir)
    assert list(wheel_dir.iterdir()) == []


def test_publish_over_a_directory_leaves_no_partial_file(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel_dir = tmp_path / "wheels"
    (wheel_dir / wheel.name).mkdir(parents=True)  # the copy succeeds, putting it in place fails
    with pytest.raises(OSError):
        _publish(wheel, wheel_dir)
    assert [p.name for p in wheel_dir.iterdir()] == [wheel.name]
    assert (wheel_dir / wheel.name).is_dir()


def test_publish_on_a_full_disk_keeps_the_older_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = make_wheel(tmp_path / "work", name="pkg", tags="py3-none-any", purelib=True)
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    (wheel_dir / wheel.name).write_bytes(b"an older build")

    def copy_half(source: BinaryIO, target: BinaryIO) -> None:  # the disk fills up halfway
        target.write(source.read()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", copy_half)
    with pytest.raises(OSError, match="No space left"):
        _publish(wheel, wheel_dir)
    assert [p.name for p in wheel_dir.iterdir()] == [wheel.name]
    assert (wheel_dir / wheel.name).read_bytes() == b"an older build"
