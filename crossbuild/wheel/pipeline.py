"""``build_wheel``: from a source to a verified wheel tagged for the host.

source → source tree → isolated env (native build requirements) → backend hooks with the
host patch and the cross compilers → ELF verification → pure-fallback check → retag →
the wheel directory.  Work happens in a temporary directory; only a finished, verified
wheel is moved into the wheel directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from .._exceptions import PureFallbackError
from ..host.host import Host, as_host
from ..host.patch import PATCH_ENV_VAR
from ..host.settings import CrossSettings, prepare_settings
from .backend import Backend, build_backend_name, build_system_requires, cross_config_settings
from .isolated_env import IsolatedEnv, get_isolated_env
from .options import BuildOptions
from .retag import host_tags, retag_wheel
from .sources import SourceTree, prepare_source
from .verify import verify_wheel

logger = logging.getLogger("crossbuild")

#: Variables of crossbuild's that must never reach native pip installs.
_CROSS_VARIABLES = (PATCH_ENV_VAR, "_PYTHON_HOST_PLATFORM", "_PYTHON_SYSCONFIGDATA_NAME")


def build_wheel(
    source: str | os.PathLike[str],
    host: Host | str | os.PathLike[str],
    wheel_dir: str | os.PathLike[str],
    options: BuildOptions | None = None,
) -> Path:
    """Cross-build ``source`` for ``host`` and return the path of the wheel in ``wheel_dir``.

    ``source`` is a source tree, an sdist file or a requirement (``name==version``) whose
    sdist is fetched from ``options.index`` (default: pip's configuration).  ``host`` is a
    :class:`Host` or the path of the host python.
    """
    options = options or BuildOptions()
    host = as_host(host, options.cache_dir)
    options = options.for_host(host)
    cache = options.cache
    with tempfile.TemporaryDirectory(prefix="crossbuild-") as tmp:
        workdir = Path(tmp)
        tree = prepare_source(source, workdir, options.index, cache)
        built, settings = _run_backend(tree, host, options, cache, workdir)
        contents = verify_wheel(built, host.elf)
        _refuse_pure_fallback(built, contents.has_binaries, settings, options.allow_pure_fallback)
        final = retag_wheel(built, host_tags(built.name, host, contents.has_binaries), workdir / "dist")
        return _publish(final, Path(wheel_dir))


def _run_backend(
    tree: SourceTree,
    host: Host,
    options: BuildOptions,
    cache: Path,
    workdir: Path,
) -> tuple[Path, CrossSettings]:
    pip_environ = {k: v for k, v in os.environ.items() if k not in _CROSS_VARIABLES}
    env = get_isolated_env(options.python, build_system_requires(tree.path), cache, pip_environ)
    settings = prepare_settings(host, workdir / "cross", env.python)
    backend = Backend(tree.path, env.python, _backend_environ(env, settings), name=tree.name)
    config_settings = cross_config_settings(build_backend_name(tree.path), options.config_settings, settings)
    env.install(backend.get_requires_for_build_wheel(config_settings), pip_environ)
    logger.info("building %s", tree.name)
    return backend.build_wheel(workdir / "dist", config_settings), settings


def _backend_environ(env: IsolatedEnv, settings: CrossSettings) -> dict[str, str]:
    path = os.pathsep.join([str(settings.wrappers.directory), env.make_extra_environ()["PATH"]])
    return {**settings.environ, "PATH": path}


def _refuse_pure_fallback(wheel: Path, has_binaries: bool, settings: CrossSettings, allowed: bool) -> None:
    """A wheel without binaries after a failed compiler call is a C build that failed
    quietly, whatever its tag: setuptools' optional extensions keep the platform tag."""
    failed = settings.wrappers.failed_calls()
    if has_binaries or not failed:
        return
    if allowed:
        logger.warning("%s is pure Python: the compiler failed, and the pure fallback is allowed", wheel.name)
        return
    first = failed[0]
    raise PureFallbackError(wheel.name, first.argv, first.stderr)


def _publish(wheel: Path, wheel_dir: Path) -> Path:
    """Move the finished wheel into ``wheel_dir`` without ever leaving a partial file there."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    destination = wheel_dir / wheel.name
    partial = wheel_dir / f".{wheel.name}.partial"
    try:
        shutil.copyfile(wheel, partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("built %s", destination)
    return destination
