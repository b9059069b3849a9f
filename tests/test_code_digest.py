"""What cache keys are made of: crossbuild's own code, named by parts that exist.

A cache entry made by other code must not be reused, so keys hold a digest of the code
that made it (``code_digest``).  A part named there that was renamed away digests to
nothing, and the entry would outlive every change to the code it stands for."""

from __future__ import annotations

import ast
from pathlib import Path

import crossbuild

PACKAGE = Path(crossbuild.__file__).parent


def _code_digest_parts() -> list[tuple[str, str]]:
    """Every (module, part) of a literal ``code_digest(...)`` call in crossbuild."""
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "code_digest":
                found += [(source.name, arg.value) for arg in node.args if isinstance(arg, ast.Constant)]
    return found


def test_every_part_a_key_names_exists() -> None:
    parts = _code_digest_parts()
    assert len(parts) >= 5
    assert [(module, part) for module, part in parts if not (PACKAGE / part).exists()] == []


def test_built_wheels_are_keyed_by_what_the_backend_is_handed() -> None:
    # the compiler wrappers, cross files and runtime patch shape every built wheel
    assert ("cache.py", "backend_env") in _code_digest_parts()
