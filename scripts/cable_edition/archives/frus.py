"""Foreign Relations of the United States (the Office of the Historian's TEI, one file a
volume): a volume, or one document's ``div type="document"`` made standalone, to telegrams.

What FRUS's markup says is taken as it says it: the sender and recipients from the heading
("Telegram From the X to the Y"), the dateline's place and ``date/@when``, the number that
opens the first paragraph, the markings, "Repeated to" and "Also sent to" from the source
note, persons where FRUS marks them (their FRUS ids kept in the register records), the
signature, FRUS's footnotes as FRUS's. Its glossary links, emphasis, page breaks and
cross-references are kept as text or left out, and said so."""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path

from lxml import etree

from cable_edition.archives.model import Archive, Name, Telegram
from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.importer import TEI_NS, XML_NS, _append_text, _element
from cable_edition.printed import EXTENT, HEAD, NOT_DECLASSIFIED, NUMBER, is_office

FRUS_NS = "http://history.state.gov/frus/ns/1.0"
ARCHIVE = Archive("frus", "Foreign Relations of the United States", "FRUS", "Office of the Historian, U.S. Department of State",
               "The text and FRUS's notes are a work of the U.S. Government, in the public domain in the United "
               "States (17 U.S.C. § 105).")
PAGE = "https://history.state.gov/historicalDocuments/{volume}/{doc}"
VOLUME = re.compile(r"frus\d{4}[0-9A-Za-z-]*")          # FRUS's volume ids: frus1958-60v11, frus1969-76v20
T = f"{{{TEI_NS}}}"

CLASSIFICATIONS = ("Top Secret", "Secret", "Confidential", "Limited Official Use", "Official Use Only",
                   "Unclassified")
# FRUS's precedence indicators, from the highest; anything else in the markings is handling.
PRECEDENCES = ("Flash", "Emergency", "Niact", "Operational Immediate", "Immediate", "Priority", "Routine")
MARKINGS = re.compile(r"(?:^|(?<=[.\]])\s+)((?:%s)(?:;\s*[^.;]+)*)\." % "|".join(CLASSIFICATIONS))
PRECEDENCE_ALONE = re.compile(r"(?:^|(?<=\.)\s+)(%s)\." % "|".join(PRECEDENCES))
ADDRESSEES = {"repeated": re.compile(r"\bRepeated to (.+?)\.(?:\s|\]|$)"),
              "also": re.compile(r"\bAlso sent to (.+?)\.(?:\s|\]|$)")}


def recognises(root) -> bool:
    """FRUS's own TEI: a volume (its id "frus…"), or a document of one (FRUS's attributes or
    its div type="document" subtype="historical-document")."""
    return (root.get(f"{{{XML_NS}}}id", "").startswith("frus") or FRUS_NS in root.nsmap.values()
            or (root.tag == f"{T}div" and root.get("type") == "document"))


def telegrams(loaded, request) -> list[Telegram]:
    """The telegrams of a FRUS volume (all, or those ``request.documents`` names), or the
    one of a standalone document."""
    root = loaded.root
    if root.tag == f"{T}div" and root.get("type") == "document":
        divs, volume = [root], _volume_from_name(loaded.path, root)
    elif root.tag == f"{T}TEI":
        volume = root.get(f"{{{XML_NS}}}id", "") if VOLUME.fullmatch(root.get(f"{{{XML_NS}}}id", "")) else ""
        divs = [d for d in root.iter(f"{T}div") if d.get("type") == "document"]
    else:
        raise _not_frus(loaded.path, f"its root is <{etree.QName(root).localname}>")
    if request.documents:
        wanted = set(request.documents)
        missing = wanted - {d.get(f"{{{XML_NS}}}id") for d in divs}
        if missing:
            raise UserError(Diagnostic(str(loaded.path), 0, 0, "error", "no document "
                                       f"{', '.join(sorted(missing))} in this file", "import"), 1)
        divs = [d for d in divs if d.get(f"{{{XML_NS}}}id") in wanted]
    else:
        divs = [d for d in divs if HEAD.match(_text(d.find(f"{T}head"), notes=False))]
    if not divs:
        raise _not_frus(loaded.path, "it holds no telegram (a div type=\"document\" headed \"Telegram From …\")")
    if request.doc_id and len(divs) > 1:
        raise UserError(Diagnostic(str(loaded.path), 0, 0, "error", f"--id names one document, and this file "
                                   f"holds {len(divs)} telegrams: name one with --document dNN", "import"), 2)
    return [_telegram(div, volume, loaded.path, request.doc_id) for div in divs]


