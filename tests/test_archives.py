"""Real cables from a real archive: every telegram of the FRUS corpus in ../shared/ imported
from FRUS's own TEI (``import --from frus``) gives a document whose facts are those
MANIFEST.json records and whose text is FRUS's, valid here and against tei_all; the corpus
builds into a collection beside UNAMIR: 100 whose every export says what the TEI says
(offices as organisations, markings as themselves); FRUS's TEI through validate is named as
another customisation; the register is only ever added to."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, TEI_DIR, run_cli
from tools import require

NS = {"t": "http://www.tei-c.org/ns/1.0"}
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


def text_of(element) -> str:
    """An element's text as printed: without the archive's footnotes, a withheld passage in
    its brackets, white space normalised."""
    parts = []
    for piece in element.xpath(".//text()[not(ancestor::t:note)]", namespaces=NS):
        parent = piece.getparent()
        in_gap = parent.tag == f"{{{NS['t']}}}desc" and piece.is_text
        parts.append(f"[{piece}]" if in_gap else piece)
    return " ".join("".join(parts).split())


@pytest.fixture(scope="module")
def corpus(shared) -> Path:
    return shared / "corpora" / "frus"


@pytest.fixture(scope="module")
def manifest(corpus) -> list[dict]:
    return json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(corpus, tmp_path_factory) -> Path:
    """Every telegram of the corpus imported into frus/ of a project folder of its own (the
    library call the CLI makes; the CLI itself is tested below)."""
    from cable_edition.archives.write import ArchiveImport, import_from_archive

    folder = tmp_path_factory.mktemp("frus-project")
    shutil.copy(ROOT / "pyproject.toml", folder)
    for source in sorted(corpus.glob("*.frus.xml")):
        import_from_archive(ArchiveImport("frus", source, folder / "frus"))
    return folder


def document(imported: Path, record: dict) -> etree._ElementTree:
    return etree.parse(str(imported / "frus" / f"{record['volume']}-{record['doc']}.xml"), PARSER)


def facts(tree: etree._ElementTree) -> dict:
    header = tree.find("t:teiHeader", NS)

    def texts(path: str) -> list[str]:
        return [" ".join("".join(e.itertext()).split()) for e in header.xpath(path, namespaces=NS)]

    def first(path: str):
        return (texts(path) or [None])[0]

    sent = header.find(".//t:correspAction[@type='sent']", NS)
    return {
        "sender": texts(".//t:correspAction[@type='sent']/*[self::t:orgName or self::t:persName]"),
        "recipients": texts(".//t:correspAction[@type='received'][not(@subtype)]/*[self::t:orgName or self::t:persName]"),
        "repeated_to": texts(".//t:correspAction[@subtype='info']/*"),
        "telegram_number": first(".//t:bibl[@type='cable']/t:idno[@type='cable-number']"),
        "classification": first(".//t:bibl[@type='cable']/t:note[@type='classification']"),
        "precedence": first(".//t:bibl[@type='cable']/t:note[@type='precedence']"),
        "handling": "; ".join(texts(".//t:bibl[@type='cable']/t:note[@type='handling']")) or None,
        "signed": "; ".join(text_of(e) for e in tree.iterfind(".//t:closer/t:signed", NS)) or None,
        "date": sent.find("t:date", NS).get("when", "")[:10],
        "dateline_when": sent.find("t:date", NS).get("when"),
        "time": sent.findtext("t:date", namespaces=NS),
        "paragraphs": len(tree.xpath("//t:body//t:p", namespaces=NS)),
        "gaps": len(tree.xpath("//t:body//t:gap[@reason='not-declassified'][not(ancestor::t:note)]", namespaces=NS)),
        "source_note": first(".//t:bibl[@type='cable']/t:note[@type='source']"),
        "archive_id": first(".//t:bibl[@type='cable']/t:idno[@type='archive'][@subtype='frus']"),
    }


def expected(record: dict) -> dict:
    return {
        "sender": [record["sender"]], "recipients": record["recipients"] + record["also_sent_to"],
        "repeated_to": record["repeated_to"], "telegram_number": record["telegram_number"],
        "classification": record["classification"], "precedence": record["precedence"],
        "handling": record["handling"], "signed": record["signed"], "date": record["date"],
        "dateline_when": record["dateline_when"], "paragraphs": record["text_paragraphs"],
        "gaps": record["not_declassified_gaps"],
        "source_note": (record["source_note"] or record.get("source_in_body", "")).strip("[]"),
        "archive_id": f"{record['volume']}-{record['doc']}",
    }


def test_every_telegram_imported_from_frus_tei_has_the_facts_frus_states(imported, manifest):
    assert len(manifest) == 29
    wrong = []
    for record in manifest:
        got, want = facts(document(imported, record)), expected(record)
        got_time = got.pop("time")
        wrong += [(record["doc"], key, got[key], want[key]) for key in want if got[key] != want[key]]
        if record["time"] and not got_time.endswith(record["time"]):
            wrong.append((record["doc"], "time", got_time, record["time"]))
    assert wrong == []


def test_the_text_is_frus_text_paragraph_for_paragraph(imported, manifest, corpus):
    """The paragraphs, labels and block quotations, without FRUS's footnotes, are the lines
    of the text FRUS prints (the .txt: heading, dateline, then the body; the signature last)."""
    for record in manifest:
        tree = document(imported, record)
        lines = [line for line in (corpus / record["file"]).read_text(encoding="utf-8").split("\n")[3:] if line]
        ours = [text_of(p) for p in tree.xpath("//t:body//t:p", namespaces=NS)]
        if record["signed"]:
            assert lines.pop() == record["signed"], record["doc"]
        assert ours == lines, record["doc"]
        dateline = tree.find(".//t:opener/t:dateline", NS)
        assert text_of(dateline) == record["dateline"], record["doc"]


def test_offices_persons_and_places_point_to_register_records_said_to_come_from_frus(imported):
    register = etree.parse(str(imported / "frus" / "register.xml"), PARSER)
    offices = {o.findtext("t:orgName", namespaces=NS): o for o in register.iterfind(".//t:org", NS)}
    assert {"Department of State", "Embassy in Lebanon", "Embassy in Thailand", "London"} <= set(offices)
    assert "FRUS" in offices["Department of State"].findtext("t:note", namespaces=NS)
    persons = register.findall(".//t:person", NS)
    assert persons and all("its person id p_" in p.findtext("t:note", namespaces=NS) for p in persons)
    assert register.find(".//t:idno", NS) is None                    # no authority identifier invented
    d24 = etree.parse(str(imported / "frus" / "frus1958-60v11-d24.xml"), PARSER)
    assert d24.xpath("string(//t:correspAction[@type='sent']/t:orgName/@ref)", namespaces=NS) == \
        "register.xml#org-embassy-in-lebanon"
    assert d24.find(".//t:correspAction[@type='sent']/t:persName", NS) is None
    signer = d24.find(".//t:closer/t:signed/t:persName", NS)
    assert signer.get("ref") == "register.xml#pers-frus1958-60v11-p_MCRM1" and signer.text == "McClintock"
    notes = d24.findall(".//t:body//t:note[@type='archive']", NS)
    assert [(n.get("n"), "".join(n.itertext())) for n in notes] == [("2", "Supra."), ("3", "Not found.")]
    assert all(n.get("resp") == "#frus1958-60v11-d24-archive" for n in notes)
    assert d24.xpath("string(//t:bibl[@type='cable']/t:ref[@type='archive']/@target)", namespaces=NS) == \
        "https://history.state.gov/historicalDocuments/frus1958-60v11/d24"


def test_not_declassified_passages_are_gaps_with_the_extent_frus_prints(imported):
    d27 = etree.parse(str(imported / "frus" / "frus1958-60v11-d27.xml"), PARSER)
    gap = d27.find(".//t:body//t:gap[@reason='not-declassified']", NS)
    assert gap.findtext("t:desc", namespaces=NS) == "less than 1 line of source text not declassified"
    assert gap.get("extent") == "less than 1 line"


def test_imported_documents_validate_and_conform_to_tei_all(imported, shared):
    result = run_cli("validate", "frus", cwd=imported)
    assert result.returncode == 0 and "30 file(s): 0 error(s), 0 warning(s)" in result.stderr, result.stderr
    jing = require("pyjing", "jing validates against tei_all")
    checked = subprocess.run([jing, str(shared / "reference" / "tei" / "tei_all.rng"),
                              *map(str, sorted((imported / "frus").glob("*.xml")))],
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout[:2000]


# ------------------------------------------------------------------ the collection

@pytest.fixture(scope="module")
def collection(imported) -> Path:
    """The FRUS telegrams and the edition's own cable, built together."""
    shutil.copytree(TEI_DIR, imported / "tei")
    result = run_cli("build", "tei", "frus", "--out", "build", cwd=imported)
    assert result.returncode == 0, result.stderr
    return imported / "build"


