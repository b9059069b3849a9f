"""The compatibility corpus's runner (corpus/): its catalog, how it peels failures off a
``crossbuild install`` transaction, how it judges tags and ELF files, and whose failure
a failure is.  The corpus itself runs in .ci/run (python -m corpus --quick)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers.fakehost import AARCH64, ARMHF, X86_64, elf_header

sys.path.insert(0, str(Path(__file__).parent.parent))

from corpus import catalog
from corpus.classify import classify
from corpus.installs import Attempt, Installer, blame, install_all
from corpus.judge import MACHINES, HostFacts, _elf_problem


def _package(name: str, version: str = "1.0") -> catalog.Package:
    return catalog.Package(name, version, "setuptools", "c")


def test_the_catalog_is_pinned_and_covers_every_kind() -> None:
    packages = catalog.load()
    assert len(packages) >= 50
    assert all(p.version and p.version[0].isdigit() for p in packages)
    backends = {p.backend for p in packages}
    assert {"setuptools", "meson-python", "scikit-build-core"} <= backends
    kinds = " ".join(p.kind for p in packages)
    for kind in ("c++", "cython", "pybind11", "cffi", "fortran"):
        assert kind in kinds
    assert sum(p.probes for p in packages) >= 5
    assert sum(bool(p.links) for p in packages) >= 15
    assert 1 <= len(catalog.select(packages, quick=True)) <= 8
    assert all(debian.endswith("-dev") or debian.startswith("lib") for debian in catalog.sysroot_packages(packages))


def test_select_refuses_a_name_outside_the_catalog() -> None:
    with pytest.raises(SystemExit, match="not in the corpus: nope"):
        catalog.select(catalog.load(), ["markupsafe", "nope"])
    assert [p.name for p in catalog.select(catalog.load(), ["MarkupSafe"])] == ["markupsafe"]


def _attempt(*errors: str) -> Attempt:
    return Attempt([], [], 1, 0.0, "".join(f"{line}\n" for line in errors), Path("/nonexistent.log"))


def test_blame_names_the_package_as_the_error_spells_it() -> None:
    group = [_package("cffi", "1.17.1"), _package("argon2-cffi-bindings", "21.2.0"), _package("pynacl", "1.5.0")]
    failed = _attempt("error: the build backend of PyNaCl-1.5.0.tar.gz failed in build_wheel: boom")
    assert blame(failed, group) == group[2]
    failed = _attempt("error: the build backend of argon2-cffi-bindings-21.2.0.tar.gz failed in build_wheel: x")
    assert blame(failed, group) == group[1]  # not cffi, whose name is in it
    assert blame(_attempt("error: no version satisfies idna>=9 (from yarl 1.0) on the host"), group) is None


@pytest.fixture
def fake_crossbuild(tmp_path: Path) -> Path:
    """A crossbuild that fails when asked for ``bad`` (naming it) or ``clash`` (naming
    nobody), and otherwise writes an install report of what it was asked for."""
    script = tmp_path / "crossbuild"
    script.write_text(
        f"""#!{sys.executable}
import json, sys
args = sys.argv[1:]
wanted = [a for a in args if "==" in a]
if "bad==1.0" in wanted:
    sys.exit("error: the build backend of bad-1.0.tar.gz failed in build_wheel: oops")
if "clash==1.0" in wanted:
    sys.exit("error: no version satisfies dep>=2 (from something) on the host")
report = args[args.index("--report") + 1]
names = [w.split("==")[0] for w in wanted]
json.dump({{"install": [{{"metadata": {{"name": n, "version": "1.0"}}, "action": "installed", "files": []}}
                       for n in names]}}, open(report, "w"))
