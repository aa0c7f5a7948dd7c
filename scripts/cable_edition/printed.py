"""A telegram as an archive prints it, copied as text: a head line ("Telegram From the
Embassy in Lebanon to the Department of State"), a dateline ("Beirut, May 13, 1958—2
p.m."), paragraphs separated by blank lines (numbered or not), and a signature.

Only what the text shows is read: the sender and recipients as the head line names them,
the dateline's place, date and time (a time without a zone stays without one), the number
that opens the first paragraph, the "[… not declassified]" notes as gaps. What the text
cannot settle (whether a name is an office or a person, who signs, whether a place is the
register's) is a placeholder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cable_edition.archives.model import Telegram
from cable_edition.transcription import ASCII_SPACE, SENTENCE_END, find_dates, join, split_lines

HEAD = re.compile(r"^(?:\d+\.\s*)?((?:Telegram|Cable|Airgram|Message|Backchannel Message)\s+From\s+(?:the\s+)?(.+?)"
                  r"\s+to\s+(?:the\s+)?(.+))$")
NUMBER = re.compile(r"^((?:[A-Z][A-Za-z]{0,5}\s)?\d[\d-]*(?:\s\((?:In|Out)\s\d+\))?)\.\s")
LABEL = re.compile(r"^(\d{1,3}\.|\(\d{1,3}\)|\([a-z]\)|[a-z]\.)[ \t\u00a0]+(?=\S)")
TWELVE_HOUR = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.\s?m\.?", re.I)
ZULU = re.compile(r"\b(\d{2})(\d{2})Z\b")
NOON = re.compile(r"\bnoon\b", re.I)
NOT_DECLASSIFIED = re.compile(r"\[[^\[\]\n]*?not declassified[^\[\]\n]*\]")
EXTENT = re.compile(r"((?:less than\s+)?\d+\s+(?:lines?|pages?|paragraphs?|words?))", re.I)   # as printed
OFFICE = re.compile(r"(?i)\b(embassy|department|mission|consulate|legation|delegation|chiefs|office|ministry|"
                    r"agency|station|headquarters|council|staff|government|secretariat|command|fleet|house)\b")


@dataclass
class Printed:
    head: str
    kind: str                     # "Telegram"…
    sender: str
    recipients: str
    head_line: int
    place: str | None = None
    date_text: str | None = None  # as printed
    when: str | None = None
    dateline: str | None = None
    dateline_line: int = 0
    paragraphs: list[tuple[int, str]] = field(default_factory=list)      # (line, text)
    signature: tuple[int, str] | None = None
    dropped: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def parse_printed(text: str) -> Printed | None:
    """The printed telegram in ``text``, or None where its first line is no such head."""
    lines = split_lines(text)
    filled = [line for line in lines if line.text]
    if not filled:
        return None
    head = HEAD.match(_spaces(filled[0].text))
    if not head:
        return None
    found = Printed(head.group(1), head.group(1).split()[0], head.group(2), head.group(3), filled[0].number)
    rest = lines[lines.index(filled[0]) + 1:]
    blocks = _blocks(rest)
    if blocks and _is_dateline(blocks[0][1]):
        line, dateline = blocks.pop(0)
        _read_dateline(found, line, dateline)
    else:
        found.warnings.append((found.head_line + 1, "no dateline (place, date, time) below the head line: the "
                                                    "date stays a placeholder"))
    if len(blocks) > 1 and _is_signature(blocks[-1][1]):
        found.signature = blocks.pop()
    found.paragraphs = blocks
    if "\r" in text:
        found.dropped.append("line ends (CR LF or CR read as line breaks)")
    found.dropped.append("the blank lines between paragraphs; the line breaks inside them are read as one space "
                         "(none after a hyphen that ends a line)")
    return found


def _spaces(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _blocks(lines) -> list[tuple[int, str]]:
    """Runs of lines between blank lines, each joined into one."""
    blocks: list[tuple[int, str]] = []
    previous_blank = True
    for line in lines:
        if not line.text:
            previous_blank = True
            continue
        if previous_blank:
            blocks.append((line.number, line.text.strip(ASCII_SPACE)))
        else:
            blocks[-1] = (blocks[-1][0], join(blocks[-1][1], line.text))
        previous_blank = False
    return blocks


# A dateline's date where no space parts it from the place ("BeirutMay 11, 1958", as FRUS's
# pages give some), which find_dates, reading words, does not see.
RUN_ON_DATE = re.compile(r"(?<=[a-z])(January|February|March|April|May|June|July|August|September|October|"
                         r"November|December) (\d{1,2}),? (\d{4})\b")


def _dates(text: str) -> list[tuple[str, str, int, int]]:
    found = find_dates(text)
    if found:
        return found
    run_on = RUN_ON_DATE.search(text)
    if run_on:
        moved = find_dates(text[:run_on.start()] + " " + text[run_on.start():])
        return [(when, written, start - 1, end - 1) for when, written, start, end in moved]
    return []


def _is_dateline(text: str) -> bool:
    return bool(_dates(text)) and len(text) < 120


def _is_signature(text: str) -> bool:
    """A last line of a few words without a sentence's end: the name that signs."""
    return len(text.split()) <= 4 and not SENTENCE_END.search(text) and not NUMBER.match(text + " ")


