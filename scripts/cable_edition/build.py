"""Orchestration of a build, as a short sequence of steps: claim the output folder and
take its lock; plan (which documents changed, from the manifest); read each changed
document once and check and render it (here or in worker processes); check the
collection; carry the unchanged documents over; write the collection outputs and the
manifest; publish (publish.py: one atomic switch). A build that fails or is killed leaves
the published build as it was."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import stat
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from cable_edition.diagnostics import Diagnostic, InternalError, Interrupted, UserError, has_errors
from cable_edition.load import DEFAULT_MAX_BYTES, Input, Loaded, read_input
from cable_edition.manifest import Manifest, Record, file_digest, toolchain_digest
from cable_edition.pipeline import DocumentResult, Worker, process_in_worker, start_worker
from cable_edition.project import (COLLECTION_FILES, MANIFEST, MARK, REGISTER_NAME, Collection, Config, canonical, collect,
                                   load_config)
from cable_edition.publish import MAX_PUBLISHED_FILE, Output, Ownership, claim, is_output, read_inside, refuse, write_failure
from cable_edition.render import FRAGMENTS, DamagedFragments, Renderer, read_fragments
from cable_edition.search import BUNDLES, SEARCH_DIR, write_index
from cable_edition.validate import Registers, check_collection, load_registers
from cable_edition.workers import Pool, chunk_size, pool_size



@dataclass
class BuildReport:
    out_dir: Path
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)     # held back: they still hold placeholders
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        held = f", {len(self.drafts)} draft(s) not published" if self.drafts else ""
        return (f"built {len(self.built)}, unchanged {len(self.unchanged)}, failed {len(self.failed)}{held} "
                f"in {self.seconds:.2f} s")


# ------------------------------------------------------------------ shards

def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" (1 ≤ K ≤ N) as (K, N)."""
    found = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise ValueError(f"a shard is K/N with 1 ≤ K ≤ N, not {text!r}")
    return int(found.group(1)), int(found.group(2))


def shard_of(doc_id: str, count: int) -> int:
    """The shard (1..count) of a document: a stable hash of its id, the same everywhere."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % count + 1


_ID_SNIFF = re.compile(rb"<TEI\b[^>]*?\sxml:id\s*=\s*[\"']([^\"']+)[\"']")


def sniff_id(data: bytes, path: Path) -> str:
    """A document's id without parsing it (for sharding); its file name if not found."""
    found = _ID_SNIFF.search(data[:8192])
    return found.group(1).decode("utf-8", "replace") if found else path.stem


# ------------------------------------------------------------------ signals

