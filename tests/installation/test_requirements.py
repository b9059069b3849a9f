"""What the user asks to install: requirements files (pip's grammar) and command-line arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.fakehost import make_wheel

from crossbuild import RequirementError
from crossbuild.installation.requirements import RequirementSet, UserRequirement, parse_argument, read_requirement_files


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _shown(users: list[UserRequirement]) -> list[tuple[str, str]]:
    return [(user.origin, str(user)) for user in users]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with requirements files; the current directory is elsewhere."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "firmware"


def test_requirements_with_markers_and_comments(project: Path) -> None:
    requirements = _write(
        project / "requirements.txt",
        "# the firmware's packages\n"
        "alpha>=1.0\n"
        "\n"
        'beta[fast,cli] == 2.0 ; platform_machine == "aarch64"   # binary\n'
        "Gamma_Pkg~=1.4; python_version >= '3.8'\n"
        "delta \\\n"
        "    <3\n",
    )
    wanted = read_requirement_files([requirements])
    assert _shown(wanted.requirements) == [
        (f"{requirements}:2", "alpha>=1.0"),
        (f"{requirements}:4", 'beta[cli,fast]==2.0; platform_machine == "aarch64"'),
        (f"{requirements}:5", 'Gamma_Pkg~=1.4; python_version >= "3.8"'),
        (f"{requirements}:6", "delta<3"),
    ]
    beta = wanted.requirements[1].requirement
    assert beta is not None and beta.marker is not None
    assert beta.marker.evaluate({"platform_machine": "aarch64"})
    assert not beta.marker.evaluate({"platform_machine": "x86_64"})
    assert wanted.constraints == []
    assert (wanted.index_url, wanted.extra_index_urls, wanted.find_links, wanted.no_index) == (None, [], [], False)


def test_nested_files_and_constraints(project: Path) -> None:
    base = _write(project / "requirements.txt", "alpha\n-r extra/more.txt\n-c constraints.txt\nomega\n")
    more = _write(project / "extra/more.txt", "beta>=2\n-r ../common.txt\n")
    _write(project / "common.txt", "gamma\n")
    constraints = _write(project / "constraints.txt", "beta<3\nzeta==1.0\n")
    other = _write(project / "other-constraints.txt", "alpha!=1.5\n")
    wanted = read_requirement_files([base], constraint_files=[other])
    assert _shown(wanted.requirements) == [
        (f"{base}:1", "alpha"),
        (f"{more}:1", "beta>=2"),
        (f"{project}/extra/../common.txt:1", "gamma"),  # as the nesting file names it
        (f"{base}:4", "omega"),
    ]
    assert sorted(_shown(wanted.constraints)) == sorted(
        [(f"{constraints}:1", "beta<3"), (f"{constraints}:2", "zeta==1.0"), (f"{other}:1", "alpha!=1.5")]
    )


def test_several_files_and_constraint_files(project: Path) -> None:
    first = _write(project / "a.txt", "alpha\n")
    second = _write(project / "b.txt", "beta\n")
    constraints = _write(project / "c.txt", "alpha<2\n")
    wanted = read_requirement_files([first, second], [constraints])
    assert _shown(wanted.requirements) == [(f"{first}:1", "alpha"), (f"{second}:1", "beta")]
    assert _shown(wanted.constraints) == [(f"{constraints}:1", "alpha<2")]


def test_index_options(project: Path) -> None:
    requirements = _write(
        project / "requirements.txt",
        "--index-url https://index.invalid/simple\n"
        "--extra-index-url https://extra.invalid/simple\n"
        "-f https://links.invalid/wheels/\n"
        "alpha\n"
        "-r more.txt\n",
    )
    _write(project / "more.txt", "--extra-index-url=https://more.invalid/simple\n--find-links /opt/wheels\nbeta\n")
    wanted = read_requirement_files([requirements])
    assert wanted.index_url == "https://index.invalid/simple"
    assert wanted.extra_index_urls == ["https://extra.invalid/simple", "https://more.invalid/simple"]
    assert wanted.find_links == ["https://links.invalid/wheels/", "/opt/wheels"]
    assert wanted.no_index is False
    assert [str(user) for user in wanted.requirements] == ["alpha", "beta"]


def test_no_index(project: Path) -> None:
    requirements = _write(project / "requirements.txt", "--no-index\n--find-links /opt/wheels\nalpha\n")
    wanted = read_requirement_files([requirements])
    assert wanted.no_index is True
    assert wanted.find_links == ["/opt/wheels"]


def test_local_paths_are_relative_to_the_file(project: Path) -> None:
    source = project / "src/driver"
    source.mkdir(parents=True)
    sdist = _write(project / "dist/tool-1.0.tar.gz", "")
    requirements = _write(project / "requirements.txt", "./src/driver\ndist/tool-1.0.tar.gz\n./dist/tool-1.0.tar.gz\n")
    nested = _write(project / "extra/more.txt", "../src/driver/\n")
    wanted = read_requirement_files([requirements, nested])
    assert [(user.origin, user.path, user.requirement) for user in wanted.requirements] == [
        (f"{requirements}:1", source, None),
        (f"{requirements}:2", sdist, None),
        (f"{requirements}:3", sdist, None),
        (f"{nested}:1", source, None),
    ]
    assert str(wanted.requirements[0]) == str(source)


def test_missing_local_path(project: Path) -> None:
    requirements = _write(project / "requirements.txt", "alpha\n./src/not-there\n")
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([requirements])
    assert str(caught.value) == f"./src/not-there ({requirements}:2): no such file or directory"


def test_local_wheel_line(project: Path) -> None:
    wheel = make_wheel(project / "wheels", name="tool", tags="py3-none-any")
    requirements = _write(project / "requirements.txt", f"./wheels/{wheel.name}\n")
    [user] = read_requirement_files([requirements]).requirements
    assert (user.path, user.requirement) == (wheel, None)


def test_relative_find_links_are_relative_to_the_file(project: Path) -> None:
    (project / "wheels").mkdir(parents=True)
    requirements = _write(project / "requirements.txt", "--find-links ./wheels\nalpha\n")
    wanted = read_requirement_files([requirements])
    assert [Path(link).resolve() for link in wanted.find_links] == [project / "wheels"]


def test_editable_is_refused(project: Path) -> None:
    (project / "src/driver").mkdir(parents=True)
    requirements = _write(project / "requirements.txt", "alpha\n-e ./src/driver\n")
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([requirements])
    assert str(caught.value) == f"{requirements}:2: editable requirements (-e) cannot be installed into a host root"


def test_missing_file(project: Path) -> None:
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([project / "requirements.txt"])
    assert str(caught.value) == f"requirements file {project / 'requirements.txt'} not found"
    with pytest.raises(RequirementError, match=r"constraints\.txt not found"):
        read_requirement_files([], [project / "constraints.txt"])


def test_missing_nested_file(project: Path) -> None:
    requirements = _write(project / "requirements.txt", "alpha\n-r not-there.txt\n")
    with pytest.raises(RequirementError, match=r"not-there\.txt"):
        read_requirement_files([requirements])


def test_invalid_line(project: Path) -> None:
    requirements = _write(project / "requirements.txt", "alpha\nbeta >=\n")
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([requirements])
    assert str(caught.value).startswith(f"{requirements}:2: cannot read 'beta >=': ")


def test_invalid_line_message_is_one_line(project: Path) -> None:
    requirements = _write(project / "requirements.txt", "beta >=\n")
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([requirements])
    assert "\n" not in str(caught.value)


def test_no_files() -> None:
    assert read_requirement_files([]) == RequirementSet()


def test_parse_argument_specifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    user = parse_argument('alpha[x]>=1,<2; platform_machine == "aarch64"')
    assert user.origin == "command line"
    assert user.path is None
    assert user.requirement is not None
    assert user.requirement.name == "alpha"
    assert user.requirement.extras == {"x"}
    assert str(user.requirement.specifier) == "<2,>=1"
    assert str(user) == 'alpha[x]<2,>=1; platform_machine == "aarch64"'
    assert parse_argument("beta", origin="req.txt:3").origin == "req.txt:3"


def test_parse_argument_local_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path)
    for text in ("./pkg", "pkg", "pkg/", str(tmp_path / "pkg")):
        user = parse_argument(text)
        assert (user.path, user.requirement) == (tmp_path / "pkg", None), text
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert parse_argument("../pkg", base=elsewhere).path == tmp_path / "pkg"


def test_parse_argument_local_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wheel = make_wheel(tmp_path, name="alpha", tags="py3-none-any")
    _write(tmp_path / "beta-1.0.tar.gz", "")
    assert parse_argument(wheel.name).path == wheel
    assert parse_argument("beta-1.0.tar.gz").path == tmp_path / "beta-1.0.tar.gz"


@pytest.mark.parametrize("text", ["./x", "x.whl", "dist/x-1.0.tar.gz", "x-1.0.zip"])
def test_parse_argument_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RequirementError) as caught:
        parse_argument(text)
    assert str(caught.value) == f"{text} (command line): no such file or directory"


def test_parse_argument_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RequirementError, match=r"^'alpha >=' \(command line\) is not a valid requirement: "):
        parse_argument("alpha >=")


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha224", "blake2b"])
def test_a_hash_pip_does_not_allow(tmp_path: Path, algorithm: str) -> None:
    """pip allows sha256, sha384 and sha512 in --hash, and refuses the others when it reads the file."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"alpha==1.0 --hash={algorithm}:0123abcd\n")
    with pytest.raises(RequirementError) as caught:
        read_requirement_files([requirements])
    assert str(caught.value) == (
        f"{requirements}:1: --hash={algorithm}:0123abcd: only sha256, sha384 and sha512 hashes are allowed "
        "(as pip allows); give the file's sha256 (pip hash FILE prints it)"
    )