def test_the_corpus_builds_beside_unamir_100_with_every_output(collection, manifest):
    listed = json.loads((collection / "collection.json").read_text(encoding="utf-8"))["documents"]
    assert len(listed) == 30
    for record in manifest:
        doc_id = f"{record['volume']}-{record['doc']}"
        names = {p.name for p in (collection / doc_id).iterdir()}
        assert {"index.html", f"{doc_id}.xml", f"{doc_id}.reading.txt", f"{doc_id}.dc.xml", f"{doc_id}.json",
                f"{doc_id}.csl.json"} <= names, doc_id
    static = etree.parse(str(collection / "oai-static.xml"), PARSER)
    identifiers = [e.text for e in static.iter("{http://www.openarchives.org/OAI/2.0/}identifier")]
    assert len(identifiers) == 30 and "oai:localhost:frus1969-76v20-d19" in identifiers


def test_every_export_represents_an_office_as_an_organisation(collection):
    doc = collection / "frus1958-60v11-d24"
    cmif = etree.parse(str(collection / "cmif.xml"), PARSER)
    action = cmif.xpath("//t:correspDesc[contains(@ref, 'frus1958-60v11-d24')]/t:correspAction[@type='sent']",
                        namespaces=NS)[0]
    assert [e.tag.split("}")[1] for e in action] == ["orgName", "placeName", "date"]
    assert action.findtext("t:orgName", namespaces=NS) == "Embassy in Lebanon"
    received = cmif.xpath("//t:correspDesc[contains(@ref, 'frus1958-60v11-d24')]/t:correspAction[@type='received']",
                          namespaces=NS)
    assert [r.findtext("t:orgName", namespaces=NS) for r in received] == ["Department of State"]  # not the info copies
    dc = etree.parse(str(doc / "frus1958-60v11-d24.dc.xml"), PARSER)
    DC = "{http://purl.org/dc/elements/1.1/}"
    assert [e.text for e in dc.iter(f"{DC}creator")] == ["Embassy in Lebanon"]
    assert [e.text for e in dc.iter(f"{DC}contributor")] == [
        "Department of State (recipient)", "Paris (information addressee)", "Rome (information addressee)",
        "London (information addressee)"]
    assert "Classification: Secret. Precedence: Priority." in dc.findtext(f"{DC}description")
    data = json.loads((doc / "frus1958-60v11-d24.json").read_text(encoding="utf-8"))
    assert data["sent"]["organisations"] == [{"name": "Embassy in Lebanon"}] and "persons" not in data["sent"]
    assert data["info"]["organisations"] == [{"name": n} for n in ("Paris", "Rome", "London")]
    assert data["markings"] == {"classification": "Secret", "precedence": "Priority", "handling": []}
    assert data["kind"] == "Telegram" and data["number"] == "3775" and data["signed"] == ["McClintock"]
    assert data["archive"] == [{"source": "frus", "id": "frus1958-60v11-d24",
                                "url": "https://history.state.gov/historicalDocuments/frus1958-60v11/d24"}]
    csl = json.loads((doc / "frus1958-60v11-d24.csl.json").read_text(encoding="utf-8"))[0]
    assert csl["author"] == [{"literal": "Embassy in Lebanon"}]
    assert csl["recipient"] == [{"literal": "Department of State"}]
    assert csl["issued"] == {"date-parts": [[1958, 5, 11]]} and csl["genre"] == "Telegram 3775"
    page = (doc / "index.html").read_text(encoding="utf-8")
    linked = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert linked["sender"] == [{"@type": "Organization", "name": "Embassy in Lebanon"}]
    assert linked["recipient"] == [{"@type": "Organization", "name": "Department of State"}]
    unamir = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>',
                                  (collection / "unamir-100" / "index.html").read_text(encoding="utf-8"),
                                  re.S).group(1))
    assert unamir["sender"][0]["@type"] == "Person"                 # a person stays a person


