"""pip's choices among the versions that fit: what is installed is kept or upgraded
(:class:`~crossbuild.installation.resolver.Preferences` from the options), and hash-checking
mode, where every requirement is pinned and hashed."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from .._exceptions import RequirementError
from .artifacts import artifact_of_installed
from .check import record_problems
from .hashed import HashedFiles
from .installed import Existing
from .options import InstallOptions
from .requirements import RequirementSet
from .resolver import Candidate, Preferences


def preferences_from(
    choices: InstallOptions,
    wanted: RequirementSet,
    existing: Mapping[NormalizedName, Existing],
    root: Path,
    hashed: HashedFiles | None = None,
) -> Preferences:
    """What the resolver prefers among fitting versions, from pip's options; ``hashed``
    spares hashing again the installed files hashed before (see :mod:`.hashed`)."""
    named = frozenset(canonicalize_name(u.requirement.name) for u in wanted.requirements if u.requirement is not None)
    upgrade: frozenset[NormalizedName] | None = frozenset()
    if choices.upgrade:
        upgrade = None if choices.upgrade_strategy == "eager" else named
    installed = {
        name: artifact_of_installed(name, old.version, old.dist_info)
        for name, old in existing.items()
        if old.files is not None  # without RECORD it could not be replaced anyway
    }

    @functools.cache
    def intact(name: NormalizedName) -> bool:
        # --force-reinstall: nothing installed counts as intact, so it comes again from the index
        return not choices.force_reinstall and not record_problems(root, existing[name], hashed)

    return Preferences(
        installed=installed, upgrade=upgrade, prereleases=choices.pre, no_deps=choices.no_deps, intact=intact
    )


def hash_checking(choices: InstallOptions, wanted: RequirementSet) -> bool:
    """pip's hash-checking mode: asked for, or on because some requirement has a hash."""
    return choices.require_hashes or any(user.hashes for user in wanted.requirements)


def check_every_hash(wanted: RequirementSet, chosen: Mapping[NormalizedName, Candidate]) -> None:
    """In hash-checking mode every requirement is pinned and hashed, and so is every
    distribution the resolution brings in."""
    hashed: dict[NormalizedName, str] = {}
    for user in wanted.requirements:
        if not user.hashes:
            raise RequirementError(
                "{requirement} ({origin}) has no --hash; with hash checking ({require_hashes}, or any --hash in "
                "the requirements) every requirement needs one",
                requirement=user,
                origin=user.origin,
            )
        if user.requirement is not None:
            pins = [s for s in user.requirement.specifier if s.operator in ("==", "===") and "*" not in s.version]
            if not pins:
                raise RequirementError(
                    "{requirement} ({origin}) is not pinned with ==; hash checking needs exact versions",
                    requirement=user,
                    origin=user.origin,
                )
            hashed[canonicalize_name(user.requirement.name)] = user.origin
    for name, candidate in sorted(chosen.items()):
        local = candidate.artifact.path is not None and candidate.artifact.link is None
        if name not in hashed and not local and candidate.artifact.installed is None:
            raise RequirementError(
                "{name} {version} is needed but not in the requirements; with hash checking every dependency "
                "must be listed, pinned with == and with --hash",
                name=name,
                version=candidate.version,
            )
