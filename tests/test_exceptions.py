"""Error messages speak of parameters: ``name=`` from Python, flags from the command line;
details (paths, a compiler's output) are inserted as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

import crossbuild.cli.main as cli
from crossbuild import CrossbuildError, HashMismatchError, HostPythonError, OptionError

FLAGS = cli.flag_names(cli.make_parser("crossbuild"))


def test_parameters_render_as_names_by_default() -> None:
    error = OptionError("bad value {value!r}; pass {build_python} a python, or {allow_pure_fallback}", value="x")
    assert str(error) == "bad value 'x'; pass build_python= a python, or allow_pure_fallback=True"
    assert error.render() == str(error)


def test_parameters_render_as_flags_with_a_mapping() -> None:
    error = OptionError("bad value {value!r}; pass {build_python} a python, or {allow_pure_fallback}", value="x")
    assert error.render(FLAGS) == "bad value 'x'; pass --build-python a python, or --allow-pure-fallback"
    assert error.render({"build_python": "--py"}) == "bad value 'x'; pass --py a python, or allow_pure_fallback="
    assert error.message.startswith("bad value {value!r}")  # the template is kept
    assert error.details == {"value": "x"}


@pytest.mark.parametrize(
    "detail",
    ["/tmp/{x}/python3", "/tmp/{}", "{", "}", "{build_python}", "{0}", "{x.y}", "{x!r:>{width}}", "%s {:d}"],
)
def test_details_with_braces_are_inserted_verbatim(detail: str) -> None:
    error = CrossbuildError("cannot read {path}: {problem}; pass {host} a python", path=detail, problem=detail)
    assert str(error) == f"cannot read {detail}: {detail}; pass host= a python"
    assert error.render(FLAGS) == f"cannot read {detail}: {detail}; pass --host a python"


def test_errors_with_paths_that_have_braces() -> None:
    python = Path("/tmp/{x}/usr/bin/python3")
    error = HostPythonError(python, "is not {what}; pass {host} the host's python binary", what="an ELF executable")
    assert error.render(FLAGS) == (
        "host python /tmp/{x}/usr/bin/python3: is not an ELF executable; pass --host the host's python binary"
    )
    mismatch = HashMismatchError("/tmp/{x}/pkg-1.0.tar.gz", "its sha256 is 00{ff}")
    assert str(mismatch) == (
        "the hash of /tmp/{x}/pkg-1.0.tar.gz does not match the requirement (--hash); its sha256 is 00{ff}"
    )


def test_a_message_that_is_not_a_template_is_shown_as_it_is() -> None:
    for message in ["unbalanced { brace", "a } alone", "positional {0}", "no such {detail.attribute}"]:
        assert str(CrossbuildError(message, detail="text")) == message


def test_flag_names() -> None:
    assert {
        name: FLAGS[name] for name in ["build_python", "config_settings", "requirement_files", "verbose", "host"]
    } == {
        "build_python": "--build-python",
        "config_settings": "-C",
        "requirement_files": "-r",
        "verbose": "-v",
        "host": "--host",
    }
    assert FLAGS["constraint_files"] == "-c"
    assert FLAGS["compile_bytecode"] == "--compile"
    assert FLAGS["allow_pure_fallback"] == "--allow-pure-fallback"