def _read_dateline(found: Printed, line: int, text: str) -> None:
    when, written, start, end = _dates(text)[0]
    found.dateline, found.dateline_line = text, line
    found.place = text[:start].strip(" ,\u00a0") or None
    rest = text[end:]
    time = _time(rest)
    found.date_text = (written + rest).rstrip()
    found.when = f"{when}T{time}" if time else when
    if not time and rest.strip(" .,—–-"):
        found.warnings.append((line, f"the time {rest.strip(' .,—–-')!r} is not one read as '2 p.m.', "
                                     "'9:23 p.m.', 'noon' or '1119Z': only the date is taken"))


def _time(text: str) -> str | None:
    """A time as printed, as xs:time: "8 p.m." 20:00:00, "1119Z" 11:19:00Z (UTC, as the Z
    says); no zone where the text gives none."""
    twelve = TWELVE_HOUR.search(text)
    if twelve:
        hour = int(twelve.group(1)) % 12 + (12 if twelve.group(3).lower() == "p" else 0)
        return f"{hour:02d}:{int(twelve.group(2) or 0):02d}:00" if hour < 24 else None
    zulu = ZULU.search(text)
    if zulu and int(zulu.group(1)) < 24 and int(zulu.group(2)) < 60:
        return f"{zulu.group(1)}:{zulu.group(2)}:00Z"
    return "12:00:00" if NOON.search(text) else None


def is_office(name: str) -> bool:
    return bool(OFFICE.search(name))


# ------------------------------------------------------------------ as a telegram

def to_telegram(printed: Printed, doc_id: str, source_name: str, register) -> "Telegram":
    """The draft of the printed telegram: a name the register holds, written out exactly,
    points to its record; every other name is a placeholder for the editor to settle."""
    from lxml import etree

    from cable_edition.archives.model import Name, Telegram
    from cable_edition.importer import TEI_NS, _element, _with_gaps

    def party(name: str) -> Name:
        key = register.orgs.get(name.casefold(), "")
        kind = "org" if key or is_office(name) else "person"
        return Name(kind, name, key, "")

    place = None
    if printed.place:
        place = Name("place", printed.place, register.places.get(printed.place.casefold(), ""), "")
    body = etree.Element(f"{{{TEI_NS}}}div", type="telegram")
    if printed.dateline:
        dateline = _element(_element(body, "opener"), "dateline")
        if place is not None:
            _name(dateline, "placeName", place)
            start = printed.dateline.index(printed.place) + len(printed.place)
            between = printed.dateline[start:printed.dateline.index(printed.date_text.split()[0], start)]
            dateline[-1].tail = between or None
        _element(dateline, "date", printed.date_text, when=printed.when)
    for _, text in printed.paragraphs:
        p = _element(body, "p")
        label = LABEL.match(text)
        if label:
            _element(p, "label", label.group(1)).tail = " "
            text = text[label.end():]
        _with_not_declassified(p, text, _with_gaps)
    if printed.signature:
        signed = _element(_element(body, "closer"), "signed")
        _element(signed, "persName", printed.signature[1], type="placeholder")
    number = NUMBER.match(printed.paragraphs[0][1]) if printed.paragraphs else None
    telegram = Telegram(
        doc_id=doc_id, archive=None, archive_id="", page=None,
        described=f"the text of the telegram as printed, imported from {source_name}",
        archival_title=printed.head, number=number.group(1) if number else None,
        senders=[party(printed.sender)], recipients=[party(printed.recipients)], info=[], place=place,
        when=printed.when, date_text=printed.date_text, classification=None, precedence=None, handling=[],
        source_note=None, body=body, names=[])
    telegram.left_out = printed.dropped
    if number:
        telegram.notes.append(f"The telegram number is read from the start of the first paragraph "
                              f"(“{number.group(0).strip()}”), where printed telegrams give it.")
    if printed.when:
        telegram.notes.append(f"The date{' and time' if 'T' in printed.when else ''} are read from the dateline "
                              f"(line {printed.dateline_line} of {source_name}): “{printed.dateline}”"
                              + ("; the time has no zone, as printed." if "T" in printed.when and
                                 not printed.when.endswith("Z") else "."))
    return telegram


def _name(parent, element: str, name) -> None:
    from cable_edition.importer import _element

    if name.key:
        _element(parent, element, name.name, ref=name.ref)
    else:
        _element(parent, element, name.name, type="placeholder")


def _with_not_declassified(parent, text: str, with_gaps) -> None:
    """Text with "[… not declassified]" as gaps (the extent kept), other marks as the
    importer's gaps."""
    from cable_edition.importer import _element

    position = 0
    for match in NOT_DECLASSIFIED.finditer(text):
        with_gaps(parent, text[position:match.start()])
        mark = match.group()[1:-1]
        gap = _element(parent, "gap", reason="not-declassified")
        extent = EXTENT.search(mark)
        if extent:
            gap.set("extent", extent.group(1))
        _element(gap, "desc", mark)
        position = match.end()
    with_gaps(parent, text[position:])
