"""cable-edition import --witness-of: a further transcription is collated (CollateX) into the
document of its cable as a witness, reproducing the edition's own encoding of P; it never
makes a second document; what it cannot place is reported and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from conftest import CABLE, ROOT, TEI_DIR, run_cli
from teitext import blocks, text, witness_lines

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
T = "{http://www.tei-c.org/ns/1.0}"

def _unwrap(app: etree._Element) -> None:
    """An app replaced by its lemma's content."""
    lemma = app.find(f"{T}lem")
    parent, index = app.getparent(), app.getparent().index(app)
    previous = app.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (lemma.text or "")
    else:
        parent.text = (parent.text or "") + (lemma.text or "")
    children = list(lemma)
    parent.remove(app)
    for n, child in enumerate(children):
        parent.insert(index + n, child)
    last = children[-1] if children else (parent[index - 1] if index > 0 else None)
    if last is not None:
        last.tail = (last.tail or "") + (app.tail or "")
    else:
        parent.text = (parent.text or "") + (app.tail or "")


def _remove(element: etree._Element) -> None:
    previous = element.getprevious()
    if previous is not None:
        previous.tail = element.tail
    else:
        element.getparent().text = element.tail
    element.getparent().remove(element)


def without_p(tree: etree._ElementTree) -> etree._ElementTree:
    """The edition as it was before P was collated: no apps, no witness P, no word of P."""
    for app in tree.xpath("//tei:app", namespaces=NS):
        _unwrap(app)
    for path in ("//tei:witness[@xml:id='unamir-100-P']", "//tei:normalization[@corresp='#unamir-100-P']",
                 "//tei:variantEncoding", "//tei:note[@target='#unamir-100-v6']",
                 "//tei:change[contains(., 'Witness P')]"):
        for element in tree.xpath(path, namespaces=NS):
            _remove(element)
    for element in tree.xpath("//*[@source='#unamir-100-P']", namespaces=NS):
        del element.attrib["source"]
    return tree


def comparable_text(tree: etree._ElementTree) -> bytes:
    """The <text> of a document as C14N, without what only an editor writes (the note on
    where P breaks off) and the corrections' @source."""
    text = etree.fromstring(etree.tostring(tree.getroot().find(f"{T}text")))
    for note in text.xpath("//tei:note[@target='#unamir-100-v6']", namespaces=NS):
        _remove(note)
    for element in text.xpath("//*[@source]"):
        del element.attrib["source"]
    return etree.tostring(text, method="c14n")


@pytest.fixture
def pbs(shared) -> Path:
    """P: the copy of the cable on PBS Frontline's page, in ../shared/."""
    return shared / "sources" / "unamir-100-pbs.txt"


@pytest.fixture
def collection(tmp_path) -> Path:
    """A copy of the collection that lacks P."""
    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    tree = without_p(etree.parse(str(CABLE)))
    (tei / "unamir-100.xml").write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' +
                                         etree.tostring(tree, encoding="UTF-8") + b"\n")
    assert run_cli("validate", str(tei)).returncode == 0
    return tei


def collate(collection: Path, source: Path, *extra: str):
    return run_cli("import", str(source), "--into", str(collection), "--witness-of", "unamir-100", "--siglum", "P",
                   *extra)


def test_collating_p_reproduces_the_editions_encoding_and_makes_no_file(collection, pbs):
    before = sorted(p.name for p in collection.iterdir())
    result = collate(collection, pbs, "--normalise", "case")
    assert result.returncode == 0, result.stderr
    assert "collated P into" in result.stderr and "6 variant(s), P breaks off in paragraph 6" in result.stderr
    assert sorted(p.name for p in collection.iterdir()) == before            # no new document, no leftover
    imported = etree.parse(str(collection / "unamir-100.xml"))
    committed = etree.parse(str(CABLE))
    assert comparable_text(imported) == comparable_text(committed)
    assert witness_lines(imported, "#unamir-100-P") == witness_lines(committed, "#unamir-100-P")
    assert imported.xpath("//tei:normalization[@corresp='#unamir-100-P']//tei:item/@n", namespaces=NS) == \
        ["case", "layout", "paratext"]
    assert imported.xpath("//tei:variantEncoding/@method", namespaces=NS) == ["parallel-segmentation"]
    assert "breaks off in paragraph 6" in imported.xpath("string(//tei:witness[@xml:id='unamir-100-P'])",
                                                         namespaces=NS)
    assert run_cli("validate", str(collection)).returncode == 0
    # the prolog is kept as it was
    assert (collection / "unamir-100.xml").read_bytes().split(b"<TEI")[0] == CABLE.read_bytes().split(b"<TEI")[0]


