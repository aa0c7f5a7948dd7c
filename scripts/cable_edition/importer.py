"""Turn a plain-text cable transcription into a TEI skeleton that passes the schema.

What a transcription shows is encoded: the transcriber's title lines, the heading block
(To / From / Number / Subject / Date and unlabelled lines such as "No Distribution"), the
numbered paragraphs (list markers such as "- " dropped, as the header declares), the closer.
What it cannot show (who the sender and recipients are in the register, the date of sending)
is left as a placeholder (``type="placeholder"``), which the Schematron reports as a
warning until an editor replaces it. Nothing is dropped: a heading line of an unknown kind
is kept as ``<item n="other">`` and reported."""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.load import DEFAULT_MAX_BYTES, SAFE_ID, read_input
from cable_edition.project import REGISTER_NAME, RESERVED_IDS, Config

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"

KNOWN_LABELS = {"to": "to", "from": "from", "number": "number", "subject": "subject", "date": "date"}
HEADING_LINE = re.compile(r"^([A-Za-z][A-Za-z .()-]{0,30}):\s*(.*)$")
PARAGRAPH_LINE = re.compile(r"^(?:[-*•–]\s+)?(\d+)\.\s+(.*)$")
PLACEHOLDER = {"type": "placeholder"}


@dataclass
class Transcription:
    """A transcription read into its parts, with the lines each part came from."""

    title_lines: list[str] = field(default_factory=list)
    heading: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, label, value)
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    closer: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def parse_transcription(text: str) -> Transcription:
    """Split a transcription (any line ending) into title lines, heading, paragraphs and
    closer."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result = Transcription()
    section = "title"
    blank_since_paragraph = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            blank_since_paragraph = section == "paragraphs"
            continue
        paragraph = PARAGRAPH_LINE.match(line)
        heading = HEADING_LINE.match(line)
        if paragraph:
            section = "paragraphs"
            result.paragraphs.append((int(paragraph.group(1)), paragraph.group(2).strip()))
            blank_since_paragraph = False
        elif section in ("title", "heading") and heading:
            section = "heading"
            label, value = heading.group(1).strip(), heading.group(2).strip()
            kind = KNOWN_LABELS.get(label.lower(), "other")
            if kind == "other":
                result.warnings.append((number, f"heading line of an unknown kind, kept as <item n=\"other\">: {line!r}"))
            result.heading.append((kind, f"{label}:", value))
        elif section == "heading":
            kind = "distribution" if re.search(r"(?i)\bdistribution\b", line) else "other"
            if kind == "other":
                result.warnings.append((number, f"heading line without a label, kept as <item n=\"other\">: {line!r}"))
            result.heading.append((kind, "", line))
        elif section == "title":
            result.title_lines.append(line)
        elif section == "paragraphs" and not blank_since_paragraph:
            number_, previous = result.paragraphs[-1]
            result.paragraphs[-1] = (number_, f"{previous} {line}")
        else:
            section = "closer"
            result.closer.append(line)
    if result.paragraphs and result.closer and len(result.closer) > 1:
        result.warnings.append((0, "the closer has several lines; they are kept in one <salute>"))
    expected = list(range(1, len(result.paragraphs) + 1))
    if [n for n, _ in result.paragraphs] != expected:
        result.warnings.append((0, "the paragraphs are not numbered 1, 2, 3…; the rules will say where"))
    return result


def _element(parent, name: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, f"{{{TEI_NS}}}{name}")
    for key, value in attributes.items():
        key = f"{{{XML_NS}}}{key[4:]}" if key.startswith("xml_") else key
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def to_tei(transcription: Transcription, doc_id: str, source_name: str, config: Config,
           today: datetime.date | None = None) -> etree._ElementTree:
    """The TEI skeleton of a parsed transcription."""
    today = today or datetime.date.today()
    editors = (config.editors[0] if config.editors else config.publisher) or "The editors"
    publisher = config.publisher or editors
    values = {kind: value for kind, _, value in transcription.heading}
    number, subject = values.get("number", ""), values.get("subject", "")

    tei = etree.Element(f"{{{TEI_NS}}}TEI", nsmap={None: TEI_NS})
    tei.set(f"{{{XML_NS}}}id", doc_id)
    tei.set(f"{{{XML_NS}}}lang", "en")
    header = _element(tei, "teiHeader")
    file_desc = _element(header, "fileDesc")
    title_stmt = _element(file_desc, "titleStmt")
    _element(title_stmt, "title", f"Code cable {number or doc_id}" + (f", “{subject}”" if subject else ""), type="main")
    resp_stmt = _element(title_stmt, "respStmt")
    _element(resp_stmt, "resp", "Imported from a transcription by")
    _element(resp_stmt, "orgName", editors, xml_id=f"{doc_id}-editors")
    publication = _element(file_desc, "publicationStmt")
    _element(publication, "publisher", publisher)
    _element(publication, "date", str(today.year), when=str(today.year))
    availability = _element(publication, "availability")
    _element(availability, "licence", "Creative Commons Attribution 4.0 International (CC BY 4.0), for the "
             "encoding and the editorial matter.", target="https://creativecommons.org/licenses/by/4.0/")
    source = _element(file_desc, "sourceDesc")
    bibl = _element(source, "bibl", xml_id=f"{doc_id}-cable", type="cable")
    _element(bibl, "title", subject or "[subject not given]", type="subject")
    _element(bibl, "idno", number or "[number not given]", type="cable-number")
    _element(bibl, "author", values.get("from") or "[sender]", **PLACEHOLDER)
    _element(bibl, "date", "[date of sending not yet established]", **PLACEHOLDER)
    for kind, _, value in transcription.heading:
        if kind == "distribution":
            _element(bibl, "note", value, type="handling")
    witnesses = _element(source, "listWit")
    witness = _element(witnesses, "witness", xml_id=f"{doc_id}-T")
    _element(witness, "abbr", "T").tail = f": the transcription imported from {source_name}."

    encoding = _element(header, "encodingDesc")
    decl = _element(encoding, "editorialDecl")
    _element(_element(decl, "correction"), "p", "No intervention has been recorded yet.")
    _element(_element(decl, "segmentation"), "p",
             "Silently dropped: list markers (such as “- ”) before paragraph numbers, and the blank "
             "lines between paragraphs. Nothing else was dropped.")

    profile = _element(header, "profileDesc")
    _element(_element(profile, "creation"), "date", "[date not yet established]", **PLACEHOLDER)
    _element(_element(profile, "langUsage"), "language", "English", ident="en")
    correspondence = _element(profile, "correspDesc")
    sent = _element(correspondence, "correspAction", type="sent")
    _element(sent, "persName", values.get("from") or "[sender]", **PLACEHOLDER)
    _element(sent, "date", "[date of sending not yet established]", **PLACEHOLDER)
    received = _element(correspondence, "correspAction", type="received")
    _element(received, "persName", values.get("to") or "[recipients]", **PLACEHOLDER)
    revisions = _element(header, "revisionDesc")
    _element(revisions, "change", f"Skeleton imported from {source_name} by cable-edition import; "
             "placeholders to be replaced.", when=today.isoformat(), who=f"#{doc_id}-editors")

    text = _element(tei, "text")
    if transcription.title_lines:
        front = _element(_element(text, "front"), "div", type="transcriber-title")
        for line in transcription.title_lines:
            _element(front, "ab", line)
    div = _element(_element(text, "body"), "div", type="cable")
    heading = _element(div, "list", type="heading")
    for kind, label, value in transcription.heading:
        item = _element(heading, "item", n=kind)
        if label:
            label_element = _element(item, "label", label)
            label_element.tail = " "
            if kind == "number" and value:
                _element(item, "idno", value, type="cable-number")
            elif kind == "subject" and value:
                _element(item, "title", value, type="subject")
            else:
                label_element.tail = f" {value}" if value else ""
        elif kind == "distribution":
            _element(item, "seg", value, type="handling")
        else:
            item.text = value
    for number_, content in transcription.paragraphs:
        paragraph = _element(div, "p", n=str(number_), xml_id=f"{doc_id}-p{number_}")
        _element(paragraph, "label", f"{number_}.").tail = f" {content}"
    if transcription.closer:
        _element(_element(div, "closer"), "salute", " ".join(transcription.closer))
    tree = tei.getroottree()
    for schema, kind in (("cable.rng", "http://relaxng.org/ns/structure/1.0"),
                         ("cable.sch", "http://purl.oclc.org/dsdl/schematron")):
        tei.addprevious(etree.ProcessingInstruction(
            "xml-model", f'href="../schema/{schema}" type="application/xml" schematypens="{kind}"'))
    return tree


# What XML 1.0 cannot hold at all: control characters other than tab, line feed and
# carriage return (NUL included), lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _refuse_control_characters(path: Path, text: str) -> None:
    found = _NOT_XML.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise UserError(Diagnostic(str(path), line, column, "error", f"the character U+{ord(found.group()):04X} "
                                   "(a control character) cannot be kept in XML: remove it from the "
                                   "transcription, or write what it stands for", "import"), 1)


def derive_id(path: Path) -> str:
    candidate = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.")
    return candidate


def import_transcription(path: Path, into: Path = Path("tei"), *, doc_id: str | None = None,
                         force: bool = False, config: Config = Config(),
                         max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Path, list[Diagnostic]]:
    """Write ``into/<id>.xml`` from the transcription at ``path``; return it and the
    warnings about what was kept but not understood. Never overwrites without ``force``."""
    data = read_input(path, max_bytes).data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UserError(Diagnostic(str(path), line, 1, "error", "the transcription is not UTF-8 text", "import"),
                        1) from None
    _refuse_control_characters(path, text)
    doc_id = doc_id or derive_id(path)
    if not SAFE_ID.match(doc_id):
        raise UserError(Diagnostic(str(path), 0, 0, "error", f"cannot use {doc_id!r} as a document id: give one "
                                   "with --id (letters, digits, '.', '_', '-', starting with a letter)", "import"), 2)
    if f"{doc_id}.xml" == REGISTER_NAME or doc_id.casefold() in RESERVED_IDS:
        raise UserError(Diagnostic(str(path), 0, 0, "error", f"cannot use {doc_id!r} as a document id: "
                                   f"{doc_id}.xml would be the folder's register, or the id a name the build "
                                   "uses itself; give another with --id", "import"), 2)
    transcription = parse_transcription(text)
    if not transcription.paragraphs:
        raise UserError(Diagnostic(str(path), 0, 0, "error", "no numbered paragraph (\"1. …\") was found: is this "
                                   "a cable transcription?", "import"), 1)
    target = into / f"{doc_id}.xml"
    if target.exists() and not force:
        raise UserError(Diagnostic(str(target), 0, 0, "error", "exists already: use --force to replace it", "io"), 2)
    tree = to_tei(transcription, doc_id, path.name, config)
    etree.indent(tree, space="  ")
    into.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{doc_id}.", suffix=".xml", dir=into)
    with os.fdopen(handle, "wb") as out:
        out.write(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    os.replace(temporary, target)
    warnings = [Diagnostic(str(path), line, 1 if line else 0, "warning", message, "import")
                for line, message in transcription.warnings]
    return target, warnings
