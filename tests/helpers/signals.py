"""SIGINT for the tests that send it: not ignored, however the test run was started.

A process started in the background by a non-interactive shell (``scripts/test &``),
by nohup, or by a CI runner that starts its jobs so, inherits SIGINT ignored, and passes
that on to every program it runs: a SIGINT a test sends would then never arrive.  A test
that relies on SIGINT says so — in this process (:func:`sigint_raising`) and in the
children it starts (:func:`sigint_default` as their ``preexec_fn``).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


def sigint_default() -> None:
    """``preexec_fn`` of a child that is sent SIGINT: its default disposition, as at a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def sigint_raising() -> Iterator[None]:
    """For the duration, SIGINT raises :class:`KeyboardInterrupt` in this process (and is
    not ignored in the programs it starts)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
