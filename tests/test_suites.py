"""The two suites run in one pytest session (scripts/test): with pytest's default import
mode a test module's name must be unique across tests/ and integration/, or collection
fails ("import file mismatch") only when both are collected together."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def test_module_names_are_unique_across_the_suites() -> None:
    fast = {path.name for path in HERE.glob("*.py")}
    integration = {path.name for path in (HERE.parent / "integration").glob("*.py")}
    assert fast & integration == {"conftest.py"}
