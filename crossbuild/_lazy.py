"""A package's re-exports, imported when first used (PEP 562).

``import crossbuild`` and the command then load only what is used: an install of binary
wheels never imports the build machinery (PEP 517 frontend, auditwheel), ``--help``
not even the resolver.  Type checkers see the package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, modules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for the names in ``modules``
    (relative module name to the names it exports): a name's module is imported on the
    name's first use, and the name then kept in the package like a plain import's."""
    origin = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in origin:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *origin})

    return __getattr__, __dir__
