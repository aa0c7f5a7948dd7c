"""Compiled XSLT 3.0 (Saxon, via saxonche): compiled once per process, then locked down.

Saxon never reads a file by itself at run time: the documents it sees are handed over
from the safe loader, and once the stylesheets are compiled, every URI scheme is
forbidden to it (``allowedProtocols`` set to nothing), so ``doc()``,
``unparsed-text()`` and friends cannot reach the file system or the network."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

from cable_edition.citation import citation_markup
from cable_edition.diagnostics import InternalError
from cable_edition.load import Loaded
from cable_edition.project import XSLT_DIR, Config, canonical
from cable_edition.publish import write_failure

# The full URIs are required: saxonche silently ignores short names.
ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
_PARSER_FEATURE = "http://saxon.sf.net/feature/parserFeature?uri="
PARSER_LOCKDOWN = {
    _PARSER_FEATURE + "http%3A//xml.org/sax/features/external-general-entities": "false",
    _PARSER_FEATURE + "http%3A//xml.org/sax/features/external-parameter-entities": "false",
    _PARSER_FEATURE + "http%3A//apache.org/xml/features/nonvalidating/load-external-dtd": "false",
}

STYLESHEETS = ("edition.xsl",)
CSL_FUNCTION = "{https://cable-edition.org/ns/xslt}document-csl"

# Each document's parts of the collection outputs, beside its own outputs.
FRAGMENTS = ".fragments"

# Where collection.xsl's shells take the documents' fragments.
ROWS_MARKER = "<!--ce:rows-->"
CMIF_MARKER = "<!--ce:correspDescs-->"
RECORDS_MARKER = "<!--ce:records-->"


# The parts of a document's fragments, as collection.xsl names them.
FRAGMENT_PARTS = ("row", "correspDesc", "summary", "record", "search")


class DamagedFragments(Exception):
    """A document's .fragments that is not UTF-8 or whose parts do not match its first line."""

    WHY = "not UTF-8, or its parts do not match its first line"

    def __init__(self, doc_id: str):
        super().__init__(f"{doc_id}/{FRAGMENTS}")
        self.doc_id = doc_id


def read_fragments(folder: str, doc_id: str) -> dict[str, str]:
    """A document's parts of the collection outputs, by name (see ce:collection-fragments:
    a first line naming each part with its length, then the parts), from ``folder``/<id>.
    A file whose parts do not add up is refused (:class:`DamagedFragments`), never read as
    something else."""
    try:
        with open(os.path.join(folder, doc_id, FRAGMENTS), encoding="utf-8", newline="") as handle:
            header = handle.readline().split()      # newline="": the lengths count every character
            text = handle.read()
    except UnicodeDecodeError:
        raise DamagedFragments(doc_id) from None
    names, lengths = header[0::2], header[1::2]
    if tuple(names) != FRAGMENT_PARTS or not all(n.isdigit() for n in lengths) \
            or sum(int(n) for n in lengths) != len(text):
        raise DamagedFragments(doc_id)
    parts, start = {}, 0
    for name, length in zip(names, lengths):
        parts[name] = text[start:start + int(length)]
        start += int(length)
    return parts


class RenderError(InternalError):
    """A stylesheet failed on a document (a bug, or input that validation let through)."""


class RenderIOError(Exception):
    """Saxon could not write a result (disk full, no permission): the machine's problem,
    not the toolchain's. The message names the reason, never the staging folder."""


# How the Java I/O errors Saxon reports name their reasons.
_IO_REASONS = re.compile(r"No space left on device|Disk quota exceeded|File too large|Permission denied|"
                         r"Read-only file system|Too many open files|Input/output error|File name too long")


@lru_cache(maxsize=1)
def _compiled() -> tuple[PySaxonProcessor, dict]:
    processor = PySaxonProcessor(license=False)
    for feature, value in PARSER_LOCKDOWN.items():
        processor.set_configuration_property(feature, value)
    compiler = processor.new_xslt30_processor()
    executables = {}
    for name in STYLESHEETS:
        try:
            executables[name] = compiler.compile_stylesheet(stylesheet_file=str(XSLT_DIR / name))
        except PySaxonApiError as exc:
            raise RenderError(f"{XSLT_DIR / name}: the stylesheet does not compile: {exc}") from None
    # Compiling needed file: to read the stylesheets; from here on nothing may be read.
    processor.set_configuration_property(ALLOWED_PROTOCOLS, "")
    return processor, executables


def cmif_source_id(base_url: str) -> str:
    """CMIF wants a UUID as its bibl's xml:id, and an xml:id must be an XML name, which
    cannot start with a digit: the first name-based UUID of the base URL (then of
    "base URL#1", "#2"…) that starts with a letter; the same in every build."""
    candidate, n = str(uuid.uuid5(uuid.NAMESPACE_URL, base_url)), 0
    while candidate[0].isdigit():
        n += 1
        candidate = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}#{n}"))
    return candidate


