"""setuptools builds a project's extensions one at a time, as pip does, unless asked.

``shared_generated`` has two extensions that both compile a source its first extension's
build step generates (``tests/packages/shared_generated/setup.py``).  It built with pip,
and failed with crossbuild when ``-j`` (the number of cores) was handed to setuptools as
``build_ext --parallel``: the second extension's compile started before the file existed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import QemuHost, assert_no_wheel, error_line, run_crossbuild
from test_wheel import AARCH64, elf_members

import crossbuild


def test_extensions_sharing_a_generated_source_build_by_default(
    project: Callable[[str], Path], host: crossbuild.Host, tmp_path: Path, qemu: QemuHost
) -> None:
    # jobs is how many sdists are built at once, not how many extensions (the old default
    # handed the number of cores to build_ext --parallel)
    options = crossbuild.BuildOptions(jobs=2)
    wheel = crossbuild.build_wheel(project("shared_generated"), host, tmp_path / "dist", options)

    assert wheel.name == "sharedgen-1.0-cp311-cp311-linux_aarch64.whl"
    assert sorted(elf_members(wheel)) == [
        "sharedgen/_first.cpython-311-aarch64-linux-gnu.so",
        "sharedgen/_second.cpython-311-aarch64-linux-gnu.so",
    ]
    assert set(elf_members(wheel).values()) == {AARCH64}
    qemu.install(wheel)
    assert qemu.python("from sharedgen import _first, _second; print(_first.callbacks(), _second.callbacks())") == "3 3"


def test_parallel_extensions_is_an_opt_in_that_such_a_project_fails(
    project: Callable[[str], Path], host_python: Path, tmp_path: Path
) -> None:
    """The project really needs a serial build: asked for two extensions at once, the
    second one's compile finds no generated file (what every build did before)."""
    dist = tmp_path / "dist"
    result = run_crossbuild(
        "wheel", project("shared_generated"), "--host", host_python, "-w", dist, "--parallel-extensions", "2"
    )

    assert result.returncode == 1, result.stderr
    assert error_line(result.stderr).startswith("error: the build backend of shared_generated failed in build_wheel: ")
    assert "callbacks.c: No such file or directory" in result.stderr
    assert_no_wheel(dist)
