"""The cache under concurrency and damage: parallel runs share it, a damaged entry is made again.

Parallel ``crossbuild wheel`` runs start with one empty cache directory.  A local index
serves an sdist and holds the first download halfway until the second run asks for the
file too (or a run ends), so that the second run looks at the download cache exactly
while the first is writing into it: a partial file under the final name is found then.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PACKAGES, run_crossbuild
from installer.sources import WheelFile

import crossbuild
from crossbuild.host.elf import read_elf_target

AARCH64 = crossbuild.ElfTarget("EM_AARCH64", 64, "little")
SITE = "usr/local/lib/python3.11/dist-packages"
WAIT = 600


def make_sdist(project: Path, name: str) -> bytes:
    """An sdist of ``project`` as ``name-1.0.tar.gz`` holds it: under ``name-1.0/``, with PKG-INFO."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w:gz") as archive:
        for path in sorted(project.rglob("*")):
            archive.add(path, f"{name}-1.0/{path.relative_to(project).as_posix()}", recursive=False)
        pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()
        info = tarfile.TarInfo(f"{name}-1.0/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return stream.getvalue()


class HoldingIndex(http.server.ThreadingHTTPServer):
    """A find-links page with one sdist, whose download is held halfway.

    The first request for the file gets half of it and waits for :attr:`release`; any
    later request for the page waits until that half is out, so its run looks at the
    cache while the first run is downloading into it.
    """

    def __init__(self, filename: str, content: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _IndexHandler)
        self.filename = filename
        self.content = content
        self.page_requests = 0
        self.file_requests = 0
        self.half_sent = threading.Event()
        self.release = threading.Event()
        self.changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/links/"

    def count(self, kind: str) -> int:
        with self.changed:
            number = getattr(self, kind) + 1
            setattr(self, kind, number)
            self.changed.notify_all()
            return number


class _IndexHandler(http.server.BaseHTTPRequestHandler):
    server: HoldingIndex

    def do_GET(self) -> None:
        index = self.server
        if self.path == "/links/":
            if index.count("page_requests") > 1:
                index.half_sent.wait(WAIT)
            digest = hashlib.sha256(index.content).hexdigest()
            self._send(f'<a href="{index.filename}#sha256={digest}">{index.filename}</a>\n'.encode(), "text/html")
        elif self.path == f"/links/{index.filename}":
            first = index.count("file_requests") == 1
            self._send(index.content, "application/gzip", hold=first)
        else:
            self.send_error(404)

    def _send(self, content: bytes, content_type: str, hold: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        half = len(content) // 2 if hold else len(content)
        self.wfile.write(content[:half])
        self.wfile.flush()
        if hold:
            self.server.half_sent.set()
            self.server.release.wait(WAIT)
            self.wfile.write(content[half:])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def holding_index() -> Iterator[HoldingIndex]:
    index = HoldingIndex("cext-1.0.tar.gz", make_sdist(PACKAGES / "c_ext", "cext"))
    thread = threading.Thread(target=index.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield index
    index.release.set()
    index.shutdown()
    index.server_close()


def assert_host_wheel(wheel: Path) -> None:
    with WheelFile.open(wheel) as source:
        source.validate_record()
    with zipfile.ZipFile(wheel) as archive:
        binaries = {read_elf_target(archive.read(name)) for name in archive.namelist() if name.endswith(".so")}
    assert binaries == {AARCH64}


def leftovers(cache: Path) -> list[str]:
    """Temporary names among the cache's entries: partial downloads, half-made entries, entries
    being removed (``.NAME.XXXX.part``, ``.partial``, ``.removed``)."""
    return sorted(p.relative_to(cache).as_posix() for p in [*cache.glob(".*"), *cache.glob("*/.*")])


def test_parallel_wheel_runs_share_an_empty_cache(
    holding_index: HoldingIndex, project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    cache, dist = tmp_path / "cache", tmp_path / "dist"
    common = ["--host", host_python, "-w", dist, "--cache-dir", cache]
    runs = [
        [project("c_ext"), *common],
        ["cext==1.0", "--no-index", "-f", holding_index.url, *common],
        ["cext==1.0", "--no-index", "-f", holding_index.url, *common],
        ["markupsafe==2.1.5", *common],  # from PyPI, as pip is configured
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "crossbuild", "wheel", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in runs
    ]
    with holding_index.changed:  # the held download goes on once both runs asked for it, or a run ended
        while holding_index.file_requests < 2 and all(p.poll() is None for p in processes):
            holding_index.changed.wait(timeout=0.5)  # woken by a request; a run's end is seen within 0.5 s
    holding_index.release.set()
    outputs = [p.communicate(timeout=WAIT) for p in processes]
    results = [(p.returncode, stdout, stderr) for p, (stdout, stderr) in zip(processes, outputs, strict=True)]

    for returncode, _, stderr in results:
        assert returncode == 0, stderr
    assert holding_index.file_requests == 2  # each run downloaded its own copy: none used a partial file
    cext, markupsafe = (
        dist / "cext-1.0-cp311-cp311-linux_aarch64.whl",
        dist / "markupsafe-2.1.5-cp311-cp311-linux_aarch64.whl",
    )
    assert [stdout.strip() for _, stdout, _ in results] == [str(cext)] * 3 + [str(markupsafe)]
    assert sorted(dist.iterdir()) == [cext, markupsafe]
    assert_host_wheel(cext)
    assert_host_wheel(markupsafe)
    assert (cache / "sdists" / "cext-1.0.tar.gz").read_bytes() == holding_index.content
    assert leftovers(cache) == []


def test_damaged_cache_entries_are_made_again(rootfs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    install = ["install", "spidev==3.6", "--host", rootfs / "usr/bin/python3.11", "--root", rootfs]
    first = run_crossbuild(*install, "--cache-dir", cache)
    assert first.returncode == 0, first.stderr

    [wheel] = (cache / "built").glob("*/spidev-3.6-*.whl")
    wheel.write_bytes(wheel.read_bytes()[:-100])  # a copy cut short
    sdist = cache / "sdists" / "spidev-3.6.tar.gz"
    sdist.write_bytes(sdist.read_bytes()[:1000])  # a download cut short
    [env] = (cache / "envs").glob("*/crossbuild-env.json")
    (env.parent / "bin" / "python").unlink()  # complete, but its python is gone

    again = run_crossbuild(*install, "--force-reinstall", "--cache-dir", cache)

    assert again.returncode == 0, again.stderr
    reinstalled = again.stdout.splitlines()[0].split()
    assert (reinstalled[:3], reinstalled[-1]) == (["reinstalled", "spidev", "3.6"], "(built)"), again.stdout
    assert "downloading spidev-3.6.tar.gz again: the copy in the cache does not have the digest" in again.stderr
    assert f"discarding the cached wheel {wheel.parent}: " in again.stderr
    assert f"build environment {env.parent} is broken (" in again.stderr
    assert_host_wheel(wheel)
    with zipfile.ZipFile(wheel) as archive:
        built = archive.read("spidev.cpython-311-aarch64-linux-gnu.so")
    assert (rootfs / SITE / "spidev.cpython-311-aarch64-linux-gnu.so").read_bytes() == built
    assert leftovers(cache) == []
