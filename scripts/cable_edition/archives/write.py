"""This edition's TEI and register records for telegrams an archive adapter read, and the
import itself: every id checked, nothing replaced without --force, the register only added
to (each record it already holds left byte for byte as it was)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cable_edition.archives import adapter
from cable_edition.archives.model import Name, Telegram
from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.importer import (PLACEHOLDER, TEI_NS, XML_NS, _element, check_id, check_target, editors_of,
                                    human_date, link_schemas, tei_document, write_atomically)
from cable_edition.load import DEFAULT_MAX_BYTES, load
from cable_edition.project import REGISTER_NAME, Config

LISTS = {"person": ("listPerson", "person", "persName"), "org": ("listOrg", "org", "orgName"),
         "place": ("listPlace", "place", "placeName")}
LIST_ORDER = ["listPerson", "listOrg", "listPlace", "listBibl"]


@dataclass(frozen=True)
class ArchiveImport:
    """What ``cable-edition import --from ARCHIVE`` was asked to do."""

    archive: str                          # a key of archives.ADAPTERS
    path: Path
    into: Path = Path("tei")
    doc_id: str | None = None             # only for a single document
    documents: tuple[str, ...] = ()       # the archive's ids of the documents to take (default: all)
    force: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    config: Config = field(default_factory=Config)


def import_from_archive(request: ArchiveImport) -> tuple[list[Path], list[Diagnostic]]:
    """Write one document per telegram into ``request.into`` and add the records they need
    to its register; return the files written and the report of what was not mapped."""
    loaded = load(request.path, max_bytes=request.max_bytes)
    telegrams = adapter(request.archive).telegrams(loaded, request)
    targets = [request.into / f"{t.doc_id}.xml" for t in telegrams]
    for telegram, target in zip(telegrams, targets):
        check_id(request.path, telegram.doc_id)
        check_target(target)
        if target.exists() and not request.force:
            raise UserError(Diagnostic(str(target), 0, 0, "error", "exists already: use --force to replace it",
                                       "io"), 2)
    request.into.mkdir(parents=True, exist_ok=True)
    register = request.into / REGISTER_NAME
    known = _register_names(register, request.max_bytes)
    names = []
    for telegram in telegrams:
        reused = [_reuse(name, known) for name in telegram.names]
        _repoint(telegram, {old.key: new.key for old, new in zip(telegram.names, reused)})
        names += reused
    add_records(register, names, request, known)
    today = datetime.date.today()
    report = []
    for telegram, target in zip(telegrams, targets):
        tree = to_tei(telegram, request.config, today)
        write_atomically(target, etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
        report += [Diagnostic(str(request.path), 0, 0, "warning", f"{telegram.doc_id}: {what}", "import")
                   for what in telegram.left_out]
    return targets, report


# ------------------------------------------------------------------ the register

def _register_names(register: Path, max_bytes: int) -> dict[tuple[str, str], str]:
    """The register's records by (kind, name casefolded), and by (kind, id)."""
    if not register.is_file():
        return {}
    root = load(register, max_bytes=max_bytes).root
    known: dict[tuple[str, str], str] = {}
    for kind, (_, record, name) in LISTS.items():
        for element in root.iter(f"{{{TEI_NS}}}{record}"):
            key = element.get(f"{{{XML_NS}}}id") or ""
            known[(kind, "#" + key)] = key
            for written in element.iter(f"{{{TEI_NS}}}{name}"):
                known.setdefault((kind, " ".join("".join(written.itertext()).split()).casefold()), key)
    return known


def _reuse(name: Name, known: dict[tuple[str, str], str]) -> Name:
    """The name pointing to the register's own record of it, where there is one (same id, or
    an office or place of the same name; persons are matched by id only)."""
    if (name.kind, "#" + name.key) in known:
        return name
    if name.kind != "person" and (name.kind, name.name.casefold()) in known:
        return Name(name.kind, name.name, known[(name.kind, name.name.casefold())], name.note)
    return name


