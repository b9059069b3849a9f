"""Package indexes, configured as pip is configured on this machine.

crossbuild finds distributions with ``unearth``.  Its indexes and find-links come from
pip's own configuration (``pip config list``: files and ``PIP_*`` variables), then from
the command line, so a machine set up for pip is set up for crossbuild.
"""

from __future__ import annotations

import ast
import functools
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import unearth
from packaging.tags import Tag
from unearth.evaluator import Evaluator

from ..host.host import Host

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
    def from_pip_config(cls) -> IndexSettings:
        """The settings pip uses here; later sources (user, site, ``PIP_*``) win."""
        listing = pip_configuration()
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

    def finder(self, **kwargs: object) -> unearth.PackageFinder:
        indexes = [] if self.no_index else [self.index_url, *self.extra_index_urls]
        return _Finder(
            index_urls=indexes,
            find_links=list(self.find_links),
            trusted_hosts=list(self.trusted_hosts),
            **kwargs,  # type: ignore[arg-type]
        )

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


def pip_configuration(environ: Mapping[str, str] | None = None) -> str:
    """``pip config list`` as pip sees it with ``environ`` (default: this process's
    environment): the indexes and constraints that decide what pip installs."""
    environ = os.environ if environ is None else environ
    pip_environ = tuple(sorted((k, v) for k, v in environ.items() if k.startswith("PIP_")))
    return _pip_config_listing(pip_environ) or ""


@functools.lru_cache(maxsize=8)
def _pip_config_listing(pip_environ: tuple[tuple[str, str], ...]) -> str | None:
    """``pip config list``, run once per process and ``PIP_*`` environment."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **dict(pip_environ)},
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        logger.debug("pip config list failed; using PyPI")
        return None
