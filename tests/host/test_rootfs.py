"""resolve_in_root: host paths resolved inside a rootfs as chroot would, never outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbuild import CrossbuildError
from crossbuild.host.rootfs import MAX_SYMLINKS, RootResolver, leaves_root, resolve_in_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A rootfs with Debian's merged /usr (``lib -> usr/lib``) and host-absolute links."""
    root = tmp_path / "root"
    (root / "usr/lib/python3/dist-packages").mkdir(parents=True)
    (root / "opt/local/lib").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "lib").symlink_to("usr/lib")  # relative, as on Debian
    (root / "usr/local").symlink_to("/opt/local")  # absolute on the host
    return root


def test_plain_paths(root: Path) -> None:
    assert resolve_in_root(root, "/usr/lib/python3") == root / "usr/lib/python3"
    assert resolve_in_root(root, "usr/lib") == root / "usr/lib"  # relative host paths start at /
    assert resolve_in_root(root, "/") == root
    assert resolve_in_root(root, "//usr/./lib//python3/") == root / "usr/lib/python3"


def test_missing_components_are_kept(root: Path) -> None:
    assert resolve_in_root(root, "/usr/lib/python3.11/dist-packages/new/mod.py") == (
        root / "usr/lib/python3.11/dist-packages/new/mod.py"
    )


def test_relative_symlink(root: Path) -> None:
    assert resolve_in_root(root, "/lib/python3/dist-packages") == root / "usr/lib/python3/dist-packages"
    assert resolve_in_root(root, "/lib") == root / "usr/lib"


def test_absolute_symlink_restarts_at_the_root(root: Path) -> None:
    # Followed on this machine, ROOT/usr/local would lead to the real /opt/local.
    assert resolve_in_root(root, "/usr/local/lib/python3.11") == root / "opt/local/lib/python3.11"
    assert resolve_in_root(root, "/usr/local") == root / "opt/local"


def test_dotdot_after_a_symlink_climbs_from_its_target(root: Path) -> None:
    # /usr/local is /opt/local, so /usr/local/.. is /opt (as the kernel resolves it), not /usr.
    assert resolve_in_root(root, "/usr/local/../bin") == root / "opt/bin"
    assert resolve_in_root(root, "/lib/../include") == root / "usr/include"


def test_dotdot_never_climbs_above_the_root(root: Path) -> None:
    assert resolve_in_root(root, "/../../../etc/passwd") == root / "etc/passwd"
    assert resolve_in_root(root, "/usr/../../..") == root


def test_escaping_symlinks_stay_inside(root: Path) -> None:
    (root / "etc/escape").symlink_to("/etc/../../../..")
    (root / "etc/up").symlink_to("../../../../../tmp")
    (root / "usr/lib/python3/dist-packages/evil").symlink_to("../../../../../../../../outside")
    assert resolve_in_root(root, "/etc/escape") == root
    assert resolve_in_root(root, "/etc/escape/etc/passwd") == root / "etc/passwd"
    assert resolve_in_root(root, "/etc/up/file") == root / "tmp/file"
    assert resolve_in_root(root, "/usr/lib/python3/dist-packages/evil/x.py") == root / "outside/x.py"


def test_chained_links(root: Path) -> None:
    (root / "etc/a").symlink_to("/etc/b")
    (root / "etc/b").symlink_to("c")
    (root / "etc/c").symlink_to("/lib/python3")
    assert resolve_in_root(root, "/etc/a/dist-packages") == root / "usr/lib/python3/dist-packages"


def test_dangling_symlink_is_followed_to_where_it_would_be_created(root: Path) -> None:
    (root / "etc/alternatives").symlink_to("/var/lib/alternatives")
    assert resolve_in_root(root, "/etc/alternatives/python") == root / "var/lib/alternatives/python"


@pytest.mark.parametrize(
    ("links", "path"),
    [
        ({"etc/loop": "/etc/loop"}, "/etc/loop"),
        ({"etc/a": "b", "etc/b": "/etc/a"}, "/etc/a/file"),
        ({"etc/self": "."}, "/etc" + "/self" * (MAX_SYMLINKS + 1)),
    ],
    ids=["self", "pair", "too-many"],
)
def test_symlink_loops_fail(root: Path, links: dict[str, str], path: str) -> None:
    for link, target in links.items():
        (root / link).symlink_to(target)
    with pytest.raises(CrossbuildError, match="too many levels of symbolic links"):
        resolve_in_root(root, path)


