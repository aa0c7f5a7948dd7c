"""Nothing hostile runs, leaks or breaks: hostile strings in every field of a valid cable
and in the settings leave every output well-formed, valid and inert in Chromium; `serve`
answers OAI-PMH only from the published, non-draft records of this output and follows no
link out of the build, with bounded bodies, threads and idle connections; import, merge
and the cluster driver write only where they own; ordinary mistakes are one clear line."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html import escape
from pathlib import Path

import pytest
from lxml import etree

from conftest import CABLE, DATA, ROOT, TEI_DIR, copy_of, leftovers, run_cli
from tools import vnu

PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
OAI = "{http://www.openarchives.org/OAI/2.0/}"
SOURCE = CABLE.read_text(encoding="utf-8")

# Markup, comment and CDATA openers, quotes, script closers, URLs that run script, template
# syntax, JavaScript's own line separators and an escape spelled out.
HOSTILE = [
    '<img src="y" onerror="alert(1)">',
    '"><script>alert(2)</script>',
    "<!--<script>",
    "</script><script>alert(3)</script>",
    "javascript:alert(4)",
    "' onmouseover='alert(5)' x='",
    "]]>&amp;lt;b&gt;<![CDATA[",
    "{{constructor.constructor('alert(6)')()}}",
    "\u2028\u2029\\u003cscript\\u003e",
]
IN_REGISTER = '<svg onload="alert(7)">'
PUBLISHER = 'P <img src=x onerror="alert(8)"> & "Q"'
EDITOR = "E </script><script>alert(9)</script>"


def hostile_cable(doc_id: str, hostile: str) -> str:
    """The edition's cable with ``hostile`` (as text: escaped in the TEI) in its number, its
    subject, a paragraph, a note, a person's name, and an http link's target."""
    text = escape(hostile, quote=False)
    cable = copy_of(SOURCE, doc_id).replace(f"UNAMIR: 100 ({doc_id})", f"{text} {doc_id}")
    cable = cable.replace("Contacts with Informant", f"Contacts {text}")
    cable = cable.replace("We have carefully reviewed", f"We have {text} carefully reviewed", 1)
    cable = cable.replace("Outgoing code cable from", f"Outgoing {text} code cable from", 1)
    cable = cable.replace("Kofi Annan", f"Kofi {escape(IN_REGISTER, quote=False)} Annan")
    # (a javascript: pointer is refused by validate: pointer-resolves, tested with the rules)
    return cable.replace('target="https://www.pbs.org/wgbh/pages/frontline/shows/evil/warning/unresponse.html"',
                         f'target="https://example.org/{urllib.parse.quote(hostile, safe="")}"')


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    tei = folder / "tei"
    tei.mkdir()
    register = (TEI_DIR / "register.xml").read_text(encoding="utf-8")
    (tei / "register.xml").write_text(register.replace("<persName>Kofi Annan</persName>",
                                                       f"<persName>Kofi {escape(IN_REGISTER, quote=False)} Annan"
                                                       "</persName>"), encoding="utf-8")
    for n, hostile in enumerate(HOSTILE):
        (tei / f"h{n}.xml").write_text(hostile_cable(f"h{n}", hostile), encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        "[tool.cable-edition]\n"
        f'base-url = "http://localhost:8000/"\npublisher = {json.dumps(PUBLISHER)}\n'
        f'editors = [{json.dumps(EDITOR)}]\nadmin-email = "editors@example.org"\n', encoding="utf-8")
    checked = run_cli("validate", "tei", cwd=folder)
    assert checked.returncode == 0 and " 0 error(s)" in checked.stderr, checked.stderr
    built = run_cli("build", "tei", "--out", "build", cwd=folder)
    assert built.returncode == 0, built.stderr
    return Path(os.path.realpath(folder / "build"))


def test_hostile_strings_reach_every_output_well_formed(hostile_build):
    xml = list(hostile_build.rglob("*.xml"))
    for n in range(len(HOSTILE)):
        assert {f"h{n}.xml", f"h{n}.dc.xml"} <= {p.name for p in xml}, n
    for path in xml:
        etree.parse(str(path), PARSER)                   # raises if not well-formed
    for path in hostile_build.rglob("*.json"):
        if "pagefind" not in path.parts:
            json.loads(path.read_text(encoding="utf-8"))
    # each hostile string comes through as the text it is, not dropped
    for n, hostile in enumerate(HOSTILE):
        data = json.loads((hostile_build / f"h{n}" / f"h{n}.json").read_text(encoding="utf-8"))
        assert data["number"] == f"{hostile} h{n}", n


def test_hostile_strings_leave_every_output_valid_against_its_schema(hostile_build, shared):
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource
    from test_exports import cmif_problems

    schemas = {name: json.loads((ROOT / "schema" / name).read_text(encoding="utf-8"))
               for name in ("cable.schema.json", "collection.schema.json")}
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
    cable = jsonschema.Draft202012Validator(schemas["cable.schema.json"], registry=registry)
    for n in range(len(HOSTILE)):
        assert [e.message for e in cable.iter_errors(json.loads((hostile_build / f"h{n}" / f"h{n}.json")
                                                                .read_text()))] == []
    collection = jsonschema.Draft202012Validator(schemas["collection.schema.json"], registry=registry)
    assert [e.message for e in collection.iter_errors(json.loads((hostile_build / "collection.json")
                                                                 .read_text()))] == []
    assert cmif_problems(hostile_build / "cmif.xml", shared / "reference" / "cmif") == []
    static = etree.XMLSchema(etree.parse(str(shared / "reference" / "oai" / "driver-static-repository.xsd"), PARSER))
    assert static.validate(etree.parse(str(hostile_build / "oai-static.xml"), PARSER)), static.error_log
    pages = sorted(str(p) for p in hostile_build.rglob("*.html"))
    result = subprocess.run([*vnu(), *pages], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


# Elements and attributes that would run script or load something, found in a page's DOM.
ACTIVE = """() => {
    const found = [];
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) if (a.name.startsWith('on')) found.push(e.tagName + ' ' + a.name);
        if (['IFRAME', 'OBJECT', 'EMBED', 'SVG', 'IMG'].includes(e.tagName.toUpperCase())) found.push(e.tagName);
        const href = e.getAttribute('href') || e.getAttribute('src') || '';
        if (/^\\s*javascript:/i.test(href)) found.push(e.tagName + ' ' + href);
    }
    const scripts = [...document.scripts].filter(s => s.type !== 'application/ld+json');
    if (scripts.length > 1) found.push(scripts.length + ' scripts');
    return found;
}"""


def test_hostile_strings_are_inert_in_the_browser(hostile_build, browser):
    pages = [hostile_build / "index.html", hostile_build / "search.html",
             *(hostile_build / f"h{n}" / "index.html" for n in range(len(HOSTILE)))]
    for page_path in pages:
        context = browser.new_context()
        page = context.new_page()
        dialogs, requests = [], []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        page.mouse.move(300, 300)
        page.mouse.move(600, 500)
        assert dialogs == [], page_path
        assert [u for u in requests if not u.startswith(hostile_build.as_uri())] == [], page_path
        assert page.evaluate(ACTIVE) == [], page_path
        if page_path.parent.name.startswith("h"):
            n = int(page_path.parent.name[1:])
            shown = page.evaluate("() => document.body.innerText")
            assert " ".join(HOSTILE[n].split()) in " ".join(shown.split()), n
            linked = json.loads(page.evaluate(
                "() => document.querySelector('script[type=\"application/ld+json\"]').textContent"))
            assert HOSTILE[n] in json.dumps(linked, ensure_ascii=False).replace('\\"', '"').replace("\\\\", "\\")
            cite = page.evaluate("() => document.querySelector('.csl-entry').textContent")
            assert " ".join(IN_REGISTER.split()) in " ".join(cite.split())   # the sender, as text
        context.close()


@pytest.mark.parametrize("setting, message", [
    ('base-url = "http://x/\\"><script>alert(1)</script>"', "base-url must be an http(s) URL"),
    ('base-url = "javascript:alert(1)"', "base-url must be an http(s) URL"),
    ('publisher = "a\\u0001b"', "publisher holds a control character"),
    ('editors = 5', "editors must be a list of names"),
    ('editors = ["a", 5]', "editors must be a list of names"),
    ('publisher = 5', "publisher must be a string"),
    ('admin-email = "a@b.c\\"><x>"', "admin-email must be an e-mail address"),
])
def test_a_setting_that_no_output_could_carry_is_refused_clearly(tmp_path, setting, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.cable-edition]\n{setting}\n", encoding="utf-8")
    result = run_cli("build", str(TEI_DIR), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "build").exists()


@pytest.mark.parametrize("document", ['tool = "x"\n', '[tool]\ncable-edition = 5\n'])
def test_a_settings_file_of_the_wrong_shape_is_refused_clearly(tmp_path, document):
    (tmp_path / "pyproject.toml").write_text(document, encoding="utf-8")
    result = run_cli("build", str(TEI_DIR), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert result.returncode == 2 and "[tool.cable-edition] must be a table" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ serve and OAI-PMH

class Served:
    """``cable-edition serve`` on 127.0.0.1, an ephemeral port, its log kept."""

    def __init__(self, folder: Path, *extra: str):
        self.log = open(folder / "serve.log", "w+")
        self.process = subprocess.Popen([sys.executable, "-m", "cable_edition", "serve", "--port", "0", *extra],
                                        cwd=folder, stdout=subprocess.PIPE, stderr=self.log, text=True)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.process.stdout.readline())
        assert found
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}/"

    def get(self, path: str, **headers) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def oai(self, **arguments) -> etree._Element:
        status, headers, body = self.get("oai?" + urllib.parse.urlencode(arguments))
        assert status == 200, body
        return etree.fromstring(body, PARSER)

    def raw(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall(request)
            return connection.recv(65536)

    def stderr(self) -> str:
        self.log.flush()
        return (Path(self.log.name)).read_text()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def error_code(response: etree._Element) -> str | None:
    error = response.find(f"{OAI}error")
    return None if error is None else error.get("code")


def identifiers(served: Served) -> list[str]:
    response = served.oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    return [e.text.rsplit(":", 1)[1] for e in response.iter(f"{OAI}identifier")]


def two_cables(folder: Path) -> Path:
    """A project folder with the settings and two cables (cable-a, cable-b) in tei/."""
    shutil.copy(ROOT / "pyproject.toml", folder)
    tei = folder / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    for doc_id in ("cable-a", "cable-b"):
        (tei / f"{doc_id}.xml").write_text(copy_of(SOURCE, doc_id), encoding="utf-8")
    return tei


@pytest.fixture
def site(tmp_path) -> Path:
    """Two cables and a draft, built with --drafts, in a project folder of their own."""
    tei = two_cables(tmp_path)
    transcription = tmp_path / "draft.txt"
    transcription.write_text((DATA / "unamir-100-transcription.txt").read_text(encoding="utf-8")
                             .replace("Number: UNAMIR: 100", "Number: UNAMIR: 900"), encoding="utf-8")
    assert run_cli("import", str(transcription), "--into", str(tei), "--id", "draft-1").returncode in (0, 1)
    built = run_cli("build", "tei", "--drafts", cwd=tmp_path)
    assert built.returncode == 0 and (tmp_path / "build" / "draft-1" / "index.html").is_file(), built.stderr
    return tmp_path


@pytest.fixture
def served(site):
    server = Served(site)
    yield server
    server.close()


def test_drafts_are_never_in_oai_pmh_and_every_list_answers(served):
    assert identifiers(served) == ["cable-a", "cable-b"]
    records = served.oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert error_code(records) is None and len(records.findall(f".//{OAI}record")) == 2
    host = served.oai(verb="Identify").findtext(f".//{OAI}baseURL")
    draft = served.oai(verb="GetRecord", metadataPrefix="oai_dc",
                       identifier=f"oai:{urllib.parse.urlsplit(host).hostname}:draft-1")
    assert error_code(draft) == "idDoesNotExist"


def token(version: str) -> str:
    import base64

    data = json.dumps([version, "oai_dc", "", "", 0], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_forged_resumption_token_reads_nothing_outside_this_output(served, tmp_path_factory):
    other = tmp_path_factory.mktemp("other-edition")
    shutil.copy(ROOT / "pyproject.toml", other)
    assert run_cli("build", str(TEI_DIR), "--out", str(other / "build"), cwd=other).returncode == 0
    elsewhere = other / ".build.versions" / "v000001"
    assert (elsewhere / "oai-static.xml").is_file()
    for version in (str(elsewhere), f"../../{other.name}/.build.versions/v000001", "v000001/../v000001",
                    "/etc", "v1", "v000001\x00"):
        response = served.oai(verb="ListRecords", resumptionToken=token(version))
        assert error_code(response) == "badResumptionToken", version
        assert b"unamir-100" not in etree.tostring(response)
    assert error_code(served.oai(verb="ListRecords", resumptionToken=token("v000001"))) is None


@pytest.mark.parametrize("argument", ["identifier", "metadataPrefix", "from", "verb", "x\x01"])
def test_control_characters_in_arguments_are_bad_arguments_not_errors(served, argument):
    arguments = {"verb": "GetRecord", "identifier": "oai:localhost:cable-a", "metadataPrefix": "oai_dc"}
    if argument == "from":
        arguments = {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "1994-01-01\x00"}
    elif argument in arguments:
        arguments[argument] += "\x00\x01"
    else:
        arguments[argument] = "1"
    assert error_code(served.oai(**arguments)) == "badArgument"
    assert "Traceback" not in served.stderr()


def test_a_host_header_with_control_characters_is_a_bad_request(served):
    answer = served.raw(b"GET /oai?verb=Identify HTTP/1.0\r\nHost: a\x01b\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400"), answer[:80]
    assert "Traceback" not in served.stderr()
    status, _, body = served.get("oai?verb=Identify")
    assert status == 200 and b"Identify" in body


def test_serve_follows_the_build_that_is_published_now(site, served):
    assert identifiers(served) == ["cable-a", "cable-b"]
    shutil.rmtree(site / ".build.versions")
    (site / "build").unlink()
    (site / "tei" / "cable-b.xml").unlink()
    (site / "tei" / "cable-c.xml").write_text(copy_of(SOURCE, "cable-c"), encoding="utf-8")
    assert run_cli("build", "tei", cwd=site).returncode == 0          # versions start again at v000001
    assert identifiers(served) == ["cable-a", "cable-c"]
    records = served.oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert error_code(records) is None and len(records.findall(f".//{OAI}record")) == 2
    assert error_code(served.oai(verb="GetRecord", metadataPrefix="oai_dc",
                                 identifier="oai:localhost:cable-c")) is None


def test_a_record_that_cannot_be_read_is_left_out_and_said_in_the_log(site, served):
    (Path(os.path.realpath(site / "build")) / "cable-b" / "cable-b.dc.xml").unlink()
    records = served.oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert [e.text for e in records.iter(f"{OAI}identifier")] == ["oai:localhost:cable-a"]
    assert error_code(served.oai(verb="GetRecord", metadataPrefix="oai_dc",
                                 identifier="oai:localhost:cable-b")) == "idDoesNotExist"
    assert "cable-b: record left out: its Dublin Core cannot be read" in served.stderr()
    assert "Traceback" not in served.stderr()


def test_links_put_into_a_build_are_neither_served_nor_carried(site, served):
    published = Path(os.path.realpath(site / "build"))
    secret = site / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("SECRET")
    os.symlink(secret, published / "ext")
    os.symlink(secret / "passwd", published / "cable-a" / "passwd")
    os.symlink(secret / "passwd", published / "robots.txt")
    for path in ("ext/passwd", "ext/", "cable-a/passwd", "robots.txt"):
        status, _, body = served.get(path)
        assert status == 404 and b"SECRET" not in body, path
    # a document folder swapped for a link: not served, and the next build does not carry it
    moved = site / "moved-b"
    shutil.move(published / "cable-b", moved)
    os.symlink(moved, published / "cable-b")
    assert served.get("cable-b/index.html")[0] == 404
    (site / "tei" / "cable-a.xml").write_text(copy_of(SOURCE, "cable-a").replace("Regards.", "Regards!"))
    result = run_cli("build", "tei", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "ext: warning: is a symbolic link" in result.stderr and "robots.txt: warning" in result.stderr
    now = Path(os.path.realpath(site / "build"))
    links = [str(p.relative_to(now)) for p in now.rglob("*") if p.is_symlink()]
    assert links == [] and (now / "cable-b" / "index.html").is_file() and not (now / "cable-b").is_symlink()


def test_headers_forbid_sniffing_and_name_the_charset(served):
    for path, kind in (("", "text/html; charset=utf-8"), ("cmif.xml", "application/xml; charset=utf-8"),
                       ("cable-a/cable-a.plain.txt", "text/plain; charset=utf-8"), ("nothing", "text/plain"),
                       ("oai?verb=Identify", "text/xml; charset=utf-8")):
        status, headers, _ = served.get(path)
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers["Content-Type"].startswith(kind), (path, headers["Content-Type"])


@pytest.mark.parametrize("length, status", [(b"-1", b"400"), (b"abc", b"400"), (b"100000000", b"413")])
def test_a_request_body_is_bounded(served, length, status):
    answer = served.raw(b"POST /oai HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded"
                        b"\r\nContent-Length: " + length + b"\r\n\r\nverb=Identify")
    assert answer.split(b" ")[1] == status, answer[:80]
    assert served.get("oai?verb=Identify")[0] == 200


def test_idle_connections_hold_a_bounded_number_of_threads_and_are_let_go(site):
    from cable_edition.serve import MAX_THREADS

    server = Served(site, "--idle-timeout", "2")
    try:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(MAX_THREADS + 20)]
        time.sleep(0.5)
        threads = int(re.search(r"Threads:\s+(\d+)", Path(f"/proc/{server.process.pid}/status").read_text()).group(1))
        assert threads <= MAX_THREADS + 4, threads
        assert idle[0].recv(10) == b""                    # closed by the server once idle too long
        for connection in idle:
            connection.close()
        assert server.get("oai?verb=Identify")[0] == 200
    finally:
        server.close()


# ------------------------------------------------------------------ merge and the cluster

def test_merge_refuses_a_part_whose_document_folder_is_a_link(tmp_path):
    two_cables(tmp_path)
    for k in (1, 2):
        assert run_cli("build", "tei", "--shard", f"{k}/2", "--out", f"part{k}", cwd=tmp_path).returncode == 0
    other = tmp_path / "other"
    shutil.copy(ROOT / "pyproject.toml", other.parent)
    assert run_cli("build", str(TEI_DIR), "--out", str(other), cwd=tmp_path).returncode == 0
    part = next(Path(os.path.realpath(tmp_path / f"part{k}")) for k in (1, 2)
                if (tmp_path / f"part{k}" / "cable-a").is_dir())
    shutil.rmtree(part / "cable-a")
    os.symlink(Path(os.path.realpath(other)) / "unamir-100", part / "cable-a")
    result = run_cli("merge", "part1", "part2", "--out", "merged", cwd=tmp_path)
    assert result.returncode == 2 and "cable-a/" in result.stderr and "a link" in result.stderr, result.stderr
    assert not (tmp_path / "merged").exists() and "Traceback" not in result.stderr


def test_a_worker_that_gives_back_a_path_as_id_writes_nothing_outside_the_build(tmp_path):
    from test_cluster import distributed

    dask = distributed()
    outside = tmp_path / "outside"

    def give_back_a_path():
        from dataclasses import replace as changed

        from cable_edition import cluster as worker_side
        real = getattr(worker_side, "_real_process", worker_side.process_remote)
        worker_side._real_process = real

        def hostile(*arguments):
            result, files = real(*arguments)
            return changed(result, id=str(outside)), files
        worker_side.process_remote = hostile

    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    (tei / "cable-a.xml").write_text(copy_of(SOURCE, "cable-a"), encoding="utf-8")
    with dask.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None) as cluster, dask.Client(cluster.scheduler_address) as client:
        client.run(give_back_a_path)
        result = run_cli("build", str(tei), "--out", str(tmp_path / "build"), "--scheduler", cluster.scheduler_address)
    assert result.returncode == 2 and "a document id that is not a plain name" in result.stderr, result.stderr
    assert not outside.exists() and not (tmp_path / "build").exists() and leftovers(tmp_path / "build") == []


def test_worker_pools_are_capped_by_the_cpus_and_the_work():
    from cable_edition.workers import PARALLEL_THRESHOLD, pool_size

    cpus = os.cpu_count() or 1
    assert pool_size(64, 10_000) == cpus
    assert pool_size(64, PARALLEL_THRESHOLD - 1) == 1
    assert pool_size(64, 2 * PARALLEL_THRESHOLD) == min(2, cpus)
    assert pool_size(1, 10_000) == 1


# ------------------------------------------------------------------ import

TRANSCRIPTION = DATA / "unamir-100-transcription.txt"


def test_import_keeps_the_mode_of_the_file_it_replaces_and_makes_new_ones_as_the_umask_says(tmp_path):
    tei = tmp_path / "tei"
    assert run_cli("import", str(TRANSCRIPTION), "--into", str(tei), "--id", "new").returncode in (0, 1)
    umask = os.umask(0)
    os.umask(umask)
    assert (tei / "new.xml").stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(tei / "new.xml", 0o640)
    assert run_cli("import", str(TRANSCRIPTION), "--into", str(tei), "--id", "new", "--force").returncode in (0, 1)
    assert (tei / "new.xml").stat().st_mode & 0o777 == 0o640


def test_a_further_witness_keeps_the_documents_mode(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    os.chmod(tei / "unamir-100.xml", 0o644)
    witness = tmp_path / "q.txt"
    witness.write_text(TRANSCRIPTION.read_text(encoding="utf-8").replace("carefully reviewed", "reviewed"),
                       encoding="utf-8")
    result = run_cli("import", str(witness), "--into", str(tei), "--witness-of", "unamir-100", "--siglum", "Q")
    assert result.returncode == 0, result.stderr
    assert "#unamir-100-Q" in (tei / "unamir-100.xml").read_text(encoding="utf-8")
    assert (tei / "unamir-100.xml").stat().st_mode & 0o777 == 0o644


def test_import_writes_through_no_link_and_into_no_build(tmp_path):
    tei, elsewhere = tmp_path / "tei", tmp_path / "elsewhere.xml"
    tei.mkdir()
    elsewhere.write_text("mine")
    os.symlink(elsewhere, tei / "linked.xml")
    result = run_cli("import", str(TRANSCRIPTION), "--into", str(tei), "--id", "linked", "--force")
    assert result.returncode == 2 and "is a link" in result.stderr and elsewhere.read_text() == "mine"
    assert (tei / "linked.xml").is_symlink()

    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert run_cli("build", str(TEI_DIR), "--out", "build", cwd=tmp_path).returncode == 0
    published = (tmp_path / "build" / "unamir-100" / "unamir-100.xml").read_bytes()
    for into, doc_id in (("build", "x"), ("build/unamir-100", "unamir-100"), (".build.versions/v000001", "x")):
        result = run_cli("import", str(TRANSCRIPTION), "--into", into, "--id", doc_id, "--force", cwd=tmp_path)
        assert result.returncode == 2 and "is a build of cable-edition, not a collection" in result.stderr, into
    assert (tmp_path / "build" / "unamir-100" / "unamir-100.xml").read_bytes() == published
    assert not (tmp_path / "build" / "x.xml").exists()


def test_a_long_id_is_refused_naming_the_users_file_not_a_temporary_one(tmp_path):
    result = run_cli("import", str(TRANSCRIPTION), "--into", str(tmp_path), "--id", "a" * 245)
    assert result.returncode == 2 and "must stay within 200 bytes" in result.stderr
    assert ".tmp" not in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_transcription_is_a_clear_error(tmp_path):
    result = run_cli("import", str(TEI_DIR), "--into", str(tmp_path), "--id", "z")
    assert result.returncode == 2 and f"{TEI_DIR}: error: is a folder, not a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unclosed_gap_markers_import_in_linear_time(tmp_path):
    """A megabyte of "[gap " without its "]": the gap pattern once backtracked over the
    whole rest of the paragraph from every "[" (minutes); it now stops at the next "["."""
    text = TRANSCRIPTION.read_text(encoding="utf-8").replace("We have carefully", "We have " + "[gap " * 200_000)
    (tmp_path / "gaps.txt").write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cable_edition", "import", str(tmp_path / "gaps.txt"),
                             "--into", str(tmp_path / "tei")], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1) and (tmp_path / "tei" / "gaps.xml").is_file(), result.stderr
    assert time.monotonic() - started < 120


def test_a_block_too_long_to_align_is_refused_with_a_clear_message(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    before = (tei / "unamir-100.xml").read_bytes()
    witness = tmp_path / "long.txt"
    witness.write_text(TRANSCRIPTION.read_text(encoding="utf-8").replace(
        "We have carefully reviewed", "We have " + "carefully " * 10_000 + "reviewed"), encoding="utf-8")
    result = run_cli("import", str(witness), "--into", str(tei), "--witness-of", "unamir-100", "--siglum", "L")
    assert result.returncode == 1 and "CollateX aligns at most 1,000 words a block" in result.stderr, result.stderr
    assert (tei / "unamir-100.xml").read_bytes() == before and "Traceback" not in result.stderr


# ------------------------------------------------------------------ ordinary mistakes

@pytest.mark.parametrize("arguments, message", [
    (["serve", "--port", "70000"], "not a port"),
    (["serve", "--port", "-1"], "not a port"),
    (["validate", "--max-bytes", "infk"], "not a size"),
    (["validate", "--max-bytes", "nan"], "not a size"),
    (["validate", "--max-bytes", "-5"], "not a size"),
    (["build", "--jobs", "0"], "not a number of workers"),
    (["serve", "--idle-timeout", "0"], "not a number of seconds"),
])
def test_ordinary_mistakes_are_one_clear_line_and_exit_2(arguments, message, tmp_path):
    result = run_cli(*arguments, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_file_system_out_of_inodes_is_a_clear_error_and_nothing_is_published(tmp_path):
    from test_ownership import mounted_tmpfs, unmount

    mount = tmp_path / "small"
    mounted_tmpfs(mount, "50m,nr_inodes=60")
    try:
        tei = mount / "tei"
        tei.mkdir()
        shutil.copy(TEI_DIR / "register.xml", tei)
        for n in range(12):
            (tei / f"c-{n}.xml").write_text(copy_of(SOURCE, f"c-{n}"), encoding="utf-8")
        result = run_cli("build", str(tei), "--out", str(mount / "build"))
        assert result.returncode == 2, result.stderr
        assert "no free inodes" in result.stderr and "tmp-" not in result.stderr, result.stderr
        assert not (mount / "build").exists() and leftovers(mount / "build") == []
    finally:
        unmount(mount)
