"""Lay the chosen distributions into the root in one transaction — or, for a dry run,
say what would be laid: replaced versions removed by their RECORD, intact ones kept,
damaged ones repaired, with the sizes of what is there afterwards."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path

from packaging.utils import NormalizedName

from .._faults import fault_point
from .._reporter import Reporter, reporting
from .artifacts import Artifact, ArtifactStore
from .check import record_problems
from .installed import Existing
from .options import InstallOptions
from .placement import Placement
from .resolver import Candidate
from .result import InstalledDistribution, InstallResult
from .sizes import RootChange, measure
from .transaction import RootTransaction

logger = logging.getLogger("crossbuild")


def plan(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    store: ArtifactStore,
    requested: set[NormalizedName],
    existing: Mapping[NormalizedName, Existing],
    choices: InstallOptions,
) -> InstallResult:
    """What :func:`_lay` would do, without touching the root (``--dry-run``)."""
    results = []
    removed = []
    reinstall = choices.force_reinstall or choices.ignore_installed
    for name, candidate in sorted(chosen.items()):
        old = existing.get(name)
        keep = old is not None and old.version == str(candidate.version) and not reinstall
        if old is not None and not keep:
            removed.append(f"{name} {old.version}")
        source = "already installed" if keep else store.source_of(candidate.artifact)
        files = (old.files or ()) if keep and old is not None else ()
        results.append(
            InstalledDistribution(
                name, str(candidate.version), source, candidate.artifact.origin, name in requested, files
            )
        )
    return InstallResult(
        placement.host, placement.root, prefix, dict(placement.scheme), tuple(results), tuple(removed), dry_run=True
    )


def _kept(root: Path, old: Existing, artifact: Artifact, requested: bool) -> InstalledDistribution:
    """A distribution left as it is in the root, with the size of its files there."""
    files = old.files or ()
    size = sum(measure(root, files).values())
    return InstalledDistribution(old.key, old.version, "already installed", artifact.origin, requested, files, size)


def lay(
    placement: Placement,
    prefix: str,
    chosen: dict[NormalizedName, Candidate],
    wheels: dict[NormalizedName, Path],
    store: ArtifactStore,
    requested: set[NormalizedName],
    existing: Mapping[NormalizedName, Existing],
    force_reinstall: bool,
    reporter: Reporter | None = None,
) -> InstallResult:
    """Replace or add every chosen distribution in the root (which holds ``existing``),
    in one transaction."""
    transaction = RootTransaction(placement.root)
    results = []
    removed = []
    touched: set[str] = set()  # every path the transaction removes or writes
    try:
        for name, candidate in sorted(chosen.items()):
            artifact = candidate.artifact
            old = existing.get(name)
            damage = []
            if old is not None and artifact.installed is not None:  # the resolver kept it, intact
                results.append(_kept(placement.root, old, artifact, name in requested))
                continue
            if old is not None and old.version == str(candidate.version) and not force_reinstall:
                damage = record_problems(placement.root, old)
                if not damage:
                    results.append(_kept(placement.root, old, artifact, name in requested))
                    continue
                more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
                logger.info("repairing %s: %s: %s%s", old.label, damage[0].path, damage[0].detail, more)
            with reporting(reporter, f"{name} {candidate.version}", "installing"):
                if old is not None:
                    placement.remove(old, transaction)
                    touched.update(old.files or ())
                    if not damage:
                        removed.append(f"{name} {old.version}")
                files = placement.stage(wheels[name], transaction)
            touched.update(files)
            source = "repaired" if damage else store.source_of(artifact)
            previous = old.version if old is not None and not damage else None
            results.append(
                InstalledDistribution(
                    name, str(candidate.version), source, artifact.origin, name in requested, files, previous=previous
                )
            )
        before = measure(placement.root, touched)
        fault_point("stage")
        with reporting(reporter, str(placement.root), "installing"):
            transaction.commit()
    except BaseException:
        transaction.discard()
        raise
    after = measure(placement.root, touched)
    distributions = tuple(
        d if d.source == "already installed" else dataclasses.replace(d, size=sum(after.get(p, 0) for p in d.files))
        for d in results
    )
    change = RootChange.between(before, after)
    return InstallResult(
        placement.host, placement.root, prefix, dict(placement.scheme), distributions, tuple(removed), change
    )
