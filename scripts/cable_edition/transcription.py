"""Read a plain-text cable transcription into its parts, as real transcriptions are written:
page furniture and title lines before the heading, the heading block (To / From / Number /
Subject / Date and markings such as "No Distribution"), numbered paragraphs, the closer; or,
for a cable known only from quotations, the quotations with their sources.

Nothing is inserted or deleted silently: lines wrapped inside a paragraph or a heading line
are joined with one space, except after a hyphen that ends a word, where they are joined
with none ("weapons-" + "secure" = "weapons-secure"); only spaces and tabs are trimmed at
line ends (a no-break space is text). What is dropped (list markers, blank lines, page
furniture) is listed in ``dropped`` for the header to declare. Every part keeps the number
of the line it starts on, for diagnostics."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

KNOWN_LABELS = {"to": "to", "from": "from", "number": "number", "subject": "subject", "date": "date",
                "cable number": "number", "no": "number", "no.": "number", "subj": "subject"}
LABELLED = re.compile(r"^([A-Za-z][A-Za-z .()'-]{0,30}):[ \t]*(.*)$")
# A numbered paragraph; the number may be followed by a no-break space (text copied from a
# web page), which is then the separator, not text.
PARAGRAPH = re.compile(r"^(?:([-*•–])[ \t]+)?(\d{1,3})\.([ \t\u00a0]+)(.*)$")
# Markings that stand on a heading line of their own.
HANDLING = re.compile(r"(?i)\b(distribution|only|immediate|priority|routine|flash|restricted|confidential|"
                      r"secret|eyes|outgoing|incoming|code cable|cypher|in clear)\b")
# A whole line that is a marking: a line directly below a heading line is a new item only
# when it is one of these (else it is the line above, wrapped).
MARKING_LINE = re.compile(r"(?i)(no distribution|distribution\b.*|(most )?immediate|priority|routine|flash|"
                          r"restricted|confidential|(top )?secret|eyes only|[\w-]+( [\w-]+)? only|"
                          r"(outgoing |incoming )?code cable|cypher|in clear)")
# A line before the heading that names the cable or carries a date is a title line (the
# transcriber's or the page's title); any other is page furniture.
TITLE_WORDS = re.compile(r"(?i)\b(cable|telegram|telex|fax|memorandum|code)\b")
GAP = re.compile(r"\[(…|\.\.\.|illegible|gap\b[^][\n]{0,500})\]", re.I)
SENTENCE_END = re.compile(r"[.!?:;)\]\"”’']$")
SOURCE_LINE = re.compile(r"^(?:source:|--|—|–)[ \t]*(.+)$", re.I)
ASCII_SPACE = " \t"

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
DATE_FORMS = [
    (re.compile(rf"\b(\d{{1,2}}) {_MONTH},? (\d{{4}})\b", re.I), ("day", "month", "year")),
    (re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (\d{{4}})\b", re.I), ("month", "day", "year")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("year", "month", "day")),
]


@dataclass
class Line:
    number: int
    text: str


@dataclass
class HeadingLine:
    kind: str          # to, from, number, subject, date, distribution, other
    label: str         # "To:" as written, or "" for an unlabelled line
    value: str
    line: int


@dataclass
class Paragraph:
    number: int
    text: str
    line: int


@dataclass
class FoundDate:
    when: str          # ISO 8601
    text: str          # as written
    line: int
    place: str         # "date line" or "title line"
    line_text: str


@dataclass
class Quotation:
    text: str
    source: str
    line: int


@dataclass
class Transcription:
    furniture: list[Line] = field(default_factory=list)
    title_lines: list[Line] = field(default_factory=list)
    heading: list[HeadingLine] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    closer: list[Line] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)
    dates: list[FoundDate] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)     # how the transcription is incomplete
    dropped: list[str] = field(default_factory=list)        # what was left out, for the header
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def date(self) -> FoundDate | None:
        """The date of sending the transcription shows: a Date line's before a title line's."""
        ranked = sorted(self.dates, key=lambda d: d.place != "date line")
        return ranked[0] if ranked else None


def split_lines(text: str) -> list[Line]:
    """The lines of a text with any line ending, trimmed of spaces and tabs only."""
    return [Line(n, raw.strip(ASCII_SPACE)) for n, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1)]


def join(first: str, second: str) -> str:
    """Two lines of one wrapped paragraph: a word broken after its hyphen is joined without
    a space, so that no character is added."""
    if re.search(r"\w-$", first):
        return first + second
    return f"{first} {second}" if first else second


def find_dates(text: str) -> list[tuple[str, str, int, int]]:
    """Dates written in full in a line: (ISO date, text, start, end)."""
    found = []
    for pattern, order in DATE_FORMS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups()))
            month = parts["month"]
            month_number = int(month) if month.isdigit() else MONTHS.index(month.lower()) + 1
            try:
                when = datetime.date(int(parts["year"]), month_number, int(parts["day"])).isoformat()
            except ValueError:
                continue
            found.append((when, match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda f: f[2])


def _is_heading_start(line: str) -> bool:
    labelled = LABELLED.match(line)
    return bool(labelled and labelled.group(1).strip().lower() in KNOWN_LABELS)


def parse(text: str) -> Transcription:
    """Split a transcription into furniture, title lines, heading, paragraphs and closer."""
    result = Transcription()
    lines = split_lines(text)
    if "\r" in text:
        result.dropped.append("line ends (CR LF or CR read as line breaks)")
    section = "before"
    previous_blank = True
    markers = False
    no_break = False
    last_before = ""            # what the line above, before the heading, was
    for line in lines:
        if not line.text:
            previous_blank = True
            continue
        paragraph = PARAGRAPH.match(line.text)
        expected = result.paragraphs[-1].number + 1 if result.paragraphs else 1
        starts_paragraph = bool(paragraph) and (int(paragraph.group(2)) == expected or previous_blank) \
            and section != "closer"
        if starts_paragraph:
            section = "paragraphs"
            markers = markers or bool(paragraph.group(1))
            no_break = no_break or "\u00a0" in paragraph.group(3)
            result.paragraphs.append(Paragraph(int(paragraph.group(2)), paragraph.group(4), line.number))
        elif section == "before":
            if _is_heading_start(line.text):
                section = "heading"
                _heading_line(result, line, previous_blank)
            elif not previous_blank and last_before == "title" \
                    and not (TITLE_WORDS.search(line.text) or find_dates(line.text)):
                # a title line wrapped (over as many lines as it takes)
                result.title_lines[-1] = Line(result.title_lines[-1].number, join(result.title_lines[-1].text, line.text))
            elif TITLE_WORDS.search(line.text) or find_dates(line.text):
                result.title_lines.append(line)
                last_before = "title"
            else:
                result.furniture.append(line)
                last_before = "furniture"
        elif section == "heading":
            _heading_line(result, line, previous_blank)
        elif section == "paragraphs" and not previous_blank:
            last = result.paragraphs[-1]
            result.paragraphs[-1] = Paragraph(last.number, join(last.text, line.text), last.line)
        elif section in ("paragraphs", "closer"):
            section = "closer"
            result.closer.append(line)
        previous_blank = False

    for title in result.title_lines:
        for when, written, _, _ in find_dates(title.text):
            result.dates.append(FoundDate(when, written, title.number, "title line", title.text))
    for item in result.heading:
        if item.kind == "date":
            found = find_dates(item.value)
            if found:
                result.dates.append(FoundDate(found[0][0], found[0][1], item.line, "date line", item.value))
            else:
                result.warnings.append((item.line, f"the Date line {item.value!r} is not a date written as "
                                                   "'11 January 1994', 'January 11, 1994' or '1994-01-11': "
                                                   "the date stays a placeholder"))
    if len({d.when for d in result.dates}) > 1:
        chosen = result.date
        result.warnings.append((chosen.line, "the transcription gives different dates ("
                                + ", ".join(f"{d.text!r} on line {d.line}" for d in result.dates)
                                + f"); the {chosen.place}'s is taken: check it"))

    if result.furniture:
        result.dropped.append("page furniture before the heading, not the cable's: "
                              + "; ".join(f"line {f.number} “{f.text}”" for f in result.furniture))
        for item in result.furniture:
            result.warnings.append((item.number, f"page furniture, kept out of the cable (neither a title line "
                                                 f"nor a heading line): {item.text!r}"))
    if markers:
        result.dropped.append("the list markers (such as “- ”) before paragraph numbers")
    if no_break:
        result.dropped.append("the no-break spaces after paragraph numbers (read as the space after the label)")
    result.dropped.append("the blank lines between paragraphs and heading lines; the line breaks inside them are "
                          "read as one space (none after a hyphen that ends a line), as are runs of spaces")
    if result.paragraphs:
        last = result.paragraphs[-1]
        if not SENTENCE_END.search(last.text) and not GAP.search(last.text[-30:]):
            result.incomplete.append(f"it ends inside paragraph {last.number}, after “{last.text[-40:]}”")
            result.warnings.append((last.line, f"the transcription ends inside paragraph {last.number} "
                                               f"(“…{last.text[-30:]}”): it is flagged as incomplete"))
        elif not result.closer:
            result.incomplete.append("it has no closer")
            result.warnings.append((last.line, "the transcription has no closer after its last paragraph: it is "
                                               "flagged as possibly incomplete"))
    if [p.number for p in result.paragraphs] != list(range(1, len(result.paragraphs) + 1)):
        result.warnings.append((0, "the paragraphs are not numbered 1, 2, 3…; the rules will say where"))
    if len(result.closer) > 1:
        result.warnings.append((result.closer[0].number, "the closer has several lines; they are kept in one "
                                                         "<salute>"))
    return result


def _heading_line(result: Transcription, line: Line, previous_blank: bool) -> None:
    labelled = LABELLED.match(line.text)
    known = labelled and labelled.group(1).strip().lower() in KNOWN_LABELS
    last = result.heading[-1] if result.heading else None
    if known:
        label, value = labelled.group(1).strip(), labelled.group(2)
        result.heading.append(HeadingLine(KNOWN_LABELS[label.lower()], f"{label}:", value, line.number))
    elif last is not None and not previous_blank and not labelled and \
            (not MARKING_LINE.fullmatch(line.text) or last.value.endswith((",", "/", "-", ";", ":"))):
        last.value = join(last.value, line.text)          # a heading line wrapped (unfinished above)
    elif HANDLING.search(line.text) and not labelled:
        result.heading.append(HeadingLine("distribution", "", line.text, line.number))
    elif labelled:
        label, value = labelled.group(1).strip(), labelled.group(2)
        result.heading.append(HeadingLine("other", f"{label}:", value, line.number))
        result.warnings.append((line.number, f"heading line of an unknown kind, kept as <item n=\"other\">: "
                                             f"{line.text!r}"))
    else:
        result.heading.append(HeadingLine("other", "", line.text, line.number))
        result.warnings.append((line.number, f"heading line without a label, kept as <item n=\"other\">: "
                                             f"{line.text!r}"))


def parse_quotations(text: str) -> Transcription:
    """A cable known only from quotations: optional heading lines (Number:, Subject:, …),
    then blocks separated by blank lines, each a quotation (its lines joined; enclosing
    quotation marks or "> " kept out, as the header declares) and, on its last line, its
    source ("Source: …", "-- …" or "— …")."""
    result = Transcription()
    blocks: list[list[Line]] = [[]]
    for line in split_lines(text):
        if line.text:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    for block in (b for b in blocks if b):
        if all(_is_heading_start(line.text) for line in block) and not result.quotations:
            for line in block:
                _heading_line(result, line, True)
            continue
        source = SOURCE_LINE.match(block[-1].text)
        if not source or len(block) < 2:
            raise ValueError(block[0].number, "a quotation without its source: end each quotation with a line "
                                              "\"Source: …\" (or \"-- …\") naming where it is quoted from")
        lines = [re.sub(r"^>[ \t]?", "", line.text) for line in block[:-1]]
        quoted = lines[0]
        for more in lines[1:]:
            quoted = join(quoted, more)
        pairs = {"\"": "\"", "“": "”", "'": "'", "‘": "’"}
        if len(quoted) > 1 and quoted[0] in pairs and quoted.endswith(pairs[quoted[0]]):
            quoted = quoted[1:-1]
        result.quotations.append(Quotation(quoted, source.group(1).strip(ASCII_SPACE), block[0].number))
    if not result.quotations:
        raise ValueError(0, "no quotation was found: write each quotation, then a line \"Source: …\"")
    result.dropped.append("the quotation marks (or “> ”) around each quotation, and the line breaks inside it")
    return result
