"""Hostile and broken input, through both validate and build: every bad file is refused
with one clear line (path, line, column where there is one), the right exit code, no
traceback, nothing read or fetched that should not be, and the previous build/ left
byte-identical."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import CABLE, ROOT, TEI_DIR, leftovers, run_cli, copy_of
from tools import require

SECRET = "SECRET-7f3a9c-do-not-leak"
CABLE_TEXT = CABLE.read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def in_paragraph_one(fragment: str) -> str:
    return CABLE_TEXT.replace("We have carefully reviewed", f"We have {fragment} carefully reviewed", 1)


def with_doctype(doctype: str, body_fragment: str = "") -> str:
    text = in_paragraph_one(body_fragment) if body_fragment else CABLE_TEXT
    return text.replace('<TEI xmlns=', doctype + '\n<TEI xmlns=', 1)


class Server:
    """A local HTTP server that records every request (none should arrive)."""

    def __init__(self):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY leak "LEAKED-OVER-HTTP">')

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


LAUGHS = ('<!DOCTYPE TEI [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
          '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;"><!ENTITY j "&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;">]>')


# name -> (what the file holds, or a function of (secret path, server url); exit code; message pattern)
CASES = {
    "not-well-formed": (CABLE_TEXT.replace("</closer>", "</closr>"), 1, r"not well-formed: .*closer"),
    "empty-file": ("", 1, r"the file is empty"),
    "invalid-utf8": (in_paragraph_one("\udcff").encode("utf-8", "surrogateescape"), 1,
                     r"not UTF-8: byte 0xff"),
    "wrong-encoding-declaration": (CABLE_TEXT.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1), 1,
                                   r"declares encoding 'ISO-8859-1': documents must be UTF-8"),
    "declared-utf16-but-utf8": (CABLE_TEXT.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1), 1,
                                r"not well-formed|must be UTF-8"),
    "utf16-without-bom-or-declaration": (CABLE_TEXT.replace('<?xml version="1.0" encoding="UTF-8"?>', "", 1)
                                         .lstrip().encode("utf-16-le"), 1, r"NUL bytes.*is it UTF-16\?"),
    "utf16-with-bom": (CABLE_TEXT.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16"), 1,
                       r"NUL bytes.*is it UTF-16\?"),
    "nul-byte": (in_paragraph_one("\x00"), 1, r"holds NUL bytes"),
    "wrong-root": ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', 1,
                   r"the root element is .*html.*expected <TEI>"),
    "wrong-namespace": (CABLE_TEXT.replace('xmlns="http://www.tei-c.org/ns/1.0"', 'xmlns="http://example.org/tei"', 1),
                        1, r"the root element is .*example\.org.*expected <TEI>"),
    "external-entity-local-file": (lambda secret, url: with_doctype(
        f'<!DOCTYPE TEI [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>', "&leak;"), 1, r"a DOCTYPE is not allowed"),
    "external-entity-over-http": (lambda secret, url: with_doctype(
        f'<!DOCTYPE TEI [<!ENTITY leak SYSTEM "{url}/entity">]>', "&leak;"), 1, r"a DOCTYPE is not allowed"),
    "external-dtd-over-http": (lambda secret, url: with_doctype(f'<!DOCTYPE TEI SYSTEM "{url}/tei.dtd">'), 1,
                               r"a DOCTYPE is not allowed"),
    "parameter-entity-over-http": (lambda secret, url: with_doctype(
        f'<!DOCTYPE TEI [<!ENTITY % remote SYSTEM "{url}/remote.ent"> %remote;]>'), 1,
        r"a DOCTYPE is not allowed|not well-formed"),
    "billion-laughs": (with_doctype(LAUGHS, "&j;"), 1, r"a DOCTYPE is not allowed|not well-formed"),
    "quadratic-blowup": (with_doctype('<!DOCTYPE TEI [<!ENTITY big "' + "x" * 200_000 + '">]>', "&big;" * 20_000),
                         1, r"a DOCTYPE is not allowed|not well-formed"),
    "deep-nesting": ('<?xml version="1.0"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="deep">'
                     + "<div>" * 10_000 + "</div>" * 10_000 + "</TEI>", 1,
                     r"not well-formed: .*[Dd]epth|nested deeper"),
    "xinclude": (lambda secret, url: in_paragraph_one(
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret.as_uri()}" parse="text"/>'),
        1, r"\[relaxng\]"),
    "javascript-url": (CABLE_TEXT.replace('target="register.xml#doc-mir-79">MIR-79',
                                          'target="javascript:alert(document.cookie)">MIR-79', 1),
                       1, r"@target: \"javascript:alert.*only http and https.*\[pointer-resolves\]"),
    "data-url": (CABLE_TEXT.replace('target="https://creativecommons.org/licenses/by/4.0/"',
                                    'target="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"', 1),
                 1, r"@target: \"data:text/html.*\[pointer-resolves\]"),
    "id-with-dot-dot-slash": (CABLE_TEXT.replace('xml:id="unamir-100" xml:lang', 'xml:id="../../evil" xml:lang', 1),
                              1, r'the document id "\.\./\.\./evil" names the output folder.*\[id-characters\]'),
    "right-to-left-override": (CABLE_TEXT.replace("<persName ref=\"register.xml#pers-annan\">Annan</persName>",
                                                  "<persName ref=\"register.xml#pers-annan\">An&#x202E;nan</persName>", 1),
                               1, r"invisible or direction-changing character.*\[invisible-characters\]"),
    "zero-width-space": (CABLE_TEXT.replace(">Dallaire</persName>, <seg", ">Dal\u200blaire</persName>, <seg", 1),
                         1, r"\[invisible-characters\]"),
}


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


@pytest.fixture(scope="module")
def server():
    server = Server()
    yield server
    server.close()


@pytest.fixture
def workspace(tmp_path):
    """A collection and a good previous build of it."""
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    out = tmp_path / "build"
    assert run_cli("build", str(tei), "--out", str(out)).returncode == 0
    return tei, out


def limited_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))


def run_bounded(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "cable_edition", *args], capture_output=True, text=True,
                            timeout=120, preexec_fn=limited_memory, cwd=ROOT)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_clearly_and_loses_nothing(case, workspace, secret, server):
    tei, out = workspace
    content, exit_code, pattern = CASES[case]
    if callable(content):
        content = content(secret, server.url)
    bad = tei / "unamir-100.xml"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snapshot(out)

    for command in (["validate", str(tei)], ["build", str(tei), "--out", str(out)]):
        result, seconds = run_bounded(*command)
        assert result.returncode == exit_code, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert seconds < 60
        first = result.stderr.splitlines()[0]
        assert re.match(rf"^{re.escape(str(bad))}(:\d+:\d+)?: error: ", first), first
        assert re.search(pattern, result.stderr), result.stderr
        assert SECRET not in result.stdout + result.stderr
        assert "LEAKED-OVER-HTTP" not in result.stdout + result.stderr
    assert snapshot(out) == before
    assert server.requests == []
    assert leftovers(out) == []


def test_markup_and_script_in_text_never_become_markup(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    hostile = '&lt;script&gt;alert("x")&lt;/script&gt; "&gt;&lt;img src=x onerror=alert(1)&gt;'
    text = in_paragraph_one(hostile).replace("<title type=\"main\">", f"<title type=\"main\">{hostile} ", 1)
    (tei / "unamir-100.xml").write_text(text, encoding="utf-8")
    out = tmp_path / "build"
    result = run_cli("build", str(tei), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "unamir-100" / "index.html").read_text(encoding="utf-8")
    parsed = lxml_html.fromstring(page)                    # as a browser parses it
    scripts = parsed.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json", None]   # JSON-LD, and the edition's own
    assert json.loads(scripts[0].text)["name"].startswith('<script>alert("x")</script>')
    assert "</" not in scripts[0].text                     # JSON escapes "/": no way out of the script
    assert parsed.xpath("//img") == [] and 'alert("x")</script>' not in page
    assert "&lt;script&gt;alert" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    title = parsed.xpath("//meta[@name='citation_title']/@content")[0]
    assert title.startswith('<script>alert("x")</script> "><img')  # an attribute's text, never markup
    reading = (out / "unamir-100" / "unamir-100.reading.txt").read_text(encoding="utf-8")
    assert '<script>alert("x")</script> "><img src=x onerror=alert(1)>' in reading


def test_the_stylesheets_never_emit_a_dangerous_url_even_without_validation(tmp_path):
    """Defence in depth: render a document that validation would refuse."""
    from cable_edition.load import load
    from cable_edition.render import Renderer

    source = tmp_path / "unamir-100.xml"
    source.write_text(CABLE_TEXT.replace('target="register.xml#doc-mir-79">MIR-79', 'target="javascript:alert(1)">MIR-79')
                      .replace('target="#unamir-100-td-kigali-39"', 'target="data:text/html,x"')
                      .replace('target="https://creativecommons.org/licenses/by/4.0/"', 'target="javascript:void(0)"'),
                      encoding="utf-8")
    shutil.copy(TEI_DIR / "register.xml", tmp_path / "register.xml")
    out = tmp_path / "out"
    out.mkdir()
    Renderer([load(tmp_path / "register.xml")]).render(load(source), out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "javascript:" not in page and "data:text/html" not in page      # (the page's own icon is "data:,")


def test_saxon_cannot_read_files_or_the_network_once_locked(secret, server):
    from saxonche import PySaxonApiError

    from cable_edition.render import _compiled

    processor, _ = _compiled()
    probe = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=f"""
      <xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" expand-text="yes">
        <xsl:template name="xsl:initial-template">{{unparsed-text-available('{secret.as_uri()}')}}
          {{doc-available('{TEI_DIR.joinpath("register.xml").as_uri()}')}} {{doc-available('{server.url}/x.xml')}}
        </xsl:template>
      </xsl:stylesheet>""")
    assert re.findall(r"true|false", probe.call_template_returning_string()) == ["false", "false", "false"]
    reader = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=f"""
      <xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
        <xsl:template name="xsl:initial-template"><xsl:value-of select="unparsed-text('{secret.as_uri()}')"/></xsl:template>
      </xsl:stylesheet>""")
    with pytest.raises(PySaxonApiError, match="disallowed|prohibited"):
        reader.call_template_returning_string()
    parsed = processor.parse_xml(xml_text=f'<!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>')
    assert SECRET not in parsed.to_string()
    assert server.requests == []


def test_a_file_over_the_size_limit_is_refused(workspace):
    tei, out = workspace
    before = snapshot(out)
    for command in (["validate", str(tei)], ["build", str(tei), "--out", str(out)]):
        result = run_cli(*command, "--max-bytes", "4k")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert re.search(r"unamir-100\.xml: error: the file is [\d,]+ bytes, over the limit of 4,096 bytes",
                         result.stderr), result.stderr
    assert snapshot(out) == before


def test_a_folder_with_no_documents(tmp_path):
    for command in (["validate", str(tmp_path)], ["build", str(tmp_path), "--out", str(tmp_path / "b")]):
        result = run_cli(*command)
        assert result.returncode == 2 and "no TEI documents" in result.stderr and "Traceback" not in result.stderr


def without_root_powers() -> list[str]:
    """Root writes anywhere: to meet a read-only folder, the build drops the capabilities
    that let root ignore permissions (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return []
    caps = "-dac_override,-dac_read_search,-fowner"
    return [require("setpriv", "util-linux, to drop root's powers"), f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_read_only_output_folder(tmp_path):
    shutil.copytree(TEI_DIR, tmp_path / "tei")
    site = tmp_path / "site"
    site.mkdir()
    out = site / "build"
    assert run_cli("build", str(tmp_path / "tei"), "--out", str(out)).returncode == 0
    before = snapshot(out)
    os.chmod(site, 0o555)
    try:
        result = subprocess.run([*without_root_powers(), sys.executable, "-m", "cable_edition", "build",
                                 str(tmp_path / "tei"), "--out", str(out), "--force"],   # so it must write
                                capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        os.chmod(site, 0o755)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"error: .*Permission denied", result.stderr), result.stderr
    assert "nothing was published" in result.stderr
    assert snapshot(out) == before


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_build_killed_half_way_leaves_the_previous_build(tmp_path, how):
    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    for n in range(400):
        (tei / f"copy-{n}.xml").write_text(copy_of(CABLE_TEXT, f"copy-{n}"), encoding="utf-8")
    out = tmp_path / "build"
    first = subprocess.run([sys.executable, "-m", "cable_edition", "build", str(tei / "copy-0.xml"), "--out", str(out)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)

    process = subprocess.Popen([sys.executable, "-m", "cable_edition", "build", str(tei), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:     # wait until it is writing its staging folder
        staging = list(tmp_path.glob(".build.versions/tmp-*"))
        if staging and len(list(staging[0].glob("*/index.html"))) >= 5:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the build never started writing")
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Traceback" not in stderr
    if how == signal.SIGTERM:
        assert process.returncode == 130 and "interrupted (SIGTERM)" in stderr
        assert leftovers(out) == []                      # it cleaned up after itself
    assert snapshot(out) == before

    again = subprocess.run([sys.executable, "-m", "cable_edition", "build", str(tei / "copy-1.xml"), "--out", str(out)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    assert leftovers(out) == []                          # and the next build recovers


def test_keep_going_publishes_the_valid_documents_and_reports_the_rest(tmp_path):
    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    (tei / "good.xml").write_text(copy_of(CABLE_TEXT, "good"), encoding="utf-8")
    (tei / "bad.xml").write_text(copy_of(CABLE_TEXT, "bad").replace("</closer>", "</closr>"),
                                 encoding="utf-8")
    out = tmp_path / "build"
    refused = run_cli("build", str(tei), "--out", str(out))
    assert refused.returncode == 1 and not out.exists()
    result = run_cli("build", str(tei), "--out", str(out), "--keep-going")
    assert result.returncode == 1
    assert "bad.xml:" in result.stderr and "not published: " in result.stderr
    assert (out / "good" / "index.html").is_file() and not (out / "bad").exists()
    assert "good/index.html" in (out / "index.html").read_text(encoding="utf-8")


def test_debug_shows_a_traceback(tmp_path):
    (tmp_path / "x.xml").write_text("<TEI")
    plain = run_cli("validate", str(tmp_path / "x.xml"))
    assert "Traceback" not in plain.stderr
    debug = run_cli("build", str(tmp_path / "x.xml"), "--out", str(tmp_path / "b"), "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr
