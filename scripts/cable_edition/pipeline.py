"""One document through the whole pipeline, in whichever process does the work: read it
(once: the bytes hashed are the bytes checked and rendered), check it, and, if it is valid,
render it into the staging folder. The same code runs in the build's own process and in its
worker processes; each process compiles the schemas and stylesheets once (see validate.py
and render.py) and keeps its registers."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cable_edition.diagnostics import Diagnostic, UserError, has_errors
from cable_edition.load import Input, Loaded, parse_bytes, require_tei
from cable_edition.project import Config
from cable_edition.render import Renderer, RenderIOError
from cable_edition.validate import Facts, Registers, check_document


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DocumentResult:
    """What became of one document; small and picklable."""

    path: str
    id: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    rendered: bool = False
    when: str = ""           # the date the collection sorts it by
    changed: str = ""        # the date of its latest change
    digest: str = ""         # of the bytes read (and, if rendered, rendered)
    size: int = 0
    mtime_ns: int = -1
    files: list[str] = field(default_factory=list)


class Worker:
    """Holds what one process needs to handle documents: the registers (parsed once) and
    the compiled stylesheets."""

    def __init__(self, registers: list[Loaded], config: Config, staging: Path):
        self.registers = Registers(registers)
        self.config = config
        self.staging = staging
        self._renderer: Renderer | None = None

    def compile(self) -> None:
        """Compile the stylesheets (once): done on first use, or ahead of it."""
        if self._renderer is None:
            self._renderer = Renderer(list(self.registers.loaded.values()), self.config)

    @property
    def renderer(self) -> Renderer:
        self.compile()
        return self._renderer

    def process(self, path: Path, read: Input) -> DocumentResult:
        """Check and render one document from the bytes the build read (and hashed)."""
        result = DocumentResult(str(path), digest=digest_of(read.data), size=read.size, mtime_ns=read.mtime_ns)
        try:
            loaded = Loaded(path, read.data, parse_bytes(path, read.data), read.size, read.mtime_ns)
            require_tei(loaded)
        except UserError as error:
            result.diagnostics = error.diagnostics
            return result
        result.id = loaded.id
        result.diagnostics, result.facts = check_document(loaded, self.registers)
        if has_errors(result.diagnostics):
            return result
        target = self.staging / loaded.id
        try:
            target.mkdir()
        except FileExistsError:
            return result        # another document has this id: the collection check says so
        try:
            (target / f"{loaded.id}.xml").write_bytes(loaded.data)
            result.when, result.changed = self.renderer.render(loaded, target)
            result.files = sorted(os.listdir(target))
        except (OSError, RenderIOError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            result.diagnostics.append(Diagnostic(str(path), 0, 0, "error",
                                                 f"cannot write its outputs: {reason}", "io"))
            return result
        result.rendered = True
        return result


# ------------------------------------------------------------------ worker processes

_worker: Worker | None = None


def start_worker(registers: list[tuple[str, bytes]], config: Config, staging: str) -> None:
    """Initializer of a worker process (workers.py): the registers as the build read them,
    parsed once; the stylesheets compiled once."""
    global _worker
    loaded = [Loaded(Path(path), data, parse_bytes(Path(path), data)) for path, data in registers]
    _worker = Worker(loaded, config, Path(staging))
    _worker.compile()


def process_in_worker(path: str, read: Input) -> DocumentResult:
    assert _worker is not None, "start_worker() was not run in this process"
    return _worker.process(Path(path), read)
