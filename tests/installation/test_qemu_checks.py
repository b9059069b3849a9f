"""--test-command's words and placeholders, --check-imports' modules, the options of wheel."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout

from crossbuild import Host, InstalledDistribution, InstallResult, OptionError, ToolchainError, WheelTests
from crossbuild._subprocess import ProbeResult
from crossbuild.installation import imports, wheelhouse
from crossbuild.installation import wheel_tests as testing
from crossbuild.installation.imports import top_level_modules
from crossbuild.installation.wheel_tests import build_tested_wheel, host_command, run_wheel_tests


def test_placeholders_become_paths_and_other_braces_stay() -> None:
    tests = WheelTests("pytest '{project}/tests' -k 'not {slow}' --wheel={wheel}")
    assert tests.arguments("/src/my project", "/d/a.whl") == [
        "pytest",
        "/src/my project/tests",  # one word, spaces and all
        "-k",
        "not {slow}",
        "--wheel=/d/a.whl",
    ]


def test_an_empty_or_unsplittable_command_is_refused() -> None:
    with pytest.raises(OptionError, match=r"^test_command= is empty"):
        WheelTests("  ")
    with pytest.raises(OptionError, match=r"cannot be split into words: No closing quotation"):
        WheelTests("pytest 'tests").arguments("", "")


def with_qemu(host: Host) -> Host:
    return dataclasses.replace(host, emulator=("/usr/bin/qemu-aarch64", "-L", str(host.sysroot)))


def test_the_first_word_picks_what_the_host_python_runs(host: Host, tmp_path: Path) -> None:
    host = with_qemu(host)
    scripts = tmp_path / "bin"
    scripts.mkdir()
    (scripts / "pytest").write_text("#!/usr/bin/python3.11\n")
    python = ["/usr/bin/qemu-aarch64", "-L", str(host.sysroot), str(host.python)]
    assert host_command(["python", "-c", "1"], host, scripts) == [*python, "-c", "1"]
    assert host_command(["python3.11", "t.py"], host, scripts) == [*python, "t.py"]
    assert host_command(["pytest", "tests"], host, scripts) == [*python, str(scripts / "pytest"), "tests"]
    assert host_command(["unittest", "discover"], host, scripts) == [*python, "-m", "unittest", "discover"]


def test_no_qemu_names_the_debian_package(host: Host, tmp_path: Path) -> None:
    assert host.emulator is None  # PATH holds only the fake toolchain
    with pytest.raises(ToolchainError) as raised:
        run_wheel_tests(tmp_path / "a-1.0-py3-none-any.whl", host, WheelTests("pytest"))
    assert str(raised.value) == (
        "cannot run aarch64 programs here: qemu-aarch64 is not on PATH; install it (Debian: apt-get install qemu-user)"
    )


def test_top_level_modules_from_a_record() -> None:
    site = "/usr/local/lib/python3.11/dist-packages"
    files = [
        f"{site}/yaml/__init__.py",
        f"{site}/yaml/__pycache__/__init__.cpython-311.pyc",
        f"{site}/_yaml/__init__.py",
        f"{site}/six.py",
        f"{site}/_cffi_backend.cpython-311-aarch64-linux-gnu.so",
        f"{site}/PyYAML-6.0.2.dist-info/RECORD",
        f"{site}/numpy.libs/libgfortran.so.5",
        f"{site}/tests/test_x.py",
        f"{site}/distutils-precedence.pth",
        f"{site}/ns/sub/mod.py",
        "/usr/local/bin/tabulate",
    ]
    assert top_level_modules(files, [site]) == ["yaml", "_yaml", "six", "_cffi_backend", "ns"]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> list[Path]:
        self.calls.append((args, kwargs))
        return [Path("out/x-1.0-py3-none-any.whl")]


def test_requirement_files_make_a_wheelhouse(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    house = _Recorder()
    monkeypatch.setattr(wheelhouse, "build_wheelhouse", house)
    argv = ["wheel", "extra==1", "-r", "req.txt", "-c", "c.txt", "--no-deps", "--host", str(layout.python), "-w", "h"]
    code, _, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    [(args, kwargs)] = house.calls
    assert args == (["extra==1"],)
    assert (kwargs["wheel_dir"], kwargs["requirement_files"], kwargs["constraint_files"]) == (
        "h",
        ["req.txt"],
        ["c.txt"],
    )
    assert kwargs["install_options"].no_deps is True


def test_test_options_reach_the_tested_build(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tested = _Recorder()
    monkeypatch.setattr(testing, "build_tested_wheel", lambda *a, **k: tested(*a, **k)[0])
    argv = ["wheel", "./src", "--host", str(layout.python), "--test-command", "pytest {project}/tests"]
    argv += ["--test-requires", "pytest hypothesis", "--test-requires", "attrs"]
    code, _, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    [(args, _)] = tested.calls
    assert args[0] == "./src" and args[2] == "dist"
    assert args[3] == WheelTests("pytest {project}/tests", ("pytest", "hypothesis", "attrs"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-r", "req.txt", "--test-command", "pytest"], "error: --test-command tests the wheels of sources, not a "),
        ([], "error: nothing to build: name sources, or pass -r requirements.txt for a wheelhouse"),
        (["./src", "--no-deps"], "error: --no-deps and -c go with -r (a wheelhouse)"),
    ],
)
def test_wheel_options_that_do_not_go_together(
    layout: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run_cli(["wheel", *argv, "--host", str(layout.python)], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines()[-1].startswith(message)


def test_project_placeholder_needs_a_source_tree(host: Host, tmp_path: Path) -> None:
    sdist = tmp_path / "a-1.0.tar.gz"
    sdist.write_bytes(b"")
    with pytest.raises(OptionError) as raised:
        build_tested_wheel(sdist, with_qemu(host), tmp_path / "dist", WheelTests("pytest {project}/tests"))
    assert str(raised.value) == (
        f"test_command= uses {{project}}, the source tree, but {sdist} is not a directory; build from the "
        "project's source tree, or name the tests' path in the command"
    )
    assert not (tmp_path / "dist").exists()


def imports_result(host: Host, root: Path) -> InstallResult:
    site = "/usr/local/lib/python3.11/dist-packages"
    scheme = {"purelib": site, "platlib": site, "scripts": "/usr/local/bin"}
    files = (f"{site}/good.py", f"{site}/bad/__init__.py", f"{site}/crashing.abi3.so", f"{site}/late.py")
    return InstallResult(
        with_qemu(host), root, "/usr", scheme, (InstalledDistribution("d", "1", "wheel", "x", True, files),)
    )


def test_import_failures_and_a_crash_are_blamed_on_their_modules(
    host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    mark = "@@crossbuild-import@@ "
    lines = [
        '["start", "bad", ""]',
        f'["fail", "bad", "ModuleNotFoundError: No module named \'x\' ({root}/usr/lib/python3.11/x)"]',
        '["start", "crashing", ""]',
    ]
    stdout = "printed by a module\x1e while importing\n" + "".join(mark + line + "\n" for line in lines)
    calls = []

    def fake_probe(argv: list[str], **kwargs: Any) -> ProbeResult:
        calls.append((argv, kwargs))
        return ProbeResult(-11, stdout, "qemu: uncaught target signal 11 (Segmentation fault) - core dumped\n")

    monkeypatch.setattr(imports, "probe", fake_probe)
    report = imports.check_imports(imports_result(host, root))

    assert report.modules == ("bad", "crashing", "good", "late")
    assert [str(failure) for failure in report.failures] == [
        "bad (d 1): ModuleNotFoundError: No module named 'x' (/usr/lib/python3.11/x)",
        "crashing (d 1): the process ended: qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
    ]
    [(argv, kwargs)] = calls
    assert argv[:5] == ["/usr/bin/qemu-aarch64", "-L", str(root), f"{root}/usr/bin/python3.11", "-I"]
    assert argv[5] == "-B"  # no bytecode written into the root
    assert "PYTHONPATH" not in kwargs["env"]
