"""What a command imports: the command line, ``--help`` and an install of wheels load
only what they use (a warm install's start-up is mostly imports), while the public API
still offers every name.  Each check runs in a fresh interpreter: this one has loaded
everything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.fakehost import FakeLayout, make_layout

#: Loaded only for a build (the PEP 517 frontend, auditwheel, the build pipeline).
BUILD_MACHINERY = ["build", "auditwheel", "crossbuild.wheel.pipeline", "crossbuild.wheel.isolated_env"]
#: Loaded only to write an SBOM (a build's, a root's).
SBOM_MACHINERY = ["cyclonedx", "spdx_tools", "packageurl", "crossbuild.sbom.cdx"]
#: Loaded only to resolve, download, inspect or lay wheels.
INSTALL_MACHINERY = [
    "unearth",
    "httpx2",
    "resolvelib",
    "installer",
    "elftools",
    "filelock",
    "crossbuild.installation._core",
]


#: ``crossbuild install ARGV`` with pip's configuration as PyPI's defaults (pip is not run).
_INSTALL = (
    "from crossbuild.index.finder import IndexSettings\n"
    "IndexSettings.from_pip_config = classmethod(lambda cls: cls())\n"
    "import crossbuild.cli.main as cli\n"
    "result['exit'] = cli.main({argv!r})\n"
)


def _loaded(script: str) -> dict[str, object]:
    """Run ``script`` in a new interpreter; it prints a JSON object, to which the modules
    of :data:`BUILD_MACHINERY`, :data:`SBOM_MACHINERY` and :data:`INSTALL_MACHINERY` it
    loaded are added."""
    report = (
        f"result['loaded'] = sorted(m for m in {BUILD_MACHINERY + SBOM_MACHINERY + INSTALL_MACHINERY!r}"
        " if m in sys.modules)\n"
        "print(json.dumps(result))\n"
    )
    program = f"import json, sys\nresult = {{}}\ntry:\n{_indent(script)}\nfinally:\n{_indent(report)}"
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _indent(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())


def test_help_loads_neither_the_resolver_nor_the_builds() -> None:
    script = (
        "import crossbuild.cli.main as cli\n"
        "try:\n"
        "    cli.main(['install', '--help'])\n"
        "except SystemExit as stop:\n"
        "    result['exit'] = stop.code\n"
    )
    assert _loaded(script) == {"exit": 0, "loaded": []}


def test_the_public_api_offers_every_name_on_first_use() -> None:
    script = (
        "import crossbuild, crossbuild.host, crossbuild.backend_env, crossbuild.index, crossbuild.installation\n"
        "import crossbuild.wheel\n"
        "result['before'] = sorted(m for m in ['crossbuild.wheel.pipeline', 'unearth'] if m in sys.modules)\n"
        "packages = [crossbuild, crossbuild.host, crossbuild.backend_env, crossbuild.index, crossbuild.installation,"
        " crossbuild.wheel]\n"
        "result['missing'] = [f'{p.__name__}.{n}' for p in packages for n in p.__all__ if n not in dir(p)]\n"
        "names = {f'{p.__name__}.{n}': getattr(p, n) for p in packages for n in p.__all__}\n"
        "result['install'] = crossbuild.install.__module__\n"
        "result['build_wheel'] = crossbuild.build_wheel is crossbuild.wheel.build_wheel\n"
        "result['unknown'] = not hasattr(crossbuild, 'no_such_name')\n"
    )
    result = _loaded(script)
    assert result.pop("before") == []
    assert "crossbuild.wheel.pipeline" in result.pop("loaded")  # type: ignore[operator]
    assert result == {"missing": [], "install": "crossbuild.installation._core", "build_wheel": True, "unknown": True}


def test_installing_wheels_loads_no_build_machinery(
    rootfs: FakeLayout, fake_bin: Path, links: Path, tmp_path: Path
) -> None:
    argv = ["install", "alpha", "--host", str(rootfs.python), "--root", str(rootfs.root), "-q"]
    argv += ["--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "cache")]
    result = _loaded(_INSTALL.format(argv=argv))
    assert result["exit"] == 0
    assert (rootfs.root / "usr/local/lib/python3.11/dist-packages/alpha/__init__.py").is_file()
    assert not set(BUILD_MACHINERY + SBOM_MACHINERY) & set(result["loaded"])  # type: ignore[arg-type]


def test_a_warm_install_parses_no_elf_file(fake_bin: Path, links: Path, tmp_path: Path) -> None:
    """Headers name the host and the root's libraries; what the wheels hold was kept by
    the first install: the second loads no ELF parser."""
    loaded = []
    for name in ("first", "second"):
        rootfs = make_layout(tmp_path / name, sysconfig_py=True)
        argv = ["install", "alpha", "--host", str(rootfs.python), "--root", str(rootfs.root), "-q"]
        argv += ["--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "cache")]
        result = _loaded(_INSTALL.format(argv=argv))
        assert result["exit"] == 0
        loaded.append(result["loaded"])
    assert "elftools" in loaded[0]  # the wheel's library, read once
    assert "elftools" not in loaded[1]
