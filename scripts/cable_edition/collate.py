"""Collate a further transcription of a cable into its document, as a witness.

The transcription is read like any other (transcription.py); its heading lines, paragraphs
and closer are paired with the document's (by kind, by number); each pair is aligned word by
word with CollateX, the field's collation engine, against the copy-text's reading (the
diplomatic side of every intervention, the lemma of every earlier variant). Tokens keep the
space after them, so that a difference of spacing ("Booh-Booh / Dallaire" against
"BOOH-BOOH/DALLAIRE") is a difference. Each stretch where the two differ becomes an <app>
(the copy-text's reading as lem, the new witness's as rdg) at the smallest span that holds
it; where the new witness's copy ends, a lacunaStart says so. Capitals and punctuation are
not recorded when the editor says so (the header records what was normalised); layout and
the lines that are not the cable's (page furniture, title lines) never are.

The document is rewritten only if every difference could be placed: a difference that would
cut across the document's markup is reported (with its line) for the editor to encode by hand,
and nothing is written. A second document of the same cable is never made."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from cable_edition.diagnostics import Diagnostic, UserError
from cable_edition.importer import read_transcription, write_atomically
from cable_edition.load import DEFAULT_MAX_BYTES, load
from cable_edition.transcription import Transcription, parse
from cable_edition.validate import SIGLUM, siglum_of

TEI_NS = "http://www.tei-c.org/ns/1.0"
T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NS = {"tei": TEI_NS}
NORMALISATIONS = {"case": "capitals", "punctuation": "punctuation"}
WITNESS_SIDES = {f"{T}sic", f"{T}orig", f"{T}abbr"}
# Elements a variant never cuts (their text is checked whole, or is a name or a number): a
# variant inside one takes the whole element as its lemma.
CLOSED = {f"{T}{name}" for name in ("label", "seg", "idno", "title", "date", "gap")}
TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]|\s+")


@dataclass
class Piece:
    """A stretch of the copy-text's reading of a block, where it stands in the TEI: the
    text or the tail of ``holder``, from ``offset``; ``atom`` is the intervention or earlier
    variant it belongs to (which a new variant may wrap whole, but not cut)."""

    text: str
    holder: etree._Element
    attr: str            # "text" or "tail"
    offset: int
    start: int           # where it starts in the block's reading
    atom: etree._Element | None


@dataclass
class Variant:
    start: int           # the lemma's span in the block's reading (start == end: an addition)
    end: int
    reading: str         # the new witness's reading
    breaks_off: bool = False


class Ambiguous(Exception):
    pass


# ------------------------------------------------------------------ the copy-text's reading

# CollateX's block search grows faster than the square of a block's words: 1,000 words of a
# repetitive text take about 10 s and 2,000 about 90 s (measured), and a real cable's
# paragraph is a few hundred words. A longer block is refused, not aligned for minutes.
MAX_ALIGNED_WORDS = 1000


def pieces_of(block: etree._Element) -> list[Piece]:
    """The copy-text's reading of a block as pieces of the TEI's text nodes."""
    pieces: list[Piece] = []
    position = 0

    def add(text, holder, attr, atom):
        nonlocal position
        if text:
            pieces.append(Piece(text, holder, attr, 0, position, atom))
            position += len(text)

    def walk(element, atom):
        if element.tag == f"{T}note" or not isinstance(element.tag, str):
            return
        if element.tag == f"{T}choice":
            for side in element:
                if side.tag in WITNESS_SIDES:
                    walk_content(side, atom if atom is not None else element)
            return
        if element.tag == f"{T}app":
            lemma = element.find(f"{T}lem")
            if lemma is not None:
                walk_content(lemma, atom if atom is not None else element)
            return
        walk_content(element, atom if atom is not None or element.tag not in CLOSED else element)

    def walk_content(element, atom):
        add(element.text, element, "text", atom)
        for child in element:
            walk(child, atom)
            add(child.tail, child, "tail", atom)

    walk_content(block, None)
    return pieces


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Words (with their inner hyphens and apostrophes), single signs and runs of white
    space, with their spans."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


def _key(token: str, normalise: set[str]) -> str:
    if token.isspace():
        return " "
    return token.casefold() if "case" in normalise else token


def _words(found: list[tuple[int, int, str]], normalise: set[str]) -> list[dict]:
    """CollateX tokens: each word or sign with the space after it (t), its form for
    alignment (n), and where it is (s, e: the word; w: whether a space follows)."""
    result: list[dict] = []
    for index, (start, end, text) in enumerate(found):
        if text.isspace():
            if result and index < len(found) - 1:      # the space at a block's end is layout
                result[-1]["w"] = True
                result[-1]["t"] += " "
            continue
        if "punctuation" in normalise and not re.match(r"\w", text):
            continue
        result.append({"t": text, "n": _key(text, normalise), "s": start, "e": end, "w": False})
    return result


# ------------------------------------------------------------------ aligning

def align(base: str, other: str, normalise: set[str], *, breaks_off: bool) -> list[Variant]:
    """Where ``other`` differs from ``base`` (as spans of ``base``), aligned by CollateX;
    ``breaks_off``: the other witness's copy ends in this block."""
    from collatex import Collation, collate

    base_words = _words(tokens(base), normalise)
    other_words = _words(tokens(other), normalise)
    if breaks_off:   # a copy that ends: only the beginning of the block can be its text
        base_words = base_words[:len(other_words) + 3]
    if not base_words or not other_words:
        raise Ambiguous("nothing to align")
    longest = max(len(base_words), len(other_words))
    if longest > MAX_ALIGNED_WORDS:
        raise Ambiguous(f"{longest:,} words: CollateX aligns at most {MAX_ALIGNED_WORDS:,} words a block in "
                        "bounded time and memory; collate this block by hand")
    collation = Collation()
    collation.add_witness({"id": "base", "tokens": [dict(w, i=n) for n, w in enumerate(base_words)]})
    collation.add_witness({"id": "other", "tokens": [dict(w, i=n) for n, w in enumerate(other_words)]})
    table = json.loads(collate(collation, output="json", segmentation=False, near_match=True))["table"]
    columns = [(a[0] if a else None, b[0] if b else None) for a, b in zip(*table)]
    if breaks_off:
        columns = columns[:max(n for n, (_, o) in enumerate(columns) if o is not None) + 1]

    def parts(word: dict | None, text: str, last: bool) -> list[tuple[str, int, int]]:
        """A word and the space after it as sub-tokens (form, start, end); the space after
        the last word of a copy that breaks off is unknown, so left out."""
        if word is None:
            return []
        space_end = _space_end(text, word["e"])
        found = [(word["n"], word["s"], word["e"])]
        if not last:
            spaced = word["w"]                      # false at the end of the block: layout
            found.append((" " if spaced else "", word["e"], space_end if spaced else word["e"]))
        return found

    variants: list[Variant] = []
    for run in _runs(columns, breaks_off, "punctuation" in normalise):
        final = breaks_off and run[-1] == len(columns) - 1
        mine = [x for n in run for x in parts(columns[n][0], base, final and n == run[-1])]
        theirs = [x for n in run for x in parts(columns[n][1], other, final and n == run[-1])]
        before = [b for b, _ in columns[:run[0]] if b is not None]
        cursor = _space_end(base, before[-1]["e"]) if before else 0
        if mine:
            cursor = mine[0][1]
        while mine and theirs and mine[0][0] == theirs[0][0]:
            cursor = mine.pop(0)[2]
            theirs.pop(0)
        while mine and theirs and mine[-1][0] == theirs[-1][0] and not (final and len(theirs) == 1):
            mine.pop(), theirs.pop()
        while mine and mine[-1][0] == "":          # no space is no text to record
            mine.pop()
        reading = other[theirs[0][1]:theirs[-1][2]] if theirs else ""
        if not mine and not reading and not final:
            continue
        start, end = (mine[0][1], mine[-1][2]) if mine else (cursor, cursor)
        variants.append(Variant(start, end, reading, final))
    if breaks_off and not any(v.breaks_off for v in variants):
        last = [b for b, _ in columns if b is not None]
        end = last[-1]["e"] if last else 0
        variants.append(Variant(end, end, "", True))
    return variants


