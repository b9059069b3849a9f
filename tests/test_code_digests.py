"""Every part of crossbuild's code a cache key digests exists: a key naming a module that
was moved or renamed digests nothing, and what that code made is then reused after it
changed."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "crossbuild"


def test_every_digested_part_exists() -> None:
    named = []
    for module in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "code_digest":
                named += [
                    (module.relative_to(PACKAGE).as_posix(), arg.value)
                    for arg in node.args
                    if isinstance(arg, ast.Constant)
                ]
    assert len(named) >= 8
    assert [(module, part) for module, part in named if not (PACKAGE / part).exists()] == []