class Renderer:
    """Turns loaded documents into published files. Create one per process."""

    def __init__(self, registers: list[Loaded] = (), config: Config = Config()):
        self._processor, self._executables = _compiled()
        # Each folder's register, handed to Saxon once.
        self._registers = {canonical(r.path.parent): self.to_saxon(r) for r in registers}
        self._config = config
        self._settings = self._publication_settings(config)

    def _publication_settings(self, config: Config) -> dict:
        make = self._processor.make_string_value
        editors = self._processor.empty_sequence()
        for editor in config.editors:
            editors.add_xdm_item(make(editor))
        source_id = cmif_source_id(config.base_url) if config.base_url else ""
        return {"base-url": make(config.base_url), "publisher": make(config.publisher),
                "editors": editors, "cmif-source-id": make(source_id), "admin-email": make(config.admin_email)}

    def _prepare(self, executable) -> None:
        executable.clear_parameters()
        for name, value in self._settings.items():
            executable.set_parameter(name, value)

    def to_saxon(self, loaded: Loaded):
        """The tree the loader checked, handed to Saxon (never the file itself)."""
        return self._processor.parse_xml(xml_text=etree.tostring(loaded.tree, encoding="unicode"))

    def render(self, loaded: Loaded, out_dir: Path) -> tuple[str, str]:
        """Write every output of edition.xsl for one document into ``out_dir`` (with
        .fragments, its parts of the collection outputs); return the date the
        collection sorts it by and the date of its latest change."""
        executable = self._executables["edition.xsl"]
        self._prepare(executable)
        register = self._registers.get(canonical(loaded.path.parent))
        if register is not None:
            executable.set_parameter("register", register)
        document = self.to_saxon(loaded)
        executable.set_parameter("citation", self._citation(executable, document, str(loaded.path)))
        when, _, changed = self._run(executable, document, out_dir, str(loaded.path)).partition(" ")
        return when, changed

    def _citation(self, executable, document, what: str):
        """The page's citation: the CSL-JSON the stylesheets make, rendered by citeproc-py."""
        try:
            with _saxon_quiet():
                csl = executable.call_function_returning_string(CSL_FUNCTION, [document])
        except PySaxonApiError as exc:
            raise RenderError(f"{what}: the stylesheets failed on its CSL-JSON: {exc}") from None
        return self._processor.parse_xml(xml_text=citation_markup(csl))

    def render_collection(self, documents: list[tuple[str, str, str, Path]], out_dir: Path) -> None:
        """Write the collection outputs (index.html, cmif.xml, collection.json) into
        ``out_dir``: collection.xsl's shells, filled with each document's fragments in order
        of date. ``documents`` are (id, date, latest change, folder holding its outputs);
        the fragments are read one document at a time, so memory stays small whatever the
        size of the collection."""
        documents = sorted(documents, key=lambda d: (d[1], d[0]))
        executable = self._executables["edition.xsl"]
        self._prepare(executable)
        latest = max((d[2] for d in documents if d[2]), default="1970-01-01")
        earliest = min((d[2] for d in documents if d[2]), default="1970-01-01")
        executable.set_parameter("cmif-date", self._processor.make_string_value(latest))
        executable.set_parameter("earliest-date", self._processor.make_string_value(earliest))
        shell = self._processor.parse_xml(xml_text=f'<collection count="{len(documents)}"/>')
        self._run(executable, shell, out_dir, "the collection outputs")
        page_head, page_tail = (out_dir / "index.html").read_text(encoding="utf-8").split(ROWS_MARKER, 1)
        cmif_head, cmif_tail = (out_dir / "cmif.xml").read_text(encoding="utf-8").split(CMIF_MARKER, 1)
        static_head, static_tail = (out_dir / "oai-static.xml").read_text(encoding="utf-8").split(RECORDS_MARKER, 1)
        head = json.dumps({"publisher": self._config.publisher, "baseUrl": self._config.base_url},
                          ensure_ascii=False)[:-1]
        with open(out_dir / "index.html", "w", encoding="utf-8") as page, \
                open(out_dir / "cmif.xml", "w", encoding="utf-8") as cmif, \
                open(out_dir / "collection.json", "w", encoding="utf-8") as listing, \
                open(out_dir / "oai-static.xml", "w", encoding="utf-8") as static:
            page.write(page_head)
            cmif.write(cmif_head)
            static.write(static_head)
            listing.write(f'{head}, "documents": [')
            exported = 0
            for doc_id, _, _, folder in documents:
                parts = read_fragments(folder, doc_id)
                page.write(parts["row"])
                if not parts["summary"]:        # a draft: in no export
                    continue
                cmif.write(("\n" if exported else "") + parts["correspDesc"])
                static.write(("\n" if exported else "") + parts["record"])
                listing.write((",\n" if exported else "\n") + parts["summary"])
                exported += 1
            page.write(page_tail)
            cmif.write(cmif_tail)
            static.write(static_tail)
            listing.write("\n]}\n")

    def _run(self, executable, node, out_dir: Path, what: str) -> str:
        executable.set_base_output_uri(out_dir.resolve().as_uri() + "/")
        try:
            with _saxon_quiet():
                executable.set_initial_match_selection(xdm_value=node)
                return executable.apply_templates_returning_string() or ""
        except PySaxonApiError as exc:
            reason = _IO_REASONS.search(str(exc))
            if reason or "Failure writing to" in str(exc) or "Failed to create output file" in str(exc):
                raise RenderIOError(reason.group(0) if reason else _why_unwritable(out_dir)) from None
            raise RenderError(f"{what}: the stylesheets failed: {exc}") from None


@contextmanager
def _saxon_quiet():
    """Saxon reports failures on the process's stderr as well, naming the staging folder;
    the exception says it all, so its stderr goes nowhere (except with --debug)."""
    if os.environ.get("CABLE_EDITION_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved, sink = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)


def _why_unwritable(folder: Path) -> str:
    """Saxon names the file it failed to write, not always why: try a write to find out."""
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return write_failure(exc, folder)
    return "the file system refused a write"