@contextmanager
def _terminations_interrupt():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so that the staging folder is removed."""
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


# ------------------------------------------------------------------ planning

@dataclass
class Plan:
    """What a build has to do: the documents to read (with the digest they were published
    with, if any), and those taken as unchanged from the manifest."""

    published: Manifest          # of the published build, whatever the settings (it says what is ours)
    previous: Manifest           # what may be reused: empty when forced or the toolchain changed
    toolchain: str
    register_digests: dict[str, str]
    folder_register: dict[str, str]
    work: list[tuple[Path, str]] = field(default_factory=list)
    cached: dict[str, Record] = field(default_factory=dict)
    healed: list[str] = field(default_factory=list)      # published, but its files are missing or damaged
    collection_warnings: list[Diagnostic] = field(default_factory=list)

    def register_of(self, path: Path | str) -> str:
        return self.folder_register.get(canonical(Path(path).parent), "")


def _plan(collection: Collection, registers: list[Loaded], output: Output, config: Config, force: bool,
          shard: tuple[int, int] | None, damaged: frozenset[str] = frozenset()) -> Plan:
    toolchain = _cwd_digest(toolchain_digest(config))
    current = output.current()
    published = Manifest.read(current) if current is not None else Manifest()
    previous = published if not force and published.toolchain == toolchain else Manifest()
    plan = Plan(published, previous, toolchain, {str(r.path): file_digest(r.data) for r in registers},
                {canonical(r.path.parent): file_digest(r.data) for r in registers})
    by_path = {record.path: (doc_id, record) for doc_id, record in previous.documents.items()}
    for path in collection.documents:
        doc_id, record = by_path.get(str(path), ("", None))
        if record is None:
            plan.work.append((path, ""))
            continue
        if shard and shard_of(doc_id, shard[1]) != shard[0]:
            continue
        if record.register != plan.register_of(path):
            plan.work.append((path, ""))
            continue
        try:
            info = os.stat(path)
        except OSError:
            plan.work.append((path, ""))            # reading it will say what is wrong
            continue
        if (info.st_size, info.st_mtime_ns) == (record.size, record.mtime_ns):
            plan.cached[doc_id] = record
        else:
            plan.work.append((path, record.digest))
    _heal(plan, current, damaged)
    return plan


def _heal(plan: Plan, current: Path | None, damaged: frozenset[str]) -> None:
    """A published document whose files are gone (deleted by hand) or ``damaged`` is built
    again, even if its source did not change."""
    if current is None:
        return

    def intact(doc_id: str) -> bool:
        if doc_id in damaged:
            return False
        folder = current / doc_id
        try:                                      # a link put in a file's or the folder's place is not ours
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
            files = {e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)}
        except OSError:
            return False
        return set(plan.previous.documents[doc_id].files) <= files

    for doc_id in [d for d in plan.cached if not intact(d)]:
        plan.work.append((Path(plan.cached.pop(doc_id).path), ""))
        plan.healed.append(doc_id)
    by_path = {record.path: doc_id for doc_id, record in plan.previous.documents.items()}
    for n, (path, digest) in enumerate(plan.work):
        if digest and not intact(by_path[str(path)]):
            plan.work[n] = (path, "")              # render it, even if its bytes are those published
            plan.healed.append(by_path[str(path)])


def _published_intact(current: Path | None) -> bool:
    return current is not None and all((current / name).is_file() for name in [*COLLECTION_FILES, MANIFEST]) \
        and (current / SEARCH_DIR / BUNDLES).is_file()


# ------------------------------------------------------------------ doing the work

def _progress(results: Iterable[DocumentResult], total: int, show: bool | None) -> Iterator[DocumentResult]:
    """A progress bar on stderr when it is a terminal (tqdm), silent otherwise."""
    if show is None:
        show = sys.stderr.isatty()
    if not show or total == 0:
        yield from results
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="doc", file=sys.stderr, leave=False) as bar:
        for result in results:
            bar.update()
            yield result


class _Reader:
    """Reads each document of the plan once, lazily (so that memory stays small): what is
    unchanged or unreadable is kept aside, the rest goes on to be checked and rendered."""

    def __init__(self, plan: Plan, max_bytes: int, shard: tuple[int, int] | None):
        self.plan, self.max_bytes, self.shard = plan, max_bytes, shard
        self.unreadable: list[DocumentResult] = []
        self.restated: dict[str, Record] = {}       # same bytes as published, new size or time

    def __iter__(self) -> Iterator[tuple[str, Input]]:
        by_path = {record.path: doc_id for doc_id, record in self.plan.previous.documents.items()}
        for path, published_digest in self.plan.work:
            try:
                read = read_input(path, self.max_bytes)
            except UserError as error:
                self.unreadable.append(DocumentResult(str(path), diagnostics=error.diagnostics))
                continue
            digest = file_digest(read.data)
            if published_digest and digest == published_digest:
                doc_id = by_path[str(path)]
                old = self.plan.previous.documents[doc_id]
                self.restated[doc_id] = Record(old.path, read.size, read.mtime_ns, digest, old.register, old.when,
                                               old.changed, old.facts, old.warnings, old.files)
                continue
            if self.shard and str(path) not in by_path and \
                    shard_of(sniff_id(read.data, path), self.shard[1]) != self.shard[0]:
                continue
            yield str(path), read


def _process(reader: _Reader, registers: list[Loaded], config: Config, staging: Path, jobs: int,
             local: Worker, client=None) -> Iterator[DocumentResult]:
    if client is not None:                       # a Dask cluster does the work
        from cable_edition.cluster import ClusterRunner

        yield from ClusterRunner(client, registers, config, staging).run(reader)
        return
    jobs = pool_size(jobs, len(reader.plan.work))
    if jobs == 1:
        for path, read in reader:
            yield local.process(Path(path), read)
        return
    with Pool(jobs, start_worker, ([(str(r.path), r.data) for r in registers], config, str(staging))) as pool:
        yield from pool.map(process_in_worker, reader, chunk=chunk_size(jobs, len(reader.plan.work)))


def _cwd_digest(toolchain: str) -> str:
    # Paths in the manifest are as the user gave them, relative to the folder the build
    # ran in: a build from another folder starts afresh.
    return hashlib.sha256(f"{toolchain}\n{Path.cwd()}".encode()).hexdigest()


def _refuse_outputs_as_inputs(collection: Collection) -> None:
    for folder in {p.parent for p in collection.documents} | {p.parent for p in collection.registers}:
        if is_output(folder):
            raise refuse(folder, "is inside a build of cable-edition: outputs are never read as inputs; "
                                 "build from the sources (e.g. tei/)")


def _claim(out_dir: Path, paths: list[Path] | None, collection: Collection, config: Config) -> Output:
    _refuse_outputs_as_inputs(collection)
    protected = [*collection.documents, *collection.registers]
    if config.source:                       # the project whose pyproject.toml holds the settings
        protected.append(Path(config.source).parent)
    # The folders of sources: those given as folders, and those that hold a register.
    folders = {p for p in (paths or [Path("tei")]) if p.is_dir()} | {r.parent for r in collection.registers}
    return claim(out_dir, protected, folders)


@contextmanager
def _writing(output: Output) -> Iterator[None]:
    """The machine's refusals to write (disk full, no permission) as one clear line that
    names the output folder, never the staging folder inside it."""
    try:
        yield
    except OSError as exc:
        raise refuse(output.path, f"cannot write the build: {write_failure(exc, output.versions)}") from None


# ------------------------------------------------------------------ the build

def build(paths: list[Path] | None = None, out_dir: Path = Path("build"), *,
          keep_going: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, config: Config | None = None,
          jobs: int | None = None, force: bool = False, shard: tuple[int, int] | None = None,
          progress: bool | None = None, wait: bool = False, drafts: bool = False,
          scheduler: str | None = None) -> BuildReport:
    """Validate every document of ``paths`` (default: ./tei) and publish it into ``out_dir``.

    Only documents that changed since the last build (or whose stylesheets, schemas,
    register or settings changed, or whose published files are missing) are processed;
    ``force`` processes all. Nothing is published while any document is invalid:
    :class:`UserError` lists every problem and ``out_dir`` stays as it was; with
    ``keep_going`` the valid documents are published and the report names the others.
    ``jobs`` worker processes share the work (default: one per CPU); ``shard=(K, N)``
    builds the K-th of N deterministic parts of the collection. ``wait``: wait for another
    build into ``out_dir`` to finish rather than fail. A draft (a document that still holds
    placeholders) is published only with ``drafts``, and never in the exports. ``scheduler``:
    the address of a Dask scheduler whose workers do the per-document work (cluster.py)."""
    started = time.perf_counter()
    config = config if config is not None else load_config()
    config.require("base-url", "publisher", "admin-email", what="cmif.xml and oai-static.xml")
    jobs = jobs or os.cpu_count() or 1
    collection = collect(paths)
    out_dir.absolute().parent.mkdir(parents=True, exist_ok=True)
    output = _claim(out_dir, paths, collection, config)
    report = BuildReport(out_dir.absolute())
    client = None
    if scheduler:
        from cable_edition.cluster import client_for

        client = client_for(scheduler)
    try:
        _build_locked(report, output, collection, config, max_bytes, force, shard, jobs, progress, wait,
                      keep_going, drafts, client)
    finally:
        if client is not None:
            client.close()
    report.seconds = time.perf_counter() - started
    return report


class _DamagedCarried(Exception):
    """Documents carried over from the published build whose .fragments turned out damaged
    when the collection outputs were made: they are to be built again."""

    def __init__(self, doc_ids: frozenset[str]):
        super().__init__(", ".join(sorted(doc_ids)))
        self.doc_ids = doc_ids


def _build_locked(report: BuildReport, output: Output, collection: Collection, config: Config, max_bytes: int,
                  force: bool, shard, jobs: int, progress, wait: bool, keep_going: bool, drafts: bool,
                  client) -> None:
    with _terminations_interrupt(), output.lock(wait):
        output.prepare()
        damaged: frozenset[str] = frozenset()
        while True:      # again, still under the lock, if a carried-over document's .fragments is damaged
            try:
                _build_once(report, output, collection, config, max_bytes, force, shard, jobs, progress,
                            keep_going, drafts, client, damaged)
                break
            except _DamagedCarried as found:
                if found.doc_ids <= damaged:        # built afresh and damaged again: never loop
                    raise InternalError(f"the .fragments of {found} are damaged as soon as written") from None
                damaged |= found.doc_ids
        report.diagnostics += [Diagnostic(str(output.path / doc_id / FRAGMENTS), 0, 0, "warning",
                                          f"was damaged ({DamagedFragments.WHY}): its document was built again",
                                          "output") for doc_id in sorted(damaged)]


def _build_once(report: BuildReport, output: Output, collection: Collection, config: Config, max_bytes: int,
                force: bool, shard, jobs: int, progress, keep_going: bool, drafts: bool, client,
                damaged: frozenset[str]) -> None:
    """One attempt at the build, into a staging folder that is removed unless published."""
    registers, problems = load_registers(collection.registers, max_bytes)
    plan = _plan(collection, registers, output, config, force, shard, damaged)
    current = output.current()
    held_back = not drafts and any(c.facts.draft for c in plan.cached.values())
    if not plan.work and set(plan.cached) == set(plan.previous.documents) and _published_intact(current) \
            and not held_back:
        report.unchanged = sorted(plan.cached)      # nothing changed: nothing to check, nothing to publish
        report.diagnostics = problems + [w for c in plan.cached.values() for w in c.warnings] + \
            plan.previous.warnings
        return
    with output.stage() as staging, _writing(output):
        local = Worker(registers, config, staging)
        reader = _Reader(plan, max_bytes, shard)
        results = list(_progress(_process(reader, registers, config, staging, jobs, local, client),
                                 len(plan.work), progress))
        results += reader.unreadable
        plan.cached.update(reader.restated)
        fresh, kept, problems = _check(results, plan, registers, problems, shard, report, drafts)
        if has_errors(problems) and not (keep_going and (fresh or kept)):
            raise UserError(problems, exit_code=2 if any(d.rule in ("io", "output") for d in problems) else 1)
        for result in results:                  # rendered, then refused by the collection checks
            if result.rendered and result.id not in fresh:
                shutil.rmtree(staging / result.id, ignore_errors=True)
        report.built, report.unchanged = sorted(fresh), sorted(kept)
        removed = set(plan.previous.documents) - set(kept) - set(fresh)
        if not fresh and not removed and not plan.healed and _published_intact(current):
            return                              # only times of modification changed: nothing to publish
        _carry_over(output, staging, kept)
        report.diagnostics += output.carry_foreign(staging, _ownership(plan.published, [*fresh, *kept]))
        manifest = _manifest(plan, fresh, kept, problems)
        try:
            _collection_outputs(local.renderer, manifest, staging, output, config, force, carried=kept)
        except DamagedFragments as damaged:     # made by this build: not to be cured by building again
            raise refuse(output.path, f"{damaged}: damaged ({damaged.WHY}): build again with --force") from None
        output.publish(staging)


def _check(results: list[DocumentResult], plan: Plan, registers: list[Loaded], problems: list[Diagnostic],
           shard: tuple[int, int] | None, report: BuildReport,
           drafts: bool = False) -> tuple[dict, dict, list[Diagnostic]]:
    """The checks across the collection; which documents may be published."""
    if shard:   # a document processed because its id was not known may be another shard's
        results[:] = [r for r in results if not r.id or shard_of(r.id, shard[1]) == shard[0]]
    loaded_all = not any(d.rule in ("io", "well-formed") for r in results for d in r.diagnostics)
    problems = problems + [d for r in results for d in r.diagnostics]
    facts = [(r.path, r.facts) for r in results if r.id] + [(c.path, c.facts) for c in plan.cached.values()]
    collection_problems = check_collection(facts, Registers(registers), complete=loaded_all and not shard)
    problems += collection_problems
    for record in plan.cached.values():
        problems += record.warnings
    plan.collection_warnings = [d for d in collection_problems if d.severity == "warning"]

    bad = {d.path for d in problems if d.severity == "error"}
    register_bad = {canonical(os.path.dirname(p)) for p in bad if os.path.basename(p) == REGISTER_NAME}

    def failing(path: str) -> bool:
        return path in bad or bool(register_bad) and canonical(os.path.dirname(path)) in register_bad

    fresh = {r.id: r for r in results if r.rendered and not failing(r.path)}
    kept = {doc_id: c for doc_id, c in plan.cached.items() if not failing(c.path) and doc_id not in fresh}
    report.failed = sorted({r.path for r in results if failing(r.path)} |
                           {c.path for c in plan.cached.values() if failing(c.path)})
    if not drafts:
        held = {**{d: r.path for d, r in fresh.items() if r.facts.draft},
                **{d: c.path for d, c in kept.items() if c.facts.draft}}
        for doc_id, path in sorted(held.items()):
            fresh.pop(doc_id, None)
            kept.pop(doc_id, None)
            problems.append(Diagnostic(path, 0, 0, "warning", "a draft (it still holds placeholders): not "
                                       "published; settle them, or build with --drafts to see it", "draft"))
        report.drafts = sorted(held)
    report.diagnostics = problems
    return fresh, kept, problems


def _carry_over(output: Output, staging: Path, kept: dict[str, Record]) -> None:
    """Hard-link the unchanged documents' files into the new build."""
    for doc_id, record in kept.items():
        if not output.carry_over(staging, doc_id, record.files):
            raise refuse(output.path, f"the published files of {doc_id} vanished during the build: build again")