def test_forty_links_are_fine(root: Path) -> None:
    (root / "etc/self").symlink_to(".")
    assert resolve_in_root(root, "/etc" + "/self" * MAX_SYMLINKS + "/x") == root / "etc/x"


def test_results_are_always_under_the_root(root: Path) -> None:
    (root / "etc/escape").symlink_to("/etc/../../..")
    (root / "etc/rel").symlink_to("../../../../..")
    paths = ["/", "/..", "/etc/escape", "/etc/rel", "/usr/local/../../../..", "/lib/../../x", "/etc/escape/../rel/y"]
    for path in paths:
        resolved = resolve_in_root(root, path)
        assert resolved.is_relative_to(root), path
        assert ".." not in resolved.relative_to(root).parts, path


def test_leaves_root_when_a_link_is_absolute_or_climbs_above_it(root: Path) -> None:
    (root / "etc/ok").symlink_to("../usr/lib")
    (root / "etc/up").symlink_to("../../usr/lib")  # on the host: /usr/lib; here: ROOT/../usr/lib
    (root / "etc/lib").symlink_to("../lib")
    assert not leaves_root(root, "/usr/lib/python3")
    assert not leaves_root(root, "/lib/python3")  # lib -> usr/lib
    assert not leaves_root(root, "/etc/ok/python3")
    assert not leaves_root(root, "/etc/lib/../etc")  # lib -> usr/lib: .. is usr, not the root
    assert leaves_root(root, "/usr/local/lib")  # usr/local -> /opt/local
    assert leaves_root(root, "/etc/up")
    assert leaves_root(root, "/etc/lib/../../..")


def test_root_resolver_agrees_with_resolve_in_root(root: Path) -> None:
    (root / "etc/escape").symlink_to("/etc/../../..")
    (root / "usr/lib/python3/dist-packages/pkg").symlink_to("/opt/local/lib")
    paths = [
        "/usr/lib/python3/dist-packages/pkg/mod.py",
        "/usr/lib/python3/dist-packages/pkg",  # the link itself
        "/usr/local/lib/python3.11/dist-packages/a.py",
        "/lib/python3/dist-packages/b.py",
        "/etc/escape/../x",
        "/usr/lib/python3/dist-packages/pkg/../up.py",
        "//usr/./lib//python3/",
        "/",
        "/..",
        "/etc/escape",
        "usr/lib/python3/x.py",  # relative: from /
        "/usr/lib/../lib/python3/x.py",
        "/top.py",
        "/usr/local/lib/",
    ]
    resolve = RootResolver(root)
    for _ in range(2):  # the second time from what was resolved
        for path in paths:
            assert resolve(path) == resolve_in_root(root, path, follow_last=False), path
            assert Path(resolve.followed(path)) == resolve_in_root(root, path), path  # the last link followed too


def test_root_resolver_forgets(root: Path) -> None:
    (root / "usr/lib/python3/dist-packages/pkg").symlink_to("/opt/local/lib")
    resolve = RootResolver(root)
    assert resolve("/usr/lib/python3/dist-packages/pkg/mod.py") == root / "opt/local/lib/mod.py"
    (root / "usr/lib/python3/dist-packages/pkg").unlink()
    resolve.forget()
    assert resolve("/usr/lib/python3/dist-packages/pkg/mod.py") == root / "usr/lib/python3/dist-packages/pkg/mod.py"


def test_root_resolver_serves_relative_paths_from_what_it_resolved(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal names its paths relative to the root: they too resolve a directory once."""
    from crossbuild.host import rootfs

    calls: list[object] = []
    full = rootfs.resolve_in_root

    def counted(*args: object, **kwargs: object) -> Path:
        calls.append(args[1])
        return full(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rootfs, "resolve_in_root", counted)
    resolve = RootResolver(root)
    found = [resolve(f"usr/local/lib/python3.11/dist-packages/m{i}.py") for i in range(50)]
    assert found[7] == root / "opt/local/lib/python3.11/dist-packages/m7.py"
    assert len(calls) == 1  # /usr/local, the one symlink on the way