def _not_frus(path: Path, why: str) -> UserError:
    return UserError(Diagnostic(str(path), 0, 0, "error", f"is not a FRUS volume or document: {why}", "import"), 1)


def _volume_from_name(path: Path, div) -> str:
    """A standalone document's volume, from its file name ("frus1958-60v11-d24.frus.xml")."""
    stem, doc = path.name.split(".")[0], div.get(f"{{{XML_NS}}}id") or ""
    volume = stem[:-len(doc) - 1] if doc and stem.endswith("-" + doc) else ""
    return volume if VOLUME.fullmatch(volume) else ""


def _text(element, notes: bool = True) -> str:
    """The element's text, whitespace normalised, without its footnotes unless ``notes``."""
    if element is None:
        return ""
    parts = []
    for piece in element.xpath(".//text()" if notes else ".//text()[not(ancestor::tei:note)]",
                               namespaces={"tei": TEI_NS}):
        parts.append(piece)
    return " ".join("".join(parts).split())


def _add(target, text: str) -> None:
    """Text at the end of ``target``, its runs of white space one space (FRUS's TEI is
    indented)."""
    _append_text(target, re.sub(r"\s+", " ", text))


def _trim(p) -> None:
    """No space at the start or the end of a paragraph."""
    if p.text:
        p.text = p.text.lstrip() or None
    last = p[-1] if len(p) else None
    if last is not None and last.tail:
        last.tail = last.tail.rstrip() or None
    elif last is None and p.text:
        p.text = p.text.rstrip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


# ------------------------------------------------------------------ one telegram

class _Names:
    """The names of one telegram, each once, for the register."""

    def __init__(self, volume: str, doc: str, resp: str):
        self.volume, self.doc, self.found = volume, doc, {}
        self.resp = resp             # FRUS's respStmt, for its footnotes

    def add(self, name: Name) -> Name:
        return self.found.setdefault(name.key, name)

    def party(self, text: str, where: str, person_ids: list[str]) -> Name:
        """A sender or recipient: a person where FRUS marks one in it, else an office."""
        if person_ids and not is_office(text):
            return self.person(person_ids[0], text)
        return self.add(Name("org", text, f"org-{_slug(text)}", f"Named “{text}” in the {where} of FRUS "
                             f"{self.volume or 'a volume'}, {self.doc}; not identified further by the edition."))

    def person(self, frus_id: str, text: str) -> Name:
        key = "pers-" + re.sub(r"[^A-Za-z0-9._-]+", "-", f"{self.volume}-{frus_id}" if self.volume else frus_id)
        return self.add(Name("person", text, key, f"Named “{text}” in FRUS {self.volume or 'a volume'} "
                             f"(its person id {frus_id}); not identified further by the edition."))

    def place(self, text: str) -> Name:
        return self.add(Name("place", text, f"place-{_slug(text)}", f"Named “{text}” in a dateline of FRUS "
                             f"{self.volume or 'a volume'}; not identified further by the edition."))


