"""Harvested: `cable-edition serve` answers OAI-PMH 2.0, as two independent harvesters from
PyPI (Sickle and oaipmh-scythe) see it, on 127.0.0.1 and an ephemeral port. A collection of
1,000 cables is harvested whole across resumption tokens; an incremental harvest returns
exactly what changed; every protocol error comes back for the request that should cause
it; every response is valid against the official OAI-PMH.xsd; and the static repository
oai-static.xml is valid and complete."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, TEI_DIR

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
COUNT = 1000


@pytest.fixture(scope="module")
def schemas(shared):
    """The official OAI-PMH and DRIVER schemas, in ../shared/."""
    return {name: etree.XMLSchema(etree.parse(str(shared / "reference" / "oai" / name), PARSER))
            for name in ("OAI-PMH.xsd", "driver-OAI-PMH-oai_dc.xsd", "driver-static-repository.xsd")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """1,000 varied cables (the benchmark's), built; then served."""
    from cable_edition.bench import make_collection

    folder = tmp_path_factory.mktemp("harvest")
    shutil.copy(ROOT / "pyproject.toml", folder)
    make_collection(TEI_DIR, folder / "tei", COUNT)
    built = subprocess.run([sys.executable, "-m", "cable_edition", "build", "tei", "--jobs", "2"], cwd=folder,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    server = subprocess.Popen([sys.executable, "-m", "cable_edition", "serve", "--port", "0"], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, line
    yield folder, f"http://127.0.0.1:{found.group(1)}/oai"
    server.terminate()
    server.wait(timeout=30)


def fetch(url: str, data: dict | None = None, method: str = "GET") -> etree._Element:
    if method == "POST":
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data or {}).encode(), method="POST")
    else:
        request = urllib.request.Request(url + ("?" + urllib.parse.urlencode(data, doseq=True) if data else ""))
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/xml")
        return etree.fromstring(response.read(), PARSER)


def valid(schemas, response: etree._Element) -> None:
    has_metadata = response.find(f".//{OAI}metadata") is not None
    schema = schemas["driver-OAI-PMH-oai_dc.xsd" if has_metadata else "OAI-PMH.xsd"]
    assert schema.validate(response), schema.error_log


def dc_fields(element: etree._Element) -> list[tuple[str, str]]:
    return [(etree.QName(e).localname, " ".join((e.text or "").split())) for e in element]


def published_dc(folder: Path, doc_id: str) -> list[tuple[str, str]]:
    return dc_fields(etree.parse(str(folder / "build" / doc_id / f"{doc_id}.dc.xml"), PARSER).getroot())


def doc_ids(folder: Path) -> list[str]:
    return sorted(p.stem for p in (folder / "tei").glob("*.xml") if p.name != "register.xml")


def test_sickle_harvests_every_record_across_resumption_tokens(site):
    sickle = pytest.importorskip("sickle")
    folder, url = site
    harvester = sickle.Sickle(url)
    assert harvester.Identify().repositoryName.endswith("cable-edition")
    seen = {}
    for record in harvester.ListRecords(metadataPrefix="oai_dc"):
        identifier = record.header.identifier
        assert identifier not in seen, f"{identifier} came twice"
        seen[identifier] = record
    assert len(seen) == COUNT
    assert sorted(i.rsplit(":", 1)[1] for i in seen) == doc_ids(folder)
    for identifier, record in list(seen.items())[::97]:
        doc_id = identifier.rsplit(":", 1)[1]
        assert identifier == f"oai:localhost:{doc_id}"
        metadata = record.xml.find(f"{OAI}metadata")[0]
        assert dc_fields(metadata) == published_dc(folder, doc_id)


def test_oaipmh_scythe_harvests_the_same(site):
    scythe = pytest.importorskip("oaipmh_scythe")
    folder, url = site
    with scythe.Scythe(url) as harvester:
        headers = [h.identifier for h in harvester.list_identifiers(metadata_prefix="oai_dc")]
        assert len(headers) == len(set(headers)) == COUNT
        records = list(harvester.list_records(metadata_prefix="oai_dc"))
        assert len(records) == COUNT
        some = records[500]
        doc_id = some.header.identifier.rsplit(":", 1)[1]
        assert dc_fields(some.xml.find(f"{OAI}metadata")[0]) == published_dc(folder, doc_id)
        one = harvester.get_record(identifier=f"oai:localhost:{doc_id}", metadata_prefix="oai_dc")
        assert one.header.identifier == some.header.identifier


def test_resumption_pages_carry_cursor_and_complete_list_size(site, schemas):
    _, url = site
    page = fetch(url, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    cursors, identifiers = [], []
    while True:
        valid(schemas, page)
        identifiers += [e.text for e in page.iter(f"{OAI}identifier")]
        token = page.find(f".//{OAI}resumptionToken")
        assert token.get("completeListSize") == str(COUNT)
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        page = fetch(url, {"verb": "ListIdentifiers", "resumptionToken": token.text})
    assert cursors == list(range(0, COUNT, 100)) and len(identifiers) == len(set(identifiers)) == COUNT
    post = fetch(url, {"verb": "ListRecords", "metadataPrefix": "oai_dc"}, method="POST")   # POST as well
    valid(schemas, post)
    assert len(post.findall(f".//{OAI}record")) == 100


def test_an_incremental_harvest_returns_exactly_what_changed(site, schemas):
    sickle = pytest.importorskip("sickle")
    folder, url = site
    changed = doc_ids(folder)[::250]
    for doc_id in changed:
        path = folder / "tei" / f"{doc_id}.xml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(<revisionDesc>\s*)", r'\1<change when="2030-06-01" who="#' + doc_id +
                      '-editors">Corrected after the harvest test.</change>\n      ', text, count=1)
        path.write_text(text, encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "cable_edition", "build", "tei"], cwd=folder,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    assert built.stderr.startswith(f"built {len(changed)},")
    harvested = [r.header.identifier.rsplit(":", 1)[1]
                 for r in sickle.Sickle(url).ListRecords(metadataPrefix="oai_dc", **{"from": "2030-06-01"})]
    assert sorted(harvested) == sorted(changed)
    for doc_id in changed:
        record = fetch(url, {"verb": "GetRecord", "identifier": f"oai:localhost:{doc_id}", "metadataPrefix": "oai_dc"})
        valid(schemas, record)
        assert record.find(f".//{OAI}datestamp").text == "2030-06-01"
    until = fetch(url, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "2030-05-31"})
    assert until.find(f".//{OAI}resumptionToken").get("completeListSize") == str(COUNT - len(changed))


ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Dance"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2001-02-30"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2001-01-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2002-01-01", "until": "2001-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": "WyJ2OTk5OTk5Iiwib2FpX2RjIiwiIiwiIiwxMDBd"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:cable-00001", "metadataPrefix": "mods"},
     "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:no-such-cable", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "oai:elsewhere.org:cable-00001", "metadataPrefix": "oai_dc"},
     "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:localhost:nothing"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "1990-01-01", "until": "1990-12-31"},
     "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "cables"}, "noSetHierarchy"),
    ({"verb": "ListSets"}, "noSetHierarchy"),
]


