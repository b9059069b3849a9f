"""Host profiles and option defaults: configuration files found like pip's, CROSSBUILD_*
variables above them, the command line above everything; the host found from the root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, make_layout

from crossbuild import ConfigurationError, HostProfile, load_configuration


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty site, user and project places, and the working directory in the project."""
    dirs = {name: tmp_path / name for name in ("site", "user", "project")}
    for directory in dirs.values():
        directory.mkdir()
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(dirs["site"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs["user"]))
    monkeypatch.delenv("CROSSBUILD_CONFIG_FILE", raising=False)
    for name in ("CROSSBUILD_HOST", "CROSSBUILD_CACHE_DIR", "CROSSBUILD_BUILD_PYTHON", "CROSSBUILD_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(dirs["project"])
    return {
        "site": dirs["site"] / "crossbuild/crossbuild.toml",
        "user": dirs["user"] / "crossbuild/crossbuild.toml",
        "project": dirs["project"] / "pyproject.toml",
        "named": tmp_path / "named.toml",
    }


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_merge_key_by_key_in_pips_order(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _write(places["site"], '[hosts.rpi]\npython = "site-root/usr/bin/python3.11"\ncc = "site-gcc"\n')
    _write(places["user"], '[hosts.rpi]\ncc = "user-gcc"\n[options]\ncache-dir = "/user/cache"\n')
    _write(
        places["project"],
        '[project]\nname = "firmware"\n[tool.crossbuild.hosts.rpi]\ncxx = "project-g++"\n'
        '[tool.crossbuild.options]\ncache-dir = "/project/cache"\n',
    )
    _write(places["named"], '[hosts.rpi]\nconfig-settings = { "setup-args" = ["-Da=1", "-Db=2"] }\n')
    monkeypatch.setenv("CROSSBUILD_CONFIG_FILE", str(places["named"]))

    configuration = load_configuration()
    assert configuration.files == (places["site"], places["user"], places["project"], places["named"])
    assert configuration.hosts["rpi"] == HostProfile(
        name="rpi",
        python=places["site"].parent / "site-root/usr/bin/python3.11",  # relative to its file
        origin=str(places["named"]),
        cc="user-gcc",
        cxx="project-g++",
        config_settings={"setup-args": ("-Da=1", "-Db=2")},
    )
    assert configuration.options == {"cache-dir": "/project/cache"}
    assert [(s.key, s.origin) for s in configuration.settings] == [
        ("hosts.rpi.python", str(places["site"])),
        ("hosts.rpi.cc", str(places["user"])),
        ("options.cache-dir", str(places["project"])),
        ("hosts.rpi.cxx", str(places["project"])),
        ("hosts.rpi.config-settings", str(places["named"])),
    ]


def test_pyproject_without_a_crossbuild_table_is_not_a_configuration(places: dict[str, Path]) -> None:
    _write(places["project"], '[project]\nname = "firmware"\n')
    assert load_configuration().files == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[hosts.rpi]\ncc = 'gcc'\n",
            'host profile rpi ({file}) has no python; add python = "ROOTFS/usr/bin/python3.X"',
        ),
        (
            "[hosts.rpi]\npython = 'p'\nccc = 'gcc'\n",
            "{file}: hosts.rpi has an unknown key 'ccc'; known keys: python, "
            "sysroot, cc, cxx, glibc, build-python, config-settings, test-command, test-requires",
        ),
        ("[boards.rpi]\n", "{file}: unknown table 'boards'; crossbuild reads [hosts.NAME] and [options]"),
        ("[hosts.rpi]\npython = 3\n", "{file}: hosts.rpi.python must be a non-empty string"),
        (
            "[hosts.rpi]\npython = 'p'\nconfig-settings = { a = 1 }\n",
            "{file}: hosts.rpi.config-settings must map names to strings or lists of strings",
        ),
        ("[hosts.rpi\n", "cannot read {file}: Expected ']' at the end of a table declaration (at line 1, column 11)"),
    ],
)
def test_bad_files(places: dict[str, Path], text: str, message: str) -> None:
    path = _write(places["user"], text)
    with pytest.raises(ConfigurationError) as caught:
        load_configuration()
    assert str(caught.value) == message.format(file=path)


