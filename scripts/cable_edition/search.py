"""The search index of a build: Pagefind (a static index: the browser loads only the chunks a
query needs), made from each document's search record, which the stylesheets wrote into its
fragments (search.xsl).

The collection is indexed in bundles (``pagefind/bNN/``, listed in ``pagefind/bundles.json``),
each holding the documents whose id hashes to it, which the search page merges in the
browser (Pagefind's ``mergeIndex``). Pagefind cannot update an index, so a build makes again
only the bundles whose documents changed, came or went, and carries the others over from the
published build by hard links: a change to one cable re-indexes one bundle, and Pagefind's
memory grows with a bundle, not with the collection. The records are laid out as pages in a
scratch folder and indexed by Pagefind's own program (its Python service answers one call
per tenth of a second, too slow for a collection).

Pagefind's filter chunks are not byte-identical from one run to the next (it orders filter
values through a randomly seeded hash map): the index is equivalent, not identical, across
builds of the same documents."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from cable_edition.diagnostics import InternalError
from cable_edition.render import read_fragments
from cable_edition.workers import tied_to_this_process

SEARCH_DIR = "pagefind"
BUNDLES = "bundles.json"
BUNDLE_SIZE = 2500           # documents a bundle holds, about: fewer bundles, faster queries
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


class SearchIndexError(InternalError):
    """Pagefind failed (or is not installed)."""


def pagefind_program() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise SearchIndexError("the search index cannot be made: Pagefind is missing; "
                               "pip install 'pagefind[bin]'") from None
    return str(get_executable())


def _pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind-bin")
    except PackageNotFoundError:
        return "unknown"


def bundle_count(documents: int, size: int = BUNDLE_SIZE) -> int:
    """A power of two, so that a collection that grows re-bundles only now and then."""
    return 1 << max(0, math.ceil(math.log2(max(1, math.ceil(documents / size)))))


def bundle_of(doc_id: str, count: int) -> str:
    return f"b{int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % count:02d}"


def _published_bundles(previous: Path | None) -> dict[str, str]:
    try:
        return json.loads((previous / SEARCH_DIR / BUNDLES).read_text(encoding="utf-8"))["digests"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _carry(source: Path, target: Path) -> bool:
    """Hard-link a published bundle into the new build (its files are never changed)."""
    try:
        shutil.copytree(source, target, copy_function=os.link)
        return True
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return False


def write_index(documents: Iterable[tuple[str, Path]], out_dir: Path, scratch_in: Path,
                previous: Path | None = None, size: int = BUNDLE_SIZE) -> list[str]:
    """Index ``documents`` ((id, folder holding its outputs)) into ``out_dir``/pagefind,
    re-using the bundles of the build ``previous`` whose documents are unchanged; return the
    bundles made anew."""
    documents = list(documents)
    count = bundle_count(len(documents), size)
    members: dict[str, list[tuple[str, Path]]] = {}
    for doc_id, folder in documents:
        members.setdefault(bundle_of(doc_id, count), []).append((doc_id, folder))
    published = _published_bundles(previous)
    target = out_dir / SEARCH_DIR
    target.mkdir()
    digests: dict[str, str] = {}
    made = []
    for bundle, docs in sorted(members.items()):    # one bundle's records in memory at a time
        records = [(doc_id, read_fragments(folder, doc_id)["search"])
                   for doc_id, folder in sorted(docs)]
        digest = hashlib.sha256(f"{_pagefind_version()}\n{UNUSED}\n".encode())
        for doc_id, record in records:
            digest.update(f"{doc_id}\n{hashlib.sha256(record.encode()).hexdigest()}\n".encode())
        digests[bundle] = digest.hexdigest()
        if published.get(bundle) == digests[bundle] and _carry(previous / SEARCH_DIR / bundle, target / bundle):
            continue
        _index_bundle(records, target / bundle, scratch_in)
        made.append(bundle)
    (target / BUNDLES).write_text(json.dumps({"bundles": sorted(members), "digests": digests}, indent=1) + "\n",
                                  encoding="utf-8")
    return made


def _index_bundle(records: list[tuple[str, str]], target: Path, scratch_in: Path) -> None:
    """Lay a bundle's records out as pages and index them with Pagefind's program."""
    program = pagefind_program()
    scratch = Path(tempfile.mkdtemp(prefix="tmp-search-", dir=scratch_in))
    try:
        for doc_id, record in records:
            page = scratch / doc_id
            page.mkdir()
            (page / "index.html").write_text(record, encoding="utf-8")
        result = subprocess.run(tied_to_this_process([program, "--site", str(scratch), "--output-path",
                                                      str(target), "--silent"]),
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise SearchIndexError(f"Pagefind could not index the collection: "
                                   f"{(result.stderr or result.stdout).strip()[-500:]}")
        for name in UNUSED:                 # Pagefind's ready-made interfaces: the page has its own
            (target / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