def test_search_finds_telegrams_by_their_markings_and_offices(collection, manifest, browser):
    """The facets of the search page, as a reader's browser runs them: classification,
    precedence and an office as sender pick exactly the telegrams the TEI says."""
    from test_search import Search, StaticServer

    want = {f"{r['volume']}-{r['doc']}" for r in manifest
            if r["classification"] == "Top Secret" and r["precedence"] == "Niact" and r["sender"] == "Embassy in Lebanon"}
    assert want
    server = StaticServer(collection)
    try:
        search = Search(browser, server.origin, {"classification": ["Top Secret"], "precedence": ["Niact"],
                                                  "sender": ["Embassy in Lebanon"]})
        assert set(search.cables()) == want
        search.close()
    finally:
        server.close()


def test_the_page_shows_frus_notes_dateline_and_signature_in_the_browser(collection, browser):
    page = browser.new_page()
    page.goto((collection / "frus1958-60v11-d24" / "index.html").as_uri())
    assert page.locator("p.dateline").inner_text() == "BeirutMay 11, 1958—8 p.m."
    assert page.locator(".signed").inner_text() == "McClintock"
    page.locator("sup.fn a").first.click()
    assert page.evaluate("location.hash") == "#frus1958-60v11-d24-fn1"
    assert page.locator("#frus1958-60v11-d24-fn1").inner_text().startswith("2. Supra.")
    meta = page.locator("aside.meta").inner_text()
    for shown in ("Embassy in Lebanon", "Information addressees", "Paris", "Secret", "Priority", "frus1958-60v11-d24"):
        assert shown.lower() in meta.lower(), shown
    page.close()


