"""Every witness counts: witness P's readings and extent are in the TEI, P's text derived
from the TEI reproduces the copy of P the edition holds (after only the normalisations the
header declares), each witness has its text file and its view, and the witness variants are
listed apart from the editorial interventions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import CABLE
from teitext import NS, witness_lines
from test_html import Page

BREAK = " [P breaks off here]"


@pytest.fixture
def pbs(shared) -> Path:
    """P: the copy of the cable on PBS Frontline's page, in ../shared/."""
    return shared / "sources" / "unamir-100-pbs.txt"


def declared(tree, wit: str) -> set[str]:
    """The normalisations the header declares for a witness's collation."""
    return set(tree.xpath(f"//tei:normalization[@corresp = '{wit}']//tei:list[@type = 'collation-normalisations']"
                          "/tei:item/@n", namespaces=NS))


def normalise(lines: list[str], normalisations: set[str]) -> list[str]:
    """A witness's lines after the declared normalisations: ``paratext`` drops what comes
    before the heading (the lines that are not the cable's), ``layout`` drops blank lines
    and joins spacing, ``case`` folds capitals."""
    if "paratext" in normalisations:
        first = next(n for n, line in enumerate(lines) if re.match(r"(?i)to:", line.strip()))
        lines = lines[first:]
    if "layout" in normalisations:
        lines = [" ".join(line.split()) for line in lines if line.strip()]
    if "case" in normalisations:
        lines = [line.casefold() for line in lines]
    return lines


def test_the_header_declares_how_p_was_collated_and_lists_p():
    tree = etree.parse(str(CABLE))
    assert tree.xpath("//tei:variantEncoding/@method", namespaces=NS) == ["parallel-segmentation"]
    assert declared(tree, "#unamir-100-P") == {"case", "layout", "paratext"}   # punctuation is recorded
    witness = tree.xpath("//tei:listWit/tei:witness[@xml:id = 'unamir-100-P']", namespaces=NS)[0]
    assert "pbs.org/wgbh/pages/frontline/shows/evil/warning/unresponse.html" in witness.xpath(
        "string(tei:ref/@target)", namespaces=NS)
    assert "Ambassad" in " ".join(witness.itertext())


def test_p_derived_from_the_tei_is_the_copy_of_p_after_the_declared_normalisations(pbs):
    tree = etree.parse(str(CABLE))
    normalisations = declared(tree, "#unamir-100-P")
    held = pbs.read_text(encoding="utf-8").split("\n")
    assert normalise(witness_lines(tree, "#unamir-100-P"), normalisations) == normalise(held, normalisations)


def test_p_readings_are_kept_apart_from_the_interventions_and_t_stays_as_transcribed():
    tree = etree.parse(str(CABLE))
    readings = {" ".join("".join(r.itertext()).split()) or "(none)": r
                for r in tree.xpath("//tei:rdg[@wit = '#unamir-100-P']", namespaces=NS)}
    # witness-p.md: 2 (slash spacing), 4 (comma), 8-10 (substantive), 13 (extent)
    assert set(readings) == {"/", ",", "as", "1993", "initiatives", "Ambassad"}
    assert not tree.xpath("//tei:rdg//tei:choice | //tei:rdg//tei:surplus", namespaces=NS)
    assert tree.xpath("//tei:rdg[@wit = '#unamir-100-P'][normalize-space() = 'Ambassad']/tei:lacunaStart",
                      namespaces=NS)
    assert tree.xpath("//tei:note[@target = '#unamir-100-v6']", namespaces=NS)   # why the break is there


def test_each_witness_has_its_text_file(built):
    tree = etree.parse(str(CABLE))
    folder = built / "unamir-100"
    assert (folder / "unamir-100.witness-T.txt").read_bytes() == (folder / "unamir-100.diplomatic.txt").read_bytes()
    written = (folder / "unamir-100.witness-P.txt").read_text(encoding="utf-8")
    expected = witness_lines(tree, "#unamir-100-P")
    expected[-1] += BREAK                           # where P is absent from, marked
    assert written == "\n".join(expected) + "\n"
    assert "Paragraph" not in written and "7. For security" not in written and "Regards" not in written


