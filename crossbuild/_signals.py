"""SIGINT, SIGTERM and SIGHUP as exceptions, so that every ``finally`` runs.

By default SIGTERM (``docker stop``, a cancelled CI job, ``kill``) and SIGHUP end the
process on the spot: no ``finally`` block, no context manager runs, and staging and
temporary directories stay behind.  Inside :func:`signals_raise`, SIGINT raises
:class:`KeyboardInterrupt` and SIGTERM or SIGHUP raise :class:`Terminated`, in the main
thread, wherever it is.

Two stretches must not be cut short by them:

- cleaning up and undoing (:func:`deferred`): a signal that arrives there is raised
  once the stretch is over (or dropped, when an exception is on its way out already);
- everything after the work is complete (:func:`work_complete`): the root is fully new,
  so a signal changes nothing; it is logged, and the run ends as the success it is.

Signals that were ignored when the scope began (``nohup``, a background job of a
non-interactive shell) stay ignored.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

logger = logging.getLogger("crossbuild")

_Handler = Callable[[int, FrameType | None], Any] | int | None

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: the run stops, cleaning up on its way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process ended by this signal: 128 + its number."""
        return 128 + self.signum


@dataclass
class _State:
    depth: int = 0
    """Nesting of :func:`signals_raise`: only the outermost installs and restores handlers."""
    previous: dict[signal.Signals, _Handler] = field(default_factory=dict)
    deferring: int = 0
    pending: list[int] = field(default_factory=list)
    complete: str | None = None
    """What is complete (``the install into ROOT``); then signals are only logged."""


_state = _State()


def _exception(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _handler(signum: int, frame: FrameType | None) -> None:
    if _state.complete is not None:
        logger.info("%s is complete: ignoring %s", _state.complete, signal.Signals(signum).name)
    elif _state.deferring:
        _state.pending.append(signum)
    else:
        raise _exception(signum)


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """For the duration, SIGINT, SIGTERM and SIGHUP raise in the main thread.

    Nested scopes share the outermost one's handlers.  Outside the main thread (where
    handlers cannot be set) this does nothing.
    """
    if _state.depth == 0:
        try:
            previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
            for number, handler in previous.items():
                if handler is not signal.SIG_IGN:
                    signal.signal(number, _handler)
        except ValueError:  # not the main thread
            yield
            return
        _state.previous = previous
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            for number, handler in _state.previous.items():
                signal.signal(number, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
            _state.previous = {}
            _state.complete = None
            _state.pending.clear()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold signals for the duration; raise the first one that came once it is over.

    For cleanup and rollback, which must not stop half way.  When the block ends with an
    exception, that exception goes on and the held signals are dropped.
    """
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        held = [] if _state.deferring else list(_state.pending)
        if not _state.deferring:
            _state.pending.clear()
    if held:
        raise _exception(held[0])


def work_complete(what: str) -> None:
    """``what`` is done: until the outermost :func:`signals_raise` ends, signals are logged only."""
    if _state.depth:
        _state.complete = what