def _repoint(telegram: Telegram, keys: dict[str, str]) -> None:
    changed = {old: new for old, new in keys.items() if old != new}
    if not changed:
        return
    for element in telegram.body.iter():
        ref = element.get("ref") if isinstance(element.tag, str) else None
        if ref and ref.startswith("register.xml#") and ref[13:] in changed:
            element.set("ref", f"register.xml#{changed[ref[13:]]}")
    telegram.senders = [_renamed(n, changed) for n in telegram.senders]
    telegram.recipients = [_renamed(n, changed) for n in telegram.recipients]
    telegram.info = [_renamed(n, changed) for n in telegram.info]
    telegram.place = _renamed(telegram.place, changed) if telegram.place else None


def _renamed(name: Name, changed: dict[str, str]) -> Name:
    return Name(name.kind, name.name, changed.get(name.key, name.key), name.note)


def add_records(register: Path, names: list[Name], request: ArchiveImport,
                known: dict[tuple[str, str], str]) -> None:
    """Add a record for each name the register lacks: a new register where there is none;
    otherwise the records are spliced into the file's text before the end of their list,
    and the result is checked to hold every old record unchanged."""
    new: dict[str, Name] = {}
    for name in names:
        if (name.kind, "#" + name.key) not in known:
            new.setdefault(name.key, name)
    if not new:
        return
    if not register.exists():
        write_atomically(register, _new_register(request.config, register.parent.resolve().name))
    before = register.read_bytes()
    text = before.decode("utf-8")
    for list_name in LIST_ORDER[:3]:
        kind = next(k for k, v in LISTS.items() if v[0] == list_name)
        records = [n for n in new.values() if n.kind == kind]
        if records:
            text = _splice(register, text, list_name, "".join(_record_text(n) for n in records))
    _check_kept(register, before, text.encode("utf-8"))
    write_atomically(register, text.encode("utf-8"), expected=before)


def _record_text(name: Name) -> str:
    _, record, element = LISTS[name.kind]
    return (f"\n      <{record} xml:id=\"{name.key}\">\n        <{element}>{_escape(name.name)}</{element}>\n"
            f"        <note>{_escape(name.note)}</note>\n      </{record}>")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _splice(register: Path, text: str, list_name: str, records: str) -> str:
    """``text`` with ``records`` at the end of its ``list_name`` (made, in the order the
    schema wants, where the register has none)."""
    ends = list(re.finditer(rf"</{list_name}\s*>", text))
    if len(ends) > 1:
        raise _unsplittable(register, f"it holds </{list_name}> more than once")
    if ends:
        at = ends[0].start()
        return text[:at].rstrip() + records + "\n    " + text[at:]
    later = [m for m in (re.search(rf"<{n}[\s>]", text) for n in LIST_ORDER[LIST_ORDER.index(list_name) + 1:]) if m]
    close = re.search(r"</standOff\s*>|<standOff\s*/>", text)
    if close is None:
        raise _unsplittable(register, "it has no <standOff>")
    if close.group().endswith("/>"):
        return text[:close.start()] + f"<standOff>\n    <{list_name}>{records}\n    </{list_name}>\n  </standOff>" \
            + text[close.end():]
    at = min(m.start() for m in later) if later else close.start()
    return text[:at].rstrip() + f"\n    <{list_name}>{records}\n    </{list_name}>\n  " + text[at:].lstrip()


def _unsplittable(register: Path, why: str) -> UserError:
    return UserError(Diagnostic(str(register), 0, 0, "error", f"cannot add the imported records: {why}; add "
                                "them by hand or fix the register", "import"), 1)


def _check_kept(register: Path, before: bytes, after: bytes) -> None:
    """Every record of ``before`` is in ``after`` unchanged, and ``after`` is well-formed."""
    def records(data: bytes) -> dict[str, bytes]:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        return {e.get(f"{{{XML_NS}}}id"): etree.tostring(e, method="c14n")
                for e in root.iter() if isinstance(e.tag, str) and e.get(f"{{{XML_NS}}}id")}
    try:
        old, new = records(before), records(after)
    except etree.XMLSyntaxError as error:
        raise _unsplittable(register, f"the result would not be well-formed ({error})") from None
    if any(new.get(key) != value for key, value in old.items() if not key.startswith("register")):
        raise _unsplittable(register, "a record would change")


