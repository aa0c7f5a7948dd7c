"""Orchestration of a build: which documents need work (the manifest), doing it (here or
in worker processes), the checks across the collection, the collection outputs, and
publishing all of it at once (publish.py). An interrupted build leaves the previous build
as it was."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from cable_edition.diagnostics import Diagnostic, Interrupted, UserError, has_errors
from cable_edition.load import DEFAULT_MAX_BYTES, Loaded
from cable_edition.manifest import MANIFEST, Manifest, Record, file_digest, stat_of, toolchain_digest
from cable_edition.pipeline import DocumentResult, Worker, process_in_worker, start_worker
from cable_edition.project import REGISTER_NAME, Config, canonical, collect, load_config
from cable_edition.publish import publish, recover
from cable_edition.render import Renderer
from cable_edition.validate import Registers, check_collection, load_registers

COLLECTION_FILES = ["index.html", "cmif.xml", "collection.json"]

# Below this many documents to process, worker processes cost more than they save.
PARALLEL_THRESHOLD = 32


@dataclass
class BuildReport:
    out_dir: Path
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"built {len(self.built)}, unchanged {len(self.unchanged)}, failed {len(self.failed)} "
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


def sniff_id(path: Path) -> str:
    """A document's id without parsing it (for sharding); its file name if not found."""
    try:
        with open(path, "rb") as handle:
            found = _ID_SNIFF.search(handle.read(8192))
    except OSError:
        found = None
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


def _process(paths: list[Path], registers: list[Loaded], config: Config, staging: Path, jobs: int,
             max_bytes: int, local: Worker) -> Iterator[DocumentResult]:
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for path in paths:
            yield local.process(path)
        return
    import multiprocessing                      # only when there is enough work for it
    from concurrent.futures import ProcessPoolExecutor

    # Spawned, not forked: a forked copy of a running Saxon is not safe.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=start_worker,
                               initargs=([str(r.path) for r in registers], config, str(staging), max_bytes))
    try:
        chunk = max(1, min(32, len(paths) // (jobs * 8)))
        yield from pool.map(process_in_worker, [str(p) for p in paths], chunksize=chunk)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)     # on an interruption, stop soon


def _cwd_digest(toolchain: str) -> str:
    # Paths in the manifest are as the user gave them, relative to the folder the build
    # ran in: a build from another folder starts afresh.
    return hashlib.sha256(f"{toolchain}\n{Path.cwd()}".encode()).hexdigest()


# ------------------------------------------------------------------ the build

def build(paths: list[Path] | None = None, out_dir: Path = Path("build"), *,
          keep_going: bool = False, max_bytes: int = DEFAULT_MAX_BYTES, config: Config | None = None,
          jobs: int | None = None, force: bool = False, shard: tuple[int, int] | None = None,
          progress: bool | None = None) -> BuildReport:
    """Validate every document of ``paths`` (default: ./tei) and publish it into ``out_dir``.

    Only documents that changed since the last build (or whose stylesheets, schemas,
    register or settings changed) are processed; ``force`` processes all. Nothing is
    published while any document is invalid: :class:`UserError` lists every problem and
    ``out_dir`` stays as it was; with ``keep_going`` the valid documents are published and
    the report names the others. ``jobs`` worker processes share the work (default: one per
    CPU); ``shard=(K, N)`` builds the K-th of N deterministic parts of the collection."""
    started = time.perf_counter()
    config = config if config is not None else load_config()
    config.require("base-url", "publisher", what="cmif.xml")
    jobs = jobs or os.cpu_count() or 1
    collection = collect(paths)
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)

    registers, problems = load_registers(collection.registers, max_bytes)
    register_digests = {str(r.path): file_digest(r.data) for r in registers}
    folder_register = {canonical(r.path.parent): file_digest(r.data) for r in registers}
    toolchain = _cwd_digest(toolchain_digest(config))
    previous = Manifest() if force else Manifest.read(out_dir)
    if previous.toolchain != toolchain:
        previous = Manifest()
    cached_by_path = {record.path: (doc_id, record) for doc_id, record in previous.documents.items()}

    work: list[Path] = []
    cached: dict[str, Record] = {}
    stats: dict[str, tuple[int, int, str, str]] = {}       # path -> size, mtime, digest, register digest
    for path in collection.documents:
        key = str(path)
        register_digest = folder_register.get(canonical(path.parent), "")
        old = cached_by_path.get(key)
        try:
            size, mtime = stat_of(path)
        except OSError:
            work.append(path)
            continue
        if old and (old[1].size, old[1].mtime_ns) == (size, mtime):
            digest = old[1].digest
        else:
            try:
                digest = file_digest(path.read_bytes())
            except OSError:
                work.append(path)
                continue
        stats[key] = (size, mtime, digest, register_digest)
        doc_id = old[0] if old else sniff_id(path)
        if shard and shard_of(doc_id, shard[1]) != shard[0]:
            continue
        if old and old[1].digest == digest and old[1].register == register_digest:
            cached[old[0]] = old[1]
        else:
            work.append(path)

    report = BuildReport(out_dir)
    if (not work and previous.documents and set(cached) == set(previous.documents)
            and all((out_dir / name).exists() for name in [*COLLECTION_FILES, MANIFEST])):
        # Nothing changed: nothing to check again, nothing to publish.
        report.unchanged = sorted(cached)
        report.diagnostics = problems + [w for c in cached.values() for w in c.warnings] + previous.warnings
        report.seconds = time.perf_counter() - started
        return report
    with _terminations_interrupt():
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        except OSError as exc:
            raise UserError(Diagnostic(str(out_dir.parent), 0, 0, "error", f"cannot write the build here: "
                                       f"{exc.strerror or exc}", "io"), exit_code=2) from None
        try:
            local = Worker(registers, config, staging, max_bytes)
            results = list(_progress(_process(work, registers, config, staging, jobs, max_bytes, local),
                                     len(work), progress))
            if shard:   # a document processed because its id could not be sniffed may be another shard's
                results = [r for r in results if not r.id or shard_of(r.id, shard[1]) == shard[0]]
            loaded_all = not any(d.rule in ("io", "well-formed") for r in results for d in r.diagnostics)
            problems += [d for r in results for d in r.diagnostics]
            facts = [(r.path, r.facts) for r in results if r.id] + [(c.path, c.facts) for c in cached.values()]
            collection_problems = check_collection(facts, Registers(registers), complete=loaded_all and not shard)
            problems += collection_problems
            for record in cached.values():
                problems += record.warnings

            bad = {d.path for d in problems if d.severity == "error"}
            register_bad = {canonical(os.path.dirname(p)) for p in bad if os.path.basename(p) == REGISTER_NAME}

            def failing(path: str) -> bool:
                return path in bad or bool(register_bad) and canonical(os.path.dirname(path)) in register_bad

            fresh = {r.id: r for r in results if r.rendered and not failing(r.path)}
            kept = {doc_id: c for doc_id, c in cached.items() if not failing(c.path)}
            report.failed = sorted({r.path for r in results if failing(r.path)} |
                                   {c.path for c in cached.values() if failing(c.path)})
            report.diagnostics = problems
            if has_errors(problems) and not (keep_going and (fresh or kept)):
                raise UserError(problems, exit_code=2 if any(d.rule == "io" for d in problems) else 1)
            for result in results:                  # rendered, then refused by the collection checks
                if result.rendered and result.id not in fresh:
                    shutil.rmtree(staging / result.id, ignore_errors=True)

            report.built = sorted(fresh)
            report.unchanged = sorted(kept)
            removed = sorted(set(previous.documents) - set(kept) - set(fresh))
            if not fresh and not removed and previous.documents and all(
                    (out_dir / name).exists() for name in [*COLLECTION_FILES, MANIFEST]):
                report.seconds = time.perf_counter() - started
                return report                       # nothing changed: nothing to publish

            manifest = Manifest(toolchain, register_digests, dict(kept),
                                [d for d in collection_problems if d.severity == "warning"])
            for doc_id, result in fresh.items():
                size, mtime, digest, register_digest = stats[result.path]
                manifest.documents[doc_id] = Record(
                    result.path, size, mtime, digest, register_digest, result.when, result.changed, result.facts,
                    [d for d in result.diagnostics if d.severity == "warning"])
            local.renderer.render_collection(
                [(doc_id, r.when, r.changed, staging if doc_id in fresh else out_dir)
                 for doc_id, r in manifest.documents.items()], staging)
            (staging / MANIFEST).write_text(manifest.dumps(), encoding="utf-8")
            os.chmod(staging, 0o755)
            publish(staging, out_dir, replace=[*sorted(fresh), *COLLECTION_FILES, MANIFEST], remove=removed)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


