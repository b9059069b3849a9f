"""crossbuild install, offline: resolve for a fake aarch64 host, lay wheels into its rootfs atomically."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
from fakehost import AARCH64, ET_DYN, X86_64, FakeLayout, elf_header, make_layout, make_wheel, snapshot

import crossbuild
import crossbuild.__main__ as cli
from crossbuild import (
    BuildOptions,
    CrossbuildError,
    IndexSettings,
    InstallOptions,
    InstallResult,
    ResolutionError,
    VersionMismatchError,
    WheelVerificationError,
)
from crossbuild.host.host import Host

SITE = "usr/local/lib/python3.11/dist-packages"
HOST_SITE = "/" + SITE
SO = elf_header(AARCH64, ET_DYN) + bytes(64)
SO_X86 = elf_header(X86_64, ET_DYN) + bytes(64)
NATIVE = "beta/_native.cpython-311-aarch64-linux-gnu.so"

#: The build python compiles the bytecode (see test_compiled_bytecode_is_for_the_host_version).
compiled_by_311 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="bytecode checks need a 3.11 build python")


@pytest.fixture
def layout(tmp_path: Path) -> FakeLayout:
    """A Debian-like aarch64 rootfs (with sysconfig.py's posix_local) to install into.

    It replaces conftest's ``layout``, so the ``host`` fixture is this rootfs's python.
    """
    return make_layout(tmp_path / "root", sysconfig_py=True)


@pytest.fixture
def root(layout: FakeLayout) -> Path:
    return layout.root


@pytest.fixture
def links(tmp_path: Path) -> Path:
    """A find-links directory of wheels, made now."""
    directory = tmp_path / "links"
    make_wheel(
        directory,
        name="alpha",
        tags="py3-none-any",
        purelib=True,
        requires=["beta>=2", 'gamma; platform_machine == "x86_64"'],
        files={"alpha/__init__.py": b"import beta\n"},
    )
    make_wheel(
        directory, name="beta", version="1.0", tags="py3-none-any", purelib=True, files={"beta/__init__.py": b"V = 1\n"}
    )
    make_wheel(
        directory,
        name="beta",
        version="2.0",
        tags="cp311-cp311-manylinux_2_17_aarch64",
        files={"beta/__init__.py": b"V = 2\n", "beta/fast.py": b"F = 2\n", NATIVE: SO},
    )
    make_wheel(  # for x86_64 hosts: never for this one
        directory,
        name="beta",
        version="2.0",
        tags="cp311-cp311-manylinux_2_17_x86_64",
        files={"beta/__init__.py": b"V = 2\n", "beta/_native.cpython-311-x86_64-linux-gnu.so": SO_X86},
    )
    make_wheel(
        directory,
        name="tool",
        tags="py3-none-any",
        purelib=True,
        files={
            "tool/__init__.py": b"def main():\n    print('tool')\n",
            "tool-1.0.dist-info/entry_points.txt": b"[console_scripts]\ntool = tool:main\n",
        },
    )
    return directory


Install = Callable[..., InstallResult]


@pytest.fixture
def install(host: Host, root: Path, links: Path, tmp_path: Path) -> Install:
    """``crossbuild.install`` for the fake host, offline, into ``root`` (unless told otherwise)."""

    def run(requirements: Sequence[str | Path] = (), **kwargs: Any) -> InstallResult:
        kwargs.setdefault("root", root)
        index = kwargs.pop("index", IndexSettings(no_index=True, find_links=(str(links),)))
        choices = {k: kwargs.pop(k) for k in list(kwargs) if k in InstallOptions.__dataclass_fields__}
        return crossbuild.install(
            requirements,
            host=host,
            options=BuildOptions(index=index, cache_dir=tmp_path / "cache"),
            install_options=InstallOptions(**choices),
            **kwargs,
        )

    return run


def _installed(result: InstallResult) -> list[tuple[str, str, str, bool]]:
    return [(d.name, d.version, d.source, d.requested) for d in result.distributions]


def _site_listing(root: Path) -> list[str]:
    site = root / SITE
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if not p.is_dir())


def test_install_for_the_host(install: Install, root: Path, links: Path) -> None:
    result = install(["alpha", 'nope; platform_machine == "x86_64"'])
    assert _installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert result.root == root
    assert result.prefix == "/usr"
    assert result.removed == ()
    assert _site_listing(root) == [
        "alpha-1.0.dist-info/INSTALLER",
        "alpha-1.0.dist-info/METADATA",
        "alpha-1.0.dist-info/RECORD",
        "alpha-1.0.dist-info/WHEEL",
        "alpha/__init__.py",
        "beta-2.0.dist-info/INSTALLER",
        "beta-2.0.dist-info/METADATA",
        "beta-2.0.dist-info/RECORD",
        "beta-2.0.dist-info/WHEEL",
        "beta/__init__.py",
        NATIVE,  # the aarch64 wheel of beta 2.0
        "beta/fast.py",
    ]
    site = root / SITE
    assert (site / NATIVE).read_bytes() == SO
    assert (site / "alpha-1.0.dist-info/INSTALLER").read_bytes() == b"crossbuild"
    assert not (root / "usr/lib/python3.11/site-packages").exists()
    assert list(root.glob(".crossbuild-*")) == []
    [alpha, beta] = result.distributions
    assert alpha.origin == (links / "alpha-1.0-py3-none-any.whl").as_uri()
    assert beta.origin == (links / "beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl").as_uri()
    assert f"{HOST_SITE}/{NATIVE}" in beta.files
    assert all(path.startswith(HOST_SITE + "/") for path in alpha.files + beta.files)


def test_report(install: Install, root: Path, links: Path) -> None:
    result = install(["alpha"])
    report = json.loads(json.dumps(result.report()))
    assert report["version"] == "1"
    assert report["installer"] == "crossbuild"
    assert report["host"] == {
        "python": "/usr/bin/python3.11",
        "tag": "cp311-cp311-linux_aarch64",
        "platform_tags": ["manylinux_2_36_aarch64", "manylinux_2_35_aarch64", "manylinux_2_34_aarch64"],
        "environment": result.host.marker_environment(),
    }
    assert report["host"]["environment"]["platform_machine"] == "aarch64"
    assert report["root"] == str(root)
    assert report["prefix"] == "/usr"
    assert report["scheme"] == {
        "purelib": HOST_SITE,
        "platlib": HOST_SITE,
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/local/bin",
        "data": "/usr/local",
    }
    assert [
        (entry["metadata"], entry["source"], entry["download_info"]["url"], entry["requested"])
        for entry in report["install"]
    ] == [
        ({"name": "alpha", "version": "1.0"}, "wheel", (links / "alpha-1.0-py3-none-any.whl").as_uri(), True),
        (
            {"name": "beta", "version": "2.0"},
            "wheel",
            (links / "beta-2.0-cp311-cp311-manylinux_2_17_aarch64.whl").as_uri(),
            False,
        ),
    ]
    assert report["install"][0]["files"] == [
        f"{HOST_SITE}/alpha-1.0.dist-info/{name}" for name in ("INSTALLER", "METADATA", "RECORD", "WHEEL")
    ] + [f"{HOST_SITE}/alpha/__init__.py"]
    assert report["removed"] == []


def test_local_wheel(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "local", name="delta", tags="py3-none-any", purelib=True, requires=["beta<2"])
    result = install([wheel])
    assert _installed(result) == [("beta", "1.0", "wheel", False), ("delta", "1.0", "local wheel", True)]
    assert result.distributions[1].origin == str(wheel)
    report = json.loads(json.dumps(result.report()))
    assert report["install"][1]["download_info"] == {"url": str(wheel)}
    assert report["install"][1]["source"] == "local wheel"
    assert (root / SITE / "delta/__init__.py").is_file()
    assert (root / SITE / "beta-1.0.dist-info/METADATA").is_file()


def test_console_script_runs_the_host_python(install: Install, root: Path) -> None:
    result = install(["tool"])
    script = root / "usr/local/bin/tool"
    assert "/usr/local/bin/tool" in result.distributions[0].files
    assert script.read_text().splitlines()[0] == "#!/usr/bin/python3.11"
    assert "from tool import main" in script.read_text()
    assert script.stat().st_mode & 0o111 == 0o111
    record = (root / SITE / "tool-1.0.dist-info/RECORD").read_text()
    assert "../../../bin/tool," in record


def test_markers_are_the_hosts(install: Install, root: Path) -> None:
    # gamma (needed on x86_64 only) is on no index: asking for it would fail the resolution.
    result = install(["alpha", 'nope; platform_machine == "x86_64"', 'tool; platform_machine == "aarch64"'])
    assert [d.name for d in result.distributions] == ["alpha", "beta", "tool"]


def test_extras(install: Install, links: Path) -> None:
    make_wheel(
        links,
        name="kappa",
        tags="py3-none-any",
        purelib=True,
        requires=['tool; extra == "cli"', 'alpha; extra == "cli" and platform_machine == "x86_64"'],
    )
    assert _installed(install(["kappa"])) == [("kappa", "1.0", "wheel", True)]
    assert _installed(install(["kappa[cli]"])) == [
        ("kappa", "1.0", "already installed", True),
        ("tool", "1.0", "wheel", False),
    ]


def test_nothing_left_after_markers(install: Install, root: Path) -> None:
    before = snapshot(root)
    with pytest.raises(CrossbuildError) as caught:
        install(['nope; platform_machine == "x86_64"'])
    assert str(caught.value) == "nothing to install: name requirements, or pass requirement_files= requirements.txt"
    assert snapshot(root) == before


def test_requirement_and_constraint_files(install: Install, root: Path, tmp_path: Path, links: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {links}\nbeta\ntool ; platform_machine == 'x86_64'\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("beta<2\n")
    result = install(index=IndexSettings(), requirement_files=[requirements], constraint_files=[constraints])
    assert _installed(result) == [("beta", "1.0", "wheel", True)]


def test_prefix_is_the_same_as_root(tmp_path: Path, fake_cc: Path, links: Path) -> None:
    by_root = make_layout(tmp_path / "by-root", sysconfig_py=True)
    by_prefix = make_layout(tmp_path / "by-prefix", sysconfig_py=True)

    def run(layout: FakeLayout, root: Path | None = None, prefix: Path | None = None) -> InstallResult:
        host = crossbuild.inspect_host(layout.python)
        index = IndexSettings(no_index=True, find_links=(str(links),))
        options = BuildOptions(index=index, cache_dir=tmp_path / "cache")
        return crossbuild.install(["alpha", "tool"], host=host, root=root, prefix=prefix, options=options)

    first = run(by_root, root=by_root.root)
    second = run(by_prefix, prefix=by_prefix.root / "usr")
    assert (first.root, first.prefix) == (by_root.root, "/usr")
    assert (second.root, second.prefix) == (by_prefix.root, "/usr")
    assert first.scheme == second.scheme
    assert (by_prefix.root / SITE / NATIVE).is_file()
    assert snapshot(by_root.root) == snapshot(by_prefix.root)


def test_root_with_another_prefix(install: Install, root: Path) -> None:
    result = install(["tool"], prefix="/opt/firmware")
    assert result.prefix == "/opt/firmware"
    assert result.scheme["purelib"] == "/opt/firmware/local/lib/python3.11/dist-packages"  # posix_local
    assert (root / "opt/firmware/local/lib/python3.11/dist-packages/tool/__init__.py").is_file()
    assert (root / "opt/firmware/local/bin/tool").read_text().startswith("#!/usr/bin/python3.11\n")


def test_scheme(install: Install, root: Path) -> None:
    result = install(["tool"], scheme="deb_system")
    assert result.scheme["purelib"] == "/usr/lib/python3/dist-packages"
    assert (root / "usr/lib/python3/dist-packages/tool/__init__.py").is_file()
    assert (root / "usr/bin/tool").is_file()
    with pytest.raises(CrossbuildError, match="no install scheme 'nope'; pass scheme= one of posix_prefix, deb_system"):
        install(["tool"], scheme="nope")


def test_bad_targets(host: Host, root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"prefix": tmp_path / "elsewhere/opt"},
            f"--prefix {tmp_path}/elsewhere/opt does not end with the host python's prefix /usr; "
            "pass --root ROOTFS, or --root ROOTFS --prefix /some/prefix",
        ),
        ({"root": root, "prefix": "usr"}, "--prefix usr with --root must be a path on the host, like /usr"),
        ({}, "say where to install: --root ROOTFS (the host's /) or --prefix ROOTFS/usr"),
    ]
    for where, message in cases:
        with pytest.raises(CrossbuildError) as caught:
            crossbuild.install(["tool"], host=host, options=BuildOptions(cache_dir=tmp_path / "cache"), **where)
        assert caught.value.render(cli.flag_names(cli._parser("crossbuild"))) == message
    assert snapshot(root) == before


@compiled_by_311
def test_downgrade_removes_the_old_files_by_record(install: Install, root: Path) -> None:
    site = root / SITE
    first = install(["beta==2.0"], compile_bytecode=True)
    assert _installed(first) == [("beta", "2.0", "wheel", True)]
    assert (site / "beta/__pycache__/fast.cpython-311.pyc").is_file()
    assert (site / "beta/__pycache__/__init__.cpython-311.pyc").is_file()

    second = install(["beta==1.0"])
    assert _installed(second) == [("beta", "1.0", "wheel", True)]
    assert second.removed == ("beta 2.0",)
    assert second.report()["removed"] == ["beta 2.0"]
    assert _site_listing(root) == [
        "beta-1.0.dist-info/INSTALLER",
        "beta-1.0.dist-info/METADATA",
        "beta-1.0.dist-info/RECORD",
        "beta-1.0.dist-info/WHEEL",
        "beta/__init__.py",
    ]
    assert (site / "beta/__init__.py").read_bytes() == b"V = 1\n"
    assert not (site / "beta-2.0.dist-info").exists()  # not even an empty directory
    assert not (site / "beta/__pycache__").exists()  # the stale bytecode of 2.0 went with it
    assert list(root.glob(".crossbuild-*")) == []


def test_force_reinstall(install: Install, root: Path) -> None:
    install(["beta"])
    (root / SITE / "beta/fast.py").write_bytes(b"edited by hand\n")
    result = install(["beta"], force_reinstall=True)
    assert _installed(result) == [("beta", "2.0", "wheel", True)]
    assert result.removed == ("beta 2.0",)
    assert (root / SITE / "beta/fast.py").read_bytes() == b"F = 2\n"


@compiled_by_311
def test_same_version_is_already_installed(install: Install, root: Path) -> None:
    install(["alpha"], compile_bytecode=True)
    before = snapshot(root)
    result = install(["alpha"])
    assert _installed(result) == [
        ("alpha", "1.0", "already installed", True),
        ("beta", "2.0", "already installed", False),
    ]
    assert result.removed == ()
    assert f"{HOST_SITE}/alpha/__pycache__/__init__.cpython-311.pyc" in result.distributions[0].files
    assert snapshot(root) == before


def test_upgrade_of_a_dependency(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    result = install(["alpha"])
    assert _installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert result.removed == ("beta 1.0",)
    assert not (root / SITE / "beta-1.0.dist-info").exists()


def test_distribution_without_record_cannot_be_replaced(install: Install, root: Path) -> None:
    dist_info = root / SITE / "beta-0.9.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: beta\nVersion: 0.9\n\n")
    before = snapshot(root)
    with pytest.raises(CrossbuildError) as caught:
        install(["beta"])
    assert str(caught.value) == (
        f"cannot replace beta 0.9: {root / SITE}/beta-0.9.dist-info has no RECORD; "
        "remove it from the root by hand first"
    )
    assert snapshot(root) == before


def test_unrelated_distribution_without_record(install: Install, root: Path) -> None:
    dist_info = root / SITE / "system_pkg-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: system-pkg\nVersion: 1.0\n\n")
    assert _installed(install(["tool"])) == [("tool", "1.0", "wheel", True)]


def test_resolution_failure_names_the_requirement(install: Install, root: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tool\nno-such-project>=1\n")
    before = snapshot(root)
    with pytest.raises(ResolutionError) as caught:
        install(["alpha"], requirement_files=[requirements])
    assert str(caught.value) == (
        f"no version satisfies no-such-project>=1 (from {requirements}:2) on the host; "
        "check the versions, or where they come from"
    )
    assert snapshot(root) == before


def test_resolution_failure_of_a_dependency(install: Install, root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    with pytest.raises(ResolutionError, match=r"beta>=2 \(from alpha 1.0\)") as caught:
        install(["alpha", "beta<2"])
    assert "beta<2 (from command line)" in str(caught.value)
    assert snapshot(root) == before


def test_wrong_machine_wheel_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    install(["tool"])
    before = snapshot(root)
    wheel = make_wheel(
        tmp_path / "local",
        name="epsilon",
        tags="cp311-cp311-linux_aarch64",  # says aarch64, is x86_64 inside
        files={"epsilon/__init__.py": b"", "epsilon/_c.cpython-311-aarch64-linux-gnu.so": SO_X86},
    )
    with pytest.raises(WheelVerificationError) as caught:
        install(["alpha", wheel])
    assert caught.value.member == "epsilon/_c.cpython-311-aarch64-linux-gnu.so"
    assert str(caught.value).startswith(
        f"{wheel.name}: epsilon/_c.cpython-311-aarch64-linux-gnu.so is built for x86_64 (64-bit, little-endian) "
        "but the host is aarch64 (64-bit, little-endian)"
    )
    assert snapshot(root) == before


def test_interrupted_install_leaves_the_root_as_it_was(
    install: Install, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(["beta==1.0", "tool"])
    before = snapshot(root)
    original = Path.rename
    renamed: list[Path] = []

    def rename(self: Path, target: str | Path) -> Path:
        renamed.append(self)
        if len(renamed) == 9:  # the 5 files of beta 1.0 moved aside, 3 of alpha in place
            raise KeyboardInterrupt
        return original(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        install(["alpha"])
    monkeypatch.undo()
    assert snapshot(root) == before


def _code_of(pyc: Path) -> CodeType:
    code = marshal.loads(pyc.read_bytes()[16:])
    assert isinstance(code, CodeType)
    return code


@compiled_by_311
def test_compiled_bytecode_names_host_paths(install: Install, root: Path) -> None:
    result = install(["alpha"], compile_bytecode=True)
    site = root / SITE
    pycs = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.pyc"))
    assert pycs == [
        "alpha/__pycache__/__init__.cpython-311.pyc",
        "beta/__pycache__/__init__.cpython-311.pyc",
        "beta/__pycache__/fast.cpython-311.pyc",
    ]
    assert _code_of(site / pycs[0]).co_filename == f"{HOST_SITE}/alpha/__init__.py"
    assert _code_of(site / pycs[2]).co_filename == f"{HOST_SITE}/beta/fast.py"
    assert f"{HOST_SITE}/{pycs[0]}" in result.distributions[0].files
    assert not [p for p in root.rglob("*.pyc") if not p.is_relative_to(site)]


def test_bytecode_for_another_host_version_needs_a_python_of_that_version(
    tmp_path: Path, fake_cc: Path, links: Path
) -> None:
    layout = make_layout(tmp_path / "py312", version="3.12", sysconfig_py=True)
    host = crossbuild.inspect_host(layout.python)
    before = snapshot(layout.root)
    with pytest.raises(VersionMismatchError) as caught:
        crossbuild.install(
            ["tool"],
            host=host,
            root=layout.root,
            options=BuildOptions(cache_dir=tmp_path / "cache"),
            install_options=InstallOptions(compile_bytecode=True),
        )
    assert str(caught.value) == (
        f"host python is 3.12 but build python {sys.executable} is "
        f"{sys.version_info[0]}.{sys.version_info[1]}; pass build_python= with a Python 3.12 interpreter"
    )
    assert snapshot(layout.root) == before


def _python_3_12() -> str | None:
    """A Python 3.12 that runs (pyenv's shims exist but may refuse to run)."""
    pyenv = sorted(str(p) for p in (Path.home() / ".pyenv/versions").glob("3.12*/bin/python3.12"))
    candidates = [shutil.which("python3.12"), *pyenv]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


PYTHON_3_12 = _python_3_12()


@pytest.mark.skipif(PYTHON_3_12 is None, reason="needs a Python 3.12 on PATH")
def test_bytecode_is_compiled_by_a_python_of_the_host_version(tmp_path: Path, fake_cc: Path, links: Path) -> None:
    layout = make_layout(tmp_path / "py312", version="3.12", sysconfig_py=True)
    crossbuild.install(
        ["tool"],
        host=crossbuild.inspect_host(layout.python),
        root=layout.root,
        options=BuildOptions(
            index=IndexSettings(no_index=True, find_links=(str(links),)),
            cache_dir=tmp_path / "cache",
            build_python=PYTHON_3_12,
        ),
        install_options=InstallOptions(compile_bytecode=True),
    )
    site = layout.root / "usr/local/lib/python3.12/dist-packages"
    assert [p.name for p in site.rglob("*.pyc")] == ["__init__.cpython-312.pyc"]


def test_requires_python_is_the_hosts(install: Install, links: Path) -> None:
    make_wheel(links, name="rho", version="1.0", tags="py3-none-any", purelib=True)
    make_wheel(links, name="rho", version="2.0", tags="py3-none-any", purelib=True, requires_python=">=3.12")
    assert _installed(install(["rho"])) == [("rho", "1.0", "wheel", True)]


def test_local_wheel_for_another_python_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path / "local",
        name="sigma",
        tags="cp312-cp312-manylinux_2_17_aarch64",
        files={"sigma/__init__.py": b"", "sigma/_c.cpython-312-aarch64-linux-gnu.so": SO},
    )
    before = snapshot(root)
    with pytest.raises(CrossbuildError, match="not a supported wheel"):
        install([wheel])
    assert snapshot(root) == before


def test_direct_reference_in_a_requirements_file(install: Install, root: Path, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "local", name="delta", tags="py3-none-any", purelib=True)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"delta @ {wheel.as_uri()}\n")
    result = install(requirement_files=[requirements])
    assert _installed(result) == [("delta", "1.0", "local wheel", True)]


