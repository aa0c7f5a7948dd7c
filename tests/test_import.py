"""cable-edition import: a plain-text transcription becomes a TEI skeleton that passes the
schema, whose diplomatic text equals the transcription after the declared normalisations;
what it cannot know is left as placeholders (warnings); nothing is dropped or overwritten."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DATA, run_cli
from test_text_views import declared_normalisation

TRANSCRIPTION = (DATA / "unamir-100-transcription.txt").read_text(encoding="utf-8")
UNKNOWN_LINE = "Priority: Most Immediate"

VARIANTS = {
    "as-published": TRANSCRIPTION,
    "no-list-markers": re.sub(r"(?m)^- ", "", TRANSCRIPTION),
    "crlf-line-ends": TRANSCRIPTION.replace("\n", "\r\n"),
    "unknown-heading-line": TRANSCRIPTION.replace("Subject: Contacts with Informant\n",
                                                  f"Subject: Contacts with Informant\n\n{UNKNOWN_LINE}\n"),
}


def import_and_build(tmp_path: Path, text: str, *extra: str):
    source = tmp_path / "cable.txt"
    source.write_bytes(text.encode("utf-8"))
    imported = run_cli("import", str(source), "--id", "cable-1", "--into", str(tmp_path / "tei"), *extra)
    return source, imported


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_an_imported_transcription_validates_and_reads_as_transcribed(tmp_path, variant):
    text = VARIANTS[variant]
    _, imported = import_and_build(tmp_path, text)
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr
    assert ": error: " not in imported.stderr
    assert "[placeholder]" in imported.stderr            # what it could not know, as warnings

    validated = run_cli("validate", str(tmp_path / "tei"))
    assert validated.returncode == 0, validated.stderr
    built = run_cli("build", str(tmp_path / "tei"), "--out", str(tmp_path / "build"), "--drafts")
    assert built.returncode == 0, built.stderr
    diplomatic = (tmp_path / "build" / "cable-1" / "cable-1.diplomatic.txt").read_text(encoding="utf-8")
    assert diplomatic.split("\n")[:-1] == declared_normalisation(text.replace("\r\n", "\n"))


def test_an_unknown_heading_line_is_kept_and_reported(tmp_path):
    source, imported = import_and_build(tmp_path, VARIANTS["unknown-heading-line"])
    assert imported.returncode == 0
    line = VARIANTS["unknown-heading-line"].split("\n").index(UNKNOWN_LINE) + 1
    assert re.search(rf"^{re.escape(str(source))}:{line}:1: warning: heading line of an unknown kind, kept as "
                     rf"<item n=\"other\">: '{UNKNOWN_LINE}' \[import\]$", imported.stderr, re.M), imported.stderr
    tei = (tmp_path / "tei" / "cable-1.xml").read_text(encoding="utf-8")
    assert '<item n="other">' in tei and "Most Immediate" in tei


def test_the_cable_imports_into_the_structure_the_edition_uses(tmp_path):
    from lxml import etree

    _, imported = import_and_build(tmp_path, TRANSCRIPTION)
    assert imported.returncode == 0
    tree = etree.parse(str(tmp_path / "tei" / "cable-1.xml"))
    ns = {"tei": "http://www.tei-c.org/ns/1.0"}
    assert tree.xpath("count(//tei:body//tei:p[@n])", namespaces=ns) == 8
    assert tree.xpath("//tei:body//tei:p/@xml:id", namespaces=ns) == [f"cable-1-p{n}" for n in range(1, 9)]
    assert [i.get("n") for i in tree.xpath("//tei:list[@type='heading']/tei:item", namespaces=ns)] == \
        ["to", "distribution", "from", "number", "subject"]
    assert tree.xpath("string(//tei:bibl[@type='cable']/tei:idno)", namespaces=ns) == "UNAMIR: 100"
    assert tree.xpath("string(//tei:bibl[@type='cable']/tei:title)", namespaces=ns) == "Contacts with Informant"
    assert [" ".join("".join(ab.itertext()).split()) for ab in tree.xpath("//tei:front//tei:ab", namespaces=ns)] \
        == ["Cable to Dallaire from UN", "January 11, 1994 Kofi Annan"]
    assert tree.xpath("//tei:front//tei:date/@when", namespaces=ns) == ["1994-01-11"]
    assert tree.xpath("//tei:correspAction[@type = 'sent']/tei:date/@when", namespaces=ns) == ["1994-01-11"]
    assert tree.xpath("string(//tei:closer/tei:salute)", namespaces=ns) == "Regards."
    assert [pi.text.split('"')[1] for pi in tree.xpath("/processing-instruction('xml-model')")] == \
        ["../schema/cable.rng", "../schema/cable.sch"]


def test_an_existing_document_is_never_overwritten_without_force(tmp_path):
    _, first = import_and_build(tmp_path, TRANSCRIPTION)
    assert first.returncode == 0
    target = tmp_path / "tei" / "cable-1.xml"
    target.write_text(target.read_text(encoding="utf-8") + "<!-- an editor's work -->\n", encoding="utf-8")
    before = target.read_bytes()
    _, again = import_and_build(tmp_path, TRANSCRIPTION)
    assert again.returncode == 2 and "exists already: use --force" in again.stderr
    assert target.read_bytes() == before
    _, forced = import_and_build(tmp_path, TRANSCRIPTION, "--force")
    assert forced.returncode == 0 and target.read_bytes() != before


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf-8 \x80", "the transcription is not UTF-8 text"),
    (b"To: someone\nno numbered paragraph here\n", "no numbered paragraph"),
])
def test_what_is_not_a_transcription_is_refused(tmp_path, content, message):
    source = tmp_path / "bad.txt"
    source.write_bytes(content)
    result = run_cli("import", str(source), "--into", str(tmp_path / "tei"))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "tei" / "bad.xml").exists()
