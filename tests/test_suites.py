"""The two suites run in one pytest session (scripts/test): with pytest's default import
mode a test module's name must be unique across tests/ (and its rooms) and integration/,
or collection fails ("import file mismatch") only when both are collected together."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent


def _test_modules(suite: Path) -> list[str]:
    return [path.name for path in suite.rglob("test_*.py") if "packages" not in path.relative_to(suite).parts]


def test_module_names_are_unique_across_the_suites() -> None:
    names = Counter(_test_modules(HERE) + _test_modules(HERE.parent / "integration"))
    assert [name for name, count in names.items() if count > 1] == []


def test_the_fast_suite_mirrors_the_packages() -> None:
    """``tests/<room>/`` for each of crossbuild's packages, and nothing else but helpers."""
    package = HERE.parent / "crossbuild"
    rooms = {path.parent.name for path in package.glob("*/__init__.py")}
    folders = {path.name for path in HERE.iterdir() if path.is_dir() and not path.name.startswith((".", "__"))}
    assert folders == rooms | {"helpers", "packages"}
