"""The docs cannot drift from the code: every variable the code reads is documented, and the
generated reference pages (``docs/hooks.py``) cover every option of the parser.

The site itself is built with ``mkdocs build --strict`` by ``scripts/test``; these checks
are the fast part, run with the rest of the fast suite."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from crossbuild.cli.commands import make_parser
from crossbuild.config import PROFILE_KEYS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
VARIABLE = re.compile(r"\bCROSSBUILD_[A-Z][A-Z0-9_]*\b")


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_by_code() -> set[str]:
    """Every ``CROSSBUILD_*`` name spelled out in the code, the test tooling and the scripts."""
    sources = [*ROOT.glob("crossbuild/**/*.py"), *ROOT.glob("integration/*.py"), *ROOT.glob("scripts/*")]
    sources.append(ROOT / ".ci" / "run")
    return {name for path in sources if path.is_file() for name in VARIABLE.findall(path.read_text("utf-8"))}


def _option_actions() -> list[tuple[str, argparse.Action]]:
    parser = make_parser("crossbuild")
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return [
        (name, action)
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.option_strings and not isinstance(action, argparse._HelpAction)
    ]


def test_every_variable_the_code_reads_is_in_the_environment_page() -> None:
    page = (DOCS / "reference" / "environment.md").read_text("utf-8")
    named = _read_by_code()
    assert {"CROSSBUILD_CACHE_DIR", "CROSSBUILD_CONFIG_FILE", "CROSSBUILD_FAULT"} <= named  # the scan finds them
    assert sorted(name for name in named if name not in page) == []


def test_every_option_variable_is_in_the_generated_environment_table(hooks: ModuleType) -> None:
    page = (DOCS / "reference" / "environment.md").read_text("utf-8")
    assert "<!-- generated: environment-options -->" in page
    table = hooks.environment_options()
    for _, action in _option_actions():
        long = next(o for o in action.option_strings if o.startswith("--"))
        assert f"`CROSSBUILD_{long[2:].upper().replace('-', '_')}`" in table, long


def test_the_cli_reference_has_every_command_and_option(hooks: ModuleType) -> None:
    page = hooks.on_page_markdown((DOCS / "reference" / "cli.md").read_text("utf-8"), None, None, None)
    assert "<!-- generated" not in page
    for command, action in _option_actions():
        assert f"## crossbuild {command}" in page
        for option in action.option_strings:
            assert re.search(rf"`{re.escape(option)}[ `]", page), (command, option)


def test_every_profile_key_is_explained(hooks: ModuleType) -> None:
    page = (DOCS / "reference" / "configuration.md").read_text("utf-8")
    generated = hooks.profile_keys()
    explained = page.split("| key | meaning |", 1)[1].split("\n\n", 1)[0]
    for key in PROFILE_KEYS:
        assert f"`{key}`" in generated and f"`{key}`" in explained, key


def test_an_unknown_generator_fails_the_build(hooks: ModuleType) -> None:
    class Page:
        class file:  # the shape of mkdocs' Page.file
            src_uri = "reference/x.md"

    with pytest.raises(ValueError, match="no generator named 'nope'"):
        hooks.on_page_markdown("# X\n\n<!-- generated: nope -->\n", Page(), None, None)


def test_the_readme_is_a_page() -> None:
    assert len((ROOT / "README.md").read_text("utf-8").splitlines()) <= 150