def _collection_outputs(renderer: Renderer, manifest: Manifest, staging: Path, output: Output,
                        config: Config, force: bool = False, carried: Iterable[str] = ()) -> None:
    """The collection page, CMIF, collection JSON, static repository and search page (from
    the documents' fragments), the search index (the bundles that changed), and the
    manifest, last. A damaged .fragments among the ``carried`` documents (hard links to
    the published build) is :class:`_DamagedCarried`, with every such document, so that
    the build can make them again; any other is the caller's to name
    (:class:`DamagedFragments`)."""
    try:
        renderer.render_collection([(doc_id, r.when, r.changed, staging) for doc_id, r in manifest.documents.items()],
                                   staging)
        write_index(((doc_id, staging) for doc_id in sorted(manifest.documents)), staging, scratch_in=staging.parent,
                    previous=None if force else output.current(), size=config.search_bundle_size)
    except DamagedFragments as damaged:
        carried = set(carried)
        if damaged.doc_id in carried:
            raise _DamagedCarried(frozenset(d for d in carried if not _fragments_intact(staging, d))) from None
        raise
    (staging / MANIFEST).write_text(manifest.dumps(), encoding="utf-8")


def _fragments_intact(folder: Path, doc_id: str) -> bool:
    try:
        read_fragments(str(folder), doc_id)
    except (DamagedFragments, OSError):
        return False
    return True