def _new_register(config: Config, folder: str) -> bytes:
    """A register of its own for the folder: its ids name the folder, as ids are unique
    across a collection of several folders."""
    editors = editors_of(config)
    key = "register-" + (re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-") or "imported")
    tei, _, file_desc, title_stmt = tei_document(key)
    _element(title_stmt, "title", "Register of persons, organisations and places")
    resp = _element(title_stmt, "respStmt")
    _element(resp, "resp", "records made by cable-edition import from the archives' own markup, for")
    _element(resp, "orgName", editors, xml_id=f"{key}-editors")
    publication = _element(file_desc, "publicationStmt")
    _element(publication, "publisher", config.publisher or editors)
    _element(_element(publication, "availability"), "licence", "Creative Commons Attribution 4.0 International "
             "(CC BY 4.0)", target="https://creativecommons.org/licenses/by/4.0/")
    _element(_element(file_desc, "sourceDesc"), "p", "Each record says where its name comes from. No "
             "authority identifier is given: none has been verified.")
    _element(tei, "standOff")
    link_schemas(tei, ("register.rng",))
    etree.indent(tei, space="  ")
    return etree.tostring(tei.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ------------------------------------------------------------------ the document

def to_tei(telegram: Telegram, config: Config, today: datetime.date) -> etree._ElementTree:
    """This edition's TEI of ``telegram``: its facts as data in the header, its text."""
    t, doc = telegram, telegram.doc_id
    editors = editors_of(config)
    tei, header, file_desc, title_stmt = tei_document(doc)
    _element(title_stmt, "title", main_title(t), type="main")
    for sender in t.senders:
        if sender.key:
            _element(title_stmt, "author", sender.name, ref=sender.ref)
    resp = _element(title_stmt, "respStmt")
    _element(resp, "resp", f"Imported from the TEI of {t.archive.name} by" if t.archive else
             "Imported from a printed text by")
    _element(resp, "orgName", editors, xml_id=f"{doc}-editors")
    if t.archive:
        resp = _element(title_stmt, "respStmt")
        _element(resp, "resp", "Heading, dateline, source note and footnotes by")
        _element(resp, "orgName", f"{t.archive.publisher} ({t.archive.name})", xml_id=f"{doc}-archive")
    publication = _element(file_desc, "publicationStmt")
    _element(publication, "publisher", config.publisher or editors)
    _element(publication, "date", str(today.year), when=str(today.year))
    rights = f"{t.archive.rights} The encoding: " if t.archive else "For the encoding and the editorial matter: "
    _element(_element(publication, "availability"), "licence", f"{rights}Creative Commons Attribution 4.0 "
             "International (CC BY 4.0).", target="https://creativecommons.org/licenses/by/4.0/")
    _source_desc(_element(file_desc, "sourceDesc"), t)
    _encoding_desc(_element(header, "encodingDesc"), t)
    _profile_desc(_element(header, "profileDesc"), t)
    command = f"import --from {t.archive.key}" if t.archive else "import; placeholders to be replaced"
    _element(_element(header, "revisionDesc"), "change", f"Imported from {t.described} by cable-edition "
             f"{command}.", when=today.isoformat(), who=f"#{doc}-editors")
    body = _element(_element(tei, "text"), "body")
    body.append(t.body)
    _number_paragraphs(t.body, doc)
    tree = tei.getroottree()
    link_schemas(tei)
    etree.indent(header, space="  ", level=1)
    _indent_blocks(tei, 0)
    return tree


# Elements whose children are blocks (indented on lines of their own); in every other
# element, white space is text and is left as the archive's.
_BLOCKS = {f"{{{TEI_NS}}}{name}" for name in ("TEI", "text", "body", "div", "opener", "quote", "closer")}


def _indent_blocks(element, level: int) -> None:
    if element.tag not in _BLOCKS or not len(element):
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        child.tail = "\n" + "  " * (level + 1)
        _indent_blocks(child, level + 1)
    element[-1].tail = "\n" + "  " * level


def main_title(t: Telegram) -> str:
    """"Telegram 3775 from the Embassy in Lebanon to the Department of State, Beirut, 11 May
    1958": the archive's title with the number, the place and the date."""
    titled = re.match(r"(\S+(?:\s\S+)*?)\s+From\s+(.+)$", t.archival_title or "")
    kind, parties = (titled.group(1), f"from {titled.group(2)}") if titled else \
        ("Telegram", f"from {_joined(t.senders)} to {_joined(t.recipients)}")
    where = f", {t.place.name}" if t.place else ""
    when = f", {human_date(t.when[:10])}" if t.when else ""
    return f"{kind} {t.number + ' ' if t.number else ''}{parties}{where}{when}"


def _joined(names: list[Name]) -> str:
    shown = [n.name for n in names] or ["[not given]"]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _source_desc(source, t: Telegram) -> None:
    bibl = _element(source, "bibl", xml_id=f"{t.doc_id}-cable", type="cable")
    if t.archival_title:
        _element(bibl, "title", t.archival_title, type="archival")
    if t.number:
        _element(bibl, "idno", t.number, type="cable-number")
    if t.archive:
        _element(bibl, "idno", t.archive_id, type="archive", subtype=t.archive.key)
    if t.page:
        _element(bibl, "ref", t.page, type="archive", target=t.page)
    for sender in t.senders:
        if sender.key:
            _element(bibl, "author", sender.name, ref=sender.ref)
        else:                                        # TEI's author has no @type: the placeholder is a name
            _element(_element(bibl, "author"), "name", sender.name, **PLACEHOLDER)
    if not t.senders:
        _element(_element(bibl, "author"), "name", "[sender not given]", **PLACEHOLDER)
    _date(bibl, t)
    for kind, value in (("classification", t.classification), ("precedence", t.precedence)):
        if value:
            _element(bibl, "note", value, type=kind)
    for marking in t.handling:
        _element(bibl, "note", marking, type="handling")
    if t.source_note:
        _element(bibl, "note", t.source_note, type="source", resp=f"#{t.doc_id}-archive")
    for note in t.notes:
        _element(bibl, "note", note)
    siglum = t.archive.siglum if t.archive else "T"
    witness = _element(_element(source, "listWit"), "witness", xml_id=f"{t.doc_id}-{siglum}")
    _element(witness, "abbr", siglum).tail = f": {t.described}, the copy-text."


def _date(parent, t: Telegram) -> None:
    if t.when:
        _element(parent, "date", t.date_text or human_date(t.when[:10]), when=t.when)
    else:
        _element(parent, "date", t.date_text or "[date not given]", **PLACEHOLDER)


def _encoding_desc(encoding, t: Telegram) -> None:
    decl = _element(encoding, "editorialDecl")
    _element(_element(decl, "correction"), "p", f"No intervention: the text is as {t.archive.short}'s TEI gives it."
             if t.archive else "No intervention has been recorded yet.")
    left = "; ".join(t.left_out) if t.left_out else "nothing"
    _element(_element(decl, "segmentation"), "p", f"Mapped from the archive's TEI to this edition's; not "
             f"mapped: {left}." if t.archive else f"Left out on import: {left}. Nothing else was left out, and "
             "no character was added.")
    if not t.archive:
        return
    _element(_element(decl, "interpretation"), "p", "Persons are marked where the archive marks them, and point "
             "to register records made from its identifiers; offices and places point to records of the "
             "names its heading, dateline and source note give. None is identified further.")


def _profile_desc(profile, t: Telegram) -> None:
    _date(_element(profile, "creation"), t)
    _element(_element(profile, "langUsage"), "language", "English", ident="en")
    correspondence = _element(profile, "correspDesc")
    sent = _element(correspondence, "correspAction", type="sent")
    _names(sent, t.senders, "[sender not given]")
    if t.place:
        _names(sent, [t.place], "")
    _date(sent, t)
    _names(_element(correspondence, "correspAction", type="received"), t.recipients, "[recipients not given]")
    if t.info:
        _names(_element(correspondence, "correspAction", type="received", subtype="info"), t.info, "")


ELEMENTS = {"person": "persName", "org": "orgName", "place": "placeName"}


def _names(parent, names: list[Name], missing: str) -> None:
    for name in names:
        if name.key:
            _element(parent, ELEMENTS[name.kind], name.name, ref=name.ref)
        else:
            _element(parent, ELEMENTS[name.kind], name.name, **PLACEHOLDER)
    if not names:
        _element(parent, "persName", missing, **PLACEHOLDER)


def _number_paragraphs(div, doc_id: str) -> None:
    """@n and the stable id of every paragraph, in order (block quotations are not counted)."""
    for n, p in enumerate(div.findall(f"{{{TEI_NS}}}p"), start=1):
        p.set("n", str(n))
        p.set(f"{{{XML_NS}}}id", f"{doc_id}-p{n}")