# ------------------------------------------------------------------ the CLI, volumes, the register

def volume(corpus: Path, *docs: str) -> str:
    """A FRUS volume file holding the corpus's documents ``docs`` (of frus1958-60v11)."""
    divs = [(corpus / f"frus1958-60v11-{d}.frus.xml").read_text(encoding="utf-8") for d in docs]
    return ('<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:frus="http://history.state.gov/frus/ns/1.0" '
            'xml:id="frus1958-60v11"><teiHeader><fileDesc><titleStmt><title>A volume</title></titleStmt>'
            '</fileDesc></teiHeader><text><body><div type="chapter">' + "".join(divs) +
            '<div type="document" xml:id="d99"><head>99. Memorandum of a Conversation</head><p>Not a '
            "telegram.</p></div></div></body></text></TEI>")


def test_import_from_a_volume_takes_its_telegrams_or_those_named(corpus, tmp_path):
    (tmp_path / "v.xml").write_text(volume(corpus, "d24", "d26"), encoding="utf-8")
    result = run_cli("import", "--from", "frus", "v.xml", "--into", "all", cwd=tmp_path)
    assert result.returncode == 0 and "wrote 2 document(s) into all: 0 error(s)" in result.stderr, result.stderr
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "frus1958-60v11-d24.xml", "frus1958-60v11-d26.xml", "register.xml"]
    result = run_cli("import", "--from", "frus", "v.xml", "--document", "d26", "--id", "beirut-3783",
                     "--into", "one", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "one" / "beirut-3783.xml").is_file(), result.stderr
    assert not (tmp_path / "one" / "frus1958-60v11-d24.xml").exists()
    missing = run_cli("import", "--from", "frus", "v.xml", "--document", "d98", "--into", "none", cwd=tmp_path)
    assert missing.returncode == 1 and "no document d98 in this file" in missing.stderr
    two = run_cli("import", "--from", "frus", "v.xml", "--id", "x", "--into", "none", cwd=tmp_path)
    assert two.returncode == 2 and "holds 2 telegrams: name one with --document dNN" in two.stderr
    again = run_cli("import", "--from", "frus", "v.xml", "--into", "all", cwd=tmp_path)
    assert again.returncode == 2 and "exists already: use --force" in again.stderr
    assert not (tmp_path / "none").exists() and "Traceback" not in missing.stderr + two.stderr + again.stderr


def test_what_is_not_frus_tei_is_refused_and_nothing_is_written(tmp_path):
    result = run_cli("import", "--from", "frus", str(TEI_DIR / "unamir-100.xml"), "--into", str(tmp_path / "t"))
    assert result.returncode == 1 and "is not a FRUS volume or document" in result.stderr, result.stderr
    assert not (tmp_path / "t").exists() and "Traceback" not in result.stderr


def test_the_register_is_added_to_and_no_record_of_it_changes(corpus, tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    register = (tei / "register.xml").read_text(encoding="utf-8")
    # the register already knows the Department of State, under its own id
    register = register.replace("    </listOrg>", "      <org xml:id=\"org-dos\">\n        <orgName>Department of State"
                                "</orgName>\n        <note>Known before.</note>\n      </org>\n    </listOrg>")
    (tei / "register.xml").write_text(register, encoding="utf-8")
    before = (tei / "register.xml").read_bytes()
    result = run_cli("import", "--from", "frus", str(corpus / "frus1958-60v11-d24.frus.xml"), "--into", str(tei))
    assert result.returncode == 0, result.stderr
    after = (tei / "register.xml").read_bytes()
    old = etree.fromstring(before, PARSER)
    new = etree.fromstring(after, PARSER)
    for record in old.iter("{*}person", "{*}org", "{*}place", "{*}bibl"):
        key = record.get("{http://www.w3.org/XML/1998/namespace}id")
        again = new.xpath(f"//*[@xml:id='{key}']")
        assert len(again) == 1 and etree.tostring(again[0], method="c14n") == etree.tostring(record, method="c14n")
    assert after.startswith(before[:before.index(b"</listPerson>")].rstrip())    # the text before, byte for byte
    assert new.xpath("count(//*[local-name()='orgName'][. = 'Department of State'])") == 1
    d24 = (tei / "frus1958-60v11-d24.xml").read_text(encoding="utf-8")
    assert 'ref="register.xml#org-dos">Department of State<' in d24
    # a second telegram adds only the records it lacks
    result = run_cli("import", "--from", "frus", str(corpus / "frus1958-60v11-d26.frus.xml"), "--into", str(tei))
    assert result.returncode == 0, result.stderr
    final = etree.fromstring((tei / "register.xml").read_bytes(), PARSER)
    ids = final.xpath("//@xml:id")
    assert len(ids) == len(set(ids)) and ids.count("org-embassy-in-lebanon") == 1
    assert run_cli("validate", str(tei)).returncode == 0


def test_validate_names_frus_tei_as_another_customisation_first(corpus, tmp_path):
    for path in (corpus / "frus1958-60v11-d24.frus.xml", tmp_path / "v.xml"):
        if path.parent == tmp_path:
            path.write_text(volume(corpus, "d24"), encoding="utf-8")
        result = run_cli("validate", str(path))
        first = result.stderr.splitlines()[0]
        assert result.returncode == 1 and first.startswith(f"{path}:"), result.stderr
        assert "is TEI of Foreign Relations of the United States (FRUS), not of this edition's" in first
        assert f"import it with: cable-edition import --from frus {path}" in first
        assert first.endswith("[other-customisation]") and len(result.stderr.splitlines()) > 2


# ------------------------------------------------------------------ text as printed

@pytest.fixture(scope="module")
def printed(corpus, tmp_path_factory) -> Path:
    """Every telegram of the corpus imported from its text as FRUS prints it."""
    from cable_edition.importer import import_transcription

    folder = tmp_path_factory.mktemp("printed")
    for source in sorted(corpus.glob("*.txt")):
        import_transcription(source, folder / "tei", doc_id=source.stem)
    return folder


def printed_facts(tree) -> dict:
    def texts(path):
        return [" ".join("".join(e.itertext()).split()) for e in tree.xpath(path, namespaces=NS)]
    return {
        "sender": texts("//t:correspAction[@type='sent']/*[self::t:orgName or self::t:persName]"),
        "recipients": texts("//t:correspAction[@type='received']/*[self::t:orgName or self::t:persName]"),
        "telegram_number": (texts("//t:bibl[@type='cable']/t:idno[@type='cable-number']") or [None])[0],
        "date": tree.xpath("string(//t:correspAction[@type='sent']/t:date/@when)", namespaces=NS)[:10],
        "signed": (texts("//t:closer/t:signed") or [None])[0],
        "paragraphs": [text_of(p) for p in tree.xpath("//t:body//t:p", namespaces=NS)],
        "gaps": len(tree.xpath("//t:body//t:gap[@reason='not-declassified']", namespaces=NS)),
        "dateline": (texts("//t:opener/t:dateline") or [None])[0],
    }


def test_every_telegram_imported_from_its_printed_text_is_a_draft_with_the_printed_facts(printed, manifest,
                                                                                       corpus):
    wrong = []
    for record in manifest:
        tree = etree.parse(str(printed / "tei" / f"{record['volume']}-{record['doc']}.xml"), PARSER)
        lines = [line for line in (corpus / record["file"]).read_text(encoding="utf-8").split("\n")[3:] if line]
        got = printed_facts(tree)
        want = {"sender": [record["sender"]], "recipients": record["recipients"],
                "telegram_number": record["telegram_number"], "date": record["date"], "signed": record["signed"],
                "paragraphs": lines[:-1] if record["signed"] else lines, "gaps": record["not_declassified_gaps"],
                "dateline": record["dateline"]}
        wrong += [(record["doc"], key, got[key], want[key]) for key in want if got[key] != want[key]]
        when = tree.xpath("string(//t:correspAction[@type='sent']/t:date/@when)", namespaces=NS)
        if record["time"]:
            zone = record["time"].endswith("Z")
            assert "T" in when and when.endswith("Z") == zone, (record["doc"], when)   # no zone invented
        # what the text cannot settle is a placeholder: the offices, the signer, the place
        assert tree.xpath("//t:correspAction[@type='sent']/*[1]/@type", namespaces=NS) == ["placeholder"]
        assert not tree.xpath("//@ref[starts-with(., 'register.xml')]", namespaces=NS), record["doc"]
    assert wrong == []


def test_printed_drafts_validate_with_only_placeholders_and_conform_to_tei_all(printed, shared):
    result = run_cli("validate", "tei", cwd=printed)
    assert result.returncode == 0 and "29 file(s): 0 error(s)" in result.stderr, result.stderr[-2000:]
    assert {line.rsplit("[", 1)[1] for line in result.stderr.splitlines()[:-1]} == {"placeholder]"}
    jing = require("pyjing", "jing validates against tei_all")
    checked = subprocess.run([jing, str(shared / "reference" / "tei" / "tei_all.rng"),
                              *map(str, sorted((printed / "tei").glob("*.xml")))],
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout[:2000]


def rewrapped(text: str, width: int) -> str:
    """Each paragraph broken into lines of at most ``width`` characters, at spaces."""
    out = []
    for block in text.split("\n"):
        line = ""
        for word in block.split(" "):
            if line and len(line) + 1 + len(word) > width:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        out.append(line)
    return "\n".join(out)


def test_typographic_variants_of_a_printed_telegram_give_the_same_draft(corpus, tmp_path):
    """CRLF, a no-break space and an en dash in the dateline, paragraphs re-wrapped: the same
    paragraphs, date and time."""
    source = (corpus / "frus1958-60v11-d27.txt").read_text(encoding="utf-8")
    head, dateline, rest = source.split("\n", 2)
    variant = "\r\n".join([head, dateline.replace(", ", ",\u00a0", 1).replace("—", "–"),
                           *rewrapped(rest, 61).split("\n")])
    (tmp_path / "plain.txt").write_text(source, encoding="utf-8")
    (tmp_path / "variant.txt").write_text(variant, encoding="utf-8")
    for name in ("plain", "variant"):
        result = run_cli("import", f"{name}.txt", "--into", name, "--id", name, cwd=tmp_path)   # one number: apart
        assert result.returncode == 0, result.stderr
    plain, variant = (printed_facts(etree.parse(str(tmp_path / n / f"{n}.xml"), PARSER))
                      for n in ("plain", "variant"))
    assert variant["paragraphs"] == plain["paragraphs"] and len(plain["paragraphs"]) == 12
    when = [etree.parse(str(tmp_path / n / f"{n}.xml"), PARSER).xpath(
        "string(//t:correspAction[@type='sent']/t:date/@when)", namespaces=NS) for n in ("plain", "variant")]
    assert when == ["1958-05-13T14:00:00", "1958-05-13T14:00:00"]


def test_a_no_break_space_after_a_paragraph_number_still_numbers_it(tmp_path):
    from conftest import DATA

    text = (DATA / "unamir-100-transcription.txt").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(- )?(\d)\. ", lambda m: f"{m.group(1) or ''}{m.group(2)}.\u00a0", text)
    (tmp_path / "nbsp.txt").write_text(text, encoding="utf-8")
    result = run_cli("import", "nbsp.txt", "--into", "tei", "--id", "nbsp", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    tree = etree.parse(str(tmp_path / "tei" / "nbsp.xml"), PARSER)
    assert len(tree.xpath("//t:body//t:p[t:label]", namespaces=NS)) >= 8
    assert "\u00a0" not in "".join(tree.xpath("//t:body//t:p/text()", namespaces=NS))
    assert "no-break spaces after paragraph numbers" in tree.findtext(".//t:segmentation/t:p", namespaces=NS)


def test_the_benchmark_measures_the_real_documents_beside_synthetic_ones(corpus, tmp_path):
    import sys

    result = subprocess.run([sys.executable, "-m", "cable_edition.bench", "real", "--frus", corpus.name,   # relative
                             "--rounds", "1", "--jobs", "1"], capture_output=True, text=True, timeout=600,
                            cwd=corpus.parent)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\| (real|synthetic) \| (\d+) \| ([\d.]+) \|", result.stdout, re.M)
    assert [r[0] for r in rows] == ["real", "synthetic"] and all(float(r[2]) > 0 for r in rows), result.stdout
    assert "29 FRUS telegrams beside 29 synthetic copies" in result.stdout
