"""The corpus's results: a table on the terminal, and the same as JSON and Markdown."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Row:
    package: str
    version: str
    backend: str
    kind: str
    result: str  # "ok", or "failed: build|tag|elf|import"
    seconds: float | None
    error: str = ""
    classification: str = ""  # ours, package, root ("" when ok)
    reason: str = ""
    tags: tuple[str, ...] = ()
    elf_files: int = 0
    modules: tuple[str, ...] = ()
    details: str = ""


@dataclass(frozen=True)
class Pass:
    """One run over the selection with ``jobs`` builds at a time."""

    jobs: int
    install_seconds: float
    attempts: int
    judge_seconds: float


@dataclass
class Results:
    arch: str
    date: str
    machine: str
    crossbuild: str
    selection: str
    rows: list[Row]
    passes: list[Pass] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = Counter("ok" if row.result == "ok" else row.classification for row in self.rows)
        return {name: counted.get(name, 0) for name in ("ok", "ours", "package", "root")}

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        as_json, as_markdown = folder / f"{stem}.json", folder / f"{stem}.md"
        document = {**asdict(self), "counts": self.counts()}
        as_json.write_text(json.dumps(document, indent=1) + "\n")
        as_markdown.write_text(self.markdown())
        return as_json, as_markdown

    def summary(self) -> list[str]:
        counts = self.counts()
        lines = [
            f"{len(self.rows)} packages for {self.arch}: {counts['ok']} ok; failed: {counts['ours']} ours, "
            f"{counts['package']} the package's, {counts['root']} the root lacks a library"
        ]
        for run in self.passes:
            lines.append(
                f"-j {run.jobs}: installs {run.install_seconds:.0f}s wall in {run.attempts} install run(s), "
                f"judging {run.judge_seconds:.0f}s"
            )
        if len(self.passes) == 2 and self.passes[0].install_seconds:
            parallel, sequential = self.passes
            faster = sequential.install_seconds / parallel.install_seconds
            lines.append(
                f"-j {parallel.jobs} against -j 1: {parallel.install_seconds:.0f}s vs "
                f"{sequential.install_seconds:.0f}s ({faster:.2f}x)"
            )
        return lines

    def table(self) -> str:
        """A plain-text table for the terminal."""
        header = ("package", "backend", "result", "class", "seconds", "first error")
        body = [_cells(row) for row in self.rows]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header) - 1)]
        lines = []
        for line in [header, *body]:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])) + "  " + line[-1])
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = [
            f"# Compatibility corpus: {self.arch}",
            "",
            f"{self.date} on {self.machine}; {self.crossbuild}; {self.selection}.",
            "",
            *(f"- {line}" for line in self.summary()),
            "",
            "| package | backend | result | class | seconds | first error |",
            "|---|---|---|---|---:|---|",
        ]
        for row in self.rows:
            cells = [_escape(cell) for cell in _cells(row)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def _cells(row: Row) -> Sequence[str]:
    seconds = "" if row.seconds is None else f"{row.seconds:.0f}"
    error = row.error if len(row.error) <= 160 else row.error[:157] + "..."
    return (f"{row.package} {row.version}", row.backend, row.result, row.classification, seconds, error)


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")
