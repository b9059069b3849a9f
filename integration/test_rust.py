"""Real Rust, offline: PyO3 extensions cross-built for arm64 by maturin and setuptools-rust.

Debian's rustc 1.63 and cargo (``--rust-toolchain /usr``) with its ``libstd-rust-dev:arm64``
build them, taking every crate from Debian's vendored registry (``--vendored-crates``,
PyO3 0.17 from ``librust-pyo3-dev``) and never the network; rustup's newer rustc, which
has no arm64 standard library here, stays first on ``PATH`` and must not be used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import sysroot as sysroot_script
import tomllib
from conftest import ARCH, QemuHost, assert_no_wheel, error_line, run_crossbuild
from test_wheel import AARCH64, elf_members, wheel_tags

REGISTRY = Path("/usr/share/cargo/registry")


@pytest.fixture(scope="session")
def debian_rust(sysroot: Path) -> Path:
    """Debian's Rust toolchain directory, with the arm64 standard library and PyO3's crates."""
    sysroot_script.ensure_rust(ARCH)
    return Path("/usr")


@pytest.fixture(scope="session")
def cargo_target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Cargo target directory for the builds of this module: the second build reuses
    the crates the first compiled (syn, quote, parking_lot…), which halves its time."""
    return tmp_path_factory.mktemp("cargo-target")


@pytest.fixture
def build_rust(
    debian_rust: Path, host_python: Path, cargo_target_dir: Path, tmp_path: Path
) -> Callable[[Path], tuple[Path, str]]:
    """Cross-build a source tree as a user would; return the wheel (the wheel directory if
    the build failed) and stderr.

    The user's ``CARGO_HOME`` holds a config that would break any build that read it, and
    must stay as it is.
    """
    user_cargo_home = tmp_path / "user-cargo-home"
    user_cargo_home.mkdir()
    user_config = user_cargo_home / "config.toml"
    user_config.write_text('[source.crates-io]\nreplace-with = "no-such-source"\n')

    def build(source: Path) -> tuple[Path, str]:
        dist = tmp_path / "dist"
        env = dict(os.environ, CARGO_HOME=str(user_cargo_home), CARGO_TARGET_DIR=str(cargo_target_dir))
        result = run_crossbuild(
            "wheel",
            source,
            "--host",
            host_python,
            "-w",
            dist,
            "--rust-toolchain",
            debian_rust,
            "--vendored-crates",
            REGISTRY,
            env=env,
        )
        assert list(user_cargo_home.iterdir()) == [user_config]  # neither read nor written
        assert user_config.read_text() == '[source.crates-io]\nreplace-with = "no-such-source"\n'
        if result.returncode == 0:
            return Path(result.stdout.strip()), result.stderr
        assert_no_wheel(dist)
        return dist, result.stderr

    return build


def _locked_crates_come_from(source: Path, registry: Path) -> None:
    """Every crate in the project's Cargo.lock is one of ``registry``'s (name-version)."""
    lock = tomllib.loads((source / "Cargo.lock").read_text())
    locked = {f"{p['name']}-{p['version']}" for p in lock["package"] if "source" in p}
    assert "pyo3-0.17.3" in locked
    assert locked <= {path.name for path in registry.iterdir()}


@pytest.mark.parametrize(
    ("name", "extension", "module"),
    [
        ("rust_maturin", "rust_maturin/rust_maturin", "rust_maturin"),
        ("rust_setuptools", "rust_setuptools/_native", "rust_setuptools"),
    ],
    ids=["maturin", "setuptools-rust"],
)
def test_pyo3_extension_builds_offline_and_imports(
    project: Callable[[str], Path],
    build_rust: Callable[[Path], tuple[Path, str]],
    qemu: QemuHost,
    name: str,
    extension: str,
    module: str,
) -> None:
    source = project(name)
    wheel, _ = build_rust(source)

    assert wheel.name == f"{name}-0.1.0-cp311-cp311-linux_aarch64.whl"
    assert wheel_tags(wheel) == ["cp311-cp311-linux_aarch64"]
    assert elf_members(wheel) == {f"{extension}.cpython-311-aarch64-linux-gnu.so": AARCH64}
    _locked_crates_come_from(source, REGISTRY)
    qemu.install(wheel)
    assert qemu.python(f"import {module} as m; print(m.add(40, 2), m.arch())") == "42 aarch64"


def test_a_crate_the_vendored_crates_lack_is_an_error_not_a_download(
    project: Callable[[str], Path], build_rust: Callable[[Path], tuple[Path, str]]
) -> None:
    source = project("rust_setuptools")
    manifest = source / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("[dependencies]\n", '[dependencies]\nno-such-crate-xb = "1"\n'))

    dist, stderr = build_rust(source)

    assert error_line(stderr) == (
        "error: the build backend of rust_setuptools failed in build_wheel: "
        "error: no matching package named `no-such-crate-xb` found (see the output above, or rerun with -v)"
    )
    assert "you're using offline mode" in stderr
    assert_no_wheel(dist)
