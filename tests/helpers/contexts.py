"""The context a build hands ``prepare_settings``, for the tests of what a backend is handed."""

from __future__ import annotations

from typing import Any

from crossbuild.host.host import Host
from crossbuild.wheel.context import BuildContext, make_context
from crossbuild.wheel.options import BuildOptions


def context_for(host: Host, **options: Any) -> BuildContext:
    """The context of a run for ``host`` with ``options`` (one job unless they say), its
    build python left unfound: these tests hand the backend any python."""
    options.setdefault("jobs", 1)
    return make_context(host, BuildOptions(**options), building=False)
