"""Importing real transcriptions faithfully: re-wrapped text comes back word for word (a
hyphen at a line end stays a hyphen, no space added; no-break spaces kept); page furniture is
reported and kept out of the cable; heading names are split, not made into one person; dates
in title and Date lines become @when with the line they came from; gap markers become <gap/>;
an incomplete copy is flagged; a cable known from quotations is imported as fragments; and a
draft never reaches an export."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from conftest import DATA, TEI_DIR, run_cli

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
T_TEXT = (DATA / "unamir-100-transcription.txt").read_text(encoding="utf-8")


@pytest.fixture
def p_text(shared) -> str:
    """P: the copy of the cable on PBS Frontline's page, in ../shared/."""
    return (shared / "sources" / "unamir-100-pbs.txt").read_text(encoding="utf-8")


def words(text: str) -> list[str]:
    """Words as a reader counts them: split at ASCII white space only (a no-break space
    belongs to its word)."""
    return [w for w in re.split(r"[ \t\r\n]+", text) if w]


def rewrap(text: str, width: int, newline: str = "\n") -> str:
    """Each line of a transcription wrapped at ``width``, as a mailer or a web page does
    (words broken after their hyphens)."""
    out = []
    for line in text.split("\n"):
        out += textwrap.wrap(line, width, break_on_hyphens=True, break_long_words=False) or [""]
    return newline.join(out)


def imported(tmp_path: Path, text: str, *extra: str, doc_id: str = "cable-1", register: bool = False):
    tei = tmp_path / "tei"
    tei.mkdir(exist_ok=True)
    if register:
        shutil.copy(TEI_DIR / "register.xml", tei)
    source = tmp_path / "source.txt"
    source.write_bytes(text.encode("utf-8"))
    result = run_cli("import", str(source), "--id", doc_id, "--into", str(tei), *extra)
    assert "Traceback" not in result.stderr, result.stderr
    tree = etree.parse(str(tei / f"{doc_id}.xml")) if (tei / f"{doc_id}.xml").exists() else None
    return result, tree, source


def built_text(tmp_path: Path, doc_id: str, view: str) -> str:
    out = tmp_path / "build"
    result = run_cli("build", str(tmp_path / "tei"), "--out", str(out), "--drafts")
    assert result.returncode == 0, result.stderr
    return (out / doc_id / f"{doc_id}.{view}.txt").read_text(encoding="utf-8")


NBSP_T = T_TEXT.replace("48 hours", "48\u00a0hours").replace("872 (1003)", "872\u00a0(1003)")


@pytest.mark.parametrize("width, newline", [(20, "\n"), (27, "\r\n"), (35, "\n"), (50, "\r\n"), (72, "\n"),
                                            (100, "\n")])
def test_a_rewrapped_transcription_comes_back_word_for_word(tmp_path, width, newline):
    source = rewrap(NBSP_T, width, newline)
    assert "weapons-\n" in source.replace("\r\n", "\n") or width > 60 or "weapons-secure" in source
    result, tree, _ = imported(tmp_path, source)
    assert result.returncode == 0, result.stderr
    diplomatic = built_text(tmp_path, "cable-1", "diplomatic")
    # the list markers "- " are the one thing left out, as the header declares
    assert words(diplomatic) == [w for w in words(NBSP_T) if w != "-"]
    assert "weapons-secure" in diplomatic and "weapons- secure" not in diplomatic
    assert "48\u00a0hours" in diplomatic and "872\u00a0(1003)" in diplomatic
    assert [i.get("n") for i in tree.xpath("//tei:list[@type='heading']/tei:item", namespaces=NS)] == \
        ["to", "distribution", "from", "number", "subject"]
    assert tree.xpath("count(//tei:body//tei:p)", namespaces=NS) == 8


def test_a_line_broken_after_a_hyphen_is_joined_without_a_space_and_declared(tmp_path):
    text = "To: A\nFrom: B\nNumber: X: 1\nSubject: S\n\n1. the Kigali weapons-\nsecure area and a dash -\nhere.\n\nRegards.\n"
    result, tree, _ = imported(tmp_path, text)
    assert result.returncode == 0, result.stderr
    paragraph = " ".join(tree.xpath("string(//tei:p[@n='1'])", namespaces=NS).split())
    assert paragraph == "1. the Kigali weapons-secure area and a dash - here."
    declared = tree.xpath("string(//tei:segmentation)", namespaces=NS)
    assert "none after a hyphen" in declared


