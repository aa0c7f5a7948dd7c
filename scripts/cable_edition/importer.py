"""Turn a plain-text cable transcription (or the quotations a cable is known from) into a TEI
document that passes the schema.

What a transcription shows is encoded: its title lines (with the dates they give), the
heading block with the names split where the separators make it clear, the numbered
paragraphs, the closer, gap markers, and where it is incomplete. What it cannot show (who the
persons are in the register, a date it does not give) is a placeholder
(``type="placeholder"``): the document is a draft, which validate reports and build does not
publish without ``--drafts``. Page furniture is reported and kept out of the cable; every
normalisation is declared in the header."""

from __future__ import annotations

import datetime
import os
import re
import stat
import tempfile
from pathlib import Path

from lxml import etree

from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.load import DEFAULT_MAX_BYTES, load, read_input
from cable_edition.project import MAX_ID_BYTES, NOT_HTML, NOT_XML, REGISTER_NAME, SAFE_ID, Config, usable_id
from cable_edition.publish import is_output
from cable_edition.printed import parse_printed
from cable_edition.transcription import GAP, HANDLING, Transcription, find_dates, parse, parse_quotations

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
PLACEHOLDER = {"type": "placeholder"}
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]


def _element(parent, name: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, f"{{{TEI_NS}}}{name}")
    for key, value in attributes.items():
        key = f"{{{XML_NS}}}{key[4:]}" if key.startswith("xml_") else key
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def editors_of(config: Config) -> str:
    """Who the header names as the editors: the first editor, else the publisher."""
    return (config.editors[0] if config.editors else config.publisher) or "The editors"


def tei_document(doc_id: str):
    """A TEI root with its id and language, and its teiHeader, fileDesc and titleStmt."""
    tei = etree.Element(f"{{{TEI_NS}}}TEI", nsmap={None: TEI_NS})
    tei.set(f"{{{XML_NS}}}id", doc_id)
    tei.set(f"{{{XML_NS}}}lang", "en")
    header = _element(tei, "teiHeader")
    file_desc = _element(header, "fileDesc")
    return tei, header, file_desc, _element(file_desc, "titleStmt")


def link_schemas(tei, schemas: tuple[str, ...] = ("cable.rng", "cable.sch")) -> None:
    """The xml-model instructions that let an editor validate the document while typing."""
    kinds = {"rng": "http://relaxng.org/ns/structure/1.0", "sch": "http://purl.oclc.org/dsdl/schematron"}
    for schema in schemas:
        tei.addprevious(etree.ProcessingInstruction(
            "xml-model", f'href="../schema/{schema}" type="application/xml" '
            f'schematypens="{kinds[schema.rsplit(".", 1)[1]]}"'))


def _append_text(parent, text: str) -> None:
    """Text at the end of ``parent``'s content (after its last child, if any)."""
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _with_gaps(parent, text: str) -> None:
    """Text with its gap markers ("[…]", "[illegible]", "[GAP …]") as <gap/>."""
    position = 0
    for match in GAP.finditer(text):
        _append_text(parent, text[position:match.start()])
        inner = match.group(1)
        gap = _element(parent, "gap", **({"reason": "illegible"} if inner.lower() == "illegible" else {}))
        _element(gap, "desc", inner)
        position = match.end()
    _append_text(parent, text[position:])


def _with_dates(parent, text: str, sent: str | None) -> None:
    """Text with its dates (written in full) as <date when="…"/>, and its gap markers; a
    date other than the date of sending stays text (the import warned of it)."""
    position = 0
    for when, written, start, end in find_dates(text):
        if start < position or when != sent:
            continue
        _with_gaps(parent, text[position:start])
        _element(parent, "date", written, when=when)
        position = end
    _with_gaps(parent, text[position:])


