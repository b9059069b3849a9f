"""What an install tells when it is done: each distribution's action and installed size,
what it replaced, how the image grew — in the result, the --report JSON, and the one
summary the command prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.installing import SITE, Install, on_disk

from crossbuild import InstallResult
from crossbuild.cli.summary import human_size


def sizes(result: InstallResult) -> dict[str, tuple[str, str | None, int]]:
    return {d.name: (d.action, d.previous, d.size) for d in result.distributions}


def test_sizes_actions_and_growth(install: Install, root: Path) -> None:
    first = install(["beta==1.0"])
    [beta1] = first.distributions
    beta1_bytes = on_disk(root, beta1.files)
    assert sizes(first) == {"beta": ("installed", None, beta1_bytes)}
    assert first.change.growth == beta1_bytes > 0
    assert (first.change.files_added, first.change.files_removed, first.change.files_replaced) == (6, 0, 0)

    second = install(["alpha"])  # needs beta>=2: beta is upgraded
    alpha, beta2 = second.distributions
    assert sizes(second) == {
        "alpha": ("installed", None, on_disk(root, alpha.files)),
        "beta": ("upgraded", "1.0", on_disk(root, beta2.files)),
    }
    change = second.change
    assert (change.bytes_before, change.bytes_after) == (beta1_bytes, alpha.size + beta2.size)
    assert change.growth == alpha.size + beta2.size - beta1_bytes
    assert change.files_added == len(set(alpha.files) | set(beta2.files) - set(beta1.files))
    assert change.files_removed == len(set(beta1.files) - set(beta2.files))  # the 1.0 dist-info
    assert change.files_replaced == len(set(beta1.files) & set(beta2.files)) == 1  # beta/__init__.py

    third = install(["alpha"])
    assert sizes(third) == {"alpha": ("kept", None, alpha.size), "beta": ("kept", None, beta2.size)}
    assert (third.change.growth, third.change.files_added, third.change.files_replaced) == (0, 0, 0)

    fourth = install(["beta==1.0"])
    assert sizes(fourth) == {"beta": ("downgraded", "2.0", beta1_bytes)}
    assert fourth.change.growth == beta1_bytes - beta2.size < 0

    fifth = install(["beta==1.0"], force_reinstall=True)
    assert sizes(fifth) == {"beta": ("reinstalled", "1.0", beta1_bytes)}
    assert (fifth.change.growth, fifth.change.files_added, fifth.change.files_replaced) == (0, 0, 6)


def test_repaired(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    (root / SITE / "beta/__init__.py").write_bytes(b"edited by hand, and longer than before\n")
    result = install(["beta==1.0"])
    [beta] = result.distributions
    assert (beta.action, beta.previous, beta.size) == ("repaired", None, on_disk(root, beta.files))
    assert result.change.growth == len(b"V = 1\n") - len(b"edited by hand, and longer than before\n")


def test_report_has_sizes_actions_and_the_change(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    report = json.loads(json.dumps(install(["alpha"]).report()))
    [alpha, beta] = report["install"]
    assert (alpha["action"], alpha["previous_version"], alpha["size"]) == (
        "installed",
        None,
        on_disk(root, alpha["files"]),
    )
    assert (beta["action"], beta["previous_version"], beta["size"]) == ("upgraded", "1.0", on_disk(root, beta["files"]))
    assert report["removed"] == ["beta 1.0"]
    change = report["change"]
    assert change["growth"] == change["bytes_after"] - change["bytes_before"]
    assert change["bytes_after"] == alpha["size"] + beta["size"]
    assert (change["files_added"], change["files_removed"], change["files_replaced"]) == (13, 5, 1)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 kB"),
        (1234, "1.2 kB"),
        (38_499, "38 kB"),
        (999_999, "999 kB"),
        (1_000_000, "1.0 MB"),
        (38_512_345, "38.5 MB"),
        (2_500_000_000, "2.5 GB"),
        (-1234, "1.2 kB"),
    ],
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown
