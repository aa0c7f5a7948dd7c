"""Validation: RELAX NG, then Schematron, then the checks that need the whole collection.

Every problem of every file is reported, as a :class:`Diagnostic` with file, line, column
and rule id. Schemas and rules are compiled once per process."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from lxml import etree, isoschematron

from cable_edition.diagnostics import Diagnostic, UserError, has_errors
from cable_edition.archives import other_customisation
from cable_edition.load import DEFAULT_MAX_BYTES, ID_CHARACTERS, Loaded, load, require_tei
from cable_edition.project import MAX_ID_BYTES, REGISTER_NAME, RESERVED_IDS, SAFE_ID, SCHEMA_DIR, canonical, collect
from cable_edition.schematron import compile_schematron
from cable_edition.workers import Pool, chunk_size, pool_size

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"

# Attributes that point somewhere, and the URL schemes a pointer may use.
POINTER_ATTRIBUTES = ("ref", "target", "source", "resp", "who", "corresp")   # @wit: check_witnesses
ALLOWED_SCHEMES = {"http", "https"}


@dataclass
class Report:
    """The outcome of validating a collection."""

    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not has_errors(self.diagnostics)


# ------------------------------------------------------------------ compiled schemas

@lru_cache(maxsize=None)
def _relaxng(name: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA_DIR / name)))


@lru_cache(maxsize=2)
def _schematron(phase: str = "#ALL"):
    """The validator of cable.sch for a phase: a function from a tree to its SVRL report.
    Compiled to one pass per pattern over its rules' contexts (schematron.py: the same
    report, in under half the time); a schema that compiler does not know, by isoschematron."""
    schema = etree.parse(str(SCHEMA_DIR / "cable.sch"))
    compiled = compile_schematron(schema, phase)
    if compiled is not None:
        return compiled
    skeleton = isoschematron.Schematron(schema, phase=phase, store_report=True)

    def report(tree):
        skeleton.validate(tree)
        return skeleton.validation_report
    return report


# What the rules invisible-characters and control-characters look for, and "&#", which
# could write one as a reference.
_MAYBE_HIDDEN = re.compile("[\u200b-\u200f\u2060\ufeff\u061c\u202a-\u202e\u2066-\u2069"
                           "\u0080-\u009f\ufdd0-\ufdef]|&#")


def _schematron_for(loaded: Loaded):
    """All the rules; or, when the source cannot hold a hidden character, all but those
    rules (which alone cost most of the time): the report is the same either way."""
    if _MAYBE_HIDDEN.search(loaded.data.decode("utf-8", "replace")):
        return _schematron()
    return _schematron("without-hidden-characters")


def schema_for(loaded: Loaded) -> str:
    return "register.rng" if loaded.path.name == REGISTER_NAME else "cable.rng"


# ------------------------------------------------------------------ positions

def _line_text(loaded: Loaded, line: int) -> str:
    lines = loaded.lines
    return lines[line - 1] if 0 < line <= len(lines) else ""


def element_column(loaded: Loaded, element: etree._Element) -> int:
    """The column (1-based) of the element's start tag. lxml keeps only the line, so find
    the tag on that line: the k-th '<name' where k counts same-named elements that start
    on the same line before this one."""
    line = element.sourceline or 0
    qname = etree.QName(element)
    name = f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname
    before = 0
    for other in element.getroottree().iter(element.tag):
        if other is element:
            break
        if other.sourceline == line:
            before += 1
    starts = [m.start() + 1 for m in re.finditer(rf"<{re.escape(name)}(?=[\s/>])", _line_text(loaded, line))]
    return starts[before] if before < len(starts) else (starts[-1] if starts else 1)


def attribute_column(loaded: Loaded, element: etree._Element, attribute: str) -> int:
    """The column of ``attribute=`` inside the element's start tag (else the tag's)."""
    start = element_column(loaded, element)
    text = _line_text(loaded, element.sourceline or 0)
    found = re.search(rf"\s{re.escape(attribute)}\s*=", text[start - 1:])
    return start + found.start() + 1 if found else start


def _diagnostic(loaded: Loaded, element, message: str, rule: str, severity: str = "error",
                attribute: str | None = None) -> Diagnostic:
    line = element.sourceline or 0
    column = attribute_column(loaded, element, attribute) if attribute else element_column(loaded, element)
    return Diagnostic(str(loaded.path), line, column, severity, message, rule)


# ------------------------------------------------------------------ RELAX NG

# libxml2 follows a specific error with generic ones ("failed to validate attributes",
# "has extra content"); on a line that has a specific error, the generic ones are noise.
_GENERIC = {"RELAXNG_ERR_ATTRVALID", "RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_EXTRACONTENT",
            "RELAXNG_ERR_INTERLEAVE", "RELAXNG_ERR_NOELEM", "RELAXNG_ERR_VALELEM",
            "RELAXNG_ERR_LACKDATA", "RELAXNG_ERR_INTEREXTRA", "RELAXNG_ERR_ELEMEXTRANS"}


def _relaxng_column(loaded: Loaded, line: int, message: str, element) -> int:
    """libxml2 gives column 0: recover it from the line, at the attribute, value or
    element that the message names."""
    text = _line_text(loaded, line)
    for pattern in (r"attribute (\S+) for element", r"doesn't allow value '([^']*)'",
                    r"(?:[Ee]lement|element) (\S+?)[ ,:]"):
        found = re.search(pattern, message)
        if not found:
            continue
        word = found.group(1)
        if "value" in pattern:
            where = text.find(f'"{word}"')
            where = where if where >= 0 else text.find(f"'{word}'")
        elif "attribute" in pattern:
            where = (m.start() + 1 if (m := re.search(rf"\s{re.escape(word)}\s*=", text)) else -1)
        else:
            where = (m.start() if (m := re.search(rf"<(?:\w+:)?{re.escape(word)}(?=[\s/>])", text)) else -1)
        if where >= 0:
            return where + 1
    if element is not None and element.sourceline == line:
        return element_column(loaded, element)
    return len(text) - len(text.lstrip()) + 1 if text else 1


def check_relaxng(loaded: Loaded) -> list[Diagnostic]:
    name = schema_for(loaded)
    schema = _relaxng(name)
    if schema.validate(loaded.tree):
        return []
    entries = []
    for entry in schema.error_log:
        element = None
        if entry.path:
            try:
                found = loaded.tree.xpath(entry.path)
                element = found[0] if found and isinstance(found[0], etree._Element) else None
            except etree.XPathError:
                element = None
        line = entry.line or (element.sourceline if element is not None else 0) or 0
        entries.append((line, entry.type_name, entry.message.strip(), element))
    specific_lines = {line for line, kind, _, _ in entries if kind not in _GENERIC}
    seen, diagnostics = set(), []
    for line, kind, message, element in entries:
        if kind in _GENERIC and specific_lines and (line in specific_lines or not line):
            continue
        if (line, message) in seen:
            continue
        seen.add((line, message))
        column = _relaxng_column(loaded, line, message, element) if line else 0
        diagnostics.append(Diagnostic(str(loaded.path), line, column, "error",
                                      f"{message} ({name})", "relaxng"))
    return diagnostics


# ------------------------------------------------------------------ Schematron

def check_schematron(loaded: Loaded) -> list[Diagnostic]:
    report = _schematron_for(loaded)(loaded.tree)
    diagnostics = []
    for failure in report.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        location = failure.get("location", "")
        try:
            found = loaded.tree.xpath(location)
        except etree.XPathError:
            found = []
        node = found[0] if found else loaded.root
        attribute = None
        if not isinstance(node, etree._Element):   # an attribute or text node: its element
            attribute = getattr(node, "attrname", None)
            node = node.getparent()
        message = " ".join(failure.findtext(f"{SVRL}text", "").split())
        severity = "warning" if failure.get("role") == "warning" else "error"
        diagnostics.append(_diagnostic(loaded, node, message, failure.get("id", "schematron"),
                                       severity, attribute))
    return diagnostics


# ------------------------------------------------------------------ pointers and ids

@dataclass
class Facts:
    """What the collection-wide checks need to know of one document, small enough to keep
    in the build manifest and to send between processes: its ids, the register records it
    points to ("<register path>#<id>"), and its pointers into other documents of the
    collection, with their place (attribute, target path, id, line, column)."""

    ids: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    foreign: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    document: str = ""       # the document's own id
    cable_number: str = ""   # as the header gives it, whitespace normalised
    number_line: int = 0
    number_column: int = 0
    witness_of: str = ""     # the document it declares itself a witness of (resolved path)
    draft: bool = False      # it still holds placeholders


class Registers:
    """The registers of a collection by resolved path, with their record ids."""

    def __init__(self, registers: list[Loaded]):
        self.loaded = {canonical(r.path): r for r in registers}
        self.ids = {path: {e.get(XML_ID) for e in r.root.iter() if isinstance(e.tag, str) and e.get(XML_ID)}
                    for path, r in self.loaded.items()}

    def records(self, path: str) -> list[etree._Element]:
        return self.loaded[path].root.xpath("//tei:standOff/*/*[@xml:id]", namespaces={"tei": TEI_NS})


def check_pointers(loaded: Loaded, registers: Registers) -> tuple[list[Diagnostic], Facts]:
    """Resolve every pointer of a document: "#id" in itself, "register.xml#id" in its
    register; pointers into other documents are returned for the collection check."""
    diagnostics: list[Diagnostic] = []
    facts = Facts(ids=[e.get(XML_ID) for e in loaded.root.iter() if isinstance(e.tag, str) and e.get(XML_ID)],
                  document=loaded.id)
    own = set(facts.ids)
    folder = loaded.path.parent
    targets: dict[str, str] = {}            # a path as written -> the resolved path
    used: set[str] = set()
    split: dict[str, tuple] = {}            # each pointer's parts, split once
    for element in loaded.root.iter():
        if not isinstance(element.tag, str):
            continue
        names = element.keys()
        if not names:                       # most elements: no attribute at all
            continue
        for attribute in POINTER_ATTRIBUTES:
            if attribute not in names:
                continue
            for pointer in element.get(attribute).split():
                problem = None
                parts = split.get(pointer)
                if parts is None:
                    parts = split[pointer] = urlsplit(pointer)
                if parts.scheme:
                    if not (parts.scheme.lower() in ALLOWED_SCHEMES and parts.netloc):
                        problem = (f'"{pointer}": only http and https URLs, "#id" and "file.xml#id" may be '
                                   "pointed to")
                elif not parts.path:
                    if parts.fragment not in own:
                        problem = f'"{pointer}": there is no xml:id="{parts.fragment}" in this document'
                elif not parts.fragment:
                    problem = f'"{pointer}": name the record, as in "{parts.path}#id"'
                else:
                    if parts.path not in targets:
                        targets[parts.path] = canonical(folder / parts.path)
                    target = targets[parts.path]
                    if target in registers.ids:
                        if parts.fragment in registers.ids[target]:
                            used.add(f"{target}#{parts.fragment}")
                        else:
                            problem = f'"{pointer}": there is no xml:id="{parts.fragment}" in {parts.path}'
                    else:
                        facts.foreign.append((attribute, target, parts.fragment, element.sourceline or 0,
                                              attribute_column(loaded, element, attribute)))
                if problem:
                    diagnostics.append(_diagnostic(loaded, element, f"@{attribute}: {problem}",
                                                   "pointer-resolves", attribute=attribute))
    facts.used = sorted(used)
    return diagnostics, facts


def check_document_id(loaded: Loaded) -> list[Diagnostic]:
    """The document id names its output folder: it must be a name every disk can hold and
    that the build does not use itself."""
    value = loaded.id
    if not value:
        return []                                   # RELAX NG reports the missing id
    problem = None
    if not ID_CHARACTERS.match(value):
        rule, problem = "id-characters", "names the output folder: use only letters, digits, '.', '_' " \
                                         "and '-', starting with a letter"
    elif value.startswith("."):
        rule, problem = "id-dot", "starts with '.': its output folder would be hidden, and names " \
                                  "starting with '.' are the build's own; start it with a letter"
    elif not SAFE_ID.match(value):
        rule, problem = "id-characters", "names the output folder: use only letters, digits, '.', '_' " \
                                         "and '-', starting with a letter"
    elif len(value.encode("utf-8")) > MAX_ID_BYTES:
        rule, problem = "id-length", f"is {len(value.encode('utf-8'))} bytes long: an id names a folder and " \
                                     f"must stay within {MAX_ID_BYTES} bytes; shorten it"
    elif value.casefold() in RESERVED_IDS:
        rule, problem = "id-reserved", "is a name the build uses itself at the top of its output " \
                                       f"({', '.join(sorted(RESERVED_IDS))}, in any case): choose another id"
    if problem is None:
        return []
    shown = value if len(value) <= 60 else value[:57] + "…"
    return [_diagnostic(loaded, loaded.root, f'the document id "{shown}" {problem}', rule, attribute="xml:id")]


# Processing-instruction targets every XML parser reads alike (libxml2 takes the names of
# XML 1.0 5th edition, the stylesheets' parser those of the 4th): ASCII names only.
PI_TARGET = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


def check_processing_instructions(loaded: Loaded) -> list[Diagnostic]:
    diagnostics = []
    top = [*loaded.root.itersiblings(preceding=True), *loaded.root.itersiblings()]
    for node in [*top, *loaded.root.iter(etree.PI)]:
        if isinstance(node, etree._ProcessingInstruction) and not PI_TARGET.fullmatch(node.target):
            diagnostics.append(Diagnostic(str(loaded.path), node.sourceline or 0, 1, "error",
                                          f'the processing instruction "<?{node.target[:20]}" has a target that is '
                                          "not a plain ASCII name (letters, digits, '.', '_', '-'): correct or "
                                          "remove it", "pi-target"))
    return diagnostics


# A witness's siglum names its view and its file (<id>.witness-<siglum>.txt).
SIGLUM = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")
WIT_ELEMENTS = ("lem", "rdg", "lacunaStart", "lacunaEnd", "witStart", "witEnd")


def siglum_of(witness: etree._Element) -> str:
    """A witness's siglum: the text of its first abbr."""
    return "".join(witness.xpath("tei:abbr[1]//text()", namespaces={"tei": TEI_NS})).strip()


def check_witnesses(loaded: Loaded) -> list[Diagnostic]:
    """The witnesses of listWit and the readings that name them: sigla fit for a file name
    and distinct; every @wit names a witness; the lemma is the copy-text's (the first
    witness); no app names a witness twice."""
    diagnostics: list[Diagnostic] = []
    ns = {"tei": TEI_NS}
    witnesses = loaded.root.xpath("tei:teiHeader//tei:listWit/tei:witness", namespaces=ns)
    seen: dict[str, str] = {}
    for witness in witnesses:
        siglum = siglum_of(witness)
        problem = None
        if not SIGLUM.fullmatch(siglum):
            problem = (f'the siglum "{siglum[:20]}" names the witness\'s view and file: give it 1 to 16 letters '
                       "and digits, starting with a letter, in <abbr>")
        elif siglum.casefold() in seen:
            problem = f'the siglum "{siglum}" is already the siglum of {seen[siglum.casefold()]}: give each witness its own'
        if problem:
            diagnostics.append(_diagnostic(loaded, witness, problem, "witness-siglum"))
        seen.setdefault(siglum.casefold(), witness.get(XML_ID) or "another witness")
    ids = {w.get(XML_ID) for w in witnesses if w.get(XML_ID)}
    copy_text = witnesses[0].get(XML_ID) if witnesses else None
    for element in loaded.root.iterfind(".//{%s}text//*[@wit]" % TEI_NS):
        for pointer in element.get("wit").split():
            if not (pointer.startswith("#") and pointer[1:] in ids):
                diagnostics.append(_diagnostic(loaded, element, f'@wit: "{pointer}" is not a witness of this '
                                               'document: point to the xml:id of a <witness> in listWit, as "#id"',
                                               "app-witness", attribute="wit"))
    for app in loaded.root.iterfind(".//{%s}app" % TEI_NS):
        named = [p for reading in app if isinstance(reading.tag, str) for p in (reading.get("wit") or "").split()]
        twice = sorted({p for p in named if named.count(p) > 1})
        if twice:
            diagnostics.append(_diagnostic(loaded, app, f"this app names {', '.join(twice)} in more than one "
                                           "reading: each witness has one reading at each place", "app-witness-once"))
        lemma = app.find(f"{{{TEI_NS}}}lem")
        if lemma is not None and copy_text and f"#{copy_text}" not in (lemma.get("wit") or "").split():
            diagnostics.append(_diagnostic(loaded, lemma, f'the lem must be the copy-text\'s reading: add '
                                           f'"#{copy_text}" (the first witness of listWit) to its @wit, and give '
                                           "other witnesses' readings in rdg", "app-copy-text", attribute="wit"))
    return diagnostics


def check_document(loaded: Loaded, registers: Registers) -> tuple[list[Diagnostic], Facts]:
    """Every check that one document needs on its own: its id, RELAX NG, Schematron,
    witnesses, pointers."""
    diagnostics = (check_document_id(loaded) + check_processing_instructions(loaded) + check_relaxng(loaded)
                   + check_schematron(loaded) + check_witnesses(loaded))
    pointer_problems, facts = check_pointers(loaded, registers)
    _cable_facts(loaded, facts)
    return diagnostics + pointer_problems, facts


def _cable_facts(loaded: Loaded, facts: Facts) -> None:
    """What the collection checks need to know of the cable itself: its number (unless a
    placeholder), whether it declares itself a witness of another document, whether it is
    a draft."""
    ns = {"tei": TEI_NS}
    cable = loaded.root.find("tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:bibl[@type='cable']", ns)
    number = cable.find("tei:idno[@type='cable-number']", ns) if cable is not None else None
    if number is not None and not (number.text or "").startswith("["):
        facts.cable_number = " ".join((number.text or "").split())
        facts.number_line, facts.number_column = number.sourceline or 0, element_column(loaded, number)
    if cable is not None and cable.get("corresp"):
        target = urlsplit(cable.get("corresp"))
        if target.path and not target.scheme:
            facts.witness_of = canonical(loaded.path.parent / target.path)
    facts.draft = bool(loaded.root.xpath("boolean(//*[@type = 'placeholder'])"))


def _place_of_id(path: str, value: str) -> tuple[int, int]:
    """Where an id stands in a file (only looked up when it is reported)."""
    try:
        loaded = load(Path(path))
    except UserError:
        return 0, 0
    for element in loaded.root.iter():
        if isinstance(element.tag, str) and element.get(XML_ID) == value:
            return element.sourceline or 0, attribute_column(loaded, element, "xml:id")
    return 0, 0


def check_collection(documents: list[tuple[str, Facts]], registers: Registers, *,
                     complete: bool = True) -> list[Diagnostic]:
    """Ids unique across the collection, pointers into other documents resolve, every
    register record is used (judged only when ``complete``: when a document could not be
    read, or only a shard is built, its pointers are unknown)."""
    diagnostics: list[Diagnostic] = []
    owner: dict[str, str] = {}
    for path, ids in [*((registers.loaded[p].path, sorted(i)) for p, i in registers.ids.items()),
                      *((p, f.ids) for p, f in documents)]:
        for value in ids:
            if value in owner and owner[value] != path:
                line, column = _place_of_id(str(path), value)
                diagnostics.append(Diagnostic(str(path), line, column, "error",
                                              f'the id "{value}" is already used in {owner[value]}: ids must '
                                              "be unique across the collection", "id-unique"))
            owner.setdefault(value, path)

    by_case: dict[str, tuple[str, str]] = {}
    for path, facts in documents:
        if not facts.document:
            continue
        first = by_case.setdefault(facts.document.casefold(), (facts.document, str(path)))
        if first[0] != facts.document:
            line, column = _place_of_id(str(path), facts.document)
            diagnostics.append(Diagnostic(str(path), line, column, "error",
                                          f'the document id "{facts.document}" differs only in case from '
                                          f'"{first[0]}" ({first[1]}): on a disk that ignores case their output '
                                          "folders would be one; make them differ in letters", "id-case"))

    by_number: dict[str, list[tuple[str, Facts]]] = {}
    for path, facts in documents:
        if facts.cable_number:
            by_number.setdefault(facts.cable_number.casefold(), []).append((path, facts))
    for same in (group for group in by_number.values() if len(group) > 1):
        same.sort(key=lambda document: document[1].draft)      # an edited document before a draft
        first_path, first = same[0]
        paths = {canonical(p) for p, _ in same}
        for path, facts in same[1:]:
            if facts.witness_of in paths - {canonical(path)}:
                continue                            # declared a witness of the other
            diagnostics.append(Diagnostic(str(path), facts.number_line, facts.number_column, "error",
                                          f'the cable number "{facts.cable_number}" is already the number of '
                                          f"{first_path}: a second transcription of a cable is a witness of it "
                                          f"(cable-edition import FILE --witness-of {first.document} --siglum S), "
                                          f'or declare it one with corresp="{os.path.basename(first_path)}#'
                                          f'{first.document}" on its bibl type="cable"', "cable-number-unique"))

    foreign = [(path, f.foreign) for path, f in documents if f.foreign]
    ids_by_path = {canonical(p): set(f.ids) for p, f in documents} if foreign else {}
    used = {key for _, f in documents for key in f.used}
    missing_registers: dict[str, tuple[str, int, int, int]] = {}
    for path, pointers in foreign:
        for attribute, target, fragment, line, column in pointers:
            shown = Path(target).name
            if target not in ids_by_path and shown == REGISTER_NAME:
                first = missing_registers.setdefault(target, (str(path), line, column, 0))
                missing_registers[target] = (*first[:3], first[3] + 1)
                continue
            if target not in ids_by_path:
                problem = f"{shown} is not a document of this collection"
            elif fragment not in ids_by_path[target]:
                problem = f'there is no xml:id="{fragment}" in {shown}'
            else:
                continue
            diagnostics.append(Diagnostic(path, line, column, "error", f'@{attribute}: "{shown}#{fragment}": '
                                          f"{problem}", "pointer-resolves"))
    for target, (path, line, column, count) in missing_registers.items():
        folder = os.path.dirname(path) or "."
        diagnostics.append(Diagnostic(path, line, column, "error", f"the register {REGISTER_NAME} of the folder "
                                      f"{folder} is missing ({count} pointer(s) of the collection point into it): "
                                      "restore it, or point to records that exist", "register-missing"))

    for path in registers.loaded if complete else ():
        for record in registers.records(path):
            if f"{path}#{record.get(XML_ID)}" not in used:
                diagnostics.append(_diagnostic(
                    registers.loaded[path], record, f'the record "{record.get(XML_ID)}" is not pointed to by '
                    "any document: point to it or remove it", "record-unused", "warning"))
    return diagnostics