def _ownership(published: Manifest, new_ids: list[str]) -> Ownership:
    """What of the published build is the tool's: its collection files, and the documents
    its manifest lists with their files (where the manifest is lost, what the new build
    writes, in the folders named like its documents)."""
    files: dict[str, frozenset[str] | None] = {doc_id: frozenset(r.files) for doc_id, r in published.documents.items()}
    if not published.toolchain:
        files.update((doc_id, None) for doc_id in new_ids)
    return Ownership(frozenset({*COLLECTION_FILES, SEARCH_DIR, MANIFEST, MARK, *files}), files)


def _manifest(plan: Plan, fresh: dict[str, DocumentResult], kept: dict[str, Record],
              problems: list[Diagnostic]) -> Manifest:
    manifest = Manifest(plan.toolchain, plan.register_digests, dict(kept), plan.collection_warnings)
    for doc_id, result in fresh.items():
        manifest.documents[doc_id] = Record(
            result.path, result.size, result.mtime_ns, result.digest, plan.register_of(result.path), result.when,
            result.changed, result.facts, [d for d in result.diagnostics if d.severity == "warning"], result.files)
    return manifest


# ------------------------------------------------------------------ merging shards

def _copy_document(build: Path, doc_id: str, target: Path, files: list[str], part: Path) -> None:
    """Copy a part's document folder: the files its manifest names, regular files inside the
    part's build only (no link followed, the folder's own included)."""
    target.mkdir()
    for name in files:
        try:
            data = read_inside(build, [doc_id, name], MAX_PUBLISHED_FILE)
        except OSError:
            raise refuse(part, f"{doc_id}/{name} is missing, a link or not a regular file: build the part "
                               "again") from None
        (target / name).write_bytes(data)


