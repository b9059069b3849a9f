"""The runtime patch's public seam: lay it into an environment, and the variable that wakes it.

The patch itself (:mod:`crossbuild.backend_env._hostpatch`) runs inside the backend's interpreter
and may import only the standard library; this module is what the rest of crossbuild uses.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from . import _hostpatch

#: The variable naming the host description that turns the patch on in a process.
PATCH_ENV_VAR = _hostpatch.ENV_VAR
PATCH_MODULE = "_crossbuild_hostpatch"
PTH_FILE = f"{PATCH_MODULE}.pth"
_PTH_LINE = f"import os; os.environ.get({PATCH_ENV_VAR!r}) and __import__({PATCH_MODULE!r}).activate()\n"


def install_patch(site_packages: Path) -> None:
    """Lay the patch and the ``.pth`` file that activates it into ``site_packages``.

    The patch stays dormant unless :data:`PATCH_ENV_VAR` is set, so pip in the same
    environment still installs native packages.
    """
    shutil.copyfile(_hostpatch.__file__, site_packages / f"{PATCH_MODULE}.py")
    (site_packages / PTH_FILE).write_text(_PTH_LINE)


def patch_digest() -> str:
    """A digest of the patch as :func:`install_patch` lays it: environments made with
    another patch are not reused."""
    laid = [Path(_hostpatch.__file__).read_bytes(), PATCH_MODULE.encode(), PTH_FILE.encode(), _PTH_LINE.encode()]
    return hashlib.sha256(b"\0".join(laid)).hexdigest()
