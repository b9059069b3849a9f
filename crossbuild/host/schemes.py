"""The host's install schemes: where packages go so that the host python finds them.

They come from the host's own ``sysconfig.py`` (read with ``ast``, never run), because
distributions patch them: Debian adds ``posix_local`` (``/usr/local/lib/python3.X/
dist-packages``, where its pip installs) and ``deb_system`` (``/usr/lib/python3/
dist-packages``, where apt installs), and its python reads neither ``site-packages``.
"""

from __future__ import annotations

from pathlib import Path

from .._exceptions import InstallTargetError
from .host import Host
from .layout import read_literal

SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")

#: CPython's own posix_prefix scheme, for hosts whose sysconfig.py cannot be read.
POSIX_PREFIX = {
    "purelib": "{base}/lib/python{py_version_short}/site-packages",
    "platlib": "{platbase}/{platlibdir}/python{py_version_short}/site-packages",
    "include": "{installed_base}/include/python{py_version_short}{abiflags}",
    "scripts": "{base}/bin",
    "data": "{base}",
}


def read_install_schemes(host: Host) -> dict[str, dict[str, str]]:
    """``_INSTALL_SCHEMES`` of the host's ``sysconfig.py`` (CPython's default if unreadable)."""
    try:
        schemes = read_literal(host.sysconfigdata.parent / "sysconfig.py", "_INSTALL_SCHEMES")
    except (OSError, SyntaxError, ValueError, LookupError):
        schemes = None
    if not isinstance(schemes, dict):
        return {"posix_prefix": POSIX_PREFIX}
    return {name: dict(paths) for name, paths in schemes.items() if isinstance(paths, dict)}


def default_scheme_name(schemes: dict[str, dict[str, str]]) -> str:
    """The scheme the host's pip installs with: Debian's ``posix_local``, else ``posix_prefix``."""
    return "posix_local" if "posix_local" in schemes else "posix_prefix"


def install_paths(host: Host, prefix: str, scheme: str | None = None) -> dict[str, str]:
    """Host-side install directories (``purelib``, ``platlib``, ``headers``, ``scripts``, ``data``)."""
    schemes = read_install_schemes(host)
    name = scheme or default_scheme_name(schemes)
    if name not in schemes:
        raise InstallTargetError(
            "the host python has no install scheme {name!r}; pass {scheme} one of {names}",
            name=name,
            names=", ".join(schemes),
        )
    return _paths(host, prefix, schemes[name])


def all_install_paths(host: Host, prefix: str) -> dict[str, dict[str, str]]:
    """The install directories of every scheme of the host for ``prefix``, by scheme name,
    the default scheme first (the one ahead on Debian's ``sys.path``), then in the host's
    order.  Per-user schemes, which need a home directory, are left out."""
    schemes = read_install_schemes(host)
    default = default_scheme_name(schemes)
    paths = {}
    for name in sorted(schemes, key=lambda name: name != default):
        try:
            paths[name] = _paths(host, prefix, schemes[name])
        except (KeyError, IndexError, ValueError):  # {userbase}, or a template we cannot fill
            continue
    return paths


def _paths(host: Host, prefix: str, scheme: dict[str, str]) -> dict[str, str]:
    templates = {**POSIX_PREFIX, **scheme}
    variables = {
        "base": prefix,
        "platbase": prefix,
        "installed_base": prefix,
        "installed_platbase": prefix,
        "py_version_short": host.version,
        "py_version_nodot": host.version.replace(".", ""),
        "platlibdir": str(host.config_vars.get("PLATLIBDIR") or "lib"),
        "abiflags": host.abiflags,
        "implementation_lower": "python",
    }
    paths = {key: templates[key].format(**variables) for key in ("purelib", "platlib", "scripts", "data")}
    # headers: where a distribution's headers go, by pip's convention
    paths["headers"] = templates["include"].format(**variables) + "/{name}"
    return {k: str(Path(v)) for k, v in paths.items()}
