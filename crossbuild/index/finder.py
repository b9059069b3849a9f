"""Package indexes, configured as pip is configured on this machine.

crossbuild finds distributions with ``unearth``.  Its indexes and find-links come from
pip's own configuration (``pip config list``: files and ``PIP_*`` variables), then from
the command line, so a machine set up for pip is set up for crossbuild.

``pip config list`` costs a python start and pip's imports (a third of a second): its
output is kept in the cache, keyed by everything it reads (pip itself, the ``PIP_*`` and
location variables, and every configuration file pip may read, by its ``stat``), so an
edit of any of them runs it again.
"""

from __future__ import annotations

import ast
import atexit
import functools
import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import unearth
from packaging.tags import Tag
from unearth.auth import MultiDomainBasicAuth
from unearth.evaluator import Evaluator

from .._files import identity_of, keep_in_cache
from ..host.host import Host
from .pages import IndexClient

logger = logging.getLogger("crossbuild")

PYPI = "https://pypi.org/simple/"


@dataclass(frozen=True)
class IndexSettings:
    """Where to look for distributions."""

    index_url: str = PYPI
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    trusted_hosts: tuple[str, ...] = field(default=())

    @classmethod
    def from_pip_config(cls, cache: Path | None = None) -> IndexSettings:
        """The settings pip uses here; later sources (user, site, ``PIP_*``) win.
        ``cache`` keeps pip's answer (see :func:`pip_configuration`)."""
        listing = pip_configuration(cache=cache)
        # pip's precedence: [global] < a command's own section < PIP_* variables.
        by_section: dict[str, dict[str, str]] = {}
        for line in listing.splitlines():
            key, _, raw = line.partition("=")
            section, _, option = key.rpartition(".")
            try:
                value = ast.literal_eval(raw)  # pip prints values with repr()
            except (ValueError, SyntaxError):
                value = raw
            by_section.setdefault(section, {})[option] = " ".join(str(value).split())
        values: dict[str, str] = {}
        for section in ("global", "install", "download", "wheel", ":env:"):
            values.update(by_section.get(section, {}))
        return cls(
            index_url=values.get("index-url", PYPI),
            extra_index_urls=tuple(values.get("extra-index-url", "").split()),
            find_links=tuple(values.get("find-links", "").split()),
            no_index=values.get("no-index", "").lower() in ("1", "true", "yes", "on"),
            trusted_hosts=tuple(values.get("trusted-host", "").split()),
        )

    def with_options(
        self,
        *,
        index_url: str | None = None,
        extra_index_urls: tuple[str, ...] = (),
        find_links: tuple[str, ...] = (),
        no_index: bool = False,
    ) -> IndexSettings:
        """These settings overridden by command-line options, as pip does."""
        return replace(
            self,
            index_url=index_url or self.index_url,
            extra_index_urls=self.extra_index_urls + extra_index_urls,
            find_links=self.find_links + find_links,
            no_index=self.no_index or no_index,
        )

    def finder(self, cache: Path | None = None, **kwargs: object) -> unearth.PackageFinder:
        """unearth's finder for these indexes; ``cache`` keeps their pages (see
        :mod:`crossbuild.index.pages`)."""
        indexes = [] if self.no_index else [self.index_url, *self.extra_index_urls]
        finder = _Finder(
            index_urls=indexes,
            find_links=list(self.find_links),
            trusted_hosts=list(self.trusted_hosts),
            **kwargs,  # type: ignore[arg-type]
        )
        finder.page_cache = cache
        return finder

    def describe(self) -> str:
        where = [] if self.no_index else [self.index_url, *self.extra_index_urls]
        return ", ".join([*where, *self.find_links]) or "no index (--no-index)"


class _Evaluator(Evaluator):
    """unearth's evaluator, with the wheel tag test against a set of the host's tags.

    unearth tests ``frozenset.isdisjoint(list of supported tags)``, which hashes every
    supported tag (hundreds) for every wheel of a project: for numpy's thousands of
    files, most of a warm resolution."""

    def validate_wheel_tag(self, tags: frozenset[Tag]) -> bool:
        if self.ignore_compatibility:
            return True
        return not tags.isdisjoint(_tag_set(self.target_python))


