"""Which Rust toolchain cross-builds, and where its crates come from.

By default maturin and setuptools-rust run the ``cargo`` and ``rustc`` found on ``PATH``
(often rustup's), with crates from crates.io.  A firmware build often has neither network
nor rustup targets, but a distribution's toolchain with the host's standard library
(Debian: ``rustc``, ``cargo``, ``libstd-rust-dev:arm64``) and a directory of vendored
crates (``cargo vendor``'s output, Debian's ``/usr/share/cargo/registry``):

- a :class:`RustToolchain` is a directory with ``bin/cargo`` and ``bin/rustc`` (``/usr``,
  a rustup toolchain directory).  The backend gets them first on ``PATH`` and as
  ``CARGO`` and ``RUSTC``, so that every tool runs that pair and no other.
- :class:`VendoredCrates` make Cargo take every crate from that directory and never go
  online: a ``config.toml`` in a ``CARGO_HOME`` of the build's own, so that the user's
  ``~/.cargo`` is neither read nor written.

Both are checked before any build, and both are part of a built wheel's cache key by what
they hold (the compiler's version, the crates' names and checksums), not by their paths.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import OptionError, ToolchainError
from .._subprocess import probe
from ..host.host import Host
from ..host.machines import DEBIAN_ARCH, rust_target


@dataclass(frozen=True)
class RustToolchain:
    """``cargo`` and ``rustc`` of one toolchain directory, able to build for the host."""

    directory: Path
    version: str
    """What ``rustc -vV`` and ``cargo -V`` say: the release, commit and LLVM version."""

    @property
    def cargo(self) -> Path:
        return self.directory / "bin" / "cargo"

    @property
    def rustc(self) -> Path:
        return self.directory / "bin" / "rustc"

    @property
    def identity(self) -> tuple[str]:
        """What shapes a wheel: the compiler's version, not where it is installed."""
        return (self.version,)

    @classmethod
    def for_host(cls, host: Host, directory: str | os.PathLike[str]) -> RustToolchain:
        """The toolchain in ``directory``, if its rustc has the host's standard library."""
        found = cls(Path(directory).absolute(), "")
        missing = [program.name for program in (found.cargo, found.rustc) if not os.access(program, os.X_OK)]
        if missing:
            raise OptionError(
                "{directory} has no bin/{missing}; pass {rust_toolchain} a directory with bin/cargo and bin/rustc "
                "(Debian's: /usr, after apt-get install rustc cargo)",
                directory=found.directory,
                missing=" and bin/".join(missing),
            )
        versions = [probe([found.rustc, "-vV"]), probe([found.cargo, "-V"])]
        for program, result in zip((found.rustc, found.cargo), versions, strict=True):
            if not result.ok:
                raise OptionError(
                    "{program} does not run ({reason}); pass {rust_toolchain} a working Rust toolchain",
                    program=program,
                    reason=(result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1],
                )
        toolchain = cls(found.directory, "".join(result.stdout for result in versions))
        toolchain.check(host)
        return toolchain

    def check(self, host: Host) -> None:
        """Raise :class:`ToolchainError` unless rustc has the standard library of ``host``."""
        target = rust_target(host.cpu, host.multiarch)
        if target is None:
            raise ToolchainError(
                "crossbuild knows no Rust target for {machine}; build without {rust_toolchain}", machine=host.machine
            )
        libdir = probe([self.rustc, "--print", "target-libdir", "--target", target]).stdout.strip()
        if libdir and any(Path(libdir).glob("libstd-*.rlib")):
            return
        arch = DEBIAN_ARCH.get(host.multiarch)
        raise ToolchainError(
            "{rustc} has no Rust standard library for {target}; install it ({debian}rustup: rustup target add "
            "{target}) or pass {rust_toolchain} a toolchain that has it",
            rustc=self.rustc,
            target=target,
            debian=f"Debian: apt-get install libstd-rust-dev:{arch}; " if arch else "",
        )


@dataclass(frozen=True)
class VendoredCrates:
    """A directory source of crates: ``cargo vendor``'s output or a distribution's registry."""

    directory: Path
    digest: str
    """A digest of the crates' directory names and checksum files: what Cargo can take."""

    @property
    def identity(self) -> tuple[str]:
        return (self.digest,)

    @classmethod
    def find(cls, directory: str | os.PathLike[str]) -> VendoredCrates:
        path = Path(directory).absolute()
        if not path.is_dir():
            raise OptionError(
                "vendored crates directory {path} does not exist; pass {vendored_crates} a directory of crates "
                "(cargo vendor's output, Debian's /usr/share/cargo/registry from apt-get install librust-…-dev)",
                path=path,
            )
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8, which Cargo's config.toml cannot hold
            raise OptionError(
                "vendored crates directory {path!r} is not named in UTF-8; pass {vendored_crates} a link to it "
                "with a UTF-8 name",
                path=str(path),
            ) from None
        digest = hashlib.sha256()
        for crate in sorted(path.iterdir()):
            checksums = crate / ".cargo-checksum.json"
            digest.update(crate.name.encode() + b"\0")
            if checksums.is_file():
                digest.update(checksums.read_bytes() + b"\0")
        return cls(path, digest.hexdigest())


def rust_build_environ(
    directory: Path,
    bin_dir: Path,
    toolchain: RustToolchain | None = None,
    crates: VendoredCrates | None = None,
) -> dict[str, str]:
    """Make ``toolchain`` the one on ``PATH`` (``bin_dir`` comes first there) and write a
    ``CARGO_HOME`` under ``directory`` that takes every crate from ``crates``; return the
    variables that go with them."""
    environ: dict[str, str] = {}
    if toolchain is not None:
        for program in (toolchain.cargo, toolchain.rustc):
            link = bin_dir / program.name
            link.unlink(missing_ok=True)
            link.symlink_to(program)
        environ.update(CARGO=str(toolchain.cargo), RUSTC=str(toolchain.rustc))
    if crates is not None:
        cargo_home = directory / "cargo-home"
        cargo_home.mkdir(parents=True, exist_ok=True)
        (cargo_home / "config.toml").write_text(
            "# written by crossbuild: every crate comes from the vendored directory, never from the network\n"
            '[source.crates-io]\nreplace-with = "crossbuild-vendored"\n\n'
            f"[source.crossbuild-vendored]\ndirectory = {_toml_string(str(crates.directory))}\n\n"
            "[net]\noffline = true\n",
            encoding="utf-8",
        )
        environ.update(CARGO_HOME=str(cargo_home), CARGO_NET_OFFLINE="true")
    return environ


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda match: f"\\u{ord(match[0]):04x}", escaped) + '"'
