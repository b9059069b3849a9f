"""What ``crossbuild install`` prints when it is done: one line per distribution, then the
image's growth — read once by a person, grepped by scripts.

Every distribution line is ``ACTION NAME VERSION ...``: the first three words are always
the action (``installed``, ``upgraded``, ``downgraded``, ``reinstalled``, ``repaired``,
``kept``, ``removed``), the project and the version in the root now (the one removed, for
``removed``).  The last line starts with ``image``.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from ..installation import InstalledDistribution, InstallResult

#: The width of the action column: the longest action.
_ACTION_WIDTH = len("reinstalled")


def human_size(size: int) -> str:
    """``size`` bytes as pip shows sizes (decimal units): ``512 bytes``, ``38 kB``, ``1.2 MB``."""
    size = abs(size)
    if size >= 1000**3:
        return f"{size / 1000**3:.1f} GB"
    if size >= 1000**2:
        return f"{size / 1000**2:.1f} MB"
    if size >= 10 * 1000:
        return f"{size // 1000} kB"
    if size >= 1000:
        return f"{size / 1000:.1f} kB"
    return f"{size} bytes"


def summary_lines(result: InstallResult) -> list[str]:
    """The summary of ``result``: its distributions by name, the removed ones, and the image's change.

    A dry run says what would change in pip's words (``Would install alpha-1.0 beta-2.0``):
    nothing was laid, so there are no sizes to tell.
    """
    if result.dry_run:
        changes = [f"{d.name}-{d.version}" for d in result.distributions if d.source != "already installed"]
        return [f"Would install {' '.join(changes)}" if changes else "Would change nothing"]
    rows = [_row(d) for d in result.distributions]
    names = {canonicalize_name(d.name) for d in result.distributions}
    for label in result.removed:
        name, _, version = label.rpartition(" ")
        if canonicalize_name(name) not in names:  # removed, not replaced by another version
            rows.append(("removed", f"{name} {version}", "", ""))
    width = max((len(project) for _, project, _, _ in rows), default=0)
    lines = [
        f"{action:<{_ACTION_WIDTH}} {project:<{width}} {size:>9}{f'  ({source})' if source else ''}".rstrip()
        for action, project, size, source in rows
    ]
    return [*lines, _image_line(result)]


def _row(distribution: InstalledDistribution) -> tuple[str, str, str, str]:
    action = distribution.action
    project = f"{distribution.name} {distribution.version}"
    if distribution.previous is not None and action != "reinstalled":
        project += f" (from {distribution.previous})"
    source = distribution.source if action in ("installed", "upgraded", "downgraded", "reinstalled") else ""
    return action, project, human_size(distribution.size), source


def _image_line(result: InstallResult) -> str:
    change = result.change
    growth = change.growth
    files = f"{change.files_added:,} files added, {change.files_removed:,} removed, {change.files_replaced:,} replaced"
    if growth == 0:
        return f"image size unchanged ({files})"
    verb = "grew" if growth > 0 else "shrank"
    exact = f"{abs(growth):,} bytes; " if abs(growth) >= 1000 else ""  # firmware budgets count bytes
    return f"image {verb} by {human_size(growth)} ({exact}{files})"