# ------------------------------------------------------------------ merging shards

def merge(parts: list[Path], out_dir: Path, *, config: Config | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES) -> BuildReport:
    """Assemble the builds of a collection's shards into one build: their documents, and
    the collection outputs made from their manifests (no document is read again)."""
    started = time.perf_counter()
    config = config if config is not None else load_config()
    config.require("base-url", "publisher", what="cmif.xml")
    toolchain = _cwd_digest(toolchain_digest(config))
    merged = Manifest(toolchain)
    sources: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    for part in parts:
        manifest = Manifest.read(part)
        if not manifest.toolchain:
            raise UserError(Diagnostic(str(part), 0, 0, "error", "no build manifest here: is it the output "
                                       "of cable-edition build?", "io"), exit_code=2)
        if manifest.toolchain != toolchain:
            raise UserError(Diagnostic(str(part), 0, 0, "error", "built with other stylesheets, schemas, "
                                       "settings or from another folder: rebuild it", "merge"), exit_code=1)
        for path, digest in manifest.registers.items():
            if merged.registers.setdefault(path, digest) != digest:
                problems.append(Diagnostic(path, 0, 0, "error", "the parts were built with different "
                                           "versions of this register", "merge"))
        for doc_id, record in manifest.documents.items():
            if doc_id in merged.documents:
                problems.append(Diagnostic(record.path, 0, 0, "error", f'document "{doc_id}" is in two parts: '
                                           f"{sources[doc_id]} and {part}", "merge"))
                continue
            merged.documents[doc_id] = record
            sources[doc_id] = part
    registers, register_problems = load_registers([Path(p) for p in merged.registers], max_bytes)
    problems += register_problems
    collection_problems = check_collection([(r.path, r.facts) for r in merged.documents.values()],
                                           Registers(registers))
    merged.warnings = [d for d in collection_problems if d.severity == "warning"]
    problems += collection_problems
    problems += [w for r in merged.documents.values() for w in r.warnings]
    if has_errors(problems):
        raise UserError(problems)

    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    previous = Manifest.read(out_dir)
    report = BuildReport(out_dir, built=sorted(merged.documents), diagnostics=problems)
    with _terminations_interrupt():
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        try:
            for doc_id, part in sources.items():
                shutil.copytree(part / doc_id, staging / doc_id)
            Renderer(registers, config).render_collection(
                [(doc_id, r.when, r.changed, staging) for doc_id, r in merged.documents.items()], staging)
            (staging / MANIFEST).write_text(merged.dumps(), encoding="utf-8")
            os.chmod(staging, 0o755)
            removed = sorted(set(previous.documents) - set(merged.documents))
            publish(staging, out_dir, replace=[*sorted(merged.documents), *COLLECTION_FILES, MANIFEST],
                    remove=removed)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report