def _telegram(div, volume: str, path: Path, doc_id: str | None) -> Telegram:
    doc = div.get(f"{{{XML_NS}}}id") or ""
    archive_id = f"{volume}-{doc}" if volume else doc
    doc_id = doc_id or archive_id
    names = _Names(volume, doc, f"#{doc_id}-archive")
    left: Counter = Counter()
    head = div.find(f"{T}head")
    head_text = _text(head, notes=False)
    found = HEAD.match(head_text)
    source = head.find(f"{T}note[@type='source']") if head is not None else None
    source_note = _text(source) or None
    body_start = div.find(f"{T}p")
    if source_note is None and body_start is not None and _text(body_start).startswith("[Source:"):
        source_note = _text(body_start).strip("[]")           # FRUS printed it as a bracketed paragraph
    senders, recipients = [], []
    if found:
        persons = [p.get("corresp", "").lstrip("#") for p in head.iter(f"{T}persName") if p.get("corresp")]
        senders = [names.party(found.group(2), "heading", [])]
        recipients = [names.party(found.group(3), "heading", persons)]
    info = []
    for kind, pattern in ADDRESSEES.items():
        listed = pattern.search(source_note or "")
        for name in _listed(listed.group(1)) if listed else []:
            party = names.add(Name("org", name, f"org-{_slug(name)}", f"Named “{name}” as an addressee in the "
                                   f"source note of FRUS {volume or 'a volume'}, {doc} (“"
                                   f"{'Repeated to' if kind == 'repeated' else 'Also sent to'} …”); not identified "
                                   "further by the edition."))
            (info if kind == "repeated" else recipients).append(party)
    classification, precedence, handling = _markings(source_note or "")
    dateline = div.find(f"{T}dateline")
    place_element = dateline.find(f"{T}placeName") if dateline is not None else None
    date_element = dateline.find(f"{T}date") if dateline is not None else None
    place = names.place(_text(place_element)) if _text(place_element) else None
    when = date_element.get("when") if date_element is not None else None
    date_text = _text(date_element) or None
    body = _body(div, names, left, place, when, date_text)
    first = body.find(f"{T}p")
    number = NUMBER.match(_text(first)) if first is not None else None
    telegram = Telegram(
        doc_id=doc_id, archive=ARCHIVE, archive_id=archive_id,
        page=PAGE.format(volume=volume, doc=doc) if volume and re.fullmatch(r"d\d+", doc) else None,
        described=f"document {doc} of FRUS {volume or '(volume not named)'}, as FRUS publishes it in TEI "
                  f"({path.name})",
        archival_title=(found.group(1) if found else head_text) or None,
        number=number.group(1) if number else None, senders=senders, recipients=recipients, info=info,
        place=place, when=when, date_text=date_text, classification=classification, precedence=precedence,
        handling=handling, source_note=source_note, body=body, names=list(names.found.values()))
    telegram.left_out = [f"{what} ({n})" for what, n in sorted(left.items())]
    return telegram


def _listed(text: str) -> list[str]:
    return [part.strip() for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if part.strip()]


def _markings(note: str) -> tuple[str | None, str | None, list[str]]:
    """Classification, precedence and handling, as the source note prints them ("Top
    Secret; Niact; Limited Distribution.", and a precedence standing alone: "Priority.")."""
    found = MARKINGS.search(note)
    items = [i.strip() for i in found.group(1).split(";")] if found else []
    alone = PRECEDENCE_ALONE.search(note)
    if alone and alone.group(1) not in items:
        items.append(alone.group(1))
    classification = items[0] if items else None
    precedence = next((i for i in items[1:] if i in PRECEDENCES), None)
    handling = [i for i in items[1:] if i != precedence]
    return classification, precedence, handling


# ------------------------------------------------------------------ the text