def test_hash_mismatch_is_refused(install: Install, root: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"tool==1.0 --hash=sha256:{'0' * 64}\n")
    before = snapshot(root)
    with pytest.raises(CrossbuildError, match="hash"):
        install(requirement_files=[requirements])
    assert snapshot(root) == before


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def no_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI starts from pip's configuration: make it PyPI's defaults, without running pip."""
    monkeypatch.setattr(IndexSettings, "from_pip_config", classmethod(lambda cls: cls()))


def test_cli_install(
    layout: FakeLayout,
    fake_cc: Path,
    links: Path,
    tmp_path: Path,
    no_pip_config: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "report.json"
    argv = ["install", "alpha", "tool", "--host", str(layout.python), "--no-index", "-f", str(links)]
    argv += ["--root", str(layout.root), "--report", str(report), "--cache-dir", str(tmp_path / "cache")]
    code, out, err = _cli(argv, capsys)
    assert code == 0, err
    assert out.splitlines() == ["alpha 1.0 (wheel)", "beta 2.0 (wheel)", "tool 1.0 (wheel)"]
    assert "installed beta 2.0 (wheel)" in err.splitlines()
    data = json.loads(report.read_text())
    assert [(e["metadata"]["name"], e["requested"]) for e in data["install"]] == [
        ("alpha", True),
        ("beta", False),
        ("tool", True),
    ]
    assert data["root"] == str(layout.root)
    assert data["scheme"]["scripts"] == "/usr/local/bin"
    assert (layout.root / "usr/local/bin/tool").is_file()

    code, out, _ = _cli([*argv, "--compile"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "alpha 1.0 (already installed)",
        "beta 2.0 (already installed)",
        "tool 1.0 (already installed)",
    ]


def test_cli_install_error(
    layout: FakeLayout,
    fake_cc: Path,
    links: Path,
    tmp_path: Path,
    no_pip_config: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(layout.root)
    argv = ["install", "alpha", "no-such-project", "--host", str(layout.python), "--no-index", "-f", str(links)]
    argv += ["--root", str(layout.root), "--report", str(tmp_path / "report.json")]
    argv += ["--cache-dir", str(tmp_path / "cache")]
    code, out, err = _cli(argv, capsys)
    assert (code, out) == (1, "")
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: no version satisfies no-such-project (from command line) on the host; "
        "check the versions, or where they come from"
    ]
    assert err.splitlines()[-1] == errors[0]
    assert not (tmp_path / "report.json").exists()
    assert snapshot(layout.root) == before


def test_cli_install_needs_a_target(
    layout: FakeLayout, fake_cc: Path, no_pip_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(["install", "alpha", "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == ["error: say where to install: --root ROOTFS (the host's /) or --prefix ROOTFS/usr"]


@pytest.fixture
def umask_000() -> Iterator[None]:
    """Run with ``umask 000``, as a careless shell or a library may leave it."""
    saved = os.umask(0)
    try:
        yield
    finally:
        os.umask(saved)


@compiled_by_311
@pytest.mark.usefixtures("umask_000")
def test_installed_modes_are_pips_whatever_the_umask(install: Install, root: Path, tmp_path: Path) -> None:
    before = {p for p in root.rglob("*")}
    wheel = make_wheel(
        tmp_path / "local",
        name="modes",
        files={
            "modes/__init__.py": b"",
            "modes/_c.cpython-311-aarch64-linux-gnu.so": SO,
            "modes/helper.sh": b"#!/bin/sh\n",
            "modes-1.0.data/scripts/run-modes": b"#!python\nprint('modes')\n",
        },
        tags="cp311-cp311-linux_aarch64",
        executable=["modes/helper.sh", "modes-1.0.data/scripts/run-modes"],
    )
    install([wheel, "tool"], compile_bytecode=True)
    added = {p.relative_to(root).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in set(root.rglob("*")) - before}
    executable = {f"{SITE}/modes/helper.sh", "usr/local/bin/run-modes", "usr/local/bin/tool"}
    assert added == {path: 0o755 if (root / path).is_dir() or path in executable else 0o644 for path in added}
    assert f"{SITE}/modes/__pycache__/__init__.cpython-311.pyc" in added  # bytecode is laid in the same way
    assert os.umask(0) == 0  # left as it was