# ------------------------------------------------------------------ the pipeline

def load_register(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Loaded | None, list[Diagnostic]]:
    """A register, loaded and checked against its schema and the rules."""
    try:
        loaded = load(path, max_bytes=max_bytes)
        require_tei(loaded)
    except UserError as error:
        return None, error.diagnostics
    return loaded, check_relaxng(loaded) + check_schematron(loaded)


def load_registers(paths: Iterable[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Loaded], list[Diagnostic]]:
    """The registers that loaded, and every problem of all of them."""
    registers, diagnostics = [], []
    for path in paths:
        loaded, problems = load_register(path, max_bytes)
        diagnostics += problems
        if loaded is not None:
            registers.append(loaded)
    return registers, diagnostics


def check_file(path: Path, registers: Registers, max_bytes: int) -> tuple[list[Diagnostic], Facts | None]:
    """One document, read once and checked on its own: its problems, and what the collection
    checks need of it (None if it could not be read as a TEI document)."""
    try:
        loaded = load(path, max_bytes=max_bytes)
    except UserError as error:
        return error.diagnostics, None
    foreign = [d for d in [other_customisation(loaded)] if d]
    try:
        require_tei(loaded)
    except UserError as error:
        return foreign + error.diagnostics, None
    diagnostics, facts = check_document(loaded, registers)
    return foreign + diagnostics, facts


