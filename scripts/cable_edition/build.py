"""Orchestration: load every document once, refuse invalid ones, render, and publish
atomically: output goes to a temporary folder beside the target, which replaces the target
only when everything succeeded. An interrupted build (Ctrl-C, SIGTERM, a crash) leaves the
previous build exactly as it was."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cable_edition.diagnostics import Diagnostic, Interrupted, UserError, has_errors
from cable_edition.load import DEFAULT_MAX_BYTES, Loaded, load_all
from cable_edition.project import REGISTER_NAME, Config, collect, load_config
from cable_edition.render import Renderer
from cable_edition.validate import check


@dataclass
class BuildReport:
    out_dir: Path
    built: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


# ------------------------------------------------------------------ publishing

def _siblings(out_dir: Path, kind: str) -> list[Path]:
    return sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*"))


def recover(out_dir: Path) -> None:
    """Undo what an interrupted build left: a staging folder is dropped; a previous build
    moved aside but not yet replaced is put back."""
    for staging in _siblings(out_dir, "tmp"):
        shutil.rmtree(staging, ignore_errors=True)
    for aside in _siblings(out_dir, "old"):
        if not out_dir.exists() and (aside / out_dir.name).is_dir():
            os.replace(aside / out_dir.name, out_dir)
        shutil.rmtree(aside, ignore_errors=True)


def _publish(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames on the same file system; if the
    process dies between them, :func:`recover` restores the previous build."""
    aside = None
    if out_dir.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, aside / out_dir.name)
    os.replace(staging, out_dir)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def _terminations_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ------------------------------------------------------------------ the build

def _publishable(documents: list[Loaded], problems: list[Diagnostic]) -> tuple[list[Loaded], list[Loaded]]:
    """Split documents into those without errors (nor errors in their folder's register)
    and the rest."""
    bad = {d.path for d in problems if d.severity == "error"}
    good, failed = [], []
    for loaded in documents:
        register = str(loaded.path.parent / REGISTER_NAME)
        (failed if str(loaded.path) in bad or register in bad else good).append(loaded)
    return good, failed


def build(paths: list[Path] | None = None, out_dir: Path = Path("build"), *,
          keep_going: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
          config: Config | None = None) -> BuildReport:
    """Validate every document of ``paths`` (default: ./tei) and publish it into ``out_dir``.

    Nothing is published while any document is invalid: :class:`UserError` lists every
    problem and ``out_dir`` stays as it was. With ``keep_going``, the valid documents are
    published and the report names the others. ``config`` (default: the pyproject.toml of
    the current folder) gives the base URL, publisher and editors that CMIF needs."""
    config = config if config is not None else load_config()
    config.require("base-url", "publisher", what="cmif.xml")
    collection = collect(paths)
    documents, registers, problems = load_all(collection, max_bytes=max_bytes)
    problems += check(documents, registers, complete=not problems)
    good, failed = _publishable(documents, problems)
    unreadable = {d.path for d in problems} - {str(d.path) for d in documents} - {str(r.path) for r in registers}
    if has_errors(problems) and not (keep_going and good):
        exit_code = 2 if any(d.rule == "io" for d in problems) else 1
        raise UserError(problems, exit_code=exit_code)
    report = BuildReport(out_dir, diagnostics=problems,
                         failed=sorted({str(d.path) for d in failed} | unreadable))

    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    with _terminations_interrupt():
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        except OSError as exc:
            raise UserError(Diagnostic(str(out_dir.parent), 0, 0, "error", f"cannot write the build here: "
                                       f"{exc.strerror or exc}", "io"), exit_code=2) from None
        try:
            renderer = Renderer(registers, config)
            entries = []
            for loaded in good:
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
