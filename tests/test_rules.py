"""Every rule has a fixture that breaks exactly it, and the validator reports exactly that
rule at the right line; the valid fixtures raise nothing. Fixtures say on top what they
test: "expect: valid" or "expect: <rule-id> at line <n>"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree, isoschematron

from cable_edition.validate import validate
from conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
EXPECT = re.compile(r"expect: (?:(valid)|([\w-]+) at line (\d+)(?:; also ([\w-]+))?)")

# Rules made by cable-edition validate itself rather than by cable.sch.
PYTHON_RULES = {"pointer-resolves", "id-unique", "record-unused", "relaxng", "well-formed", "id-characters", "witness-siglum", "app-witness",
                "app-witness-once", "app-copy-text", "pi-target", "cable-number-unique",
                "id-dot", "id-length", "id-reserved", "id-case", "register-missing", "other-customisation"}
WARNINGS = {"record-unused", "placeholder", "heading-names"}


def cases():
    for entry in sorted(FIXTURES.glob("tst*")):
        files = sorted(entry.glob("*.xml")) if entry.is_dir() else [entry]
        for file in files:
            found = EXPECT.search(file.read_text(encoding="utf-8")[:600])
            if found:
                yield pytest.param(entry, file, found.group(2), int(found.group(3) or 0), found.group(4),
                                   id=entry.stem)


@pytest.mark.parametrize("entry, file, rule, line, also", list(cases()))
def test_fixture_fires_exactly_its_rule_at_its_line(entry, file, rule, line, also):
    """``also``: a rule that cannot but fire with it (an id starting with '.' is no XML name
    either, so RELAX NG rejects it too)."""
    report = validate([entry])
    if rule is None:
        assert report.diagnostics == [] and report.valid
        return
    assert {d.rule for d in report.diagnostics} == {rule} | ({also} if also else set()), \
        [str(d) for d in report.diagnostics]
    assert any(d.path == str(file) and d.line == line and d.column > 0 for d in report.diagnostics), \
        [str(d) for d in report.diagnostics]
    severity = "warning" if rule in WARNINGS else "error"
    assert {d.severity for d in report.diagnostics if d.rule == rule} == {severity}
    assert report.valid == (severity == "warning")


def test_every_rule_has_a_fixture_that_breaks_it():
    schematron = etree.parse(str(ROOT / "schema" / "cable.sch"))
    rule_ids = set(schematron.xpath("//sch:assert/@id | //sch:report/@id",
                                    namespaces={"sch": "http://purl.oclc.org/dsdl/schematron"}))
    assert len(rule_ids) >= 15
    covered = {case.values[2] for case in cases()}
    assert rule_ids | PYTHON_RULES <= covered, sorted((rule_ids | PYTHON_RULES) - covered)


def test_every_schematron_assertion_has_an_id_a_role_and_a_message():
    schematron = etree.parse(str(ROOT / "schema" / "cable.sch"))
    for check in schematron.xpath("//sch:assert | //sch:report",
                                  namespaces={"sch": "http://purl.oclc.org/dsdl/schematron"}):
        assert check.get("id") and check.get("role") in {"error", "warning"}
        assert len(" ".join(check.itertext()).split()) >= 8, check.get("id")


def test_valid_fixtures_cover_every_kind_of_intervention():
    kinds = set()
    for file in FIXTURES.glob("tst*-valid-*.xml"):
        tree = etree.parse(str(file))
        kinds |= {etree.QName(e).localname for e in tree.iter("{*}sic", "{*}orig", "{*}abbr", "{*}surplus")}
    assert kinds == {"sic", "orig", "abbr", "surplus"}


def test_skipping_the_hidden_character_rule_never_changes_a_report(tmp_path):
    """validate runs the Schematron without its costliest rule when the source cannot hold
    a hidden character: on every fixture, the report is the full Schematron's; and a hidden
    character written as a character reference is still found."""
    from cable_edition.load import load
    from cable_edition.project import SCHEMA_DIR
    from cable_edition.validate import check_schematron

    skeleton = isoschematron.Schematron(etree.parse(str(SCHEMA_DIR / "cable.sch")), store_report=True)

    def full(loaded):                                 # every rule, by the ISO skeleton
        skeleton.validate(loaded.tree)
        return sorted((f.get("id"), f.get("location")) for f in skeleton.validation_report.iter(
            "{http://purl.oclc.org/dsdl/svrl}failed-assert"))

    files = [f for f in FIXTURES.rglob("tst*.xml")] + [ROOT / "tei" / "unamir-100.xml"]
    for file in files:
        try:
            loaded = load(file)
        except Exception:
            continue                                  # the well-formedness fixture
        ours = sorted((d.rule, d.line) for d in check_schematron(loaded))
        assert [r for r, _ in ours] == sorted(r for r, _ in full(loaded)), file
    referenced = tmp_path / "ref.xml"
    referenced.write_text((FIXTURES / "tst000-valid-minimal.xml").read_text(encoding="utf-8")
                          .replace("Fixture subject</title>", "Fixture&#x200B;subject</title>", 1), encoding="utf-8")
    assert "invisible-characters" in {d.rule for d in check_schematron(load(referenced))}


def _svrl(report, tree) -> list[tuple]:
    """A report as what each failure says and the node it names, in order."""
    svrl = "{http://purl.oclc.org/dsdl/svrl}"
    return [(f.tag, f.get("id"), f.get("role"), " ".join(f.findtext(f"{svrl}text", "").split()),
             tree.xpath(f.get("location"))[0])
            for f in report.iter(f"{svrl}failed-assert", f"{svrl}successful-report")]


@pytest.mark.parametrize("phase", ["#ALL", "without-hidden-characters"])
def test_the_compiled_schematron_reports_exactly_what_the_iso_skeleton_reports(phase, tmp_path):
    """cable.sch compiled to one pass per pattern (schematron.py) against lxml's ISO
    skeleton: the same failures, messages and nodes, in the same order, on every fixture, the
    cable, and copies of it broken in ways the fixtures are not (several failures at once,
    in several patterns, hidden characters in text and attributes)."""
    from cable_edition.project import SCHEMA_DIR
    from cable_edition.schematron import compile_schematron

    schema = etree.parse(str(SCHEMA_DIR / "cable.sch"))
    ours = compile_schematron(schema, phase)
    assert ours is not None
    skeleton = isoschematron.Schematron(schema, phase=phase, store_report=True)
    cable = (ROOT / "tei" / "unamir-100.xml").read_text(encoding="utf-8")
    broken = {
        "many": cable.replace('<p n="2" xml:id="unamir-100-p2">', '<p n="5" xml:id="x-p2">', 1)
                     .replace('resp="#unamir-100-editors" cert="high"', 'cert="low"', 2)
                     .replace("<label>3.</label>", "<label>3</label>", 1),
        "hidden": cable.replace("Contacts with Informant</title>", "Contacts\u200b with Informant</title>", 1)
                       .replace('n="1" xml:id="unamir-100-p1"', 'n="1" xml:id="unamir-100-p1" rend="\u202e"', 1),
    }
    files = [f for f in FIXTURES.rglob("tst*.xml")] + [ROOT / "tei" / "unamir-100.xml"]
    for name, text in broken.items():
        (tmp_path / f"{name}.xml").write_text(text, encoding="utf-8")
        files.append(tmp_path / f"{name}.xml")
    compared = 0
    for file in files:
        try:
            tree = etree.parse(str(file))
        except etree.XMLSyntaxError:
            continue                                  # the well-formedness fixture
        skeleton.validate(tree)
        expected = _svrl(skeleton.validation_report, tree)
        assert _svrl(ours(tree), tree) == expected, file
        compared += len(expected)
    assert compared > 20


def test_a_schema_beyond_the_compiled_subset_is_left_to_the_iso_skeleton():
    from cable_edition.schematron import compile_schematron

    sch = ('<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron"><sch:pattern>'
           '<sch:rule context="a"><sch:assert test="b" diagnostics="d">x</sch:assert></sch:rule></sch:pattern>'
           '<sch:diagnostics><sch:diagnostic id="d">y</sch:diagnostic></sch:diagnostics></sch:schema>')
    assert compile_schematron(etree.ElementTree(etree.fromstring(sch))) is None
    keyed = sch.replace("<sch:pattern>", '<xsl:key xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="k" '
                        'match="a" use="."/><sch:pattern>')
    assert compile_schematron(etree.ElementTree(etree.fromstring(keyed))) is None
    plain = sch.replace(' diagnostics="d"', "").replace('<sch:diagnostics><sch:diagnostic id="d">y</sch:diagnostic></sch:diagnostics>', "")
    validator = compile_schematron(etree.ElementTree(etree.fromstring(plain)))
    report = validator(etree.ElementTree(etree.fromstring("<r><a/><a><b/></a></r>")))
    assert [f.get("location") for f in report.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert")] == ["/*[1]/*[1]"]