_checker: tuple[Registers, int] | None = None


def start_checker(registers: list[tuple[str, bytes]], max_bytes: int) -> None:
    """Initializer of a worker process (workers.py): the registers as validate read them."""
    global _checker
    from cable_edition.load import parse_bytes

    _checker = (Registers([Loaded(Path(p), data, parse_bytes(Path(p), data)) for p, data in registers]), max_bytes)


def check_in_worker(path: str) -> tuple[list[Diagnostic], Facts | None]:
    assert _checker is not None, "start_checker() was not run in this process"
    return check_file(Path(path), *_checker)


def validate(paths: list[Path] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES, jobs: int = 1) -> Report:
    """Validate every document of ``paths`` (default: ./tei) and the registers beside them,
    in ``jobs`` worker processes (the build's pool) when there are enough documents; the
    report is the same, in the same order, however many.

    Documents are read one at a time: only what the collection checks need of each (its
    ids and pointers) is kept, never its tree."""
    collection = collect(paths)
    registers, diagnostics = load_registers(collection.registers, max_bytes)
    index = Registers(registers)
    jobs = pool_size(jobs, len(collection.documents))
    if jobs > 1:
        with Pool(jobs, start_checker, ([(str(r.path), r.data) for r in registers], max_bytes)) as pool:
            checked = list(pool.map(check_in_worker, [(str(p),) for p in collection.documents],
                                    chunk=chunk_size(jobs, len(collection.documents))))
    else:
        checked = [check_file(path, index, max_bytes) for path in collection.documents]
    facts, complete = [], True
    for path, (problems, found) in zip(collection.documents, checked):
        diagnostics += problems
        if found is None:
            complete = False
        else:
            facts.append((str(path), found))
    diagnostics += check_collection(facts, index, complete=complete)
    report = Report(files=[str(p) for p in [*collection.registers, *collection.documents]])
    order = {path: n for n, path in enumerate(report.files)}
    report.diagnostics = sorted(diagnostics, key=lambda d: (order.get(d.path, 0), d.line, d.column))
    return report
