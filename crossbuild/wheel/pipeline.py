"""``build_wheel``: from a source to a verified wheel tagged for the host.

source → source tree → isolated env (native build requirements) → backend hooks with the
host patch and the cross compilers → ELF verification → pure-fallback check → retag →
the wheel directory.  Work happens in a temporary directory, which is also the ``TMPDIR``
of every program the build runs (pip, the backend, compilers): it all goes at the end,
also on SIGINT or SIGTERM; only a finished, verified wheel is moved into the wheel
directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from packaging.utils import parse_wheel_filename

from .._buildlog import BuildLog, build_log, first_failure
from .._exceptions import BackendError, PureFallbackError, ToolchainError
from .._faults import fault_point
from .._files import make_dirs, publish_file
from .._pool import default_jobs
from .._reporter import Reporter, reporting
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from .._version import __version__
from ..backend_env.hostcopies import HostTools, write_host_tools
from ..backend_env.launcher import ccache_stats
from ..backend_env.patch import PATCH_ENV_VAR
from ..backend_env.settings import CrossSettings, prepare_settings
from ..backend_env.wrappers import BuildDirs
from ..host.host import Host, as_host
from ..host.libraries import libraries_of
from .backend import Backend, build_backend_name, build_system_requires, cross_config_settings
from .cache import BuiltWheels, built_wheel_key
from .host_requires import host_copies, native_versions, project_host_requires, wanted_host_requires
from .isolated_env import IsolatedEnv, get_isolated_env
from .options import BuildOptions
from .repair import repair_for_host
from .retag import host_tags, retag_wheel
from .sources import SourceTree, locate_source
from .strip import strip_for_host
from .verify import verify_wheel

logger = logging.getLogger("crossbuild")

#: Variables of crossbuild's that must never reach native pip installs.
_CROSS_VARIABLES = (PATCH_ENV_VAR, "_PYTHON_HOST_PLATFORM", "_PYTHON_SYSCONFIGDATA_NAME")


def build_wheel(
    source: str | os.PathLike[str],
    host: Host | str | os.PathLike[str],
    wheel_dir: str | os.PathLike[str],
    options: BuildOptions | None = None,
    *,
    reporter: Reporter | None = None,
) -> Path:
    """Cross-build ``source`` for ``host`` and return the path of the wheel in ``wheel_dir``.

    ``source`` is a source tree, an sdist file or a requirement (``name==version``) whose
    sdist is fetched from ``options.index`` (default: pip's configuration).  ``host`` is a
    :class:`Host` or the path of the host python.  ``reporter`` hears of the long steps.
    The output of every command of the build goes to a log file in the cache, kept when
    the build fails (the error's ``log``).
    """
    with signals_raise():
        options = options or BuildOptions()
        host = as_host(host, options.cache_dir)
        options = options.for_host(host)
        host.toolchain  # noqa: B018 - a build needs the compilers: found first, before anything is fetched
        cache = options.cache
        libraries = libraries_of(host)
        name = os.fspath(source)
        fetched = not Path(name).exists()  # a requirement: its sdist comes from an index
        with reporting(reporter if fetched else None, name, "downloading"):
            found = locate_source(source, options.index, cache)
        sdist = found.sdist  # what a built wheel is cached by; source trees are not
        built_wheels = BuiltWheels(cache, functools.partial(built_wheel_key, host, options))
        if sdist is not None:
            cached = built_wheels.get(sdist)
            if cached is not None:
                verify_wheel(cached, host.elf, libraries)  # the root may have changed since
                return _publish(cached, Path(wheel_dir))
        header = f"# crossbuild {__version__}: building {name} for {host.tag}"
        with build_log(cache, name, header) as log, temporary_directory("build") as workdir:
            tree = found.unpacked(workdir)
            built, settings = _run_backend(tree, host, options, workdir, log, reporter)
            contents = verify_wheel(built, host.elf, libraries)
            _refuse_pure_fallback(built, contents.has_binaries, settings, options.allow_pure_fallback)
            tags = host_tags(built.name, host, contents.has_binaries)
            final = retag_wheel(built, tags, workdir / "dist", options.source_date_epoch)
            final = _strip_and_repair(final, host, options, contents.elf_files, workdir)
            if sdist is not None:
                built_wheels.put(sdist, final)
            fault_point("build")
            return _publish(final, Path(wheel_dir))


def _run_backend(
    tree: SourceTree,
    host: Host,
    options: BuildOptions,
    workdir: Path,
    log: BuildLog,
    reporter: Reporter | None,
) -> tuple[Path, CrossSettings]:
    tmpdir = workdir / "tmp"  # pip's and the backend's temporary files go with the work dir
    tmpdir.mkdir()
    pip_environ = {k: v for k, v in os.environ.items() if k not in _CROSS_VARIABLES} | {"TMPDIR": str(tmpdir)}
    with reporting(reporter, tree.name, "building", "build environment"):
        env = get_isolated_env(options.python, build_system_requires(tree), options.cache, pip_environ, log)
    dirs = BuildDirs(source=tree.path, work=workdir, env=env.path)
    with reporting(reporter, tree.name, "building", "host requirements"):
        host_tools = _host_tools(tree, env, host, options, workdir)
    jobs = options.jobs or default_jobs()
    settings = prepare_settings(
        host,
        workdir / "cross",
        env.python,
        dirs,
        *options.rust,
        jobs=jobs,
        launcher=options.launcher,
        cache=options.cache,
        host_tools=host_tools,
    )
    environ = _backend_environ(env, settings, options.source_date_epoch) | {"TMPDIR": str(tmpdir)}
    backend = Backend(tree, env.python, environ, log, reporter)
    config_settings = cross_config_settings(build_backend_name(tree), options.config_settings, settings)
    with _config_script_errors(settings):
        requires = backend.get_requires_for_build_wheel(config_settings)
    with reporting(reporter, tree.name, "building", "build requirements"):
        env.install(requires, pip_environ, log)
    logger.info("building %s", tree.name)
    try:
        with _config_script_errors(settings):
            built = backend.build_wheel(workdir / "dist", config_settings)
    except BackendError:
        missing = settings.wrappers.missing_compiler()
        if missing is None:
            raise
        # meson's "Unknown compiler(s)" or CMake's "No CMAKE_Fortran_COMPILER" say less than this
        raise ToolchainError(
            "{project} needs a compiler the host lacks: {missing}", project=tree.name, missing=missing
        ) from None
    finally:
        for old, new in settings.wrappers.rewrites():
            logger.info("compiler search dir %s is the build machine's: using the host's %s", old, new)
        for old, new in settings.system_file_lookups():
            logger.info("path %s is the build machine's: the backend saw the host's %s", old, new)
        _log_config_scripts(settings)
    for error in settings.config_scripts.errors() if settings.config_scripts is not None else ():
        logger.warning("%s: the build went on without it", error)  # the project may not need it
    _log_launcher_stats(tree.name, settings)
    return built, settings


@contextlib.contextmanager
def _config_script_errors(settings: CrossSettings) -> Iterator[None]:
    """A backend that failed after one of the root's config scripts could not run failed
    for that reason, whatever it says (a setup.py that captures the script's stderr says
    only "returned non-zero exit status 127")."""
    try:
        yield
    except BackendError as error:
        errors = settings.config_scripts.errors() if settings.config_scripts is not None else []
        if not errors:
            raise
        raise BackendError(error.project, error.hook, error.output_tail, errors[0]) from None


def _log_config_scripts(settings: CrossSettings) -> None:
    """Say (``-v``) which paths the root's config scripts printed were moved into the root."""
    if settings.config_scripts is None:
        return
    for script, old, new in settings.config_scripts.mappings():
        logger.info("%s printed the host's %s: using %s", script, old, new)


def _host_tools(tree: SourceTree, env: IsolatedEnv, host: Host, options: BuildOptions, workdir: Path) -> HostTools:
    """Host copies of the build requirements the project compiles against (numpy, those it
    and the user name), and the config tools that point the build at them."""
    native = native_versions(env.site_packages)
    wanted = wanted_host_requires(native, project_host_requires(tree), options.host_requires, tree.name)
    copies = host_copies(wanted, host, options, build_wheel, workdir)
    return write_host_tools(copies, env.scripts_dir, host.build_sysroot, workdir / "cross" / "host-copies")


def _log_launcher_stats(name: str, settings: CrossSettings) -> None:
    """Say (``-v``) how many of the build's compiles ccache had already seen."""
    if settings.launcher is None:
        return
    stats = ccache_stats(settings.launcher_stats_log)
    if stats is not None:
        logger.info("%s: ccache %d hits, %d misses", name, *stats)
    else:
        logger.info("%s: compiles ran through %s", name, settings.launcher.program)


def _backend_environ(env: IsolatedEnv, settings: CrossSettings, source_date_epoch: int) -> dict[str, str]:
    tools = [str(settings.host_tools.bin_dir)] if settings.host_tools.bin_dir else []
    path = os.pathsep.join([str(settings.wrappers.directory), *tools, env.make_extra_environ()["PATH"]])
    # The backends' wheel writers and the compilers' __DATE__ take the build's time from it.
    return {**settings.environ, "PATH": path, "SOURCE_DATE_EPOCH": str(source_date_epoch)}


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
    raise PureFallbackError(wheel.name, first.argv, first.stderr, first_failure(first.stderr.splitlines()))


def _strip_and_repair(
    wheel: Path, host: Host, options: BuildOptions, elf_files: tuple[str, ...], workdir: Path
) -> Path:
    """``strip``, then ``repair`` (strip after patchelf may break an ELF file), then the ELF
    checks again: the grafted libraries too must be for the host and load there."""
    if not elf_files or not (options.strip or options.repair):
        return wheel
    if options.strip:
        wheel = strip_for_host(wheel, host, elf_files, workdir / "stripped")
    if options.repair:
        wheel = repair_for_host(wheel, host, options.plat, workdir / "repaired")
    verify_wheel(wheel, host.elf, libraries_of(host))
    # normalised again (order, times, modes): the same input still gives the same bytes
    tags = frozenset(parse_wheel_filename(wheel.name)[3])
    return retag_wheel(wheel, tags, wheel.parent, options.source_date_epoch)


def _publish(wheel: Path, wheel_dir: Path) -> Path:
    """Copy the finished wheel into ``wheel_dir`` (0644, whatever the umask) without ever
    leaving a partial file there: parallel runs may publish into the same directory."""
    make_dirs(wheel_dir)
    destination = publish_file(wheel, wheel_dir / wheel.name)
    logger.info("built %s", wheel.name)
    return destination
