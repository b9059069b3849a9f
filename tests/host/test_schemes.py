"""The host's install schemes (read from its sysconfig.py), wheel platform tags and markers."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.fakehost import X86_64, install_fake_toolchain, make_layout
from packaging.markers import Marker

from crossbuild import CrossbuildError, inspect_host
from crossbuild.host.host import Host
from crossbuild.host.schemes import POSIX_PREFIX, default_scheme_name, install_paths, read_install_schemes


@pytest.fixture
def debian(tmp_path: Path, fake_cc: Path) -> Host:
    """An aarch64 host whose stdlib has Debian's sysconfig.py."""
    return inspect_host(make_layout(tmp_path / "debian", sysconfig_py=True).python)


def test_reads_debian_schemes(debian: Host) -> None:
    schemes = read_install_schemes(debian)
    assert list(schemes) == ["posix_prefix", "deb_system", "posix_local", "posix_home"]
    assert schemes["posix_local"]["purelib"] == "{base}/local/lib/python{py_version_short}/dist-packages"
    assert schemes["deb_system"]["platlib"] == "{platbase}/lib/python3/dist-packages"
    assert schemes["posix_prefix"]["include"] == "{installed_base}/include/python{py_version_short}{abiflags}"
    assert set(schemes["posix_local"]) == {
        "stdlib",
        "platstdlib",
        "purelib",
        "platlib",
        "include",
        "platinclude",
        "scripts",
        "data",
    }
    assert default_scheme_name(schemes) == "posix_local"


def test_debian_default_is_posix_local(debian: Host) -> None:
    assert install_paths(debian, "/usr") == {
        "purelib": "/usr/local/lib/python3.11/dist-packages",
        "platlib": "/usr/local/lib/python3.11/dist-packages",
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/local/bin",
        "data": "/usr/local",
    }
    assert install_paths(debian, "/usr", "posix_local") == install_paths(debian, "/usr")


def test_deb_system(debian: Host) -> None:
    assert install_paths(debian, "/usr", "deb_system") == {
        "purelib": "/usr/lib/python3/dist-packages",
        "platlib": "/usr/lib/python3/dist-packages",
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/bin",
        "data": "/usr",
    }


def test_posix_prefix_on_debian(debian: Host) -> None:
    paths = install_paths(debian, "/opt/py", "posix_prefix")
    assert paths["purelib"] == "/opt/py/lib/python3.11/site-packages"
    assert paths["platlib"] == "/opt/py/lib/python3.11/site-packages"
    assert paths["scripts"] == "/opt/py/bin"
    assert paths["data"] == "/opt/py"
    assert paths["headers"] == "/opt/py/include/python3.11/{name}"


def test_unknown_scheme_lists_the_schemes(debian: Host) -> None:
    with pytest.raises(CrossbuildError) as caught:
        install_paths(debian, "/usr", "nt_user")
    assert str(caught.value) == (
        "the host python has no install scheme 'nt_user'; pass scheme= one of posix_prefix, deb_system, posix_local, "
        "posix_home"
    )


def test_without_sysconfig_py_posix_prefix(host: Host) -> None:
    assert not (host.sysconfigdata.parent / "sysconfig.py").exists()
    assert read_install_schemes(host) == {"posix_prefix": POSIX_PREFIX}
    assert install_paths(host, "/usr") == {
        "purelib": "/usr/lib/python3.11/site-packages",
        "platlib": "/usr/lib/python3.11/site-packages",
        "headers": "/usr/include/python3.11/{name}",
        "scripts": "/usr/bin",
        "data": "/usr",
    }
    with pytest.raises(CrossbuildError) as caught:
        install_paths(host, "/usr", "posix_local")
    assert str(caught.value).endswith("no install scheme 'posix_local'; pass scheme= one of posix_prefix")