def test_the_reading_text_lists_witness_variants_after_the_interventions(built):
    reading = (built / "unamir-100" / "unamir-100.reading.txt").read_text(encoding="utf-8")
    interventions, variants = reading.split("\nEditorial interventions\n")[1].split("\nWitness variants\n")
    assert "P breaks off" not in interventions
    entries = variants.strip().split("\n")
    assert entries[0] == "1. Heading (to): “Booh-Booh / Dallaire” T; “Booh-Booh/Dallaire” P."
    assert entries[1] == "2. Heading (from): “UNations New” T; “UNations, New” P."
    assert entries[2] == "3. Paragraph 1: “ass” T; “as” P."
    assert entries[5].startswith("6. Paragraph 6: “Ambassadors” T; “Ambassad” P breaks off here. Note: P, as")
    assert len(entries) == 6


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def opened(request, browser, built):
    page = Page(browser, (built / "unamir-100" / "index.html").as_uri(), javascript=request.param)
    yield page
    page.close()


def test_the_page_offers_witness_p_as_a_view_that_reads_as_p(opened):
    tree = etree.parse(str(CABLE))
    page = opened.page
    assert page.locator("fieldset.views label").all_inner_texts() == [
        "Reading text", "Diplomatic text (T)", "Witness P"]
    page.click("label[for=view-witness-P]")
    seen = opened.text("article.cable")
    lines = witness_lines(tree, "#unamir-100-P")
    for line in lines:
        assert line in seen, line
    assert seen.endswith("inform the Ambassad [P breaks off here]")      # nothing P lacks is shown
    assert "Cable to Dallaire" not in seen                                 # T's title lines are T's
    assert opened.text(".hint-witness-P").startswith("Witness P as collated with T")
    page.click("label[for=view-reading]")
    seen = opened.text("article.cable")
    for wrong in ("Booh-Booh/Dallaire", "UNations, New York", "Ambassad [", "breaks off"):
        assert wrong not in seen
    assert "Regards." in seen and "Booh-Booh / Dallaire" in seen
    page.click("label[for=view-diplomatic]")
    assert "Booh-Booh / Dallaire" in opened.text("article.cable") and "breaks off" not in opened.text("article.cable")
    assert opened.errors == []


def test_the_page_lists_witness_variants_apart_from_the_interventions(opened):
    variants = opened.page.locator("section.variants li")
    assert variants.count() == 6
    assert opened.text("section.variants li:first-child") == "Heading (to): Booh-Booh / Dallaire T; Booh-Booh/Dallaire P."
    assert "P breaks off" not in opened.text("section.apparatus")
    assert "breaks off here" in opened.text("section.variants li:last-child")


def test_the_document_json_lists_the_witnesses_and_every_variant(built):
    import json

    data = json.loads((built / "unamir-100" / "unamir-100.json").read_text(encoding="utf-8"))
    assert [(w["siglum"], w["copyText"], w["file"]) for w in data["witnesses"]] == [
        ("T", True, "unamir-100.witness-T.txt"), ("P", False, "unamir-100.witness-P.txt")]
    tree = etree.parse(str(CABLE))
    assert [v["id"] for v in data["variants"]] == tree.xpath("//tei:app/@xml:id", namespaces=NS)
    p_readings = [r["text"] for v in data["variants"] for r in v["readings"] if r["witnesses"] == ["P"]]
    assert p_readings == ["Booh-Booh/Dallaire", "UNations, New", "as", "1993", "initiatives", "Ambassad"]
    assert [r["breaksOff"] for r in data["variants"][-1]["readings"]] == [False, True]


