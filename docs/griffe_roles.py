"""Make crossbuild's docstrings read well in Markdown when the site is built.

The docstrings are written for a reader of the code, in reST habits: roles such as
``:class:`Host``` and ``:func:`install```, doctest lines (``>>> …``), and literal blocks
announced by ``::``.  mkdocstrings renders Markdown, where a role shows as its raw text and
``>>>`` starts nested block quotes.  This griffe extension rewrites, once per loaded package:

- a role into inline code, linked (an optional cross-reference: no warning when the target
  is not on the site) to the object it names, resolved from the docstring's own scope;
- a run of doctest lines into a fenced ``pycon`` block;
- a paragraph ending in ``::`` into one ending in ``:`` (the indented block after it is
  already a Markdown code block).

Only the rendering changes; the docstrings in the code stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):`(~?)([\w.]+)(?:\(\))?`")


class DocstringRoles(griffe.Extension):
    """Rewrite every docstring of a package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = markdown_of(obj.docstring.value, obj)


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found.extend(_walk(member))  # type: ignore[arg-type]
    return found


def markdown_of(text: str, scope: griffe.Object | None) -> str:
    """``text`` (a docstring) with roles, doctests and ``::`` made Markdown."""
    text = ROLE.sub(lambda match: _reference(match, scope), text)
    text = _fence_doctests(text)
    return re.sub(r"(\S)::\n", r"\1:\n", text)


def _reference(match: re.Match[str], scope: griffe.Object | None) -> str:
    short, name = match.group(1) == "~", match.group(2)
    shown = name.rsplit(".", 1)[-1] if short else name
    target = _resolve(name, scope)
    code = f"<code>{shown}</code>"
    if target is None:
        return f"`{shown}`"
    return f'<autoref identifier="{target}" optional>{code}</autoref>'


def _resolve(name: str, scope: griffe.Object | None) -> str | None:
    """The full path of what ``name`` names as seen from ``scope``, if griffe knows it."""
    if name.startswith("crossbuild"):
        return name
    if scope is None:
        return None
    head, _, rest = name.partition(".")
    for candidate in (scope, scope.parent):
        if candidate is None:
            continue
        try:
            resolved = candidate.resolve(head)
        except Exception:  # griffe's NameResolutionError and friends: not resolvable
            continue
        return f"{resolved}.{rest}" if rest else resolved
    return None


def _fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>`` lines and their output in a ``pycon`` fence."""
    out: list[str] = []
    in_block = False
    for line in text.splitlines():
        starts = line.lstrip().startswith(">>>")
        if starts and not in_block:
            out.append("```pycon")
            in_block = True
        elif in_block and not line.strip():
            out.append("```")
            in_block = False
        out.append(line)
    if in_block:
        out.append("```")
    return "\n".join(out)