@pytest.mark.parametrize(
    "source",
    [
        "def broken(:\n",  # a syntax error
        "import os\n_INSTALL_SCHEMES = dict(posix_prefix={})\n",  # not a literal
        "_INSTALL_SCHEMES = {'posix_prefix': {'purelib': os.sep}}\n",  # a name inside
        "import os\n",  # no schemes at all
    ],
    ids=["syntax-error", "call", "name", "missing"],
)
def test_unreadable_sysconfig_py_means_posix_prefix(host: Host, source: str) -> None:
    (host.sysconfigdata.parent / "sysconfig.py").write_text(source)
    assert read_install_schemes(host) == {"posix_prefix": POSIX_PREFIX}


def test_sysconfig_py_is_never_run(host: Host, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (host.sysconfigdata.parent / "sysconfig.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n_INSTALL_SCHEMES = {{'custom': {{'purelib': '{{base}}/pure'}}}}\n"
    )
    assert read_install_schemes(host) == {"custom": {"purelib": "{base}/pure"}}
    # keys the scheme lacks come from posix_prefix
    assert install_paths(host, "/usr", "custom")["purelib"] == "/usr/pure"
    assert install_paths(host, "/usr", "custom")["platlib"] == "/usr/lib/python3.11/site-packages"
    assert not marker.exists()


def test_platlibdir_and_abiflags(tmp_path: Path, fake_cc: Path) -> None:
    layout = make_layout(tmp_path / "fedora", debug=True, overrides={"PLATLIBDIR": "lib64"})
    host = inspect_host(layout.python)
    paths = install_paths(host, "/usr")
    assert paths["purelib"] == "/usr/lib/python3.11/site-packages"
    assert paths["platlib"] == "/usr/lib64/python3.11/site-packages"
    assert paths["headers"] == "/usr/include/python3.11d/{name}"


def test_platform_tags_aarch64(host: Host) -> None:
    assert host.glibc == (2, 36)
    tags = host.platform_tags
    assert tags[0] == "manylinux_2_36_aarch64"
    assert tags[-1] == "linux_aarch64"
    assert tags == [
        *(f"manylinux_2_{minor}_aarch64" for minor in range(36, 17, -1)),
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
        "linux_aarch64",
    ]
    assert not [tag for tag in tags if tag.startswith(("manylinux2010", "manylinux1_"))]
    assert not [tag for tag in tags if not tag.endswith("_aarch64")]


def test_platform_tags_x86_64(tmp_path: Path, fake_bin: Path) -> None:
    install_fake_toolchain(fake_bin, X86_64)
    host = inspect_host(make_layout(tmp_path / "amd64", machine=X86_64, glibc=(2, 5, 17, 31)).python)
    assert host.glibc == (2, 31)
    tags = host.platform_tags
    assert tags[0] == "manylinux_2_31_x86_64"
    assert tags[-3:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    for alias, versioned in [("manylinux2014", 17), ("manylinux2010", 12), ("manylinux1", 5)]:
        assert tags.index(f"{alias}_x86_64") == tags.index(f"manylinux_2_{versioned}_x86_64") + 1
    assert len(tags) == (31 - 5 + 1) + 3 + 1


def test_platform_tags_without_glibc(tmp_path: Path, fake_cc: Path) -> None:
    host = inspect_host(make_layout(tmp_path / "bare", glibc=None).python)
    assert host.glibc is None
    assert host.platform_tags == ["linux_aarch64"]


def test_old_glibc_has_no_manylinux_for_aarch64(tmp_path: Path, fake_cc: Path) -> None:
    host = inspect_host(make_layout(tmp_path / "old", glibc=(12,)).python)
    assert host.glibc == (2, 12)
    assert host.platform_tags == ["linux_aarch64"]


def test_marker_environment(host: Host) -> None:
    assert host.marker_environment() == {
        "implementation_name": "cpython",
        "implementation_version": "3.11.2",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": "3.11.2",
        "python_version": "3.11",
        "sys_platform": "linux",
    }


def test_marker_environment_evaluates_for_the_host(host: Host) -> None:
    environment = {**host.marker_environment(), "extra": ""}
    assert Marker('platform_machine == "aarch64" and python_version >= "3.11"').evaluate(environment)
    assert not Marker('platform_machine == "x86_64"').evaluate(environment)
    assert Marker('python_full_version < "3.11.3"').evaluate(environment)
