"""What is made when first used: a package's re-exports (PEP 562), and the fields of a
frozen object that only some runs read (:class:`FoundWhenNeeded`).

``import crossbuild`` and the command then load only what is used: an install of binary
wheels never imports the build machinery (PEP 517 frontend, auditwheel), ``--help``
not even the resolver.  Type checkers see the package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")
_NO_DEFAULT: Any = object()


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


class FoundWhenNeeded(Generic[_T]):
    """A field of a frozen dataclass given as its value, or as a function that finds it,
    called when the field is first read (once: the answer is kept).

    What only some runs need is found when they need it: a host's compilers (finding
    them runs each one, 60-150 ms) and the root the build tools are given (a walk of the
    whole root, 0.15 s for 56,000 entries), a build's python and Rust toolchain.  Installing
    binary wheels needs none of it, so ``install`` starts as fast as an installer and works
    on a machine without a cross compiler, as pip and uv do; ``check`` and ``inspect`` need
    no build python.  A build reads them first, so a missing compiler still stops it before
    anything is fetched.  Nothing is kept between runs: a compiler installed since is seen.
    ``dataclasses.replace`` reads every field, so a copy finds what is still to be found
    and shares it.
    """

    _lock = threading.RLock()  # parallel builds of one run find it once

    def __init__(self, default: _T = _NO_DEFAULT) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: object | None, owner: type | None = None) -> _T:
        if instance is None:  # dataclasses asks the class for the field's default
            if self.default is _NO_DEFAULT:
                raise AttributeError(self.slot)
            return self.default
        with self._lock:
            value: _T | Callable[[], _T] = instance.__dict__[self.slot]
            if callable(value):
                value = value()
                instance.__dict__[self.slot] = value
            return value

    def __set__(self, instance: object, value: _T | Callable[[], _T]) -> None:
        instance.__dict__[self.slot] = value