def test_without_normalising_case_every_capital_is_a_reading_and_p_reads_exactly(collection, pbs, shared):
    result = collate(collection, pbs)
    assert result.returncode == 0, result.stderr
    imported = etree.parse(str(collection / "unamir-100.xml"))
    assert imported.xpath("//tei:normalization[@corresp='#unamir-100-P']//tei:item/@n", namespaces=NS) == \
        ["layout", "paratext"]
    held = [line for line in pbs.read_text(encoding="utf-8").split("\n")[5:] if line.strip()]
    assert witness_lines(imported, "#unamir-100-P") == held            # P's own capitals, word for word
    assert run_cli("validate", str(collection)).returncode == 0
    tei_all = etree.RelaxNG(etree.parse(str(shared / "reference" / "tei" / "tei_all.rng")))
    assert tei_all.validate(imported), tei_all.error_log


def test_normalising_punctuation_records_no_comma(collection, pbs):
    result = collate(collection, pbs, "--normalise", "case,punctuation")
    assert result.returncode == 0, result.stderr
    imported = etree.parse(str(collection / "unamir-100.xml"))
    readings = [" ".join(r.itertext()) for r in imported.xpath("//tei:rdg", namespaces=NS)]
    assert readings == ["as", "1993", "initiatives", "Ambassad"]     # no comma, and no spacing round the slash
    assert "punctuation" in imported.xpath("//tei:normalization//tei:item/@n", namespaces=NS)


def test_a_difference_that_cuts_across_the_markup_is_reported_and_nothing_is_written(collection, pbs, tmp_path):
    source = tmp_path / "other.txt"
    source.write_text(pbs.read_text(encoding="utf-8").replace("of the Security Council the information",
                                                              "of the Security Councils information"),
                      encoding="utf-8")
    before = (collection / "unamir-100.xml").read_bytes()
    result = collate(collection, source, "--normalise", "case")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "paragraph 5: “Council the” against the witness's “Councils” (its line 20): it would cut across " \
        "the document's markup" in result.stderr
    assert "encode this variant by hand [collate]" in result.stderr
    assert (collection / "unamir-100.xml").read_bytes() == before
    assert sorted(p.name for p in collection.iterdir()) == ["register.xml", "unamir-100.xml"]


def test_a_siglum_is_collated_once_and_must_be_a_plain_name(collection, pbs):
    assert collate(collection, pbs, "--normalise", "case").returncode == 0
    again = collate(collection, pbs, "--normalise", "case")
    assert again.returncode == 2 and "P is already a witness of unamir-100" in again.stderr
    bad = run_cli("import", str(pbs), "--into", str(collection), "--witness-of", "unamir-100", "--siglum", "../x")
    assert bad.returncode == 2 and "a siglum names the witness's view and file" in bad.stderr
    missing = run_cli("import", str(pbs), "--into", str(collection), "--witness-of", "unamir-100")
    assert missing.returncode == 2 and "--witness-of needs --siglum" in missing.stderr
    nowhere = run_cli("import", str(pbs), "--into", str(collection), "--witness-of", "unamir-999", "--siglum", "Q")
    assert nowhere.returncode == 2 and "there is no document unamir-999" in nowhere.stderr


def test_an_editors_save_during_the_collation_is_never_overwritten(collection, pbs, monkeypatch):
    import cable_edition.collate as collating
    from cable_edition.diagnostics import UserError

    target = collection / "unamir-100.xml"
    real = collating.read_transcription

    def editor_saves_meanwhile(path, max_bytes):
        target.write_bytes(target.read_bytes().replace(b"Contacts with Informant</title>",
                                                       b"Contacts with Informant</title><!-- saved -->", 1))
        return real(path, max_bytes)

    monkeypatch.setattr(collating, "read_transcription", editor_saves_meanwhile)
    with pytest.raises(UserError) as refused:
        collating.collate_witness(pbs, collection, "unamir-100", "P", normalise={"case"})
    assert "changed while it was being collated" in str(refused.value.diagnostics[0])
    assert b"<!-- saved -->" in target.read_bytes() and b"<app" not in target.read_bytes()
    assert sorted(p.name for p in collection.iterdir()) == ["register.xml", "unamir-100.xml"]


