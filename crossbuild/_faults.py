"""Fault injection at named steps: a test seam, not a feature.

Tests stop the real command at a chosen step to prove that a root is never left half
changed and that nothing is left behind.  ``CROSSBUILD_FAULT=STEP:ACTION`` arms one step;
:func:`fault_point` is called at every step and does nothing unless its step is armed
(the cost when the variable is unset: one truth test of an empty dict).

Steps, roughly in the order an ``install`` reaches them:

``resolve``
    the root is locked and recovered, requirements are about to be resolved;
``download``
    a wheel or sdist of an index (or ``--find-links``) was downloaded;
``build``
    a wheel was cross-built, in its temporary directory, not yet published;
``copy``
    a file of a wheel unpacked in the cache is about to be checked and copied (or hard
    linked) into the staging directory (a core at a time: which file is not fixed);
``host-copy``
    a build requirement's host wheel is unpacked in the cache, not yet renamed into place;
``unpack``
    a wheel to install is unpacked into a new entry of the cache, not yet published;
``stage``
    every wheel is installed into the staging directory inside the root;
``commit:before-move``
    the journal of the commit is written, no file has moved;
``commit:after-move:N``
    the Nth change of the commit (1, 2, …: a rename, or a new directory) is done;
``commit:after-last-move``
    every file has moved, the commit is not yet recorded as complete;
``commit:before-cleanup``
    the commit is recorded as complete; the backups of replaced files are still there.

Actions: ``raise`` (a :class:`RuntimeError`), ``errno:NAME`` (an :class:`OSError` with
that errno, as the system call at the step would raise it: ``errno:ENOSPC``, a full
disk), ``sigint``, ``sigterm``, ``sigkill`` (the process sends itself the signal), and
``wait-for-file:PATH``: create ``PATH.waiting``, then wait until ``PATH`` exists — a test
holds a run at a step for as long as it needs.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import time
from pathlib import Path

ENV_VAR = "CROSSBUILD_FAULT"

_SPEC = re.compile(r"(?P<step>.+?):(?P<action>raise|errno:E[A-Z]+|sigint|sigterm|sigkill|wait-for-file:(?P<path>.+))")
_SIGNALS = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}


def parse(spec: str | None) -> dict[str, str]:
    """``{step: action}`` from the value of ``CROSSBUILD_FAULT`` (empty when unset)."""
    if not spec:
        return {}
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise ValueError(
            f"{ENV_VAR}={spec!r}: expected STEP:ACTION, ACTION one of raise, errno:NAME, sigint, sigterm, sigkill"
        )
    if match["action"].startswith("errno:") and not hasattr(errno, match["action"][6:]):
        raise ValueError(f"{ENV_VAR}={spec!r}: no errno {match['action'][6:]}")
    return {match["step"]: match["action"]}


_ARMED = parse(os.environ.get(ENV_VAR))


def fault_point(step: str, count: int | None = None) -> None:
    """Step ``step`` (``step:count`` for numbered steps) is reached: act if it is armed."""
    if _ARMED:
        _act(step if count is None else f"{step}:{count}")


def _act(step: str) -> None:
    action = _ARMED.get(step)
    if action is None:
        return
    if action == "raise":
        raise RuntimeError(f"fault injected at {step}")
    if action.startswith("errno:"):
        code = getattr(errno, action.removeprefix("errno:"))
        raise OSError(code, os.strerror(code))
    if action in _SIGNALS:
        os.kill(os.getpid(), _SIGNALS[action])
        time.sleep(0.1)  # a system call: the handler of the signal, sent already, runs here
        return
    path = Path(action.removeprefix("wait-for-file:"))
    Path(f"{path}.waiting").touch()
    while not path.exists():
        time.sleep(0.02)