class _Finder(unearth.PackageFinder):
    page_cache: Path | None = None

    @property
    def session(self) -> unearth.fetchers.Fetcher:
        """unearth's client (made as unearth makes it), with index pages kept in the
        cache and cut down to the wheels the target supports."""
        if self._session is None:
            index_urls = [source["url"] for source in self.sources if source["type"] == "index"]
            tags = None if self.ignore_compatibility else _tag_set(self.target_python)
            session = IndexClient(trusted_hosts=self.trusted_hosts, cache=self.page_cache, tags=tags)
            session.auth = MultiDomainBasicAuth(index_urls=index_urls)
            atexit.register(session.close)
            self._session = cast("unearth.fetchers.Fetcher", session)  # PyPIClient, as unearth's own
        return self._session

    def prefetch(self, names: Iterable[str]) -> None:
        """Ask every index for the pages of ``names`` ahead (see :class:`IndexClient`)."""
        session = self.session
        if not isinstance(session, IndexClient):
            return
        indexes = [s["url"] for s in self.sources if s["type"] == "index" and s["url"].startswith(("http:", "https:"))]
        for name in names:  # a file:// index is read where it lies: nothing to wait for
            for index in indexes:
                session.prefetch(self._build_index_page_link(index, name).normalized)

    def build_evaluator(self, package_name: str, allow_yanked: bool = False) -> Evaluator:
        evaluator = super().build_evaluator(package_name, allow_yanked)
        evaluator.__class__ = _Evaluator  # the same evaluator, with the faster tag test
        return evaluator


def _tag_set(target: unearth.TargetPython) -> frozenset[Tag]:
    """The supported tags of ``target``, as a set, computed once."""
    tags: frozenset[Tag] | None = getattr(target, "_crossbuild_tag_set", None)
    if tags is None:
        tags = frozenset(target.supported_tags())
        target._crossbuild_tag_set = tags  # type: ignore[attr-defined]
    return tags


def host_target(host: Host) -> unearth.TargetPython:
    """The host as unearth's target: its python version, ABIs and platform tags."""
    return unearth.TargetPython(
        py_ver=tuple(int(p) for p in host.full_version.split(".")[:3] if p.isdigit()),
        abis=[host.abi_tag, "abi3", "none"],
        impl="cp",
        platforms=host.platform_tags,
    )


def pip_configuration(environ: Mapping[str, str] | None = None, cache: Path | None = None) -> str:
    """``pip config list`` as pip sees it with ``environ`` (default: this process's
    environment): the indexes and constraints that decide what pip installs.  With a
    ``cache`` directory, pip's answer is kept there until anything it reads changes."""
    environ = os.environ if environ is None else environ
    pip_environ = tuple(sorted((k, v) for k, v in environ.items() if k.startswith("PIP_")))
    return _pip_config_listing(pip_environ, cache) or ""


@functools.lru_cache(maxsize=8)
def _pip_config_listing(pip_environ: tuple[tuple[str, str], ...], cache: Path | None = None) -> str | None:
    """``pip config list``, run once per process and ``PIP_*`` environment, and once per
    state of pip's inputs with a ``cache``."""
    environ = {**os.environ, **dict(pip_environ)}
    kept = None
    if cache is not None:
        digest = hashlib.sha256(json.dumps(_pip_config_inputs(environ)).encode()).hexdigest()
        kept = cache / "pip-config" / f"{digest[:32]}.txt"
        try:
            return kept.read_text()
        except (OSError, UnicodeDecodeError):
            pass
    try:
        listing = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=True,
            env=environ,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        logger.debug("pip config list failed; using PyPI")
        return None
    if kept is not None:
        keep_in_cache(kept, listing.encode(), "pip's configuration")
    return listing


#: Variables that decide which configuration files pip reads (besides ``PIP_*``).
_LOCATION_VARIABLES = ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "VIRTUAL_ENV")


def _pip_config_inputs(environ: Mapping[str, str]) -> list[object]:
    """Everything ``pip config list`` reads: this python and its pip, the variables, and
    the ``stat`` of every file pip's ``get_configuration_files`` may name (more is harmless:
    an unrelated change only runs pip again)."""
    home = Path(environ.get("HOME") or Path.home())
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    config_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [
        *(Path(d, "pip", "pip.conf") for d in config_dirs),
        Path("/etc/pip.conf"),
        Path(sys.prefix, "pip.conf"),
        home / ".pip" / "pip.conf",
        config_home / "pip" / "pip.conf",
        *([Path(environ["PIP_CONFIG_FILE"])] if environ.get("PIP_CONFIG_FILE") else []),
    ]
    pip = importlib.util.find_spec("pip")  # its __init__.py changes with every pip release
    return [
        sys.executable,
        identity_of(Path(pip.origin)) if pip is not None and pip.origin else None,
        sorted((k, v) for k, v in environ.items() if k.startswith("PIP_") or k in _LOCATION_VARIABLES),
        [[str(path), identity_of(path)] for path in files],
    ]