def _part_manifest(part: Path) -> tuple[Path, Manifest]:
    """A shard's published build and its manifest, checked to be a build of ours."""
    try:
        output = claim(part)
    except UserError:
        output = None
    current = output.current() if output else None
    manifest = Manifest.read(current) if current else Manifest()
    if current is None or not manifest.toolchain:
        raise refuse(part, "no build here: is it the output of cable-edition build?")
    return current, manifest


def merge(parts: list[Path], out_dir: Path, *, config: Config | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES, wait: bool = False) -> BuildReport:
    """Assemble the builds of a collection's shards into one build: their documents, and
    the collection outputs made from their manifests (no document is read again)."""
    started = time.perf_counter()
    config = config if config is not None else load_config()
    config.require("base-url", "publisher", "admin-email", what="cmif.xml and oai-static.xml")
    toolchain = _cwd_digest(toolchain_digest(config))
    merged = Manifest(toolchain)
    sources: dict[str, Path] = {}            # id -> the published build of its part
    origin: dict[str, Path] = {}             # id -> the part, as the user named it
    problems: list[Diagnostic] = []
    for part in parts:
        current, manifest = _part_manifest(part)
        if manifest.toolchain != toolchain:
            raise UserError(Diagnostic(str(part), 0, 0, "error", "built with another installation (the "
                                       "tool, its stylesheets, schemas or libraries), other settings or from "
                                       "another folder: rebuild it", "merge"), exit_code=1)
        for path, digest in manifest.registers.items():
            if os.path.basename(path) != REGISTER_NAME:     # a manifest names registers, nothing else
                raise refuse(part, f"its manifest names {path!r} as a register: not a build of cable-edition")
            if merged.registers.setdefault(path, digest) != digest:
                problems.append(Diagnostic(path, 0, 0, "error", "the parts were built with different "
                                           "versions of this register", "merge"))
        for doc_id, record in manifest.documents.items():
            if doc_id in merged.documents:
                problems.append(Diagnostic(record.path, 0, 0, "error", f'document "{doc_id}" is in two parts: '
                                           f"{origin[doc_id]} and {part}", "merge"))
                continue
            merged.documents[doc_id] = record
            sources[doc_id], origin[doc_id] = current, part
    registers, register_problems = load_registers([Path(p) for p in merged.registers], max_bytes)
    problems += register_problems
    collection_problems = check_collection([(r.path, r.facts) for r in merged.documents.values()],
                                           Registers(registers))
    merged.warnings = [d for d in collection_problems if d.severity == "warning"]
    problems += collection_problems
    problems += [w for r in merged.documents.values() for w in r.warnings]
    if has_errors(problems):
        raise UserError(problems)

    out_dir.absolute().parent.mkdir(parents=True, exist_ok=True)
    output = claim(out_dir, [*(Path(p) for p in merged.registers), *parts])
    report = BuildReport(out_dir.absolute(), built=sorted(merged.documents), diagnostics=problems)
    with _terminations_interrupt(), output.lock(wait):
        output.prepare()
        with output.stage() as staging, _writing(output):
            for doc_id, current in sources.items():   # ids and names were checked as plain names (Manifest.read)
                _copy_document(current, doc_id, staging / doc_id, merged.documents[doc_id].files, origin[doc_id])
            current = output.current()
            published = Manifest.read(current) if current is not None else Manifest()
            report.diagnostics += output.carry_foreign(staging, _ownership(published, list(merged.documents)))
            try:
                _collection_outputs(Renderer(registers, config), merged, staging, output, config)
            except DamagedFragments as damaged:     # merge reads no source: it cannot make it again
                raise refuse(origin[damaged.doc_id], f"{damaged} is damaged ({damaged.WHY}): build the part "
                                                     "again") from None
            output.publish(staging)
    report.seconds = time.perf_counter() - started
    return report