def human_date(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


class Register:
    """The names of the places and organisations of a collection's register, for marking
    them in a heading where the name is written out exactly."""

    def __init__(self, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.places: dict[str, str] = {}
        self.orgs: dict[str, str] = {}
        path = folder / REGISTER_NAME if folder is not None else None
        if path is None or not path.is_file():
            return
        try:
            root = load(path, max_bytes=max_bytes).root
        except UserError:
            return
        ns = {"tei": TEI_NS}
        for record in root.xpath("//tei:place[@xml:id]", namespaces=ns):
            for name in record.xpath("tei:placeName", namespaces=ns):
                self.places.setdefault(" ".join(name.itertext()).strip().casefold(), record.get(f"{{{XML_NS}}}id"))
        for record in root.xpath("//tei:org[@xml:id]", namespaces=ns):
            for name in record.xpath("tei:orgName", namespaces=ns):
                self.orgs.setdefault(" ".join(name.itertext()).strip().casefold(), record.get(f"{{{XML_NS}}}id"))


def _segments(value: str) -> list[str]:
    """A heading value split at its commas, each comma and the spaces after it kept with the
    segment before it (so that joining them gives the value back)."""
    return [s for s in re.split(r"(?<=,)(?=[ \t]*\S)", value) if s]


def _names(item, value: str, kind: str, register: Register, persons: list[str], places: list[tuple[str, str]],
           warnings: list[str]) -> None:
    """The names of a To or From line: the first segment holds the persons (split at "/"),
    later ones handling markings, names of the register written out, or else what the
    editor must settle (a placeholder)."""
    for index, segment in enumerate(_segments(value)):
        body = segment.rstrip(", \t")
        trail = segment[len(body):]
        if index == 0:
            for part in re.split(r"(\s*/\s*)", body):
                if re.fullmatch(r"\s*/\s*", part):
                    _append_text(item, part)
                elif part:
                    _element(item, "persName", part, **PLACEHOLDER)
                    persons.append(part)
        elif HANDLING.search(body) and kind == "to":
            _append_text(item, body[:len(body) - len(body.lstrip())])
            _element(item, "seg", body.strip(), type="handling")
        else:
            rest, found = body, None
            for name, ref in sorted(register.places.items(), key=lambda p: -len(p[0])):
                if rest.casefold().endswith(name) and (len(rest) == len(name) or rest[-len(name) - 1] in " \t"):
                    found = (rest[len(rest) - len(name):], ref)
                    rest = rest[:len(rest) - len(name)]
                    break
            organisation = register.orgs.get(rest.strip().casefold())
            _append_text(item, rest[:len(rest) - len(rest.lstrip())])
            if organisation:
                _element(item, "orgName", rest.strip(), ref=f"{REGISTER_NAME}#{organisation}")
            elif rest.strip():
                _element(item, "name", rest.strip(), **PLACEHOLDER)
                warnings.append(f"{rest.strip()!r} in the {kind} line is neither a person nor a name of the "
                                "register: kept as a placeholder <name> for the editor to settle")
            if rest.strip():
                _append_text(item, rest[len(rest.rstrip()):])
            if found:
                _element(item, "placeName", found[0], ref=f"{REGISTER_NAME}#{found[1]}")
                places.append(found)
        _append_text(item, trail)


def to_tei(transcription: Transcription, doc_id: str, source_name: str, config: Config, *,
           register: Register | None = None, today: datetime.date | None = None) -> tuple[etree._ElementTree, list[tuple[int, str]]]:
    """The TEI of a parsed transcription (or of its quotations), and what to warn about."""
    today = today or datetime.date.today()
    register = register or Register()
    warnings: list[tuple[int, str]] = []
    editors = editors_of(config)
    publisher = config.publisher or editors
    values = {h.kind: h for h in reversed(transcription.heading)}
    number = values["number"].value if "number" in values else ""
    subject = values["subject"].value if "subject" in values else ""
    date = transcription.date

    # The text first: the names it marks go into the header.
    text = etree.Element(f"{{{TEI_NS}}}text")
    senders: list[str] = []
    recipients: list[str] = []
    places: dict[str, list[tuple[str, str]]] = {"from": [], "to": []}
    if transcription.title_lines:
        front = _element(_element(text, "front"), "div", type="transcriber-title")
        for line in transcription.title_lines:
            _with_dates(_element(front, "ab"), line.text, date.when if date else None)
    body = _element(text, "body")
    if transcription.quotations:
        div = _element(body, "div", type="fragments")
        for n, quotation in enumerate(transcription.quotations, start=1):
            cit = _element(div, "cit", xml_id=f"{doc_id}-q{n}")
            _with_gaps(_element(cit, "quote"), quotation.text)
            _element(cit, "bibl", quotation.source)
    else:
        div = _element(body, "div", type="cable")
    if transcription.heading:
        heading = _element(div, "list", type="heading")
        if transcription.quotations:
            div.remove(heading)
            div.insert(0, heading)
        for line in transcription.heading:
            item = _element(heading, "item", n=line.kind)
            if line.label:
                _element(item, "label", line.label).tail = " " if line.value else ""
            found: list[str] = []
            if line.kind == "number" and line.value:
                _element(item, "idno", line.value, type="cable-number")
            elif line.kind == "subject" and line.value:
                _with_gaps(_element(item, "title", type="subject"), line.value)
            elif line.kind in ("from", "to"):
                _names(item, line.value, line.kind, register, senders if line.kind == "from" else recipients,
                       places[line.kind], found)
            elif line.kind == "date":
                _with_dates(item, line.value, date.when if date else None)
            elif line.kind == "distribution":
                _element(item, "seg", line.value, type="handling")
            else:
                _with_gaps(item, line.value)
            warnings += [(line.line, message) for message in found]
    for paragraph in transcription.paragraphs:
        p = _element(div, "p", n=str(paragraph.number), xml_id=f"{doc_id}-p{paragraph.number}")
        _element(p, "label", f"{paragraph.number}.").tail = " "
        _with_gaps(p, paragraph.text)
    if transcription.incomplete and transcription.incomplete[0].startswith("it ends inside"):
        last = div.findall(f"{{{TEI_NS}}}p")[-1]
        _append_text(last, " ")                     # the mark is the editors', not the text's
        _element(_element(last, "gap", reason="incomplete"), "desc", "the transcription ends here")
    if transcription.closer:
        salute = _element(_element(div, "closer"), "salute")
        _with_gaps(salute, " ".join(line.text for line in transcription.closer))
    handling = [seg.text for seg in div.iter(f"{{{TEI_NS}}}seg") if seg.get("type") == "handling"]

    tei, header, file_desc, title_stmt = tei_document(doc_id)
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
    _element(_element(bibl, "author"), "name", " / ".join(senders) or "[sender]", **PLACEHOLDER)   # TEI's author has no @type
    _dated(bibl, date)
    for marking in handling:
        _element(bibl, "note", marking, type="handling")
    witnesses = _element(source, "listWit")
    witness = _element(witnesses, "witness", xml_id=f"{doc_id}-T")
    described = (f": the quotations imported from {source_name}, the only evidence of the cable's text held"
                 if transcription.quotations else f": the transcription imported from {source_name}")
    if transcription.incomplete:
        described += "; incomplete: " + "; ".join(transcription.incomplete)
    _element(witness, "abbr", "T").tail = described + "."

    encoding = _element(header, "encodingDesc")
    decl = _element(encoding, "editorialDecl")
    _element(_element(decl, "correction"), "p", "No intervention has been recorded yet.")
    _element(_element(decl, "segmentation"), "p",
             "Left out on import: " + "; ".join(transcription.dropped) + ". Nothing else was left out, and no "
             "character was added.")

    profile = _element(header, "profileDesc")
    creation = _element(profile, "creation")
    _dated(creation, date, what="[date not yet established]")
    _element(_element(profile, "langUsage"), "language", "English", ident="en")
    correspondence = _element(profile, "correspDesc")
    sent = _element(correspondence, "correspAction", type="sent")
    for person in senders or ["[sender]"]:
        _element(sent, "persName", person, **PLACEHOLDER)
    for name, ref in places["from"][:1]:
        _element(sent, "placeName", name, ref=f"{REGISTER_NAME}#{ref}")
    _dated(sent, date)
    received = _element(correspondence, "correspAction", type="received")
    for person in recipients or ["[recipients]"]:
        _element(received, "persName", person, **PLACEHOLDER)
    for name, ref in places["to"][:1]:
        _element(received, "placeName", name, ref=f"{REGISTER_NAME}#{ref}")
    if date:
        _element(correspondence, "note", f"The date is read from line {date.line} of {source_name}, a "
                 f"{date.place}: “{date.line_text}”.")
    revisions = _element(header, "revisionDesc")
    _element(revisions, "change", f"Imported from {source_name} by cable-edition import; placeholders to be "
             "replaced.", when=today.isoformat(), who=f"#{doc_id}-editors")
    tei.append(text)

    tree = tei.getroottree()
    link_schemas(tei)
    return tree, warnings


def _dated(parent, date, what: str = "[date of sending not yet established]") -> None:
    if date:
        _element(parent, "date", human_date(date.when), when=date.when)
    else:
        _element(parent, "date", what, **PLACEHOLDER)


def _refuse_control_characters(path: Path, text: str) -> None:
    for pattern, where in ((NOT_XML, "in XML"), (NOT_HTML, "in a page")):
        found = pattern.search(text)
        if found:
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
            raise UserError(Diagnostic(str(path), line, column, "error", f"the character U+{ord(found.group()):04X} "
                                       f"(a control character) cannot be kept {where}: remove it from the "
                                       "transcription, or write what it stands for", "import"), 1)


def read_transcription(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """A transcription's text: UTF-8 (a byte-order mark allowed), nothing XML cannot hold."""
    data = read_input(path, max_bytes).data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UserError(Diagnostic(str(path), line, 1, "error", "the transcription is not UTF-8 text", "import"),
                        1) from None
    _refuse_control_characters(path, text)
    return text


def derive_id(path: Path) -> str:
    candidate = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.")
    return candidate


def check_id(path: Path, doc_id: str) -> None:
    if usable_id(doc_id):
        return
    shown = doc_id if len(doc_id) <= 60 else doc_id[:57] + "…"
    why = ("give one with --id (letters, digits, '.', '_', '-', starting with a letter)" if not SAFE_ID.match(doc_id)
           else f"an id names a folder and must stay within {MAX_ID_BYTES} bytes; give a shorter one with --id"
           if len(doc_id.encode()) > MAX_ID_BYTES else
           "it would be the folder's register, or is a name the build uses itself; give another with --id")
    raise UserError(Diagnostic(str(path), 0, 0, "error", f"cannot use {shown!r} as a document id: {why}", "import"), 2)


def check_target(target: Path) -> None:
    """A document is written into a collection folder, never into a build (whose published
    files are never changed in place), and never through a link (whose target the tool did
    not make: it is the editor's to replace)."""
    if is_output(target.parent):
        raise UserError(Diagnostic(str(target.parent), 0, 0, "error", "is a build of cable-edition, not a "
                                   "collection: import into the folder of the sources (e.g. --into tei)", "io"), 2)
    if target.is_symlink():
        raise UserError(Diagnostic(str(target), 0, 0, "error", f"is a link (to {os.readlink(target)}): nothing is "
                                   "written through it; import into the folder it points to, or remove the link",
                                   "io"), 2)


def _mode_for(target: Path) -> int:
    """The mode the written file gets: the replaced file's, or what the umask allows."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(target: Path, data: bytes, *, expected: bytes | None = None) -> None:
    """Write ``target`` whole or not at all, with the mode of the file it replaces; with
    ``expected``, only if the file still holds exactly those bytes (an editor's save in
    between is never overwritten)."""
    check_target(target)
    handle, temporary = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(handle, _mode_for(target))
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if expected is not None and target.read_bytes() != expected:
            raise UserError(Diagnostic(str(target), 0, 0, "error", "changed while it was being collated: nothing "
                                       "was written; run the command again", "io"), 2)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def import_transcription(path: Path, into: Path = Path("tei"), *, doc_id: str | None = None,
                         force: bool = False, config: Config = Config(), fragments: bool = False,
                         max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Path, list[Diagnostic]]:
    """Write ``into/<id>.xml`` from the transcription (or, with ``fragments``, the
    quotations) at ``path``; return it and the warnings about what was kept but not
    understood, or left out. Never overwrites without ``force``."""
    text = read_transcription(path, max_bytes)
    doc_id = doc_id or derive_id(path)
    check_id(path, doc_id)
    if fragments:
        try:
            transcription = parse_quotations(text)
        except ValueError as problem:
            line, message = problem.args
            raise UserError(Diagnostic(str(path), line, 1 if line else 0, "error", message, "import"), 1) from None
    elif (printed := parse_printed(text)) is not None:
        return _import_printed(printed, path, into, doc_id, force, config, max_bytes)
    else:
        transcription = parse(text)
        if not transcription.paragraphs:
            raise UserError(Diagnostic(str(path), 0, 0, "error", "no numbered paragraph (\"1. …\") was found: is "
                                       "this a cable transcription? (a cable known only from quotations is "
                                       "imported with --fragments)", "import"), 1)
    target = into / f"{doc_id}.xml"
    check_target(target)
    if target.exists() and not force:
        raise UserError(Diagnostic(str(target), 0, 0, "error", "exists already: use --force to replace it", "io"), 2)
    tree, found = to_tei(transcription, doc_id, path.name, config, register=Register(into, max_bytes))
    etree.indent(tree, space="  ")
    into.mkdir(parents=True, exist_ok=True)
    write_atomically(target, etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    warnings = [Diagnostic(str(path), line, 1 if line else 0, "warning", message, "import")
                for line, message in sorted([*transcription.warnings, *found])]
    return target, warnings


def _import_printed(printed, path: Path, into: Path, doc_id: str, force: bool, config: Config,
                    max_bytes: int) -> tuple[Path, list[Diagnostic]]:
    """A telegram as an archive prints it (head line, dateline, paragraphs, signature): a
    draft of a div type="telegram", written as an archive's telegram is."""
    from cable_edition.archives.write import to_tei as telegram_tei
    from cable_edition.printed import to_telegram

    if not printed.paragraphs:
        raise UserError(Diagnostic(str(path), printed.head_line, 1, "error", "a telegram's head line, but no "
                                   "paragraph below it", "import"), 1)
    target = into / f"{doc_id}.xml"
    check_target(target)
    if target.exists() and not force:
        raise UserError(Diagnostic(str(target), 0, 0, "error", "exists already: use --force to replace it", "io"), 2)
    telegram = to_telegram(printed, doc_id, path.name, Register(into, max_bytes))
    tree = telegram_tei(telegram, config, datetime.date.today())
    into.mkdir(parents=True, exist_ok=True)
    write_atomically(target, etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return target, [Diagnostic(str(path), line, 1 if line else 0, "warning", message, "import")
                    for line, message in printed.warnings]
