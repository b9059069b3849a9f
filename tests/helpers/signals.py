"""The stop signals for the tests that send them: not ignored, however the test run was started.

A process started in the background by a non-interactive shell (``scripts/test &``) or by
a CI runner that starts its jobs so inherits SIGINT ignored; under ``nohup`` it inherits
SIGHUP ignored too; and it passes that on to every program it runs.  crossbuild keeps an
inherited ignored signal ignored (docs/explanation/limits.md), so a SIGINT or SIGHUP a test
sends would never arrive.  A test that relies on them says so — in this process
(:func:`stop_signals_raising`) and in the children it starts (:func:`stop_signals_default`
as their ``preexec_fn``).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

#: The signals a test sends to stop a run, besides SIGKILL.
STOP_SIGNALS = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)


def stop_signals_default() -> None:
    """``preexec_fn`` of a child that is sent a stop signal: their default dispositions, as at
    a terminal."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)


@contextlib.contextmanager
def stop_signals_raising() -> Iterator[None]:
    """For the duration, SIGINT raises :class:`KeyboardInterrupt` in this process and SIGHUP
    and SIGTERM have their default dispositions (crossbuild's handlers take them over), and
    none is ignored in the programs it starts."""
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
