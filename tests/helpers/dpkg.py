"""A dpkg database in a test root: ``var/lib/dpkg/status`` and ``info/<package>.list``,
as a Debian root (and integration/sysroot.py's sysroots) have them."""

from __future__ import annotations

from pathlib import Path


def write_dpkg_database(
    root: Path, packages: dict[tuple[str, str, str], list[str]], *, multi_arch: bool = True
) -> None:
    """``packages``: (name, version, architecture) → the host paths it installed.  With
    ``multi_arch`` the lists are ``<name>:<arch>.list`` (``Multi-Arch: same``)."""
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True, exist_ok=True)
    paragraphs = []
    for (name, version, architecture), paths in sorted(packages.items()):
        paragraphs.append(
            f"Package: {name}\nStatus: install ok installed\nArchitecture: {architecture}\n"
            f"{'Multi-Arch: same' + chr(10) if multi_arch else ''}Version: {version}\n"
            "Description: a test package\n with a continuation line\n"
        )
        directories = sorted({str(Path(p).parent) for p in paths})
        list_name = f"{name}:{architecture}.list" if multi_arch else f"{name}.list"
        (info / list_name).write_text("\n".join(["/.", *directories, *paths]) + "\n")
    (root / "var/lib/dpkg/status").write_text("\n".join(paragraphs))
