"""Publishing a staged build into the output folder, all or nothing.

A first build renames the staging folder into place. Later builds swap only what changed
(a document's folder, the collection files), under a journal: the entries being replaced
are moved aside first, and the journal says which existed before. If the process dies
half-way, :func:`recover` (run at the start of every build) rolls the swap back, so the
previous build is restored exactly; once the journal is removed the new build stands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

JOURNAL = "journal.json"


def _siblings(out_dir: Path, kind: str) -> list[Path]:
    return sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*"))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def recover(out_dir: Path) -> None:
    """Undo what an interrupted build left beside ``out_dir``: staging folders are dropped,
    and a swap that did not finish is rolled back."""
    for staging in _siblings(out_dir, "tmp"):
        shutil.rmtree(staging, ignore_errors=True)
    for aside in _siblings(out_dir, "old"):
        journal = aside / JOURNAL
        if journal.is_file():
            try:
                plan = json.loads(journal.read_text(encoding="utf-8"))
            except ValueError:
                plan = None          # the journal itself was cut short: nothing was moved yet
            if plan:
                for name in [*plan["replace"], *plan["remove"]]:
                    if (aside / name).exists():
                        _remove(out_dir / name)
                        os.replace(aside / name, out_dir / name)
                    elif name not in plan["existed"]:
                        _remove(out_dir / name)
        shutil.rmtree(aside, ignore_errors=True)


def publish(staging: Path, out_dir: Path, replace: list[str], remove: list[str]) -> None:
    """Move ``replace`` (names in ``staging``) into ``out_dir`` and delete ``remove``
    there, so that a reader sees the old build or the new one."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)   # no interruption mid-swap
    try:
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        existed = [name for name in [*replace, *remove] if (out_dir / name).exists()]
        journal = aside / JOURNAL
        with open(journal, "w", encoding="utf-8") as handle:
            json.dump({"replace": replace, "remove": remove, "existed": existed}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        for name in existed:
            os.replace(out_dir / name, aside / name)
        for name in replace:
            os.replace(staging / name, out_dir / name)
        journal.unlink()                       # the new build stands from here on
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
