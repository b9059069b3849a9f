"""Cache keys of cross-built wheels: whatever shapes a wheel (the host, its compiler, a
build setting) changes the key; where files come from and go to does not."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from helpers.fakehost import (
    AARCH64,
    X86_64,
    install_fake_toolchain,
    make_layout,
    make_rust_toolchain,
    write_fake_compiler,
)

import crossbuild
from crossbuild import BuildOptions, BuildPython, IndexSettings
from crossbuild._cache import code_digest
from crossbuild.backend_env.rust import RustToolchain, VendoredCrates
from crossbuild.host.host import Host
from crossbuild.wheel.cache import built_wheel_key
from crossbuild.wheel.context import make_context

BUILD_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
TARGET = "aarch64-unknown-linux-gnu"


def test_only_index_cache_dir_jobs_and_launcher_are_left_out_of_the_key() -> None:
    # -j and --parallel-extensions change how fast, not what; a compiler launcher (ccache,
    # distcc) hands back the compiler's own output
    left_out = {f.name for f in dataclasses.fields(BuildOptions) if not f.metadata.get("key", True)}
    assert left_out == {"index", "cache_dir", "jobs", "parallel_extensions", "compiler_launcher"}


def test_a_new_option_is_in_the_key_by_default() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithNewOption(BuildOptions):
        new_option: str = "a"

    assert WithNewOption(new_option="a").key != WithNewOption(new_option="b").key


def test_build_settings_change_the_key(tmp_path: Path) -> None:
    other_python = BuildPython(tmp_path / "other/bin/python3", BUILD_VERSION)
    base = BuildOptions()
    changed = [
        BuildOptions(config_settings={"setup-args": "-Dblas=none"}),
        BuildOptions(config_settings={"setup-args": ["-Da=1", "-Db=2"]}),
        BuildOptions(config_settings={"setup-args": ["-Db=2", "-Da=1"]}),  # the order of values counts
        BuildOptions(build_python=BuildPython(Path(sys.executable), BUILD_VERSION)),
        BuildOptions(build_python=other_python),
        BuildOptions(allow_pure_fallback=True),
        BuildOptions(strip=True),
        BuildOptions(repair=True),
        BuildOptions(repair=True, plat="manylinux_2_28"),
        BuildOptions(host_requires=("numpy",)),
    ]
    keys = [options.key for options in [base, *changed]]
    assert len(set(keys)) == len(keys)


def test_equal_settings_give_equal_keys(tmp_path: Path) -> None:
    python = tmp_path / "bin/python3"
    python.parent.mkdir()
    python.symlink_to(sys.executable)
    assert (
        BuildOptions(config_settings={"b": "2", "a": ["1", "3"]}).key
        == BuildOptions(config_settings={"a": ("1", "3"), "b": "2"}).key
    )
    assert (  # the same interpreter, through a link
        BuildOptions(build_python=BuildPython(python, BUILD_VERSION)).key
        == BuildOptions(build_python=BuildPython(Path(sys.executable), BUILD_VERSION)).key
    )


def test_index_cache_dir_and_jobs_leave_the_key_alone(tmp_path: Path) -> None:
    base = BuildOptions(config_settings={"k": "v"})
    for other in [
        dataclasses.replace(base, jobs=1),
        dataclasses.replace(base, jobs=16),
        dataclasses.replace(base, parallel_extensions=4),
        dataclasses.replace(base, cache_dir=tmp_path / "elsewhere"),
        dataclasses.replace(base, index=IndexSettings(index_url="https://mirror.invalid/simple")),
        dataclasses.replace(base, index=IndexSettings(no_index=True, find_links=(str(tmp_path),))),
    ]:
        assert other.key == base.key


def _key(host: Host, options: BuildOptions | None = None) -> str:
    return built_wheel_key(make_context(host, options))


def test_built_wheel_key_is_the_same_for_the_same_host_elsewhere(host: Host, tmp_path: Path) -> None:
    """Two copies of one rootfs share their built wheels: the key has no paths of this machine."""
    copy = make_layout(tmp_path / "copy")
    assert _key(crossbuild.inspect_host(copy.python)) == _key(host)
    assert _key(host) == _key(crossbuild.inspect_host(host.python))


def test_built_wheel_key_changes_with_the_host(host: Host, fake_bin: Path, tmp_path: Path) -> None:
    install_fake_toolchain(fake_bin, X86_64)
    others = [
        make_layout(tmp_path / "x86_64", machine=X86_64),
        make_layout(tmp_path / "glibc-2.31", glibc=(17, 31)),
        make_layout(tmp_path / "debug", debug=True),
        make_layout(tmp_path / "no-docstrings", overrides={"WITH_DOC_STRINGS": 0}),
    ]
    keys = [_key(host), *(_key(crossbuild.inspect_host(layout.python)) for layout in others)]
    assert len(set(keys)) == len(keys)
    patch_release = make_layout(tmp_path / "py3.11.9", micro=9)  # same headers, same ABI: same wheels
    assert _key(crossbuild.inspect_host(patch_release.python)) == _key(host)


def test_built_wheel_key_changes_with_the_compiler(host: Host, fake_bin: Path) -> None:
    vendor = write_fake_compiler(fake_bin / "vendor-aarch64-gcc", AARCH64)
    with_vendor_cc = crossbuild.inspect_host(host.python, cc=str(vendor))
    with_flags = crossbuild.inspect_host(host.python, cc=f"{host.toolchain.cc[0]} -mcpu=cortex-a72")
    keys = [_key(host), _key(with_vendor_cc), _key(with_flags)]
    assert len(set(keys)) == len(keys)


def test_built_wheel_key_changes_with_the_cxx_compiler(host: Host, fake_bin: Path) -> None:
    vendor = write_fake_compiler(fake_bin / "vendor-aarch64-g++", AARCH64)
    assert _key(crossbuild.inspect_host(host.python, cxx=str(vendor))) != _key(host)


def test_built_wheel_key_changes_with_the_build_options(host: Host) -> None:
    assert _key(host, BuildOptions(config_settings={"k": "v"})) != _key(host)
    assert _key(host, BuildOptions(allow_pure_fallback=True)) != _key(host)
    assert _key(host, BuildOptions(cache_dir="/elsewhere")) == _key(host)


def test_built_wheel_key_changes_with_the_rust_settings_by_what_they_hold(host: Host, tmp_path: Path) -> None:
    """The Rust compiler's version and the vendored crates shape a wheel; where they are does not."""

    def toolchain(name: str, version: str = "1.63.0") -> RustToolchain:
        return RustToolchain.for_host(host, make_rust_toolchain(tmp_path / name, [TARGET], version))

    def crates(name: str, **checksums: str) -> VendoredCrates:
        for crate, package_checksum in checksums.items():
            (tmp_path / name / crate).mkdir(parents=True)
            checksum_file = tmp_path / name / crate / ".cargo-checksum.json"
            checksum_file.write_text(json.dumps({"package": package_checksum, "files": {}}))
        return VendoredCrates.find(tmp_path / name)

    def options(rust: str, crate_dir: str | None = None, version: str = "1.63.0", **checksums: str) -> BuildOptions:
        vendored = crates(crate_dir, **checksums) if crate_dir else None
        return BuildOptions(rust_toolchain=toolchain(rust, version), vendored_crates=vendored)

    base = _key(host, options("debian", "v", pyo3="a1"))
    assert _key(host, options("copy", "w", pyo3="a1")) == base  # the same, elsewhere
    others = [
        BuildOptions(),
        options("newer", "x", "1.70.0", pyo3="a1"),  # another rustc
        options("a", "y", pyo3="a1", syn="b2"),  # one more crate
        options("b", "z", pyo3="c3"),  # another pyo3 under the same name (cargo vendor's layout)
        options("c"),  # crates.io
    ]
    keys = [base, *(_key(host, other) for other in others)]
    assert len(set(keys)) == len(keys)


