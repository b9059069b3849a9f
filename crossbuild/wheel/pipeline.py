"""``build_wheel``: from a source to a verified wheel tagged for the host.

source → source tree → isolated env (native build requirements) → backend hooks with the
host patch and the cross compilers → run-time search paths mended → ELF verification →
pure-fallback check → retag → the wheel directory.  Work happens in a temporary directory, which is also the ``TMPDIR``
of every program the build runs (pip, the backend, compilers): it all goes at the end,
also on SIGINT or SIGTERM; only a finished, verified wheel is moved into the wheel
directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from packaging.utils import parse_wheel_filename

from .._buildlog import BuildLog, build_log, first_failure
from .._exceptions import BackendError, PureFallbackError, ToolchainError
from .._faults import fault_point
from .._files import make_dirs, publish_file
from .._reporter import Reporter, reporting
from .._signals import signals_raise
from .._tempdirs import temporary_directory
from .._version import __version__
from ..backend_env.hostcopies import HostTools, write_host_tools
from ..backend_env.launcher import ccache_stats
from ..backend_env.patch import PATCH_ENV_VAR
from ..backend_env.settings import CrossSettings, prepare_settings
from ..backend_env.wrappers import BuildDirs
from ..host.libraries import libraries_of
from .backend import Backend, build_backend_name, build_system_requires, cross_config_settings
from .build_sbom import build_facts, sbom_members
from .cache import BuiltWheels, built_wheel_key
from .context import BuildContext, HostSpec, make_context
from .host_requires import host_copies, native_versions, project_host_requires, wanted_host_requires
from .isolated_env import IsolatedEnv, get_isolated_env
from .options import BuildOptions
from .repair import repair_for_host
from .retag import host_tags, retag_wheel
from .runpaths import mend_search_paths, search_path_rules
from .sources import SourceTree, locate_source
from .strip import strip_for_host
from .verify import check_extension_names, verify_wheel

logger = logging.getLogger("crossbuild")

#: Variables of crossbuild's that must never reach native pip installs.
_CROSS_VARIABLES = (PATCH_ENV_VAR, "_PYTHON_HOST_PLATFORM", "_PYTHON_SYSCONFIGDATA_NAME")


def build_wheel(
    source: str | os.PathLike[str],
    host: HostSpec,
    wheel_dir: str | os.PathLike[str],
    options: BuildOptions | BuildContext | None = None,
    *,
    reporter: Reporter | None = None,
) -> Path:
    """Cross-build ``source`` for ``host`` and return the path of the wheel in ``wheel_dir``.

    ``source`` is a source tree, an sdist file or a requirement (``name==version``) whose
    sdist is fetched from ``options.index`` (default: pip's configuration).  ``host`` is a
    :class:`Host`, the path of the host python or a host profile (see
    :func:`~crossbuild.wheel.context.make_context`).  ``reporter`` hears of the long steps.
    The output of every command of the build goes to a log file in the cache, kept when
    the build fails (the error's ``log``).
    """
    with signals_raise():
        context = make_context(host, options)
        host = context.host
        host.toolchain  # noqa: B018 - a build needs the compilers: found first, before anything is fetched
        cache = context.cache
        libraries = libraries_of(host)
        name = os.fspath(source)
        fetched = not Path(name).exists()  # a requirement: its sdist comes from an index
        with reporting(reporter if fetched else None, name, "downloading"):
            found = locate_source(source, context.index if fetched else None, cache)
        sdist = found.sdist  # what a built wheel is cached by; source trees are not
        built_wheels = BuiltWheels(cache, functools.partial(built_wheel_key, context))
        if sdist is not None:
            cached = built_wheels.get(sdist)
            if cached is not None:
                verify_wheel(cached, host.elf, libraries)  # the root may have changed since
                return _publish(cached, Path(wheel_dir))
        header = f"# crossbuild {__version__}: building {name} for {host.tag}"
        with build_log(cache, name, header) as log, temporary_directory("build") as workdir:
            tree = found.unpacked(workdir)
            built, settings, env = _run_backend(tree, context, workdir, log, reporter)
            check_extension_names(built, host.ext_suffix)
            contents = verify_wheel(built, host.elf, libraries)
            _refuse_pure_fallback(built, contents.has_binaries, settings, context.allow_pure_fallback)
            tags = host_tags(built.name, host, contents.has_binaries)
            sbom = functools.partial(
                sbom_members,
                unrepaired=built,
                facts=build_facts(tree, env, host, sdist),
                libraries=libraries,
                source_date_epoch=context.source_date_epoch,
            )
            final = retag_wheel(built, tags, workdir / "dist", context.source_date_epoch, sbom(built))
            final = _strip_and_repair(final, context, contents.elf_files, workdir, sbom)
            if sdist is not None:
                built_wheels.put(sdist, final)
            fault_point("build")
            return _publish(final, Path(wheel_dir))


def _run_backend(
    tree: SourceTree, context: BuildContext, workdir: Path, log: BuildLog, reporter: Reporter | None
) -> tuple[Path, CrossSettings, IsolatedEnv]:
    tmpdir = workdir / "tmp"  # pip's and the backend's temporary files go with the work dir
    tmpdir.mkdir()
    pip_environ = {k: v for k, v in os.environ.items() if k not in _CROSS_VARIABLES} | {"TMPDIR": str(tmpdir)}
    with reporting(reporter, tree.name, "building", "build environment"):
        env = get_isolated_env(context.build_python, build_system_requires(tree), context.cache, pip_environ, log)
    dirs = BuildDirs(source=tree.path, work=workdir, env=env.path)
    with reporting(reporter, tree.name, "building", "host requirements"):
        host_tools = _host_tools(tree, env, context, workdir)
    settings = prepare_settings(context, workdir / "cross", env.python, dirs, host_tools)
    environ = _backend_environ(env, settings, context.source_date_epoch) | {"TMPDIR": str(tmpdir)}
    backend = Backend(tree, env.python, environ, log, reporter)
    config_settings = cross_config_settings(build_backend_name(tree), context.config_settings, settings)
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
    # run-time search paths the install step wrote (CMake's INSTALL_RPATH): the host's own
    rules = search_path_rules(context.host, dirs, context.cache)
    return mend_search_paths(built, rules, workdir / "mended"), settings, env


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


def _host_tools(tree: SourceTree, env: IsolatedEnv, context: BuildContext, workdir: Path) -> HostTools:
    """Host copies of the build requirements the project compiles against (numpy, those it
    and the user name), and the config tools that point the build at them."""
    native = native_versions(env.site_packages)
    wanted = wanted_host_requires(native, project_host_requires(tree), context.host_requires, tree.name)
    copies = host_copies(wanted, context, build_wheel, workdir)
    return write_host_tools(copies, env.scripts_dir, context.host.build_sysroot, workdir / "cross" / "host-copies")


def _log_launcher_stats(name: str, settings: CrossSettings) -> None:
    """Say (``-v``) how many of the build's compiles ccache had already seen."""
    if settings.launcher is None:
        return
    stats = ccache_stats(settings.launcher_stats_log)
    if stats is not None:
        logger.debug("%s: ccache %d hits, %d misses", name, *stats)
    else:
        logger.debug("%s: compiles ran through %s", name, settings.launcher.program)


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
    wheel: Path,
    context: BuildContext,
    elf_files: tuple[str, ...],
    workdir: Path,
    sbom: Callable[[Path], dict[str, bytes]],
) -> Path:
    """``strip``, then ``repair`` (strip after patchelf may break an ELF file), then the ELF
    checks again: the grafted libraries too must be for the host and load there; the SBOM
    is made again, of the binaries as they are now."""
    if not elf_files or not (context.strip or context.repair):
        return wheel
    host = context.host
    if context.strip:
        wheel = strip_for_host(wheel, host, elf_files, workdir / "stripped")
    if context.repair:
        wheel = repair_for_host(wheel, host, context.plat, workdir / "repaired")
    verify_wheel(wheel, host.elf, libraries_of(host))
    # normalised again (order, times, modes): the same input still gives the same bytes
    tags = frozenset(parse_wheel_filename(wheel.name)[3])
    return retag_wheel(wheel, tags, wheel.parent, context.source_date_epoch, sbom(wheel))


def _publish(wheel: Path, wheel_dir: Path) -> Path:
    """Copy the finished wheel into ``wheel_dir`` (0644, whatever the umask) without ever
    leaving a partial file there: parallel runs may publish into the same directory."""
    make_dirs(wheel_dir)
    destination = publish_file(wheel, wheel_dir / wheel.name)
    logger.info("built %s", wheel.name)
    return destination
