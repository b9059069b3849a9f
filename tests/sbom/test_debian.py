"""Which Debian package of a root installed a file: the root's dpkg database."""

from __future__ import annotations

from pathlib import Path

from helpers.dpkg import write_dpkg_database

from crossbuild.sbom.debian import DebianPackage, DpkgDatabase

ZLIB = ("zlib1g", "1:1.2.13.dfsg-1+deb12u1", "arm64")


def test_the_owner_of_a_file_and_its_purl(tmp_path: Path) -> None:
    write_dpkg_database(tmp_path, {ZLIB: ["/lib/aarch64-linux-gnu/libz.so.1.2.13"]})
    database = DpkgDatabase(tmp_path)
    owner = database.owner("/lib/aarch64-linux-gnu/libz.so.1.2.13")
    assert owner == DebianPackage(*ZLIB)
    assert owner.purl == "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1%2Bdeb12u1?arch=arm64"
    assert database.owner("/usr/lib/aarch64-linux-gnu/libz.so.1.2.13") == owner  # merged /usr: the other spelling
    assert database.owner("/lib/aarch64-linux-gnu/libzstd.so.1") is None


def test_lists_without_the_architecture_and_packages_not_installed(tmp_path: Path) -> None:
    write_dpkg_database(tmp_path, {("libfoo1", "2.0-1", "armhf"): ["/usr/lib/libfoo.so.1"]}, multi_arch=False)
    status = tmp_path / "var/lib/dpkg/status"
    status.write_text(
        status.read_text() + "\n\nPackage: gone\nStatus: deinstall ok config-files\nArchitecture: armhf\nVersion: 1\n"
    )
    (tmp_path / "var/lib/dpkg/info/gone.list").write_text("/.\n/usr/lib/libgone.so.1\n")
    database = DpkgDatabase(tmp_path)
    assert database.owner("/lib/libfoo.so.1") == DebianPackage("libfoo1", "2.0-1", "armhf")
    assert database.owner("/usr/lib/libgone.so.1") is None  # removed, its config files kept: not installed


def test_a_root_without_a_database_and_an_ubuntu_root(tmp_path: Path) -> None:
    assert not DpkgDatabase(tmp_path)
    assert DpkgDatabase(tmp_path).owner("/lib/libc.so.6") is None
    ubuntu = tmp_path / "ubuntu"
    (ubuntu / "etc").mkdir(parents=True)
    (ubuntu / "etc/os-release").write_text('NAME="Ubuntu"\nID=ubuntu\n')
    write_dpkg_database(ubuntu, {("libc6", "2.39-0ubuntu8", "arm64"): ["/usr/lib/aarch64-linux-gnu/libc.so.6"]})
    owner = DpkgDatabase(ubuntu).owner("/usr/lib/aarch64-linux-gnu/libc.so.6")
    assert owner is not None and owner.purl == "pkg:deb/ubuntu/libc6@2.39-0ubuntu8?arch=arm64"