def test_page_furniture_is_reported_with_its_lines_and_kept_out_of_the_cable(tmp_path, p_text):
    result, tree, source = imported(tmp_path, p_text, register=True)
    for line, text in ((1, "frontline online: the triumph of evil"), (3, "navigation, see below for text")):
        assert f"{source}:{line}:1: warning: page furniture, kept out of the cable" in result.stderr
        assert text in tree.xpath("string(//tei:segmentation)", namespaces=NS)      # declared
        assert text not in "".join(tree.xpath("//tei:text//text()", namespaces=NS))
    assert not tree.xpath("//tei:item/tei:label[contains(., 'frontline') or contains(., 'navigation')]",
                          namespaces=NS)
    # the page title is a title line: it carries P's date
    assert tree.xpath("//tei:front//tei:ab/tei:date/@when", namespaces=NS) == ["1994-01-11"]


def test_from_and_to_lines_are_split_into_persons_names_places_and_markings(tmp_path, p_text):
    _, tree, _ = imported(tmp_path, p_text, register=True)
    to = tree.xpath("//tei:item[@n='to']", namespaces=NS)[0]
    assert [p.text for p in to.xpath("tei:persName", namespaces=NS)] == ["BOOH-BOOH", "DALLAIRE"]
    assert to.xpath("string(tei:seg[@type='handling'])", namespaces=NS) == "UNAMIR ONLY"
    origin = tree.xpath("//tei:item[@n='from']", namespaces=NS)[0]
    assert [p.text for p in origin.xpath("tei:persName", namespaces=NS)] == ["ANNAN"]
    assert origin.xpath("tei:name[@type='placeholder']/text()", namespaces=NS) == ["UNATIONS"]
    assert origin.xpath("tei:placeName/@ref", namespaces=NS) == ["register.xml#place-new-york"]
    assert " ".join("".join(origin.itertext()).split()) == "FROM: ANNAN, UNATIONS, NEW YORK"   # nothing lost
    # the header names persons only where the heading does, never the whole line
    assert tree.xpath("//tei:correspAction[@type='sent']/tei:persName/text()", namespaces=NS) == ["ANNAN"]
    assert tree.xpath("//tei:correspAction[@type='received']/tei:persName/text()", namespaces=NS) == \
        ["BOOH-BOOH", "DALLAIRE"]
    assert tree.xpath("//tei:bibl[@type='cable']/tei:note[@type='handling']/text()", namespaces=NS) == \
        ["UNAMIR ONLY", "NO DISTRIBUTION"]
    # without a register, the place is a placeholder too
    (tmp_path / "bare").mkdir()
    _, bare, _ = imported(tmp_path / "bare", p_text)
    assert bare.xpath("//tei:item[@n='from']/tei:name/text()", namespaces=NS) == ["UNATIONS", "NEW YORK"]


HEADING = "To: A / B, X Only\nFrom: C, UNations New York\nNumber: TST: 7\nSubject: A test\n"


@pytest.mark.parametrize("text, line, place", [
    ("Cable to B from C\n\nJanuary 11, 1994 C\n\n" + HEADING, 3, "title line"),
    ("The response: 11 January 1994\n\n" + HEADING, 1, "title line"),
    (HEADING + "DATE: 11 January 1994\n", 5, "date line"),
    (HEADING + "Date: 1994-01-11\n", 5, "date line"),
    ("Telegram of 2 February 1994\n\n" + HEADING + "Date: 11 January 1994\n", 7, "date line"),
])
def test_dates_in_title_and_date_lines_become_when_with_the_line_they_came_from(tmp_path, text, line, place):
    result, tree, source = imported(tmp_path, text + "\n1. Text.\n\nRegards.\n")
    assert result.returncode == 0, result.stderr
    assert tree.xpath("//tei:correspAction[@type='sent']/tei:date/@when", namespaces=NS) == ["1994-01-11"]
    assert tree.xpath("//tei:creation/tei:date/@when", namespaces=NS) == ["1994-01-11"]
    note = tree.xpath("string(//tei:correspDesc/tei:note)", namespaces=NS)
    assert f"line {line} of {source.name}, a {place}" in note
    assert "[date" not in etree.tostring(tree, encoding="unicode")
    if "February" in text:
        assert "the transcription gives different dates" in result.stderr