@pytest.mark.parametrize("arguments, code", ERRORS, ids=[f"{c}-{n}" for n, (_, c) in enumerate(ERRORS)])
def test_each_protocol_error_for_the_request_that_causes_it(site, schemas, arguments, code):
    _, url = site
    response = fetch(url, arguments)
    valid(schemas, response)
    errors = response.findall(f"{OAI}error")
    assert [e.get("code") for e in errors] == [code], etree.tostring(response)
    request = response.find(f"{OAI}request")
    assert request.text == url
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}               # the protocol says: echo no arguments then


def test_every_verb_answers_validly(site, schemas):
    _, url = site
    identify = fetch(url, {"verb": "Identify"})
    valid(schemas, identify)
    assert identify.findtext(f".//{OAI}baseURL") == url
    assert identify.findtext(f".//{OAI}granularity") == "YYYY-MM-DD"
    assert re.fullmatch(r"\S+@(\S+\.)+\S+", identify.findtext(f".//{OAI}adminEmail"))
    for arguments in ({"verb": "ListMetadataFormats"},
                      {"verb": "ListMetadataFormats", "identifier": "oai:localhost:cable-00007"},
                      {"verb": "GetRecord", "identifier": "oai:localhost:cable-00007", "metadataPrefix": "oai_dc"},
                      {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2000-01-01"},
                      {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2100-01-01"}):
        response = fetch(url, arguments)
        valid(schemas, response)
        assert response.find(f"{OAI}error") is None, etree.tostring(response)
        assert response.find(f"{OAI}request").attrib == arguments


def test_the_static_repository_is_valid_and_holds_every_record(site, schemas):
    folder, _ = site
    static = etree.parse(str(folder / "build" / "oai-static.xml"), PARSER)
    schema = schemas["driver-static-repository.xsd"]
    assert schema.validate(static), schema.error_log
    records = static.findall(f".//{OAI}record")
    ids = [r.findtext(f"{OAI}header/{OAI}identifier").rsplit(":", 1)[1] for r in records]
    assert sorted(ids) == doc_ids(folder)
    for record in records[::131]:
        doc_id = record.findtext(f"{OAI}header/{OAI}identifier").rsplit(":", 1)[1]
        assert dc_fields(record.find(f"{OAI}metadata")[0]) == published_dc(folder, doc_id)


def test_the_preview_serves_the_build_and_nothing_else(site):
    folder, url = site
    root = url.removesuffix("oai")
    with urllib.request.urlopen(root, timeout=30) as response:
        assert b"Code cables: the collection" in response.read()
    with urllib.request.urlopen(root + "cable-00003/cable-00003.csl.json", timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
    for hidden in (".manifest.json", "../pyproject.toml", "%2e%2e/pyproject.toml", ".cable-edition",
                   "cable-00003/.fragments"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(root + hidden, timeout=30)
        assert refused.value.code == 404
