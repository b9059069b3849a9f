"""crossbuild check: a fake aarch64 rootfs, installed offline, then damaged one way at a time."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers.fakehost import AARCH64, ET_DYN, X86_64, FakeLayout, elf_header, make_layout, make_wheel, snapshot

import crossbuild
import crossbuild.cli.main as cli
from crossbuild import BuildOptions, CheckReport, IndexSettings, InstallOptions, InstallResult, check_root
from crossbuild.host.host import Host

SITE = "/usr/local/lib/python3.11/dist-packages"
DEB_SITE = "/usr/lib/python3/dist-packages"
NATIVE = "beta/_native.cpython-311-aarch64-linux-gnu.so"
SO = elf_header(AARCH64, ET_DYN) + bytes(64)
SO_X86 = elf_header(X86_64, ET_DYN) + bytes(64)
FILES_OF_ALPHA_AND_BETA = 14
"""alpha: 5 dist-info files (crossbuild-origin.json too) and __init__.py; beta: 5 dist-info files,
__init__.py, fast.py, the .so."""


@pytest.fixture
def layout(tmp_path: Path) -> FakeLayout:
    """A Debian-like aarch64 rootfs (with sysconfig.py's posix_local and deb_system)."""
    return make_layout(tmp_path / "root", sysconfig_py=True)


@pytest.fixture
def root(layout: FakeLayout) -> Path:
    return layout.root


#: The wheels of the find-links directory: alpha needs beta>=2 (and gamma, on x86_64 only);
#: lambda needs tool[cli], whose extra 'cli' needs kappa; mu needs it on x86_64 only.
WHEELS: list[dict[str, Any]] = [
    {"name": "alpha", "requires": ["beta>=2", 'gamma; platform_machine == "x86_64"']},
    {"name": "beta", "version": "1.0"},
    {
        "name": "beta",
        "version": "2.0",
        "tags": "cp311-cp311-manylinux_2_17_aarch64",
        "purelib": False,
        "files": {"beta/__init__.py": b"V = 2\n", "beta/fast.py": b"F = 2\n", NATIVE: SO},
    },
    {
        "name": "tool",
        "requires": ['kappa; extra == "cli"'],
        "files": {
            "tool/__init__.py": b"def main():\n    print('tool')\n",
            "tool-1.0.dist-info/entry_points.txt": b"[console_scripts]\ntool = tool:main\n",
        },
    },
    {"name": "kappa"},
    {"name": "lambda", "requires": ["tool[cli]"]},
    {"name": "mu", "requires": ['tool[cli]; platform_machine == "x86_64"', "tool"]},
]


@pytest.fixture
def links(tmp_path: Path) -> Path:
    """A find-links directory of :data:`WHEELS` (pure unless told otherwise)."""
    for wheel in WHEELS:
        make_wheel(tmp_path / "links", **{"tags": "py3-none-any", "purelib": True, **wheel})
    return tmp_path / "links"


Install = Callable[..., InstallResult]


@pytest.fixture
def install(host: Host, root: Path, links: Path, tmp_path: Path) -> Install:
    """``crossbuild.install`` into ``root``, offline from ``links``."""

    def run(requirements: Sequence[str], **choices: Any) -> InstallResult:
        return crossbuild.install(
            requirements,
            host=host,
            root=root,
            options=BuildOptions(index=IndexSettings(no_index=True, find_links=(str(links),)), cache_dir=tmp_path),
            install_options=InstallOptions(**choices),
        )

    return run


def _remove_by_hand(root: Path, name: str, version: str) -> None:
    """Remove a distribution from the posix_local site directory, without crossbuild."""
    for directory in (name, f"{name}-{version}.dist-info"):
        shutil.rmtree(root / SITE.lstrip("/") / directory)


def _lines(report: CheckReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_a_clean_root(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    report = check_root(root, host=host)
    assert report.problems == ()
    # the files of alpha and beta, and /usr/bin/python3.11 (in the scripts directory /usr/bin)
    assert report.summary() == f"2 distributions, {FILES_OF_ALPHA_AND_BETA + 1} files checked: no problems"


def test_a_missing_file(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    (root / SITE.lstrip("/") / "beta/fast.py").unlink()
    report = check_root(root, host=host)
    assert _lines(report) == [f"beta 2.0: {SITE}/beta/fast.py: missing"]
    assert [(p.kind, p.distribution, p.path) for p in report.problems] == [
        ("missing", "beta 2.0", f"{SITE}/beta/fast.py")
    ]
    assert report.summary() == f"2 distributions, {FILES_OF_ALPHA_AND_BETA} files checked: 1 problem"


def test_a_modified_file(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    (root / SITE.lstrip("/") / "beta/fast.py").write_bytes(b"F = 3\n")  # same size
    assert _lines(check_root(root, host=host)) == [
        f"beta 2.0: {SITE}/beta/fast.py: content differs from RECORD (sha256)"
    ]


def test_a_truncated_file(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    (root / SITE.lstrip("/") / "beta/__init__.py").write_bytes(b"V =")
    assert _lines(check_root(root, host=host)) == [f"beta 2.0: {SITE}/beta/__init__.py: size 3, RECORD says 6"]


def test_world_writable_files_and_directories(install: Install, root: Path, host: Host) -> None:
    install(["alpha", "tool"])
    site = root / SITE.lstrip("/")
    (site / "alpha/__init__.py").chmod(0o646)
    (root / "usr/local/bin/tool").chmod(0o777)
    (site / "tool").chmod(0o757)
    (site / "stray.txt").write_text("")
    (site / "stray.txt").chmod(0o666)
    assert _lines(check_root(root, host=host)) == [
        f"alpha 1.0: {SITE}/alpha/__init__.py: world-writable (mode 0646)",
        "tool 1.0: /usr/local/bin/tool: world-writable (mode 0777)",
        f"tool 1.0: {SITE}/tool: world-writable directory (mode 0757)",
        f"no distribution: {SITE}/stray.txt: world-writable (mode 0666)",
    ]


def test_an_elf_file_for_another_machine(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    site = root / SITE.lstrip("/")
    (site / "beta/_native.cpython-311-x86_64-linux-gnu.so").write_bytes(SO_X86)
    (root / "usr/bin/helper").write_bytes(elf_header(X86_64))
    assert _lines(check_root(root, host=host)) == [
        "no distribution: /usr/bin/helper: ELF for x86_64 (64-bit, little-endian), "
        "the host is aarch64 (64-bit, little-endian)",
        f"no distribution: {SITE}/beta/_native.cpython-311-x86_64-linux-gnu.so: "
        "ELF for x86_64 (64-bit, little-endian), the host is aarch64 (64-bit, little-endian)",
    ]


def test_an_elf_file_of_a_distribution(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    (root / SITE.lstrip("/") / NATIVE).write_bytes(SO_X86)  # same size as the aarch64 one
    assert _lines(check_root(root, host=host)) == [
        f"beta 2.0: {SITE}/{NATIVE}: content differs from RECORD (sha256)",
        f"beta 2.0: {SITE}/{NATIVE}: ELF for x86_64 (64-bit, little-endian), "
        "the host is aarch64 (64-bit, little-endian)",
    ]


def test_a_missing_dependency(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    _remove_by_hand(root, "beta", "2.0")
    report = check_root(root, host=host)
    # gamma, needed on x86_64 only, is not missing on this host
    assert _lines(report) == [f"alpha 1.0: {SITE}/alpha-1.0.dist-info: requires beta>=2, which is not installed"]
    assert report.problems[0].kind == "dependency"


def test_a_dependency_in_another_version(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    install(["beta==1.0"])
    assert _lines(check_root(root, host=host)) == [
        f"alpha 1.0: {SITE}/alpha-1.0.dist-info: requires beta>=2, but beta 1.0 is installed"
    ]


def test_the_dependencies_of_an_extra_another_distribution_asks_for(install: Install, root: Path, host: Host) -> None:
    install(["lambda"])  # lambda needs tool[cli], whose extra needs kappa
    assert check_root(root, host=host).problems == ()
    site = root / SITE.lstrip("/")
    _remove_by_hand(root, "kappa", "1.0")
    assert _lines(check_root(root, host=host)) == [
        f"tool 1.0: {SITE}/tool-1.0.dist-info: requires kappa (for its extra 'cli'), which is not installed"
    ]
    shutil.rmtree(site / "lambda-1.0.dist-info")
    install(["mu"])
    assert check_root(root, host=host).problems == ()  # nobody asks for tool[cli] on this host


def test_every_scheme_of_the_host(install: Install, root: Path, host: Host) -> None:
    install(["beta"], scheme="deb_system")  # /usr/lib/python3/dist-packages, apt's
    install(["alpha"])  # /usr/local/lib/python3.11/dist-packages
    deb_site = root / DEB_SITE.lstrip("/")
    (deb_site / "beta/fast.py").unlink()
    _remove_by_hand(root, "beta", "2.0")
    # alpha's beta is the one in deb_system now: installed, damaged
    report = check_root(root, host=host)
    assert _lines(report) == [f"beta 2.0: {DEB_SITE}/beta/fast.py: missing"]
    assert report.distributions == 2


def test_an_egg_info_satisfies_a_dependency(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    _remove_by_hand(root, "beta", "2.0")
    egg_info = root / DEB_SITE.lstrip("/") / "beta-2.1.egg-info"  # as Debian's packages install it
    egg_info.mkdir(parents=True)
    (egg_info / "PKG-INFO").write_text("Metadata-Version: 1.2\nName: beta\nVersion: 2.1\n")
    report = check_root(root, host=host)
    assert report.problems == ()
    assert report.distributions == 2


def test_the_host_is_the_roots_only_python(install: Install, root: Path, fake_cc: Path) -> None:
    install(["alpha"])
    (root / "bin").symlink_to("/usr/bin")  # merged /usr, as the host sees it: not this machine's python
    assert check_root(root).summary() == f"2 distributions, {FILES_OF_ALPHA_AND_BETA + 1} files checked: no problems"


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_check(install: Install, root: Path, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install(["alpha"])
    code, out, err = _cli(["check", "--root", str(root)], capsys)
    assert (code, out, err) == (0, f"2 distributions, {FILES_OF_ALPHA_AND_BETA + 1} files checked: no problems\n", "")

    site = root / SITE.lstrip("/")
    (site / "alpha/__init__.py").unlink()
    (site / "beta/fast.py").chmod(0o666)
    code, out, err = _cli(["check", "--root", str(root), "--host", str(root / "usr/bin/python3.11")], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"alpha 1.0: {SITE}/alpha/__init__.py: missing",
        f"beta 2.0: {SITE}/beta/fast.py: world-writable (mode 0666)",
    ]
    assert err == f"2 distributions, {FILES_OF_ALPHA_AND_BETA} files checked: 2 problems\n"

    code, out, err = _cli(["check", "--root", str(root), "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["problems"] == [
        {"kind": "missing", "distribution": "alpha 1.0", "path": f"{SITE}/alpha/__init__.py", "detail": "missing"},
        {
            "kind": "world-writable",
            "distribution": "beta 2.0",
            "path": f"{SITE}/beta/fast.py",
            "detail": "world-writable (mode 0666)",
        },
    ]
    assert (data["root"], data["distributions"], data["files"]) == (str(root), 2, FILES_OF_ALPHA_AND_BETA)


def test_cli_check_needs_one_host_python(tmp_path: Path, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "two", sysconfig_py=True).root
    make_layout(root, version="3.12", sysconfig_py=True)
    code, out, err = _cli(["check", "--root", str(root)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: host python {root}: has several pythons (/usr/bin/python3.11, /usr/bin/python3.12); "
        "pass --host one of them"
    ]

    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = _cli(["check", "--root", str(empty)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: host python {empty}: has no python3.X in /usr/bin, /usr/local/bin, /bin; pass --host the host's python"
    ]

    code, out, err = _cli(["check", "--root", str(tmp_path / "nowhere")], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"error: --root {tmp_path / 'nowhere'} is not a directory"]


def test_install_repairs_missing_and_changed_files(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    site = root / SITE.lstrip("/")
    (site / "beta/fast.py").chmod(0o600)  # not a RECORD matter: beta stays as it is
    before = snapshot(root)
    assert [d.source for d in install(["alpha"]).distributions] == ["already installed", "already installed"]
    assert snapshot(root) == before

    (site / NATIVE).unlink()
    (site / "beta/fast.py").write_bytes(b"edited\n")
    result = install(["alpha"])
    assert [(d.name, d.source) for d in result.distributions] == [("alpha", "already installed"), ("beta", "repaired")]
    assert result.removed == ()
    assert (site / NATIVE).read_bytes() == SO
    assert (site / "beta/fast.py").read_bytes() == b"F = 2\n"
    assert check_root(root, host=host).problems == ()
    assert list(root.glob(".crossbuild-*")) == []


def _dist_info(root: Path, name: str, version: str) -> Path:
    return root / SITE.lstrip("/") / f"{name}-{version}.dist-info"


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        ("RECORD", "RECORD is missing (its files cannot be verified); install it again to repair it"),
        ("METADATA", "METADATA is missing; install it again to repair it"),
        ("*", "the .dist-info directory is empty; install it again to repair it"),
    ],
)
def test_a_damaged_dist_info(install: Install, root: Path, host: Host, damage: str, detail: str) -> None:
    install(["alpha"])
    dist_info = _dist_info(root, "beta", "2.0")
    for path in dist_info.glob(damage):
        path.unlink()
    report = check_root(root, host=host)
    assert f"beta 2.0: {SITE}/beta-2.0.dist-info: {detail}" in _lines(report)
    assert report.distributions == 2  # a damaged distribution is still counted
    assert not report.ok

    # a no-op install repairs it rather than keeping it
    result = install(["alpha"])
    assert [(d.name, d.source) for d in result.distributions] == [("alpha", "already installed"), ("beta", "repaired")]
    assert check_root(root, host=host).problems == ()


def test_a_record_with_a_nul_byte_or_undecodable_bytes(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    record = _dist_info(root, "beta", "2.0") / "RECORD"
    good = record.read_bytes()
    line = next(n for n, text in enumerate(good.splitlines(), 1) if text.startswith(b"beta/fast.py"))
    for bad, detail in [
        (good.replace(b"beta/fast.py", b"beta/f\0st.py"), f"RECORD is unreadable (a NUL byte on line {line})"),
        (good.replace(b"beta/fast.py", b"beta/f\xffst.py"), f"RECORD is unreadable (not UTF-8 on line {line})"),
    ]:
        record.write_bytes(bad)
        lines = _lines(check_root(root, host=host))
        assert lines == [f"beta 2.0: {SITE}/beta-2.0.dist-info: {detail}; install it again to repair it"]
        result = install(["alpha"])
        assert [(d.name, d.source) for d in result.distributions] == [
            ("alpha", "already installed"),
            ("beta", "repaired"),
        ]
        assert record.read_bytes() == good
        record.write_bytes(bad)
        result = install(["alpha"], force_reinstall=True)
        assert record.read_bytes() == good
        assert check_root(root, host=host).problems == ()


def test_a_world_writable_directory_of_a_distribution(install: Install, root: Path, host: Host) -> None:
    install(["alpha"])
    (root / SITE.lstrip("/") / "beta").chmod(0o777)
    assert _lines(check_root(root, host=host)) == [f"beta 2.0: {SITE}/beta: world-writable directory (mode 0777)"]


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        (
            "stage",
            "an install was interrupted before its commit: the root is as it was, with its staging directory "
            "left inside; running crossbuild install again removes it",
        ),
        (
            "commit:after-move:2",
            "an install was interrupted during its commit: the root is half changed; running crossbuild install "
            "again rolls it back",
        ),
        (
            "commit:before-cleanup",
            "an install was interrupted after its commit: the new files are in place, the old ones still in its "
            "backup; running crossbuild install again finishes it",
        ),
    ],
)
def test_an_interrupted_install(
    install: Install, root: Path, host: Host, links: Path, tmp_path: Path, fault: str, state: str
) -> None:
    """A real install killed with SIGKILL at a step: check says so, and the next install cleans up."""
    import os
    import subprocess
    import sys

    install(["beta==1.0"])
    script = (
        "import crossbuild, sys\n"
        "crossbuild.install(['alpha'], host=sys.argv[1], root=sys.argv[2], options=crossbuild.BuildOptions("
        "index=crossbuild.IndexSettings(no_index=True, find_links=(sys.argv[3],)), cache_dir=sys.argv[4]))\n"
    )
    environ = {**os.environ, "CROSSBUILD_FAULT": f"{fault}:sigkill"}
    argv = [sys.executable, "-c", script, str(host.python), str(root), str(links), str(tmp_path / "cache")]
    assert subprocess.run(argv, env=environ, check=False).returncode == -9
    [work] = root.glob(".crossbuild-*")
    report = check_root(root, host=host)
    assert f"interrupted install: /{work.name}: {state}" in _lines(report)
    assert not report.ok
    install(["alpha"])
    assert list(root.glob(".crossbuild-*")) == []
    assert check_root(root, host=host).problems == ()


def test_an_install_in_progress_is_not_called_interrupted(install: Install, root: Path, host: Host) -> None:
    from crossbuild.installation.lock import locked_root

    install(["alpha"])
    (root / ".crossbuild-inprogress" / "stage").mkdir(parents=True)  # as a running install has it
    with locked_root(root):
        assert _lines(check_root(root, host=host)) == [
            "interrupted install: /: an install into this root is in progress; check again once it ends"
        ]
    assert _lines(check_root(root, host=host))[0].startswith("interrupted install: /.crossbuild-inprogress: ")