def test_a_date_line_that_is_no_date_stays_a_placeholder_and_is_reported(tmp_path):
    result, tree, source = imported(tmp_path, HEADING + "Date: the eleventh\n\n1. Text.\n\nRegards.\n")
    assert f"{source}:5:1: warning: the Date line 'the eleventh' is not a date" in result.stderr
    assert tree.xpath("//tei:correspAction[@type='sent']/tei:date/@type", namespaces=NS) == ["placeholder"]


def test_gap_markers_become_gaps_and_read_as_written(tmp_path):
    text = HEADING + "\n1. We have [illegible] the situation [...] in the light of [GAP 2 words] and […].\n\nRegards.\n"
    result, tree, _ = imported(tmp_path, text)
    assert result.returncode == 0, result.stderr
    gaps = tree.xpath("//tei:p//tei:gap", namespaces=NS)
    assert [g.get("reason") for g in gaps] == ["illegible", None, None, None]
    assert [g.xpath("string(tei:desc)", namespaces=NS) for g in gaps] == ["illegible", "...", "GAP 2 words", "…"]
    diplomatic = built_text(tmp_path, "cable-1", "diplomatic")
    assert "1. We have [illegible] the situation [...] in the light of [GAP 2 words] and […]." in diplomatic


def test_a_copy_that_ends_inside_a_paragraph_is_flagged_as_incomplete(tmp_path, p_text):
    result, tree, source = imported(tmp_path, p_text, register=True)
    assert f"{source}:22:1: warning: the transcription ends inside paragraph 6" in result.stderr
    assert tree.xpath("//tei:p[@n='6']/tei:gap/@reason", namespaces=NS) == ["incomplete"]
    assert "incomplete: it ends inside paragraph 6" in tree.xpath("string(//tei:witness)", namespaces=NS)
    for view in ("diplomatic", "reading"):
        assert "inform the Ambassad [the transcription ends here]" in built_text(tmp_path, "cable-1", view)


def test_a_copy_without_a_closer_is_flagged(tmp_path):
    result, tree, _ = imported(tmp_path, HEADING + "\n1. All of it.\n")
    assert "has no closer" in result.stderr
    assert "incomplete: it has no closer" in tree.xpath("string(//tei:witness)", namespaces=NS)


QUOTATIONS = """Number: UNAMIR: 100
Subject: Contacts with Informant

"We cannot agree to the operation contemplated in paragraph 7 of your cable, as it clearly
goes beyond the mandate entrusted to UNAMIR under resolution 872 (1993)."
-- Philip Gourevitch, The New Yorker, 11 May 1998

> the United States, French and Belgian ambassadors
Source: Anthony Goodman, Reuters, 1999
"""


def test_a_cable_known_only_from_quotations_is_imported_as_fragments(tmp_path):
    result, tree, _ = imported(tmp_path, QUOTATIONS, "--fragments")
    assert result.returncode == 0, result.stderr
    cits = tree.xpath("//tei:div[@type='fragments']/tei:cit", namespaces=NS)
    assert [c.get("{http://www.w3.org/XML/1998/namespace}id") for c in cits] == ["cable-1-q1", "cable-1-q2"]
    assert cits[0].xpath("string(tei:quote)", namespaces=NS).startswith("We cannot agree to the operation")
    assert cits[0].xpath("string(tei:quote)", namespaces=NS).endswith("resolution 872 (1993).")
    assert cits[1].xpath("string(tei:bibl)", namespaces=NS) == "Anthony Goodman, Reuters, 1999"
    assert not tree.xpath("//tei:body//tei:p", namespaces=NS)        # nothing invented
    assert tree.xpath("string(//tei:bibl[@type='cable']/tei:idno)", namespaces=NS) == "UNAMIR: 100"
    reading = built_text(tmp_path, "cable-1", "reading")
    assert "“the United States, French and Belgian ambassadors” (Anthony Goodman, Reuters, 1999)" in reading


