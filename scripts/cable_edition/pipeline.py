"""One document through the whole pipeline, in whichever process does the work: load it
(once), check it, and, if it is valid, render it into the staging folder. The same code
runs in the build's own process and in its worker processes; each process compiles the
schemas and stylesheets once (see validate.py and render.py) and keeps its registers."""

from __future__ import annotations

import ctypes
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cable_edition.diagnostics import Diagnostic, UserError, has_errors
from cable_edition.load import DEFAULT_MAX_BYTES, Loaded, load, require_tei
from cable_edition.project import Config
from cable_edition.render import Renderer
from cable_edition.validate import Facts, Registers, check_document


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


class Worker:
    """Holds what one process needs to handle documents: the registers (parsed once) and
    the compiled stylesheets."""

    def __init__(self, registers: list[Loaded], config: Config, staging: Path,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.registers = Registers(registers)
        self.config = config
        self.staging = staging
        self.max_bytes = max_bytes
        self._renderer: Renderer | None = None

    def compile(self) -> None:
        """Compile the stylesheets (once): done on first use, or ahead of it."""
        if self._renderer is None:
            self._renderer = Renderer(list(self.registers.loaded.values()), self.config)

    @property
    def renderer(self) -> Renderer:
        self.compile()
        return self._renderer

    def process(self, path: Path) -> DocumentResult:
        result = DocumentResult(str(path))
        try:
            loaded = load(path, max_bytes=self.max_bytes)
            require_tei(loaded)
        except UserError as error:
            result.diagnostics = error.diagnostics
            return result
        result.id = loaded.id
        result.diagnostics, result.facts = check_document(loaded, self.registers)
        if has_errors(result.diagnostics):
            return result
        target = self.staging / loaded.id
        target.mkdir()
        (target / f"{loaded.id}.xml").write_bytes(loaded.data)
        result.when, result.changed = self.renderer.render(loaded, target)
        result.rendered = True
        return result


# ------------------------------------------------------------------ worker processes

_worker: Worker | None = None


def _die_with_parent() -> None:
    """A worker must not outlive a build that was killed: on Linux, ask the kernel to end
    it with its parent (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)        # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle


def start_worker(register_paths: list[str], config: Config, staging: str, max_bytes: int) -> None:
    """Initializer of a worker process: parse the registers and compile once."""
    global _worker
    _die_with_parent()
    registers = [load(Path(p), max_bytes=max_bytes) for p in register_paths]
    _worker = Worker(registers, config, Path(staging), max_bytes)
    _worker.compile()


def process_in_worker(path: str) -> DocumentResult:
    assert _worker is not None, "start_worker() was not run in this process"
    return _worker.process(Path(path))