def test_the_collated_witness_is_built_as_a_view(collection, pbs, tmp_path):
    assert collate(collection, pbs, "--normalise", "case").returncode == 0
    out = tmp_path / "build"
    assert run_cli("build", str(collection), "--out", str(out)).returncode == 0
    text = (out / "unamir-100" / "unamir-100.witness-P.txt").read_text(encoding="utf-8")
    assert text.endswith("inform the Ambassad [P breaks off here]\n")


def test_a_third_witness_joins_the_readings_it_shares_and_reads_as_itself(collection, pbs, tmp_path):
    """Q: P's text, but with T's "initiative" and CR LF line ends. Where Q reads as P, Q
    joins P's reading; where it reads as T, the app does not name it (and the apparatus
    lists it with T); the document stays valid, and Q's text comes out as Q's."""
    assert collate(collection, pbs, "--normalise", "case").returncode == 0
    q = tmp_path / "q.txt"
    q.write_bytes(pbs.read_text(encoding="utf-8").replace("initiatives", "initiative").replace("\n", "\r\n")
                  .encode("utf-8"))
    third = run_cli("import", str(q), "--into", str(collection), "--witness-of", "unamir-100", "--siglum", "Q",
                    "--normalise", "case")
    assert third.returncode == 0, third.stderr
    tree = etree.parse(str(collection / "unamir-100.xml"))
    assert [r.get("wit") for r in tree.xpath("//tei:rdg", namespaces=NS)] == [
        "#unamir-100-P #unamir-100-Q", "#unamir-100-P #unamir-100-Q", "#unamir-100-P #unamir-100-Q",
        "#unamir-100-P #unamir-100-Q", "#unamir-100-P", "#unamir-100-P #unamir-100-Q"]
    assert len(tree.xpath("//tei:app", namespaces=NS)) == 6               # no app inside another
    assert run_cli("validate", str(collection)).returncode == 0
    expected = [line.casefold() for line in q.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")[5:]
                if line.strip()]
    assert [line.casefold() for line in witness_lines(tree, "#unamir-100-Q")] == expected
    out = tmp_path / "build"
    assert run_cli("build", str(collection), "--out", str(out)).returncode == 0
    reading = (out / "unamir-100" / "unamir-100.reading.txt").read_text(encoding="utf-8")
    assert "Paragraph 2: “initiative” T Q; “initiatives” P." in reading


def test_the_copy_text_collated_with_itself_has_no_variant(collection):
    t = ROOT / "tests" / "data" / "unamir-100-transcription.txt"
    result = run_cli("import", str(t), "--into", str(collection), "--witness-of", "unamir-100", "--siglum", "T2")
    assert result.returncode == 0 and "0 variant(s)" in result.stderr, result.stderr
    tree = etree.parse(str(collection / "unamir-100.xml"))
    assert not tree.xpath("//tei:app", namespaces=NS)
    assert witness_lines(tree, "#unamir-100-T2") == [text(b, "diplomatic") for b in blocks(tree, "reading")]


def test_a_collation_that_would_leave_the_document_invalid_writes_nothing(collection, pbs, monkeypatch):
    """A safety net, whatever the cause: the collated document is checked (RELAX NG,
    Schematron, witness rules) before it replaces the old one. Here the header it would
    write is made invalid on purpose."""
    import cable_edition.collate as collating
    from cable_edition.diagnostics import UserError

    real = collating._declare

    def declare_wrongly(root, *args):
        real(root, *args)
        root.find(f"{T}teiHeader").set("bogus", "yes")

    monkeypatch.setattr(collating, "_declare", declare_wrongly)
    before = (collection / "unamir-100.xml").read_bytes()
    with pytest.raises(UserError) as refused:
        collating.collate_witness(pbs, collection, "unamir-100", "P", normalise={"case"})
    messages = [str(d) for d in refused.value.diagnostics]
    assert any("the collation would leave the document invalid" in m for m in messages)
    assert any("(after collation)" in m and "[relaxng]" in m for m in messages)
    assert (collection / "unamir-100.xml").read_bytes() == before
    assert sorted(p.name for p in collection.iterdir()) == ["register.xml", "unamir-100.xml"]
