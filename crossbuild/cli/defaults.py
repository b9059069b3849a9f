"""Option defaults of the command line: configuration files' ``[options]``, then
``CROSSBUILD_<OPTION>`` variables (pip's convention: ``--cache-dir`` ↔ ``CROSSBUILD_CACHE_DIR``),
then what the command line itself says."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from ..config import Configuration

PREFIX = "CROSSBUILD_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Default:
    """A value an option takes when the command line does not give it."""

    dest: str
    value: object
    origin: str


def option_name(action: argparse.Action) -> str:
    """The long name of an option (``cache-dir``), or its only name without dashes."""
    longs = [o for o in action.option_strings if o.startswith("--")]
    return (longs[0] if longs else action.option_strings[0]).lstrip("-")


def variable_name(action: argparse.Action) -> str:
    """``CROSSBUILD_CACHE_DIR`` for ``--cache-dir``."""
    return PREFIX + option_name(action).upper().replace("-", "_")


def configurable(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The options of ``parser`` that files and variables may set (not --help/--version)."""
    return [
        action
        for action in parser._actions
        if action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction))
    ]


def defaults(
    actions: Iterable[argparse.Action], options: Mapping[str, tuple[object, str]], environ: Mapping[str, str]
) -> list[Default]:
    """The defaults that files (``options``: a value and its file by option name) and
    ``environ`` give ``actions``."""
    found = []
    for action in actions:
        name, variable = option_name(action), variable_name(action)
        if variable in environ:
            found.append(Default(action.dest, _parse(action, environ[variable], variable), variable))
        elif name in options:
            value, origin = options[name]
            found.append(Default(action.dest, _from_file(action, value, name, origin), origin))
    return found


def given_on_command_line(action: argparse.Action, argv: Sequence[str]) -> bool:
    for arg in argv:
        if arg == "--":
            return False
        for option in action.option_strings:
            if arg == option or arg.startswith(option + "="):
                return True
            if len(option) == 2 and not arg.startswith("--") and arg.startswith(option):  # -Ck=v, -vv
                return True
    return False


def apply(
    args: argparse.Namespace, found: Iterable[Default], argv: Sequence[str], actions: Sequence[argparse.Action]
) -> None:
    """Set every default whose option the command line did not give."""
    by_dest = {action.dest: action for action in actions}
    for default in found:
        if not given_on_command_line(by_dest[default.dest], argv):
            setattr(args, default.dest, default.value)


def _parse(action: argparse.Action, text: str, variable: str) -> object:
    """A variable's text as the option's value: a flag's yes/no, a list's words, a count."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ConfigurationError(
                "{variable}={text!r} is neither true nor false; use 1 or 0", variable=variable, text=text
            )
        return (lowered in _TRUE) == isinstance(action, argparse._StoreTrueAction)
    if isinstance(action, argparse._AppendAction):
        return text.split()
    if isinstance(action, argparse._CountAction):
        if not text.strip().isdigit():
            raise ConfigurationError("{variable}={text!r} is not a count; use a number", variable=variable, text=text)
        return int(text)
    return text


def _from_file(action: argparse.Action, value: object, name: str, origin: str) -> object:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)) and isinstance(value, bool):
        return value == isinstance(action, argparse._StoreTrueAction)
    if (
        isinstance(action, argparse._AppendAction)
        and isinstance(value, list)
        and all(isinstance(v, str) for v in value)
    ):
        return list(value)
    if isinstance(action, argparse._CountAction) and isinstance(value, int):
        return value
    if isinstance(value, str) and not isinstance(action, argparse._CountAction):
        return _parse(action, value, f"options.{name}")
    raise ConfigurationError(
        "options.{name} = {value!r} in {origin} is not a value for that option", name=name, value=value, origin=origin
    )


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    chosen: argparse.ArgumentParser = commands.choices[command]
    return chosen


def apply_defaults(
    parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str], configuration: Configuration
) -> list[Default]:
    """Fill the options the command line left out from CROSSBUILD_* variables and files."""
    actions = configurable(_subparser(parser, args.command))
    options = {
        s.key.removeprefix("options."): (s.value, s.origin)
        for s in configuration.settings
        if s.key.startswith("options.")
    }
    found = defaults(actions, options, os.environ)
    apply(args, found, argv, actions)
    return found


#: The library's parameter names whose flag has another name (``dest``) on the command line.
_PARAMETER_DESTS = {
    "config_settings": "config_setting",
    "requirement_files": "requirement",
    "constraint_files": "constraint",
    "compile_bytecode": "compile",
}


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """How the CLI calls each parameter of the library: ``build_python`` → ``--build-python``."""
    flags: dict[str, str] = {}
    parsers = [parser]
    while parsers:
        current = parsers.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif action.option_strings:
                flags[action.dest] = action.option_strings[0]
    flags.update({parameter: flags[dest] for parameter, dest in _PARAMETER_DESTS.items() if dest in flags})
    return flags