def test_named_file_must_exist(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSBUILD_CONFIG_FILE", "/no/such/file.toml")
    with pytest.raises(ConfigurationError, match=r"^CROSSBUILD_CONFIG_FILE=/no/such/file.toml names no file$"):
        load_configuration()


@pytest.fixture
def board(places: dict[str, Path], layout: FakeLayout, fake_cc: Path) -> FakeLayout:
    """A profile ``board`` in the user's file for the fake aarch64 host."""
    _write(
        places["user"],
        f'[hosts.board]\npython = "{layout.python}"\ncc = "{fake_cc} -O1"\n'
        'config-settings = { "setup-args" = "-Dfrom-profile=1", "keep" = "profile" }\n',
    )
    return layout


def test_host_profile_by_name(board: FakeLayout, fake_cc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["inspect", "--host", "board", "--json"], capsys)
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert summary["python"] == str(board.python)
    assert summary["toolchain"]["cc"] == [str(fake_cc), "-O1"]  # the profile's compiler with its flags


def test_every_command_takes_a_profile_name(
    board: FakeLayout,
    links: Path,
    tmp_path: Path,
    no_pip_config: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--host NAME`` is a profile for every command that takes ``--host`` (``check``
    once took it for a path only, although its help offered a profile)."""
    from crossbuild.wheel import pipeline

    built = []
    monkeypatch.setattr(pipeline, "build_wheel", lambda source, host, *_, **__: built.append(host) or Path("w"))
    root = str(board.root)
    offline = ["--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "cache")]
    inspect = run_cli(["inspect", "--host", "board", "--json"], capsys)
    wheel = run_cli(["wheel", "x", "--host", "board"], capsys)
    install = run_cli(["install", "alpha", "--host", "board", "--root", root, *offline], capsys)
    check = run_cli(["check", "--host", "board", "--root", root], capsys)
    assert [inspect[0], wheel[0], install[0], check[0]] == [0, 0, 0, 0], (install[2], check[2])
    assert json.loads(inspect[1])["python"] == str(board.python)
    assert [host.python for host in built] == [board.python]
    assert [line.split()[:3] for line in install[1].splitlines()[:2]] == [
        ["installed", "alpha", "1.0"],
        ["installed", "beta", "2.0"],
    ]
    assert check[1].startswith("2 distributions, ") and check[1].endswith(" files checked: no problems\n")


def test_command_line_wins_over_the_profile(
    board: FakeLayout, fake_bin: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossbuild.wheel import pipeline

    seen = []
    monkeypatch.setattr(
        pipeline, "build_wheel", lambda source, host, wheel_dir, options, **_: seen.append(options) or Path("w")
    )
    argv = ["wheel", "x", "--host", "board", "-C", "setup-args=-Dfrom-cli=1"]
    assert run_cli(argv, capsys)[0] == 0
    assert dict(seen[0].config_settings) == {"setup-args": "-Dfrom-cli=1", "keep": "profile"}


def test_a_profiles_tests_run_unless_the_command_line_names_others(
    board: FakeLayout, places: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossbuild.installation import wheel_tests as testing

    with places["user"].open("a") as stream:
        stream.write('test-command = "pytest {project}/tests"\ntest-requires = ["pytest", "hypothesis"]\n')
    tested = []
    monkeypatch.setattr(
        testing,
        "build_tested_wheel",
        lambda source, host, wheel_dir, tests, options, **_: tested.append(tests) or Path("w"),
    )
    assert run_cli(["wheel", "x", "--host", "board"], capsys)[0] == 0
    assert (tested[-1].command, tested[-1].requires) == ("pytest {project}/tests", ("pytest", "hypothesis"))
    argv = ["wheel", "x", "--host", "board", "--test-command", "python -m unittest", "--test-requires", "six"]
    assert run_cli(argv, capsys)[0] == 0
    assert (tested[-1].command, tested[-1].requires) == ("python -m unittest", ("six",))


def test_environment_variables_are_option_defaults(
    board: FakeLayout,
    places: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crossbuild.wheel import pipeline

    seen = []
    monkeypatch.setattr(
        pipeline, "build_wheel", lambda source, host, wheel_dir, options, **_: seen.append(options) or Path("w")
    )
    _write(places["project"], '[tool.crossbuild.options]\ncache-dir = "/from/file"\nno-index = false\n')
    monkeypatch.setenv("CROSSBUILD_HOST", "board")
    monkeypatch.setenv("CROSSBUILD_NO_INDEX", "yes")
    assert run_cli(["wheel", "x"], capsys)[0] == 0
    assert seen[-1].cache_dir == Path("/from/file")
    assert seen[-1].index is not None and seen[-1].index.no_index is True  # the variable beats the file
    monkeypatch.setenv("CROSSBUILD_CACHE_DIR", str(tmp_path / "from-env"))
    assert run_cli(["wheel", "x"], capsys)[0] == 0
    assert seen[-1].cache_dir == tmp_path / "from-env"
    assert run_cli(["wheel", "x", "--cache-dir", "/from/cli"], capsys)[0] == 0
    assert seen[-1].cache_dir == Path("/from/cli")  # the command line beats both


def test_bad_environment_value_is_one_line(
    board: FakeLayout, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSBUILD_NO_INDEX", "maybe")
    assert run_cli(["wheel", "x", "--host", "board"], capsys)[1:] == (
        "",
        "error: CROSSBUILD_NO_INDEX='maybe' is neither true nor false; use 1 or 0\n",
    )


def test_config_list(
    board: FakeLayout, places: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSBUILD_CACHE_DIR", "/env/cache")
    code, out, _ = run_cli(["config", "list"], capsys)
    assert code == 0
    user = places["user"]
    assert out.splitlines() == [
        f"hosts.board.python = '{board.python}'  # {user}",
        f"hosts.board.cc = '{load_configuration().hosts['board'].cc}'  # {user}",
        f"hosts.board.config-settings = {{'setup-args': '-Dfrom-profile=1', 'keep': 'profile'}}  # {user}",
        "CROSSBUILD_CACHE_DIR = '/env/cache'  # environment",
    ]


def test_install_finds_the_host_in_the_root(
    places: dict[str, Path], fake_cc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_layout(tmp_path / "rootfs", sysconfig_py=True).root
    argv = ["install", "nothing-to-find", "--no-index", "--cache-dir", str(tmp_path / "cache")]
    # the root's only python is the host: resolution runs (and finds nothing offline)
    for where in (["--root", str(root)], ["--prefix", str(root / "usr")]):
        code, _, err = run_cli([*argv, *where], capsys)
        assert code == 1
        assert err.splitlines()[-1].startswith("error: no version satisfies nothing-to-find (from command line)")
    shutil.copy(root / "usr/bin/python3.11", root / "usr/bin/python3.12")
    code, _, err = run_cli([*argv, "--root", str(root)], capsys)
    assert (code, err.splitlines()[-1]) == (
        1,
        f"error: host python {root}: has several pythons (/usr/bin/python3.11, /usr/bin/python3.12); "
        "pass --host one of them",
    )
    code, _, err = run_cli([*argv, "--prefix", str(root / "usr")], capsys)
    assert err.splitlines()[-1] == (
        f"error: host python {root / 'usr'}: has 2 python3.X in bin (python3.11, python3.12); "
        "pass --host the host's python"
    )


def test_a_crossbuild_toml_at_the_root_of_the_firmware_repository(
    places: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found as uv.toml and ruff.toml are: in the working directory or the nearest parent
    that has one (a firmware repository often has no pyproject.toml)."""
    firmware = tmp_path / "firmware"
    project_file = _write(firmware / "crossbuild.toml", '[hosts.board]\npython = "rootfs/usr/bin/python3.11"\n')
    package = firmware / "packages" / "spidev"
    _write(package / "pyproject.toml", '[project]\nname = "spidev"\n')  # not a configuration: the search goes on
    monkeypatch.chdir(package)
    configuration = load_configuration()
    assert configuration.files == (project_file,)
    assert configuration.hosts["board"].python == firmware / "rootfs/usr/bin/python3.11"

    # the nearest wins, and in one directory crossbuild.toml wins over pyproject.toml, as uv.toml does
    _write(package / "pyproject.toml", '[tool.crossbuild.hosts.board]\npython = "here/python3.11"\n')
    assert load_configuration().files == (package / "pyproject.toml",)
    _write(package / "crossbuild.toml", '[hosts.board]\npython = "there/python3.11"\n')
    assert load_configuration().files == (package / "crossbuild.toml",)


def test_config_list_with_nothing_configured(places: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["config", "list"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "nothing is configured: no configuration file and no CROSSBUILD_* variable "
        "(see crossbuild config list -v for where files are looked for)"
    ]
