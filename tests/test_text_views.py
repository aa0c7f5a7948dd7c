"""The two plain-text views: the diplomatic text reproduces the transcription, the reading
text applies every intervention, and neither drops a side of a choice."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from conftest import CABLE, DATA, TEI_DIR, run_cli
from teitext import NS, block_of, blocks, interventions, text


def read(built, doc_id, view):
    raw = (built / doc_id / f"{doc_id}.{view}.txt").read_bytes()
    return raw.decode("utf-8")


def declared_normalisation(transcription: str) -> list[str]:
    """What the header declares: list markers '- ' dropped, blank lines collapsed."""
    lines = transcription.replace("\r\n", "\n").split("\n")
    return [re.sub(r"^- (?=\d+\. )", "", line) for line in lines if line.strip()]


def test_diplomatic_text_equals_the_transcription(built):
    transcription = (DATA / "unamir-100-transcription.txt").read_text(encoding="utf-8")
    diplomatic = read(built, "unamir-100", "diplomatic")
    assert diplomatic.split("\n")[:-1] == declared_normalisation(transcription)


def test_the_header_declares_the_normalisations_the_fidelity_test_applies():
    tree = etree.parse(str(CABLE))
    declared = " ".join(tree.xpath("string(//tei:editorialDecl/tei:segmentation)", namespaces=NS).split())
    assert "“- ”" in declared and "blank lines" in declared


@pytest.mark.parametrize("view", ["diplomatic", "reading"])
def test_text_files_are_utf8_with_lf_line_ends_and_a_final_newline(built, view):
    raw = (built / "unamir-100" / f"unamir-100.{view}.txt").read_bytes()
    raw.decode("utf-8")
    assert b"\r" not in raw
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")


def test_source_is_published_byte_for_byte(built):
    assert (built / "unamir-100" / "unamir-100.xml").read_bytes() == CABLE.read_bytes()


def documents():
    return [p for p in sorted(TEI_DIR.glob("*.xml")) if p.name != "register.xml"]


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.stem)
def test_every_block_reads_in_each_view_as_the_tei_says(built, path):
    tree = etree.parse(str(path))
    doc_id = tree.getroot().get("{http://www.w3.org/XML/1998/namespace}id")
    for view in ("diplomatic", "reading"):
        output = read(built, doc_id, view)
        for block in blocks(tree, view):
            assert text(block, view) in output, (view, text(block, view))


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.stem)
def test_each_view_shows_its_own_side_of_every_intervention_and_never_the_other(built, path):
    tree = etree.parse(str(path))
    doc_id = tree.getroot().get("{http://www.w3.org/XML/1998/namespace}id")
    found = interventions(tree)
    assert found, "the document has no interventions to check"
    for view in ("diplomatic", "reading"):
        output = read(built, doc_id, view)
        body = output.split("\nEditorial interventions\n")[0]
        for intervention in found:
            block = block_of(intervention)
            shown, other = text(block, view), text(block, view, flip=intervention)
            assert shown != other
            assert shown in body and other not in body, (view, other)


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.stem)
def test_reading_text_lists_every_intervention_with_both_readings(built, path):
    tree = etree.parse(str(path))
    doc_id = tree.getroot().get("{http://www.w3.org/XML/1998/namespace}id")
    listing = read(built, doc_id, "reading").split("\nEditorial interventions\n\n")[1].split("\n\nWitness variants\n")[0]
    entries = listing.rstrip("\n").split("\n")
    found = interventions(tree)
    assert len(entries) == len(found)
    for number, (entry, intervention) in enumerate(zip(entries, found), start=1):
        witness = intervention if intervention.tag.endswith("surplus") else \
            intervention.xpath("tei:sic | tei:orig | tei:abbr", namespaces=NS)[0]
        assert entry.startswith(f"{number}. ")
        assert f"“{text(witness, 'diplomatic')}”" in entry
        edited = intervention.xpath("tei:corr | tei:reg | tei:expan", namespaces=NS)
        if edited:
            assert f"“{text(edited[0], 'reading')}”" in entry
        cert = (edited[0] if edited else intervention).get("cert", "not stated")
        assert f"certainty {cert}" in entry


def test_the_corrected_cable_reads_as_the_collation_establishes(built):
    reading = read(built, "unamir-100", "reading")
    for phrase in ["as it clearly", "(1993)", "initiatives", "United States", "your plans",
                   "will not repeat not be revealed", "Interahamwe militia"]:
        assert phrase in reading
    body = reading.split("\nEditorial interventions\n")[0]
    for error in [r"\bass\b", "1003", r"\binitiative\b", "United Nations of", r"\byou plans",
                  "not be repeat", "Interhamwe"]:
        assert not re.search(error, body), error


def test_sides_are_chosen_by_name_not_by_order(tmp_path):
    """Writing corr before sic (or reg before orig) must not change either view."""
    swapped_dir = tmp_path / "tei"
    swapped_dir.mkdir()
    (swapped_dir / "register.xml").write_bytes((TEI_DIR / "register.xml").read_bytes())
    tree = etree.parse(str(CABLE))
    for choice in tree.xpath("//tei:choice", namespaces=NS):
        choice[:] = list(reversed(choice))
    tree.write(str(swapped_dir / "unamir-100.xml"), encoding="UTF-8", xml_declaration=True)
    out = tmp_path / "build"
    result = run_cli("build", str(swapped_dir), "--out", str(out))
    assert result.returncode == 0, result.stderr
    ordinary = tmp_path / "ordinary"
    assert run_cli("build", str(TEI_DIR), "--out", str(ordinary)).returncode == 0
    for view in ("diplomatic", "reading"):
        assert read(out, "unamir-100", view) == read(ordinary, "unamir-100", view)
