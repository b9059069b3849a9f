"""The one place crossbuild runs other programs.

Output is read line by line: it goes to the ``crossbuild.output`` logger (shown with
``-v``) and the last lines are kept, so a failure can show what went wrong.
"""

from __future__ import annotations

import collections
import logging
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence

from ._exceptions import CommandError

logger = logging.getLogger("crossbuild")
output_logger = logging.getLogger("crossbuild.output")

TAIL_LINES = 40


def run(
    command: Sequence[str | os.PathLike[str]],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> str:
    """Run ``command``, stream its merged output to the log, return the output.

    Raises :class:`CommandError` (naming ``what`` and carrying the output's tail) when it
    exits with a non-zero code.
    """
    argv = [os.fspath(part) for part in command]
    logger.debug("running %s%s", shlex.join(argv), f" (in {cwd})" if cwd else "")
    lines: list[str] = []
    try:
        process = subprocess.Popen(
            argv,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise CommandError(what, argv, 127, str(error)) from None
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            lines.append(line)
            output_logger.info(line.rstrip("\n"))
    output = "".join(lines)
    if process.returncode != 0:
        raise CommandError(what, argv, process.returncode, tail(output))
    return output


def tail(text: str, count: int = TAIL_LINES) -> str:
    """The last ``count`` lines of ``text``."""
    return "".join(collections.deque(text.splitlines(keepends=True), maxlen=count))
