"""How the command's log reaches the terminal and ``--log FILE``: crossbuild's messages,
the backend's output with ``-v``, other libraries' only when asked."""

from __future__ import annotations

import logging
import sys


class _LogFileHandler(logging.FileHandler):
    """``--log FILE``: everything, with times, appended."""

    def __init__(self, path: str) -> None:
        super().__init__(path, mode="a", encoding="utf-8")
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The CLI's handler: messages only, on the stderr of the moment.  It sits on the root
    logger and shows crossbuild's records; the backend's output (``crossbuild.output``) and
    the other libraries' (unearth's "Failed to collect links … 404", httpx's, httpcore's…)
    only with ``-v``, their debugging only with ``-vv``."""

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "crossbuild.output" or record.name.startswith("crossbuild.output."):
            shown = bool(self.verbose) or record.levelno >= logging.WARNING
        elif record.name == "crossbuild" or record.name.startswith("crossbuild."):
            shown = True
        else:
            shown = self.verbose >= (1 if record.levelno >= logging.INFO else 2)
        return shown and bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # follow redirections between calls of main(), and rich's
        super().emit(record)


def setup_logging(verbose: int, quiet: int = 0, log_file: str | None = None) -> None:
    """-q: warnings and errors; default: what happens; -v: commands, the backend's output
    and other libraries' messages; -vv: their debugging too.  ``--log FILE`` gets
    everything, whatever the level.  The handlers sit on the root logger: with one there,
    logging's last resort never prints another library's warnings behind our back."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, (_CliHandler, _LogFileHandler))]:
        root.removeHandler(handler)
        handler.close()
    terminal = _CliHandler(verbose)
    terminal.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    root.addHandler(terminal)
    root.setLevel(logging.DEBUG if verbose >= 2 or log_file else logging.INFO)
    logging.getLogger("crossbuild").setLevel(logging.DEBUG)
    logging.getLogger("crossbuild.output").setLevel(logging.INFO)  # shown with -v (see _CliHandler)
    if log_file:
        root.addHandler(_LogFileHandler(log_file))
