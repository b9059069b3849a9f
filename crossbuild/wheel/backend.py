"""Call a project's PEP 517 backend in an isolated environment, seeing the host.

Hooks are called through ``build.ProjectBuilder`` (pypa/build, on ``pyproject-hooks``);
projects without ``pyproject.toml`` get the setuptools legacy backend, as with pip.  The
runner merges crossbuild's variables into the hook process's environment and keeps the
tail of its output for error messages.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import build

from ..backend_env.settings import CrossSettings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from .._buildlog import BuildLog
from .._exceptions import BackendError, CommandError, SourceError
from .._reporter import Reporter, reporting
from .._subprocess import output_logger, run
from .._warnings import warnings_to_log
from .options import ConfigSettings
from .sources import SourceTree

LEGACY_BACKEND = "setuptools.build_meta:__legacy__"


@dataclass(frozen=True)
class BackendRunner:
    """A pyproject-hooks runner that adds ``environ`` to every hook process and writes its
    output to the build's ``log``."""

    environ: Mapping[str, str]
    log: BuildLog | None = None

    def __call__(
        self, cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        env = {**os.environ, **(extra_environ or {}), **self.environ}
        run(cmd, what="the build backend", env=env, cwd=cwd, log=self.log)


def build_system_requires(tree: SourceTree) -> set[str]:
    """``build-system.requires`` of the project (the legacy default without pyproject.toml)."""
    return set(_builder(tree).build_system_requires)


def build_backend_name(tree: SourceTree) -> str:
    """``build-system.build-backend`` of the project, e.g. ``mesonpy``."""
    try:
        with (tree.path / "pyproject.toml").open("rb") as stream:
            backend = tomllib.load(stream).get("build-system", {}).get("build-backend")
    except FileNotFoundError:
        backend = None
    except tomllib.TOMLDecodeError as error:
        raise SourceError("{source}: pyproject.toml: {error}", source=tree.shown, error=error) from None
    return str(backend or LEGACY_BACKEND)


def cross_config_settings(backend: str, user: ConfigSettings | None, settings: CrossSettings) -> ConfigSettings:
    """The user's config settings plus what ``backend`` needs to build for the host.

    meson-python gets the cross file as the first of its ``setup-args``, so that a user's
    own ``-C setup-args=...`` still applies (and can override it).
    """
    merged: dict[str, str | Sequence[str]] = dict(user or {})
    if backend == "mesonpy":
        own = merged.get("setup-args", [])
        merged["setup-args"] = [f"--cross-file={settings.meson_cross_file}", *([own] if isinstance(own, str) else own)]
    return merged


class Backend:
    """The backend of ``tree``, run by ``python`` (an isolated env's interpreter); each
    hook call is a step told to ``reporter``."""

    def __init__(
        self,
        tree: SourceTree,
        python: Path,
        environ: Mapping[str, str],
        log: BuildLog | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        self.name = tree.name
        self._tree = tree
        self._reporter = reporter
        self._builder = _builder(tree, python, BackendRunner(environ, log))

    def get_requires_for_build_wheel(self, config_settings: ConfigSettings | None) -> set[str]:
        with self._errors("get_requires_for_build_wheel"):
            return set(self._builder.get_requires_for_build("wheel", _plain(config_settings)))

    def build_wheel(self, output_dir: Path, config_settings: ConfigSettings | None) -> Path:
        with self._errors("build_wheel"):
            return Path(self._builder.build("wheel", output_dir, _plain(config_settings)))

    @contextlib.contextmanager
    def _errors(self, hook: str) -> Iterator[None]:
        """Turn pypa/build's exceptions into crossbuild's."""
        try:
            with reporting(self._reporter, self.name, "building", hook), warnings_to_log(output_logger):
                yield  # the backend's own warnings: part of its output
        except build.BuildBackendException as error:
            cause = error.exception
            if isinstance(cause, CommandError):
                raise BackendError(self.name, hook, cause.output_tail, cause.first_failure) from None
            raise BackendError(self.name, hook, self._tree.hide(f"{error}: {cause}")) from None
        except build.BuildException as error:
            raise SourceError("{name}: {error}", name=self.name, error=self._tree.hide(str(error))) from None


def _builder(tree: SourceTree, python: Path | None = None, runner: BackendRunner | None = None) -> build.ProjectBuilder:
    try:
        if python is None:
            return build.ProjectBuilder(tree.path)
        return build.ProjectBuilder(tree.path, python_executable=str(python), runner=runner or BackendRunner({}))
    except build.BuildException as error:
        raise SourceError("{source}: {error}", source=tree.shown, error=tree.hide(str(error))) from None


def _plain(config_settings: ConfigSettings | None) -> dict[str, str | list[str]] | None:
    if not config_settings:
        return None
    return {k: v if isinstance(v, str) else list(v) for k, v in config_settings.items()}