def test_a_quotation_without_its_source_is_refused_with_its_line(tmp_path):
    result, tree, source = imported(tmp_path, QUOTATIONS.replace("Source: Anthony Goodman, Reuters, 1999\n", ""),
                                    "--fragments")
    assert result.returncode == 1 and tree is None
    assert f"{source}:8:1: error: a quotation without its source" in result.stderr


def test_drafts_are_published_only_when_asked_and_never_exported(tmp_path, p_text):
    imported(tmp_path, p_text, register=True, doc_id="pbs")
    shutil.copy(TEI_DIR / "unamir-100.xml", tmp_path / "tei")
    # P imported as a new document: the same cable twice
    validated = run_cli("validate", str(tmp_path / "tei"))
    assert validated.returncode == 1 and "[cable-number-unique]" in validated.stderr
    assert re.search(r"pbs\.xml:\d+:\d+: error: the cable number \"UNAMIR: 100\" is already the number of "
                     r".*unamir-100\.xml.*--witness-of unamir-100", validated.stderr)
    (tmp_path / "tei" / "unamir-100.xml").unlink()
    out = tmp_path / "build"
    plain = run_cli("build", str(tmp_path / "tei"), "--out", str(out))
    assert plain.returncode == 0 and "[draft]" in plain.stderr and "1 draft(s) not published" in plain.stderr
    assert not (out / "pbs").exists()
    drafts = run_cli("build", str(tmp_path / "tei"), "--out", str(out), "--drafts")
    assert drafts.returncode == 0, drafts.stderr
    assert sorted(p.name for p in (out / "pbs").iterdir() if not p.name.startswith(".")) == [
        "index.html", "pbs.diplomatic.txt", "pbs.reading.txt", "pbs.witness-T.txt", "pbs.xml"]
    page = (out / "pbs" / "index.html").read_text(encoding="utf-8")
    assert "Draft." in page and "citation_author" not in page and "application/ld+json" not in page
    for export in ("cmif.xml", "collection.json", "oai-static.xml"):
        content = (out / export).read_text(encoding="utf-8")
        assert "ANNAN" not in content and "BOOH-BOOH" not in content and "pbs" not in content, export
    assert json.loads((out / "collection.json").read_text(encoding="utf-8"))["documents"] == []
    assert "(draft)" in (out / "index.html").read_text(encoding="utf-8")
    # and a build without --drafts takes it down again
    again = run_cli("build", str(tmp_path / "tei"), "--out", str(out))
    assert again.returncode == 0 and not (out / "pbs").exists()


def test_every_width_from_20_to_100_parses_into_the_same_parts_and_words():
    """The parser alone, at every width and both line ends (the build is checked above)."""
    from cable_edition.transcription import parse

    expected = [w for w in words(NBSP_T) if w != "-"]
    for width in range(20, 101):
        for newline in ("\n", "\r\n"):
            parsed = parse(rewrap(NBSP_T, width, newline))
            assert [h.kind for h in parsed.heading] == ["to", "distribution", "from", "number", "subject"], width
            assert [p.number for p in parsed.paragraphs] == list(range(1, 9)), width
            assert parsed.furniture == [] and parsed.incomplete == [], width
            text = " ".join([*(line.text for line in parsed.title_lines),
                             *(f"{h.label} {h.value}" for h in parsed.heading),
                             *(f"{p.number}. {p.text}" for p in parsed.paragraphs),
                             *(line.text for line in parsed.closer)])
            assert words(text) == expected, width


def test_a_title_line_wrapped_over_three_lines_stays_one_title_line():
    from cable_edition.transcription import parse

    parsed = parse("Cable to Dallaire\nfrom the United\nNations HQ\n\n" + HEADING + "\n1. Text.\n\nRegards.\n")
    assert [line.text for line in parsed.title_lines] == ["Cable to Dallaire from the United Nations HQ"]
    assert parsed.furniture == []
