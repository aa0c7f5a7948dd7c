"""Orchestration: load every document once, refuse invalid ones, render, and publish
atomically (a temporary folder beside the target replaces it only when all succeeded)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cable_edition.diagnostics import Diagnostic, UserError, has_errors
from cable_edition.load import Loaded, load, require_tei
from cable_edition.project import Collection, collect
from cable_edition.render import Renderer


@dataclass
class BuildReport:
    out_dir: Path
    built: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load_collection(collection: Collection) -> tuple[list[Loaded], list[Loaded], list[Diagnostic]]:
    """Load every cable and register, collecting every problem rather than the first."""
    documents, registers, problems = [], [], []
    for path in collection.registers:
        try:
            registers.append(load(path))
        except UserError as exc:
            problems.extend(exc.diagnostics)
    seen: dict[str, Path] = {}
    for path in collection.documents:
        try:
            loaded = load(path)
            require_tei(loaded)
        except UserError as exc:
            problems.extend(exc.diagnostics)
            continue
        if loaded.id in seen:
            problems.append(Diagnostic(str(path), loaded.root.sourceline or 0, 1, "error",
                                       f"document id {loaded.id!r} is already used by {seen[loaded.id]}",
                                       "unique-document-id"))
            continue
        seen[loaded.id] = path
        documents.append(loaded)
    return documents, registers, problems


def _publish(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames on the same file system."""
    previous = None
    if out_dir.exists():
        previous = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, previous / out_dir.name)
    os.replace(staging, out_dir)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def build(paths: list[Path] | None = None, out_dir: Path = Path("build")) -> BuildReport:
    """Build every document of ``paths`` (default: ./tei) into ``out_dir``.

    Raises :class:`UserError` (and leaves ``out_dir`` as it was) when any input is bad."""
    collection = collect(paths)
    documents, registers, problems = load_collection(collection)
    if has_errors(problems):
        raise UserError(problems, exit_code=2 if any(d.rule == "io" for d in problems) else 1)
    report = BuildReport(out_dir, diagnostics=problems)

    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        renderer = Renderer(registers)
        for loaded in documents:
            target = staging / loaded.id
            target.mkdir()
            (target / f"{loaded.id}.xml").write_bytes(loaded.data)
            renderer.render(loaded, target)
            report.built.append(loaded.id)
        os.chmod(staging, 0o755)
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