"""
    )
    script.chmod(0o755)
    return script


def test_failures_are_peeled_off_and_the_rest_installed_together(fake_crossbuild: Path, tmp_path: Path) -> None:
    packages = [_package(name) for name in ("a", "bad", "b", "c", "clash", "d")]
    installer = Installer(fake_crossbuild, tmp_path / "python", tmp_path, 2, tmp_path, tmp_path, ("a",))
    messages: list[str] = []
    installs = install_all(installer, packages, messages.append)
    assert sorted(installs.installed) == ["a", "b", "c", "d"]
    assert sorted(installs.failed) == ["bad", "clash"]
    assert (
        installs.failed["bad"].first_error == "error: the build backend of bad-1.0.tar.gz failed in build_wheel: oops"
    )
    assert "no version satisfies dep>=2" in installs.failed["clash"].first_error
    assert sorted(installs.report) == ["a", "b", "c", "d"]
    # everything at once first (the builds overlap in one install -j); a failure named is
    # taken out and the rest tried at once; one named by nobody is found by halves
    assert [a.names for a in installs.attempts] == [
        ["a", "bad", "b", "c", "clash", "d"],
        ["a", "b", "c", "clash", "d"],
        ["a", "b"],
        ["c"],
        ["clash"],
        ["d"],
    ]


def _host(arch: str = "arm64") -> HostFacts:
    return HostFacts(
        root=Path("/root"),
        python="/usr/bin/python3.11",
        qemu="qemu-aarch64",
        machine=MACHINES[arch],
        soabi="cpython-311-aarch64-linux-gnu",
        ext_suffix=".cpython-311-aarch64-linux-gnu.so",
        platform="linux_aarch64",
        glibc=(2, 36),
        version="311",
        site_dirs=("/usr/local/lib/python3.11/dist-packages",),
    )


@pytest.mark.parametrize(
    ("tag", "accepted"),
    [
        ("cp311-cp311-linux_aarch64", True),
        ("cp311-cp311-manylinux_2_36_aarch64", True),
        ("cp311-cp311-manylinux_2_38_aarch64", False),  # newer than the root's glibc
        ("cp311-cp311-manylinux2014_aarch64", True),
        ("cp39-abi3-linux_aarch64", True),
        ("cp312-abi3-linux_aarch64", False),
        ("cp311-cp311-linux_x86_64", False),
        ("cp312-cp312-linux_aarch64", False),
    ],
)
def test_the_tags_the_host_takes(tag: str, accepted: bool) -> None:
    assert _host().accepts(tag) is accepted


def test_elf_files_for_another_machine_are_named(tmp_path: Path) -> None:
    (tmp_path / "ok.so").write_bytes(elf_header(AARCH64, 3))
    (tmp_path / "x86.so").write_bytes(elf_header(X86_64, 3))
    (tmp_path / "arm.so").write_bytes(elf_header(ARMHF, 3))
    soft = ARMHF.__class__(**{**ARMHF.__dict__, "e_flags": 0x05000200})
    (tmp_path / "soft.so").write_bytes(elf_header(soft, 3))
    assert _elf_problem(tmp_path / "ok.so", MACHINES["arm64"]) is None
    assert (
        _elf_problem(tmp_path / "x86.so", MACHINES["arm64"])
        == "built for EM_X86_64 ELF64, the host is EM_AARCH64 ELF64"
    )
    assert _elf_problem(tmp_path / "arm.so", MACHINES["armhf"]) is None
    assert _elf_problem(tmp_path / "soft.so", MACHINES["armhf"]) == "soft-float ABI, the host is hard-float (armhf)"


def test_whose_failure_it_is(tmp_path: Path) -> None:
    include = tmp_path / "usr/include"
    include.mkdir(parents=True)
    (include / "yaml.h").write_text("")
    missing = "src/x.c:1:10: fatal error: zstd.h: No such file or directory"
    assert classify(missing, tmp_path, None).kind == "root"
    present = "src/x.c:1:10: fatal error: yaml.h: No such file or directory"
    assert classify(present, tmp_path, None).kind == "ours"
    assert (
        classify("import x: ImportError: libgit2.so.1.5: cannot open shared object file", tmp_path, None).kind == "root"
    )
    assert classify("a compiler said something odd", tmp_path, None).kind == "ours"
    diagnosed = classify("anything", tmp_path, "package: fails the same way natively")
    assert (diagnosed.kind, diagnosed.reason) == ("package", "fails the same way natively")


def test_results_are_written_as_json_and_markdown(tmp_path: Path) -> None:
    from corpus.report import Pass, Results, Row

    rows = [
        Row("a", "1.0", "setuptools", "c", "ok", 3.0),
        Row("b|c", "2.0", "meson-python", "c", "failed: build", 9.0, "error: x | y", "ours", "unexplained"),
    ]
    results = Results("arm64", "2026-12-07 16:00 UTC", "x86_64, 2 cores", "0.1", "full corpus", rows)
    results.passes += [Pass(2, 100.0, 1, 5.0), Pass(1, 150.0, 1, 5.0)]
    as_json, as_markdown = results.write(tmp_path, "arm64")
    assert json.loads(as_json.read_text())["counts"] == {"ok": 1, "ours": 1, "package": 0, "root": 0}
    text = as_markdown.read_text()
    assert "| b\\|c 2.0 | meson-python | failed: build | ours | 9 | error: x \\| y |" in text
    assert "-j 2 against -j 1: 100s vs 150s (1.50x)" in text
