"""Orchestration: load every document once, refuse invalid ones, render, and publish
atomically (a temporary folder beside the target replaces it only when all succeeded)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cable_edition.diagnostics import Diagnostic, UserError, has_errors
from cable_edition.load import load_all
from cable_edition.project import collect
from cable_edition.render import Renderer
from cable_edition.validate import check


@dataclass
class BuildReport:
    out_dir: Path
    built: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


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

    Nothing is published unless every document is valid: otherwise :class:`UserError`
    lists every problem, and ``out_dir`` stays as it was."""
    collection = collect(paths)
    documents, registers, problems = load_all(collection)
    problems += check(documents, registers, complete=not problems)
    if has_errors(problems):
        raise UserError(problems, exit_code=2 if any(d.rule == "io" for d in problems) else 1)
    report = BuildReport(out_dir, diagnostics=problems)

    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        renderer = Renderer(registers)
        entries = []
        for loaded in documents:
            target = staging / loaded.id
            target.mkdir()
            (target / f"{loaded.id}.xml").write_bytes(loaded.data)
            entries.append(renderer.render(loaded, target))
            report.built.append(loaded.id)
        renderer.render_collection(entries, staging)
        os.chmod(staging, 0o755)
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
