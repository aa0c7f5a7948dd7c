"""Every pointer of the collection resolves, and every register record is used."""

from __future__ import annotations

from lxml import etree

from conftest import TEI_DIR
from teitext import NS

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def pointers(tree):
    for element in tree.iter():
        for name in ("ref", "source", "target", "resp", "who"):
            for pointer in (element.get(name) or "").split():
                yield element, name, pointer


def test_every_ref_source_and_target_resolves_and_every_record_is_used():
    trees = {p.name: etree.parse(str(p)) for p in sorted(TEI_DIR.glob("*.xml"))}
    ids = {name: {e.get(XML_ID) for e in tree.iter() if e.get(XML_ID)} for name, tree in trees.items()}
    used = set()
    checked = 0
    for name, tree in trees.items():
        for element, attribute, pointer in pointers(tree):
            if pointer.startswith(("http://", "https://")):
                continue
            file, _, fragment = pointer.partition("#")
            target_file = file or name
            assert target_file in ids and fragment in ids[target_file], \
                f"{name}:{element.sourceline}: @{attribute}={pointer!r} does not resolve"
            used.add((target_file, fragment))
            checked += 1
    assert checked > 50
    register = trees["register.xml"]
    records = register.xpath("//tei:standOff//*[@xml:id]", namespaces=NS)
    assert records
    unused = [r.get(XML_ID) for r in records if ("register.xml", r.get(XML_ID)) not in used]
    assert unused == []


def test_authority_identifiers_are_only_those_the_collation_verified():
    register = etree.parse(str(TEI_DIR / "register.xml"))
    idnos = {" ".join(i.text.split()) for i in register.xpath("//tei:idno[@type='wikidata' or "
                                                            "@type='geonames' or @type='viaf']", namespaces=NS)}
    assert idnos == {
        "https://www.wikidata.org/entity/Q1065", "https://www.geonames.org/5128581",
        "https://www.geonames.org/202061", "https://www.wikidata.org/entity/Q3859",
        "https://www.wikidata.org/entity/Q31", "https://www.wikidata.org/entity/Q142",
        "https://www.wikidata.org/entity/Q30",
    }