def _body(div, names: _Names, left: Counter, place: Name | None, when: str | None,
          date_text: str | None):
    """FRUS's document as this edition's ``div type="telegram"``: the dateline, a paragraph
    for each FRUS paragraph and list item (its label kept), block quotations, the
    signature."""
    out = etree.Element(f"{T}div", type="telegram")
    source = div.find(f"{T}dateline")
    if source is not None and (place is not None or when):
        dateline = _element(_element(out, "opener"), "dateline")
        for child in source:                  # the place, the date, and the text between, as FRUS has them
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if tag == "placeName" and place is not None:
                _element(dateline, "placeName", place.name, ref=place.ref)
            elif tag == "date" and when:
                _element(dateline, "date", date_text or when, when=when)
            else:
                continue
            _add(dateline, child.tail or "")
        _trim(dateline)
    children = _joined_at_page_breaks(list(div), left)
    for n, child in enumerate(children):
        if n == len(children) - 1 and _is_signature(child) and div.find(f"{T}closer") is None:
            left["a last paragraph that is only a bold name, taken as the signature"] = 1
            _inline(child, _element(_element(out, "closer"), "signed"), names, left)
            continue
        _block(child, out, names, left)
    if out.find(f"{T}p") is None:
        _element(out, "p", "[FRUS prints no text of this telegram.]")
    return out


SENTENCE_END = re.compile(r"[.!?:;)\]\"”’']\s*$")


def _joined_at_page_breaks(children: list, left: Counter) -> list:
    """FRUS's markup splits a printed paragraph in two where a page ends (``…offer
    Prime</p><pb/><p>Ministership…``): a paragraph ending mid-sentence, a page break, a
    paragraph: one paragraph, as printed."""
    out: list = []
    for child in children:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag == "p" and len(out) >= 2 and etree.QName(out[-1]).localname == "pb" \
                and etree.QName(out[-2]).localname == "p" and not SENTENCE_END.search(_text(out[-2], notes=False)):
            first = copy.deepcopy(out[-2])
            _add(first, " ")
            last = first[-1] if len(first) else None
            if last is not None:
                last.tail = (last.tail or "") + (child.text or "")
            else:
                first.text = (first.text or "") + (child.text or "")
            first.extend(copy.deepcopy(c) for c in child)
            out[-2:] = [first]
            left["paragraphs split at a page break, joined as printed"] += 1
            left["page breaks of the printed volume"] += 1
            continue
        out.append(child)
    return out


def _is_signature(element) -> bool:
    """A paragraph that is only a bold name (how some FRUS documents encode a signature)."""
    if not isinstance(element.tag, str) or etree.QName(element).localname != "p" or len(element) != 1:
        return False
    bold = element[0]
    return (etree.QName(bold).localname == "hi" and bold.get("rend") == "strong" and not (element.text or "").strip()
            and not (bold.tail or "").strip() and bold.find(f"{T}persName") is not None)


def _block(element, out, names: _Names, left: Counter, label: str | None = None) -> None:
    tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
    if tag == "p":
        _paragraph(element, out, names, left, label)
    elif tag == "list":
        _list(element, out, names, left)
    elif tag == "quote":
        quote = _element(out, "quote", type="block")
        for p in element.findall(f"{T}p"):
            _inline(p, _element(quote, "p"), names, left)
    elif tag == "closer":
        closer = _element(out, "closer")
        for signed in element.iter(f"{T}signed"):
            _inline(signed, _element(closer, "signed"), names, left)
    elif tag == "pb":
        left["page breaks of the printed volume"] += 1
    elif tag not in ("head", "dateline", ""):
        left[f"<{tag}> outside paragraphs"] += 1


def _paragraph(p, out, names: _Names, left: Counter, label: str | None) -> None:
    """One FRUS paragraph; a list or block quotation inside it ends it (what follows is a
    paragraph of its own), as FRUS prints it."""
    current = _new_paragraph(out, label)
    _add(current, p.text or "")
    for child in p:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag in ("list", "quote"):
            _close(current, out)
            _block(child, out, names, left)
            current = _new_paragraph(out, None)
        else:
            _inline_child(child, current, names, left)
        _add(current, child.tail or "")
    _close(current, out)


def _new_paragraph(out, label: str | None):
    p = _element(out, "p")
    if label:
        _element(p, "label", label).tail = " "
    return p


def _close(p, out) -> None:
    """Drop a paragraph left empty (a list that closed FRUS's paragraph), and mark FRUS's
    not-declassified notes as gaps."""
    if not "".join(p.itertext()).strip() and not len(p):
        out.remove(p)
        return
    _trim(p)
    _gaps(p)