# A witness Q that begins late (paragraph 2), breaks off (paragraph 4), resumes (paragraph
# 5) and ends (paragraph 8): every kind of break, each where no test of P reaches.
Q_EDITS = [
    ('<witness xml:id="unamir-100-P">',
     '<witness xml:id="unamir-100-Q"><abbr>Q</abbr>: a witness made up for this test.</witness>'
     '<witness xml:id="unamir-100-P">'),
    ("<label>2.</label> However, on the",
     '<label>2.</label> <app xml:id="unamir-100-q1"><lem wit="#unamir-100-T">However,</lem>'
     '<rdg wit="#unamir-100-Q"><witStart/>However,</rdg></app> on the'),
    ("<label>4.</label> You should inform him",
     '<label>4.</label> You should <app xml:id="unamir-100-q2"><lem wit="#unamir-100-T">inform</lem>'
     '<rdg wit="#unamir-100-Q">inform<lacunaStart/></rdg></app> him'),
    ("<label>5.</label> You should advise",
     '<label>5.</label> You <app xml:id="unamir-100-q3"><lem wit="#unamir-100-T">should</lem>'
     '<rdg wit="#unamir-100-Q"><lacunaEnd/>should</rdg></app> advise'),
    ("<label>8.</label> If you have major",
     '<label>8.</label> If you <app xml:id="unamir-100-q4"><lem wit="#unamir-100-T">have</lem>'
     '<rdg wit="#unamir-100-Q">have<witEnd/></rdg></app> major'),
]


@pytest.fixture(scope="module")
def built_with_q(tmp_path_factory):
    from conftest import TEI_DIR, run_cli

    work = tmp_path_factory.mktemp("witness-q")
    (work / "tei").mkdir()
    text = CABLE.read_text(encoding="utf-8")
    for old, new in Q_EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (work / "tei" / "unamir-100.xml").write_text(text, encoding="utf-8")
    (work / "tei" / "register.xml").write_bytes((TEI_DIR / "register.xml").read_bytes())
    result = run_cli("build", str(work / "tei"), "--out", str(work / "build"))
    assert result.returncode == 0, result.stderr
    return work / "build", etree.parse(str(work / "tei" / "unamir-100.xml"))


def test_a_witness_that_begins_late_breaks_off_resumes_and_ends_reads_as_the_tei_says(built_with_q):
    build, tree = built_with_q
    written = (build / "unamir-100" / "unamir-100.witness-Q.txt").read_text(encoding="utf-8")
    markers = re.findall(r"\[Q [a-z ]+\]", written)
    assert markers == ["[Q begins here]", "[Q breaks off here]", "[Q resumes here]", "[Q ends here]"]
    unmarked = [" ".join(re.sub(r"\[Q [a-z ]+\]", " ", line).split()) for line in written.rstrip("\n").split("\n")]
    expected = witness_lines(tree, "#unamir-100-Q")
    assert unmarked == expected
    assert expected[0].startswith("However, on the") and expected[-1] == "8. If you have"   # not "2."
    assert [line[:2] for line in expected if line[:1].isdigit()] == ["3.", "4.", "6.", "7.", "8."]   # 1 before it, 5 begins in its gap
    assert "constitute a clear violation" not in written and "You should advise" not in written
    # P is unchanged by Q: still its own lines and its one break
    p_written = (build / "unamir-100" / "unamir-100.witness-P.txt").read_text(encoding="utf-8")
    assert p_written.count("[P breaks off here]") == 1 and "[Q" not in p_written


def test_the_page_shows_what_witness_q_has_and_hides_what_it_lacks(browser, built_with_q):
    build, tree = built_with_q
    page = Page(browser, (build / "unamir-100" / "index.html").as_uri(), javascript=False)
    try:
        page.page.click("label[for=view-witness-Q]")
        seen = page.text("article.cable")
        lines = witness_lines(tree, "#unamir-100-Q")
        for line in lines:
            for part in line.split(" "):
                assert part in seen, part
        for lacking in ("We have carefully reviewed", "2. However", "constitute a clear violation", "You should advise",
                        "major problems"):
            assert lacking not in seen, lacking
        for marker in ("[Q begins here]", "[Q breaks off here]", "[Q resumes here]", "[Q ends here]"):
            assert marker in seen, marker
        page.page.click("label[for=view-witness-P]")
        seen = page.text("article.cable")
        assert "We have carefully reviewed" in seen and "[Q" not in seen
    finally:
        page.close()
