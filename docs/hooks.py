"""MkDocs hooks: the reference pages' tables, generated from the code at build time.

A page asks for a table with an HTML comment on a line of its own, e.g.
``<!-- generated: cli -->``; :func:`on_page_markdown` replaces it with the Markdown that
the generator of that name returns.  An unknown name fails the build, as a broken link
does (``strict: true``).  Everything here reads the code as it is: the argparse parser
(``crossbuild.cli.commands.make_parser``), the option-default rules of
``crossbuild.cli.defaults``, the profile keys of ``crossbuild.config``, the exception
classes, ``crossbuild.__all__``, the machine tables and every module's docstring — so a
new option, error, export or module appears in the docs without anyone editing them.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "crossbuild"
MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.MULTILINE)
PROG = "crossbuild"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace every ``<!-- generated: NAME -->`` line with what ``NAME`` generates."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"{page.file.src_uri}: no generator named {name!r} (known: {', '.join(GENERATORS)})")
        return GENERATORS[name]().strip()

    return MARKER.sub(replace, markdown)


# -- the command line ---------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from crossbuild.cli.commands import make_parser

    return make_parser(PROG)


def _commands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, parser)`` of every subcommand, in the order ``--help`` lists them."""
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
    return [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _flags(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`" + (" …" if action.nargs in ("*", "+") else "")
    takes_value = action.nargs != 0
    metavar = action.metavar or (("{" + ",".join(action.choices) + "}") if action.choices else action.dest.upper())
    if isinstance(action.nargs, str) and action.nargs == "?":
        metavar = f"[{metavar}]"
    shown = [f"{flag} {metavar}" if takes_value else flag for flag in action.option_strings]
    return ", ".join(f"`{flag}`" for flag in shown)


def _default(action: argparse.Action) -> str:
    if action.default in (None, False, [], 0, argparse.SUPPRESS) or not action.option_strings:
        return ""
    return f"`{action.default}`"


def _meaning(action: argparse.Action) -> str:
    meaning = action.help or ""
    if action.choices and action.option_strings:
        meaning += ("; " if meaning else "") + "one of " + ", ".join(f"`{c}`" for c in action.choices)
    if action.required and action.option_strings:
        meaning += " (required)"
    if isinstance(action, argparse._AppendAction) or action.nargs in ("+", "*"):
        meaning += "" if "repeatable" in meaning else " (repeatable)"
    return meaning


def cli() -> str:
    """Every command, its usage and every option, from the parser itself."""
    from crossbuild.cli.defaults import configurable, variable_name

    parser = _parser()
    lines = ["```text", parser.format_usage().strip(), "```", ""]
    lines += ["| command | what it does |", "| --- | --- |"]
    lines += [f"| [`{PROG} {name}`](#{PROG}-{name}) | {_cell(text)} |" for name, text, _ in _commands(parser)]
    for name, text, sub in _commands(parser):
        settable = {id(action) for action in configurable(sub)}
        lines += ["", f"## {PROG} {name}", "", text[:1].upper() + text[1:] + ".", "", "```text"]
        lines += [sub.format_usage().strip().removeprefix("usage: "), "```", ""]
        lines += ["| option | meaning | default | variable |", "| --- | --- | --- | --- |"]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            variable = f"`{variable_name(action)}`" if id(action) in settable else ""
            lines.append(f"| {_flags(action)} | {_cell(_meaning(action))} | {_default(action)} | {variable} |")
    return "\n".join(lines)


def _settable() -> dict[str, tuple[argparse.Action, list[str]]]:
    """Every option that files and variables may set: its variable, an action, its commands."""
    from crossbuild.cli.defaults import configurable, variable_name

    found: dict[str, tuple[argparse.Action, list[str]]] = {}
    for name, _, sub in _commands(_parser()):
        for action in configurable(sub):
            found.setdefault(variable_name(action), (action, []))[1].append(name)
    return dict(sorted(found.items()))


def _value_kind(action: argparse.Action, *, in_file: bool) -> str:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return "`true`/`false`" if in_file else "`1`/`0` (also `true`, `yes`, `on` / `false`, `no`, `off`, empty)"
    if isinstance(action, argparse._AppendAction):
        return "a list of strings" if in_file else "words separated by spaces"
    if isinstance(action, argparse._CountAction):
        return "a number"
    if action.choices:
        return "one of " + ", ".join(f"`{c}`" for c in action.choices)
    return "a string"


def environment_options() -> str:
    """``CROSSBUILD_<OPTION>`` for every option a variable may set."""
    lines = ["| variable | option | value | commands |", "| --- | --- | --- | --- |"]
    for variable, (action, commands) in _settable().items():
        flags = ", ".join(f"`{flag}`" for flag in action.option_strings)
        lines.append(f"| `{variable}` | {flags} | {_value_kind(action, in_file=False)} | {', '.join(commands)} |")
    return "\n".join(lines)


def configuration_options() -> str:
    """The keys of ``[options]``: every option by its long name."""
    from crossbuild.cli.defaults import option_name

    lines = ["| key | option | value | commands |", "| --- | --- | --- | --- |"]
    for _, (action, commands) in _settable().items():
        flags = ", ".join(f"`{flag}`" for flag in action.option_strings)
        key = option_name(action)
        lines.append(f"| `{key}` | {flags} | {_value_kind(action, in_file=True)} | {', '.join(commands)} |")
    return "\n".join(lines)


def profile_keys() -> str:
    """The keys of a ``[hosts.NAME]`` table, from ``crossbuild.config.PROFILE_KEYS``."""
    from crossbuild.config import PROFILE_KEYS

    lines = ["| key | a path (relative to its file) |", "| --- | --- |"]
    lines += [f"| `{key}` | {'yes' if is_path else ''} |" for key, is_path in PROFILE_KEYS.items()]
    return "\n".join(lines)


# -- errors and the API -------------------------------------------------------------------


def _first_paragraph(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def _markdown_of(doc: str) -> str:
    """A docstring's reST roles and double backticks as Markdown code."""
    doc = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", doc)
    return doc.replace("``", "`")


def errors() -> str:
    """Every error class of ``crossbuild._exceptions``, under the class it derives from."""
    module = importlib.import_module("crossbuild._exceptions")
    base = module.CrossbuildError
    classes = [c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, base)]
    children: dict[type, list[type]] = {}
    for cls in classes:
        if cls is not base:
            children.setdefault(cls.__mro__[1], []).append(cls)

    def tree(cls: type, depth: int) -> Iterable[str]:
        summary = _markdown_of(_first_paragraph(cls.__doc__))
        yield f"{'    ' * depth}- [`{cls.__name__}`](#crossbuild._exceptions.{cls.__name__}): {summary}"
        for child in sorted(children.get(cls, []), key=lambda c: c.__name__):
            yield from tree(child, depth + 1)

    return "\n".join(tree(base, 0))


def api() -> str:
    """A ``:::`` block for each name of ``crossbuild.__all__``, errors aside."""
    import crossbuild

    names = sorted(set(crossbuild.__all__) - {"__version__"}, key=str.lower)
    objects = {name: getattr(crossbuild, name) for name in names}
    errors_ = [n for n, o in objects.items() if isinstance(o, type) and issubclass(o, crossbuild.CrossbuildError)]
    functions = [n for n, o in objects.items() if inspect.isfunction(o)]
    classes = [n for n, o in objects.items() if isinstance(o, type) and n not in errors_]
    others = [n for n in names if n not in {*functions, *classes, *errors_}]
    lines: list[str] = []
    for title, group in (("Functions", functions), ("Classes", classes), ("Other names", others)):
        if group:
            lines += [f"## {title}", ""]
            lines += [f"::: crossbuild.{name}\n    options:\n      heading_level: 3\n" for name in group]
    lines += ["## Errors", "", "Raised by the functions above; see [Errors](errors.md) for each one:", ""]
    lines += [", ".join(f"[`{name}`](errors.md#crossbuild._exceptions.{name})" for name in errors_)]
    return "\n".join(lines)


# -- machines and modules -------------------------------------------------------------------


def machines() -> str:
    """Each machine's name in meson, Rust, qemu and numpy, from ``crossbuild.host.machines``."""
    from crossbuild.host import machines as m

    names = list(dict.fromkeys([*m.MESON_CPU_FAMILY, *m.QEMU, *m.RUST_ARCH]))
    longdouble: dict[str, list[str]] = {}
    for (machine, size), fmt in m.LONGDOUBLE_FORMAT.items():
        longdouble.setdefault(machine, []).append(f"{fmt} ({size} bytes)")
    lines = [
        "| `uname -m` | meson `cpu_family` | qemu-user | Rust target (glibc) | numpy `longdouble_format` |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in names:
        rust = m.rust_target(name, f"{name}-linux-gnu") or ""
        row = [name, m.MESON_CPU_FAMILY.get(name, ""), m.QEMU.get(name, ""), rust, ", ".join(longdouble.get(name, []))]
        lines.append("| " + " | ".join(f"`{v}`" if v else "" for v in row) + " |")
    lines += ["", "| GNU multiarch triplet | Debian architecture |", "| --- | --- |"]
    lines += [f"| `{triplet}` | `{arch}` |" for triplet, arch in m.DEBIAN_ARCH.items()]
    return "\n".join(lines)


def _module_summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return _markdown_of(_first_paragraph(doc))


#: The rooms from the bottom of the imports up; a room not named here comes after them.
LAYERS = ("host", "backend_env", "wheel", "index", "installation", "cli")


def _room_order(room: Path) -> tuple[int, str]:
    return (LAYERS.index(room.name) if room.name in LAYERS else len(LAYERS), room.name)


def modules() -> str:
    """Every room of ``crossbuild/`` and every module in it, with its docstring's first paragraph."""
    flat = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    rooms = sorted((p.parent for p in PACKAGE.glob("*/__init__.py")), key=_room_order)
    lines = ["### The flat infrastructure modules", "", "| module | its job |", "| --- | --- |"]
    lines += [f"| `crossbuild/{p.name}` | {_module_summary(p)} |" for p in flat]
    for room in rooms:
        lines += ["", f"### `crossbuild/{room.name}/`", "", _module_summary(room / "__init__.py"), ""]
        lines += ["| module | its job |", "| --- | --- |"]
        lines += [
            f"| `{p.relative_to(PACKAGE.parent).as_posix()}` | {_module_summary(p)} |"
            for p in sorted(room.rglob("*.py"))
            if p.name != "__init__.py"
        ]
    return "\n".join(lines)


GENERATORS: dict[str, Callable[[], str]] = {
    "cli": cli,
    "environment-options": environment_options,
    "configuration-options": configuration_options,
    "profile-keys": profile_keys,
    "errors": errors,
    "api": api,
    "machines": machines,
    "modules": modules,
}