def _runs(columns: list, breaks_off: bool, spacing_free: bool = False) -> list[list[int]]:
    """The stretches of columns where the two differ (a word, or the space after it: not
    when punctuation, and so the spacing around it, is normalised); with ``breaks_off``, the
    last column counts as differing only when its words differ."""
    runs: list[list[int]] = []
    current: list[int] = []
    for n, (mine, theirs) in enumerate(columns):
        last = breaks_off and n == len(columns) - 1
        same_word = mine is not None and theirs is not None and mine["n"] == theirs["n"]
        agree = same_word and (last or spacing_free or mine["w"] == theirs["w"])
        if agree:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(n)
    if current:
        runs.append(current)
    return runs


def _space_end(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _atom_spans(pieces: list[Piece]) -> list[tuple[int, int]]:
    """Where each intervention, earlier variant or closed element lies in the reading
    (its first to its last character that is not a space)."""
    spans: dict[int, tuple[int, int]] = {}
    for piece in pieces:
        if piece.atom is None:
            continue
        stripped = piece.text.strip()
        if not stripped:
            continue
        first = piece.start + piece.text.index(stripped[0])
        last = piece.start + len(piece.text.rstrip())
        old = spans.get(id(piece.atom), (first, last))
        spans[id(piece.atom)] = (min(old[0], first), max(old[1], last))
    return sorted(spans.values())


def whole(variants: list[Variant], pieces: list[Piece], base: str) -> list[Variant]:
    """Variants widened to the whole of any intervention, earlier variant or closed element
    they reach into (the witness's reading widened by the copy-text's own text there, which
    agreed with it), and merged where they then overlap."""
    spans = _atom_spans(pieces)
    widened = []
    for variant in variants:
        start, end, reading = variant.start, variant.end, variant.reading
        changed = True
        while changed:
            changed = False
            for first, last in spans:
                reaches = (start < last and end > first) if start != end else first < start < last
                if reaches and (start > first or end < last):
                    reading = base[min(start, first):start] + reading + base[end:max(end, last)]
                    start, end, changed = min(start, first), max(end, last), True
        widened.append(Variant(start, end, reading, variant.breaks_off))
    merged: list[Variant] = []
    for variant in sorted(widened, key=lambda v: (v.start, v.end)):
        if merged and variant.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Variant(last.start, max(last.end, variant.end),
                                 last.reading + base[last.end:variant.start] + variant.reading
                                 if variant.start >= last.end else last.reading,
                                 last.breaks_off or variant.breaks_off)
        else:
            merged.append(variant)
    return merged


# ------------------------------------------------------------------ placing a variant

def _insert(piece: Piece, at: int, app: etree._Element, lemma_text: str | None) -> None:
    """Put ``app`` at the point ``at`` of ``piece`` (replacing ``lemma_text`` after it)."""
    holder, offset = piece.holder, piece.offset + at - piece.start
    if piece.attr == "tail":
        text = holder.tail or ""
        holder.tail = text[:offset]
        holder.addnext(app)
    else:
        text = holder.text or ""
        holder.text = text[:offset]
        holder.insert(0, app)
    rest = text[offset + (len(lemma_text) if lemma_text else 0):]
    app.tail = rest


def _same_reading(first: str, second: str, normalise: set[str]) -> bool:
    def form(text):
        text = " ".join(text.split())
        return text.casefold() if "case" in normalise else text
    return form(first) == form(second)


def _join_app(existing: etree._Element, app: etree._Element, normalise: set[str]) -> None:
    """A new witness's reading at a place that is already a variant: its witness is added to
    the reading it agrees with, or its reading is added to the app."""
    new = app.find(f"{T}rdg")
    for reading in existing.findall(f"{T}rdg"):
        if _same_reading("".join(reading.itertext()), "".join(new.itertext()), normalise) and \
                (reading.find(f"{T}lacunaStart") is None) == (new.find(f"{T}lacunaStart") is None):
            reading.set("wit", f"{reading.get('wit')} {new.get('wit')}")
            return
    existing.append(new)


def place(block: etree._Element, pieces: list[Piece], variant: Variant, app: etree._Element,
          normalise: set[str] = frozenset()) -> etree._Element:
    """Put a variant's app into the block (or join it to the app already there: then that
    app is returned); :class:`Ambiguous` if it would cut the markup."""
    lemma = app.find(f"{T}lem")
    if variant.start == variant.end:                          # the new witness adds something
        at = variant.start
        for piece in pieces:             # an earlier variant that adds text here: join it
            lemma_there = piece.holder.find(f"{T}lem") if piece.holder.tag == f"{T}app" else None
            if piece.attr == "tail" and piece.start == at and lemma_there is not None \
                    and not "".join(lemma_there.itertext()).strip():
                _join_app(piece.holder, app, normalise)
                return piece.holder
        starting = [p for p in pieces if p.start == at]
        inside = [p for p in pieces if p.start < at < p.start + len(p.text)]
        ending = [p for p in pieces if p.start + len(p.text) == at]
        piece = next((p for p in [*starting, *inside, *ending] if p.atom is None), None)
        if piece is None:
            raise Ambiguous("inside an intervention or an earlier variant")
        _insert(piece, at, app, None)
        return app
    covering = [p for p in pieces if p.start < variant.end and p.start + len(p.text) > variant.start]
    atoms = {id(p.atom): p.atom for p in covering}
    if len(atoms) == 1 and None not in [p.atom for p in covering]:
        atom = covering[0].atom
        own = [p for p in pieces if p.atom is atom]
        text = "".join(p.text for p in own)
        first = own[0].start + len(text) - len(text.lstrip())
        last = own[0].start + len(text.rstrip())
        if variant.start <= first and variant.end >= last and \
                not "".join(p.text for p in covering if p.atom is None).strip():
            if atom.tag == f"{T}app":                # a place that is a variant already
                _join_app(atom, app, normalise)
                return atom
            parent = atom.getparent()
            parent.replace(atom, app)
            app.tail, atom.tail = atom.tail, None
            lemma.append(atom)
            return app
        raise Ambiguous("it would cut an intervention or an earlier variant")
    if len(covering) == 1 and covering[0].atom is None:
        piece = covering[0]
        lemma.text = piece.text[variant.start - piece.start:variant.end - piece.start]
        _insert(piece, variant.start, app, lemma.text)
        return app
    _place_range(block, pieces, covering, variant.start, variant.end, app)
    return app


def _container(piece: Piece) -> etree._Element:
    return piece.holder if piece.attr == "text" else piece.holder.getparent()


def _inside(element: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in element.iterancestors()) or element is ancestor


def _span(element: etree._Element, pieces: list[Piece]) -> tuple[int, int]:
    """Where an element's content lies in the block's reading."""
    own = [p for p in pieces if _inside(_container(p), element)]
    return (own[0].start, own[-1].start + len(own[-1].text)) if own else (-1, -1)


def _place_range(block, pieces, covering, start, end, app) -> None:
    """A lemma that spans several text nodes: the elements it covers whole move into the
    lem, with the text around them; :class:`Ambiguous` if it would cut an element."""
    lemma = app.find(f"{T}lem")
    for atom in {id(p.atom): p.atom for p in covering if p.atom is not None}.values():
        own = [p for p in pieces if p.atom is atom]
        if own[0].start < start or own[-1].start + len(own[-1].text) > end:
            raise Ambiguous("it would cut an intervention or an earlier variant")
    first_piece, last_piece = covering[0], covering[-1]
    chain_a = [_container(first_piece), *_container(first_piece).iterancestors()]
    chain_b = [_container(last_piece), *_container(last_piece).iterancestors()]
    common = next((e for e in chain_a if any(e is b for b in chain_b)), None)
    if common is None or not _inside(common, block) or common.tag in (f"{T}sic", f"{T}orig", f"{T}abbr", f"{T}lem"):
        raise Ambiguous("it would cut across the document's markup")

    def climb(chain, position, side):
        child = None
        for element in chain:
            if element is common:
                return child
            if _span(element, pieces)[side] != position:
                raise Ambiguous("it would cut across the document's markup")
            child = element
        raise Ambiguous("it would cut across the document's markup")

    first_child = climb(chain_a, start, 0)
    last_child = climb(chain_b, end, 1)
    for element in (first_child, last_child):      # an element of the text itself, not a side of one
        if element is not None and element.getparent().tag in (f"{T}choice", f"{T}app"):
            raise Ambiguous("it would cut an intervention or an earlier variant")
    children = list(common)
    # where the lemma starts: before an element, or inside the text of the common parent
    if first_child is not None:
        index = children.index(first_child)
        head = ""
    else:
        holder, offset = first_piece.holder, first_piece.offset + start - first_piece.start
        if first_piece.attr == "text":
            head, common.text, index = common.text[offset:], common.text[:offset], 0
        else:
            head, holder.tail, index = holder.tail[offset:], holder.tail[:offset], children.index(holder) + 1
    # where it ends: after an element (its tail outside), or inside the tail of an element
    if last_child is not None:
        stop = children.index(last_child)
        rest, last_child.tail = last_child.tail, None
    else:
        if last_piece.attr != "tail" or last_piece.holder.getparent() is not common:
            raise Ambiguous("it would cut across the document's markup")
        holder = last_piece.holder
        offset = last_piece.offset + end - last_piece.start
        stop = children.index(holder)
        rest, holder.tail = holder.tail[offset:], holder.tail[:offset]
    moved = children[index:stop + 1]
    lemma.text = head or None
    common.insert(index, app)
    for child in moved:
        lemma.append(child)
    app.tail = rest


# ------------------------------------------------------------------ the document

def _block_reading(block: etree._Element) -> tuple[str, list[Piece]]:
    pieces = pieces_of(block)
    return "".join(p.text for p in pieces), pieces


def _witness_blocks(transcription: Transcription) -> list[tuple[str, str, int]]:
    """The new witness's blocks as (key, text, line): heading lines by kind and order,
    paragraphs by number, the closer."""
    blocks: list[tuple[str, str, int]] = []
    seen: dict[str, int] = {}
    for line in transcription.heading:
        seen[line.kind] = seen.get(line.kind, 0) + 1
        blocks.append((f"{line.kind}#{seen[line.kind]}", f"{line.label} {line.value}".strip(), line.line))
    for paragraph in transcription.paragraphs:
        blocks.append((f"p#{paragraph.number}", f"{paragraph.number}. {paragraph.text}", paragraph.line))
    if transcription.closer:
        blocks.append(("closer#1", " ".join(line.text for line in transcription.closer),
                       transcription.closer[0].number))
    return blocks


def _document_blocks(root: etree._Element) -> list[tuple[str, etree._Element]]:
    blocks: list[tuple[str, etree._Element]] = []
    seen: dict[str, int] = {}
    div = root.find("tei:text/tei:body/tei:div", NS)
    for item in div.iterfind("tei:list[@type='heading']/tei:item", NS):
        kind = item.get("n")
        seen[kind] = seen.get(kind, 0) + 1
        blocks.append((f"{kind}#{seen[kind]}", item))
    for paragraph in div.iterfind("tei:p", NS):
        blocks.append((f"p#{paragraph.get('n')}", paragraph))
    for closer in div.iterfind("tei:closer", NS):
        blocks.append(("closer#1", closer))
    return blocks


def _place_name(key: str) -> str:
    kind, number = key.split("#")
    return f"paragraph {number}" if kind == "p" else "closer" if kind == "closer" else f"heading ({kind})"


def _sub(parent, name, text=None, **attributes):
    element = etree.SubElement(parent, f"{T}{name}", {k: v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _new(name, text=None, **attributes):
    element = etree.Element(f"{T}{name}", {k: v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _insert_after(anchor: etree._Element, element: etree._Element) -> None:
    """A new header element after ``anchor``, indented like it."""
    previous = anchor.getprevious()
    element.tail = anchor.tail
    anchor.tail = previous.tail if previous is not None else anchor.getparent().text
    anchor.addnext(element)


def collate_witness(path: Path, into: Path, doc_id: str, siglum: str, *, normalise: set[str] = frozenset(),
                    max_bytes: int = DEFAULT_MAX_BYTES,
                    today: datetime.date | None = None) -> tuple[Path, list[Diagnostic], str]:
    """Collate the transcription at ``path`` into ``into/<doc_id>.xml`` as witness
    ``siglum``; return the document, the diagnostics (warnings; errors where a difference
    could not be placed, and then nothing was written) and a one-line summary."""
    today = today or datetime.date.today()
    unknown = set(normalise) - set(NORMALISATIONS)
    if unknown:
        raise UserError(Diagnostic(str(path), 0, 0, "error", f"--normalise: {', '.join(sorted(unknown))} is not one "
                                   "of case, punctuation", "import"), 2)
    target = into / f"{doc_id}.xml"
    if not target.is_file():
        raise UserError(Diagnostic(str(target), 0, 0, "error", f"there is no document {doc_id} in {into}: "
                                   "--witness-of names the document of the cable", "import"), 2)
    loaded = load(target, max_bytes=max_bytes)
    root = loaded.root
    witnesses = root.findall("tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:listWit/tei:witness", NS)
    if not SIGLUM.fullmatch(siglum):
        raise UserError(Diagnostic(str(path), 0, 0, "error", f"--siglum {siglum!r}: a siglum names the witness's "
                                   "view and file: 1 to 16 letters and digits, starting with a letter", "import"), 2)
    sigla = {siglum_of(w).casefold() for w in witnesses}
    if siglum.casefold() in sigla or root.xpath("//*[@xml:id = $id]", id=f"{doc_id}-{siglum}"):
        raise UserError(Diagnostic(str(target), 0, 0, "error", f"{siglum} is already a witness of {doc_id}: "
                                   "choose another siglum", "import"), 2)
    if not witnesses or root.find("tei:text/tei:body/tei:div[@type='cable']", NS) is None:
        raise UserError(Diagnostic(str(target), 0, 0, "error", "a witness is collated into a cable's text "
                                   "(div type=\"cable\") with its copy-text in listWit", "import"), 2)
    copy_text = f"#{witnesses[0].get(XML_ID)}"
    wit = f"#{doc_id}-{siglum}"

    transcription = parse(read_transcription(path, max_bytes))
    theirs = _witness_blocks(transcription)
    if not theirs:
        raise UserError(Diagnostic(str(path), 0, 0, "error", "no heading line and no numbered paragraph was found: "
                                   "is this a transcription of the cable?", "import"), 1)
    ours = _document_blocks(root)
    our_keys = [key for key, _ in ours]
    diagnostics = [Diagnostic(str(path), line, 1 if line else 0, "warning", message, "import")
                   for line, message in transcription.warnings
                   if "ends inside paragraph" not in message and "no closer" not in message]
    problems: list[Diagnostic] = []
    extra = [(key, line) for key, _, line in theirs if key not in our_keys]
    for key, line in extra:
        problems.append(Diagnostic(str(path), line, 1, "error", f"the witness has a {_place_name(key)} that the "
                                   f"document lacks: collate it by hand", "collate"))
    theirs_by_key = {key: (text, line) for key, text, line in theirs}
    present = [key for key in our_keys if key in theirs_by_key]
    last_key = present[-1] if present else None
    missing_inside = [key for key in our_keys[:our_keys.index(last_key) + 1] if key not in theirs_by_key] \
        if last_key else []
    for key in missing_inside:
        problems.append(Diagnostic(str(path), 0, 0, "error", f"the witness lacks the {_place_name(key)} of the "
                                   "document, before its end: encode the omission by hand", "collate"))
    ends_early = last_key is not None and last_key != our_keys[-1]

    existing = [int(m.group(1)) for m in (re.fullmatch(rf"{re.escape(doc_id)}-v(\d+)", i or "")
                                         for i in root.xpath("//tei:app/@xml:id", namespaces=NS)) if m]
    number = max(existing, default=0)
    recorded: list[str] = []
    for key, block in ours:
        if key not in theirs_by_key:
            continue
        text, line = theirs_by_key[key]
        base, pieces = _block_reading(block)
        breaks = ends_early and key == last_key
        try:
            variants = whole(align(base, text, set(normalise), breaks_off=breaks), pieces, base)
        except Ambiguous as reason:
            problems.append(Diagnostic(str(target), block.sourceline or 0, 1, "error", f"{_place_name(key)}: "
                                       f"cannot align the witness's line {line} ({reason})", "collate"))
            continue
        for variant in reversed(variants):            # from the end, so that spans stay valid
            app = _new("app")
            _sub(app, "lem", wit=copy_text)
            reading = _sub(app, "rdg", wit=wit)
            reading.text = variant.reading or None
            if variant.breaks_off:
                _sub(reading, "lacunaStart")
            try:
                place(block, pieces, variant, app, set(normalise))
            except Ambiguous as reason:
                shown = " ".join(base[variant.start:variant.end].split()) or "(nothing)"
                problems.append(Diagnostic(str(target), block.sourceline or 0, 1, "error",
                                           f"{_place_name(key)}: “{shown}” against the witness's “{variant.reading}” "
                                           f"(its line {line}): {reason}; encode this variant by hand",
                                           "collate"))
                continue
            recorded.append(f"{_place_name(key)}: “{' '.join(base[variant.start:variant.end].split())}” → "
                            f"“{variant.reading}”" + (" (breaks off)" if variant.breaks_off else ""))
    if problems:
        raise UserError(diagnostics + problems, 1)

    # ids in document order, after the ones the document has
    for app in root.iterfind(".//tei:app", NS):
        if app.get(XML_ID) is None:
            number += 1
            app.set(XML_ID, f"{doc_id}-v{number}")
    _declare(root, doc_id, siglum, wit, path.name, transcription, set(normalise), ends_early and last_key,
             today)
    # the prolog as it was (lxml drops the line breaks between its processing instructions)
    prolog = [etree.tostring(node, encoding="UTF-8") for node in reversed(list(root.itersiblings(preceding=True)))]
    data = b"\n".join([b'<?xml version="1.0" encoding="UTF-8"?>', *prolog, etree.tostring(root, encoding="UTF-8")])
    data += b"\n"
    _refuse_invalid(target, data, diagnostics)
    write_atomically(target, data, expected=loaded.data)
    summary = (f"collated {siglum} into {target}: {len(recorded)} variant(s)"
               + (f", {siglum} breaks off in {_place_name(last_key)}" if ends_early else "")
               + "; normalised: " + ", ".join(["layout", "paratext", *sorted(normalise)]))
    return target, diagnostics, summary


def _refuse_invalid(target: Path, data: bytes, diagnostics: list[Diagnostic]) -> None:
    """The document as the collation would leave it must pass the schema and the rules:
    else nothing is written, and the editor is told what would break."""
    from cable_edition.load import Loaded, parse_bytes
    from cable_edition.validate import check_relaxng, check_schematron, check_witnesses

    collated = Loaded(target, data, parse_bytes(target, data))
    problems = [d for d in check_relaxng(collated) + check_schematron(collated) + check_witnesses(collated)
                if d.severity == "error"]
    if problems:
        raise UserError(diagnostics + [Diagnostic(str(target), 0, 0, "error", "the collation would leave the "
                                                  "document invalid, so nothing was written; it would say, of the "
                                                  "collated document:", "collate")]
                        + [Diagnostic(d.path, d.line, d.column, d.severity, f"(after collation) {d.message}",
                                      d.rule) for d in problems], 1)


def _declare(root, doc_id, siglum, wit, source_name, transcription, normalise, breaks_in, today) -> None:
    """The new witness in listWit, how it was collated (editorialDecl), and the change."""
    header = root.find("tei:teiHeader", NS)
    last_witness = header.findall("tei:fileDesc/tei:sourceDesc/tei:listWit/tei:witness", NS)[-1]
    witness = _new("witness", **{XML_ID: f"{doc_id}-{siglum}"})
    abbr = _sub(witness, "abbr", siglum)
    extent = f"; it breaks off in {_place_name(breaks_in)}" if breaks_in else ""
    left_out = [f"line {line.number}" for line in [*transcription.furniture, *transcription.title_lines]]
    abbr.tail = (f": the transcription {source_name}, collated with the copy-text by cable-edition import "
                 f"--witness-of{extent}." + (f" Not the cable's, left out: {', '.join(left_out)}." if left_out else ""))
    _insert_after(last_witness, witness)

    encoding = header.find("tei:encodingDesc", NS)
    if encoding.find("tei:variantEncoding", NS) is None:
        variant_encoding = _new("variantEncoding", method="parallel-segmentation", location="internal")
        variant_encoding.tail = encoding.text
        encoding.insert(0, variant_encoding)
    decl = encoding.find("tei:editorialDecl", NS)
    anchor = decl.findall("tei:normalization", NS)
    anchor = anchor[-1] if anchor else (decl.find("tei:correction", NS) or decl[0])
    normalization = _new("normalization", corresp=wit)
    p = _sub(normalization, "p", f"Witness {siglum} is collated with the copy-text word by word (CollateX), "
                                 "spacing included; its readings are recorded in the text (app, with the "
                                 f"copy-text's reading as lem and {siglum}'s as rdg), and a place where "
                                 f"{siglum} is not named in an app reads as the copy-text. Not recorded as "
                                 "variants: ")
    items = _sub(p, "list", type="collation-normalisations")
    descriptions = {"case": "capitals", "punctuation": "punctuation",
                    "layout": "layout: line breaks, blank lines, list markers",
                    "paratext": "lines that are not the cable's (page furniture, title lines)"}
    for name in [n for n in ("case", "punctuation") if n in normalise] + ["layout", "paratext"]:
        _sub(items, "item", descriptions[name], n=name)
    _insert_after(anchor, normalization)
    etree.indent(normalization, space="  ", level=4)

    revision = header.find("tei:revisionDesc", NS)
    change = _new("change", f"Witness {siglum} collated from {source_name} by cable-edition import "
                            "--witness-of.", when=today.isoformat(),
                  who=(revision.find("tei:change", NS).get("who") if revision.find("tei:change", NS) is not None
                       else f"#{doc_id}-editors"))
    change.tail = revision.text
    revision.insert(0, change)
