"""install behaves like pip where pip users expect it: only-if-needed, -U and its strategies,
--no-deps, --pre, --ignore-installed, hash-checking mode, --dry-run, -q/-v/--log."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers.commandline import run_cli
from helpers.fakehost import FakeLayout, make_wheel, snapshot
from helpers.installing import SITE, Install, installed

from crossbuild import OptionError, RequirementError
from crossbuild.installation.options import InstallOptions


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_installed_version_that_fits_is_kept(install: Install, links: Path) -> None:
    install(["beta==1.0"])
    # beta 2.0 is on the index, but the installed 1.0 satisfies "beta": pip's only-if-needed
    assert installed(install(["beta"])) == [("beta", "1.0", "already installed", True)]
    # ... until it no longer fits
    assert installed(install(["beta>=2"])) == [("beta", "2.0", "wheel", True)]


def test_upgrade_takes_the_best_version_of_the_named_projects(install: Install, links: Path) -> None:
    install(["beta==1.0"])
    result = install(["beta"], upgrade=True)
    assert installed(result) == [("beta", "2.0", "wheel", True)]
    assert result.removed == ("beta 1.0",)


def test_upgrade_strategies(install: Install, links: Path) -> None:
    make_wheel(links, name="gizmo", version="1.0", tags="py3-none-any", purelib=True, requires=["beta"])
    make_wheel(links, name="gizmo", version="1.1", tags="py3-none-any", purelib=True, requires=["beta"])
    install(["gizmo==1.0", "beta==1.0"])
    only_if_needed = install(["gizmo"], upgrade=True)
    assert installed(only_if_needed) == [("beta", "1.0", "already installed", False), ("gizmo", "1.1", "wheel", True)]
    eager = install(["gizmo"], upgrade=True, upgrade_strategy="eager")
    assert installed(eager) == [("beta", "2.0", "wheel", False), ("gizmo", "1.1", "already installed", True)]
    with pytest.raises(OptionError, match=r"^upgrade strategy 'sometimes' is not one of only-if-needed, eager;"):
        InstallOptions(upgrade_strategy="sometimes")


def test_no_deps(install: Install, root: Path) -> None:
    result = install(["alpha"], no_deps=True)
    assert installed(result) == [("alpha", "1.0", "wheel", True)]
    assert not (root / SITE / "beta").exists()


def test_pre_releases_only_with_pre_or_when_nothing_else_fits(install: Install, links: Path) -> None:
    make_wheel(links, name="beta", version="3.0b1", tags="py3-none-any", purelib=True)
    make_wheel(links, name="omega", version="1.0rc1", tags="py3-none-any", purelib=True)
    assert installed(install(["beta"])) == [("beta", "2.0", "wheel", True)]
    assert installed(install(["beta"], pre=True, upgrade=True)) == [("beta", "3.0b1", "wheel", True)]
    assert installed(install(["beta>=3.0b1"])) == [("beta", "3.0b1", "already installed", True)]
    # nothing but a pre-release: pip takes it
    assert installed(install(["omega"])) == [("omega", "1.0rc1", "wheel", True)]


def test_ignore_installed_lays_everything_anew(install: Install, root: Path) -> None:
    install(["tool"])
    (root / SITE / "tool/__init__.py").write_text("# edited on the device\n")
    result = install(["tool"], ignore_installed=True)
    assert installed(result) == [("tool", "1.0", "wheel", True)]
    assert (root / SITE / "tool/__init__.py").read_text().startswith("def main")


def test_a_damaged_installation_is_repaired_not_upgraded(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    (root / SITE / "beta/__init__.py").unlink()
    assert installed(install(["beta"])) == [("beta", "1.0", "repaired", True)]
    assert (root / SITE / "beta/__init__.py").is_file()


def test_force_reinstall_takes_the_installed_version_again(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    assert installed(install(["beta"], force_reinstall=True)) == [("beta", "1.0", "wheel", True)]


def test_hash_checking_mode(install: Install, root: Path, links: Path, tmp_path: Path) -> None:
    tool = next(links.glob("tool-*.whl"))
    alpha = next(links.glob("alpha-*.whl"))
    before = snapshot(root)
    requirements = tmp_path / "requirements.txt"

    requirements.write_text("tool\n")
    with pytest.raises(RequirementError) as caught:
        install(requirement_files=[requirements], require_hashes=True)
    assert str(caught.value) == (
        f"tool ({requirements}:1) has no --hash; with hash checking (require_hashes=, or any --hash in the "
        "requirements) every requirement needs one"
    )
    requirements.write_text(f"tool>=1 --hash=sha256:{_sha256(tool)}\n")  # a hash turns the mode on
    with pytest.raises(RequirementError, match=r"is not pinned with ==; hash checking needs exact versions$"):
        install(requirement_files=[requirements])
    requirements.write_text(f"alpha==1.0 --hash=sha256:{_sha256(alpha)}\n")
    with pytest.raises(RequirementError) as caught:
        install(requirement_files=[requirements])
    assert str(caught.value) == (
        "beta 2.0 is needed but not in the requirements; with hash checking every dependency must be listed, "
        "pinned with == and with --hash"
    )
    assert snapshot(root) == before
    requirements.write_text(f"tool==1.0 --hash=sha256:{_sha256(tool)}\n")
    assert installed(install(requirement_files=[requirements], require_hashes=True)) == [("tool", "1.0", "wheel", True)]


def test_dry_run_changes_nothing(install: Install, root: Path) -> None:
    install(["beta==1.0"])
    before = snapshot(root)
    result = install(["alpha"], dry_run=True)
    assert result.dry_run
    assert installed(result) == [("alpha", "1.0", "wheel", True), ("beta", "2.0", "wheel", False)]
    assert result.removed == ("beta 1.0",)
    assert snapshot(root) == before
    assert not list(root.glob(".crossbuild-*"))


def test_cli_pip_flags(
    rootfs: FakeLayout,
    fake_cc: Path,
    links: Path,
    tmp_path: Path,
    no_pip_config: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["install", "--host", str(rootfs.python), "--root", str(rootfs.root), "--no-index", "-f", str(links)]
    base += ["--cache-dir", str(tmp_path / "cache")]
    before = snapshot(rootfs.root)
    code, out, err = run_cli([*base, "alpha", "--dry-run"], capsys)
    assert (code, out) == (0, "Would install alpha-1.0 beta-2.0\n")
    assert snapshot(rootfs.root) == before

    log = tmp_path / "install.log"
    code, out, err = run_cli([*base, "beta==1.0", "-q", "--log", str(log)], capsys)
    assert (code, err) == (0, "")  # -q: nothing on stderr
    assert out.splitlines()[0].split() == ["installed", "beta", "1.0", "685", "bytes", "(wheel)"]
    assert "resolving beta==1.0" in log.read_text()  # --log: everything
    code, out, _ = run_cli([*base, "beta", "-U"], capsys)
    assert (code, out.splitlines()[0].split()[:5]) == (0, ["upgraded", "beta", "2.0", "(from", "1.0)"])
    code, out, _ = run_cli([*base, "alpha", "--no-deps", "--pre", "--ignore-installed"], capsys)
    assert (code, out.splitlines()[0].split()[:3]) == (0, ["installed", "alpha", "1.0"])
    assert len(out.splitlines()) == 2  # alpha alone, and the image's change