def _list(element, out, names: _Names, left: Counter) -> None:
    label = None
    for child in element:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag == "label":
            label = _text(child)
        elif tag == "item":
            if child.find(f"{T}p") is not None or child.find(f"{T}list") is not None:
                wrapper = etree.Element(f"{T}p")
                wrapper.text, wrapper[:] = child.text, list(child)
                blocks = [c for c in wrapper if etree.QName(c).localname == "p"]
                if blocks and not (child.text or "").strip():
                    for n, block in enumerate(blocks):
                        _paragraph(block, out, names, left, label if n == 0 else None)
                else:
                    _paragraph(wrapper, out, names, left, label)
            else:
                _paragraph(child, out, names, left, label)
            label = None
        elif tag == "pb":
            left["page breaks of the printed volume"] += 1


def _inline(source, target, names: _Names, left: Counter) -> None:
    _add(target, source.text or "")
    for child in source:
        _inline_child(child, target, names, left)
        _add(target, child.tail or "")
    if etree.QName(target).localname in ("p", "signed", "note"):
        _trim(target)
    _gaps(target)


def _inline_child(child, target, names: _Names, left: Counter) -> None:
    tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
    if tag == "persName" and child.get("corresp", "").startswith("#"):
        person = names.person(child.get("corresp")[1:], _text(child))
        _element(target, "persName", _text(child), ref=person.ref)
    elif tag == "placeName" and _text(child):
        place = names.place(_text(child))
        _element(target, "placeName", _text(child), ref=place.ref)
    elif tag == "note":
        note = _element(target, "note", type="archive", n=child.get("n") or "", resp=names.resp)
        _inline(child if child.find(f"{T}p") is None else _flattened(child), note, names, left)
    elif tag == "pb":
        left["page breaks of the printed volume"] += 1
    elif tag in ("list", "quote"):
        left[f"<{tag}> inside a footnote or signature, kept as text"] += 1
        _add(target, _text(child))
    else:
        if tag in ("gloss", "ref", "hi"):
            what = {"gloss": "links to FRUS's list of terms, kept as text",
                    "ref": "FRUS's cross-references, kept as text", "hi": "FRUS's italics and bold, kept as text"}[tag]
            left[what] += 1
        elif tag:
            left[f"<{tag}>, kept as text"] += 1
        _inline(child, target, names, left)


def _flattened(note):
    """A footnote holding paragraphs, as one run of text (the edition's notes are a line):
    each paragraph's content in its place, after a space."""
    flat = etree.Element(f"{T}note")
    flat.text = note.text
    for child in note:
        if isinstance(child.tag, str) and etree.QName(child).localname == "p":
            _add(flat, " " + (child.text or ""))
            for inner in child:
                flat.append(inner)
            _add(flat, child.tail or "")
        else:
            flat.append(child)
    return flat


def _gaps(element) -> None:
    """FRUS's "[… not declassified]" in the text of ``element`` (not in its notes), as gaps."""
    for holder, attribute in [(element, "text"), *((c, "tail") for c in element)]:
        text = getattr(holder, attribute)
        if not text or not NOT_DECLASSIFIED.search(text):
            continue
        setattr(holder, attribute, None)
        position = 0
        pieces = []
        for match in NOT_DECLASSIFIED.finditer(text):
            pieces.append((text[position:match.start()], match.group()))
            position = match.end()
        rest = text[position:]
        index = 0 if attribute == "text" else list(element).index(holder) + 1
        if attribute == "text":
            element.text = pieces[0][0]
        else:
            holder.tail = pieces[0][0]
        for n, (_, mark) in enumerate(pieces):
            gap = etree.Element(f"{T}gap", reason="not-declassified")
            extent = EXTENT.search(mark)
            if extent:
                gap.set("extent", extent.group(1))
            _element(gap, "desc", mark[1:-1])          # the page shows it in its brackets
            element.insert(index + n, gap)
            gap.tail = pieces[n + 1][0] if n + 1 < len(pieces) else rest
