"""The search index of a build: Pagefind (a static index: the browser loads only the chunks a
query needs), made from each document's search record, which the stylesheets wrote into its
fragments (search.xsl). The records are laid out as pages in a scratch folder and indexed
by Pagefind's own program (it indexes in parallel; its Python service answers one call per
tenth of a second, too slow for a collection); the index is written into the staged build,
so it is published with the rest, atomically, and made again whenever a build publishes.

Pagefind's filter chunks are not byte-identical from one run to the next (it orders filter
values through a randomly seeded hash map): the index is equivalent, not identical, across
builds of the same documents."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from cable_edition.diagnostics import InternalError
from cable_edition.render import FRAGMENTS, read_fragments
from cable_edition.workers import tied_to_this_process

SEARCH_DIR = "pagefind"
SEARCH_PART = 4          # the search record's place among a document's fragments


class SearchIndexError(InternalError):
    """Pagefind failed (or is not installed)."""


def pagefind_program() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise SearchIndexError("the search index cannot be made: Pagefind is missing; "
                               "pip install 'pagefind[bin]'") from None
    return str(get_executable())


def write_index(documents: Iterable[tuple[str, Path]], out_dir: Path, scratch_in: Path) -> None:
    """Index ``documents`` ((id, folder holding its outputs), read one at a time) into
    ``out_dir``/pagefind, laying their records out in a scratch folder inside
    ``scratch_in`` (removed afterwards, or by the next build if this one is killed)."""
    program = pagefind_program()
    scratch = Path(tempfile.mkdtemp(prefix="tmp-search-", dir=scratch_in))
    try:
        for doc_id, folder in documents:
            page = scratch / doc_id
            page.mkdir()
            record = read_fragments(os.path.join(folder, doc_id, FRAGMENTS))[SEARCH_PART]
            (page / "index.html").write_text(record, encoding="utf-8")
        result = subprocess.run(tied_to_this_process([program, "--site", str(scratch), "--output-path",
                                                      str(out_dir / SEARCH_DIR), "--silent"]),
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise SearchIndexError(f"Pagefind could not index the collection: "
                                   f"{(result.stderr or result.stdout).strip()[-500:]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