def test_built_wheel_key_changes_with_what_the_root_offers_builds(host: Host) -> None:
    """A wheel built before libjpeg-dev was added to the image is not the one built after."""
    root = host.sysroot
    before = _key(host)
    added = [
        "usr/include/jpeglib.h",
        "usr/lib/aarch64-linux-gnu/libjpeg.so",
        "usr/lib/aarch64-linux-gnu/pkgconfig/libjpeg.pc",
        "usr/share/pkgconfig/xproto.pc",
        "usr/bin/curl-config",
    ]
    keys = [before]
    for name in added:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
        keys.append(_key(host))
    assert len(set(keys)) == len(keys)
    (root / "usr/include/jpeglib.h").write_text("a longer header")  # an upgraded -dev package
    assert _key(host) != keys[-1]


def test_built_wheel_key_ignores_what_builds_do_not_see(host: Host) -> None:
    root = host.sysroot
    before = _key(host)
    for name in ("usr/lib/python3.11/json/__init__.py", "usr/share/doc/zlib/README", "usr/bin/zcat", "etc/hostname"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    assert _key(host) == before


def test_keys_digest_only_code_that_exists() -> None:
    """A key made of the code of a module that moved away would never change again: the
    wrappers' code (backend_env) shapes a built wheel as the host's does."""
    with pytest.raises(ValueError, match=r"^code_digest: crossbuild has no install/placement\.py$"):
        code_digest("install/placement.py")
    assert code_digest("host", "backend_env", "wheel", "_files.py") != code_digest("host", "wheel", "_files.py")
