"""Search, statically: in Debian's Chromium, over a plain static HTTP server on 127.0.0.1, the
search page finds cables by either reading and links to the paragraph of the hit; facets
return exactly the cables a direct reading of the TEI says they should; nothing is
requested beyond the site; axe's full rule set passes; an incremental build keeps the index
true; and opened from a file or without JavaScript, the page says what it needs."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from lxml import etree

from cable_edition.search import bundle_of
from conftest import ROOT, TEI_DIR, copy_of

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
AXE_ALL = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa",
                                                 "wcag22aa", "best-practice", "experimental"]}}


class StaticServer:
    """Any static HTTP server will do: the standard library's, on an ephemeral port."""

    def __init__(self, folder: Path):
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "cable_edition", *args], cwd=folder, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result


def varied_collection(folder: Path, count: int) -> Path:
    """The benchmark's synthetic cables (varied dates, recipients, paragraphs), a third of
    them sent by Dallaire instead of Annan, and the real cable."""
    from cable_edition.bench import make_collection

    tei = folder / "tei"
    paths = make_collection(TEI_DIR, tei, count)
    for path in paths[::3]:
        tree = etree.parse(str(path))
        for name in tree.xpath("//tei:correspAction[@type='sent']/tei:persName | "
                               "//tei:item[@n='from']/tei:persName", namespaces=NS):
            name.set("ref", "register.xml#pers-dallaire")
            name.text = "Roméo Dallaire" if name.getparent().tag.endswith("correspAction") else "Dallaire"
        tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    shutil.copy(TEI_DIR / "unamir-100.xml", tei)
    return tei


def facts(tei: Path) -> dict[str, dict[str, set[str]]]:
    """Every cable's facet values, read from the TEI and the register directly."""
    register = etree.parse(str(tei / "register.xml"))
    records = {}
    for record in register.xpath("//tei:standOff/*/*[@xml:id]", namespaces=NS):
        kind = etree.QName(record).localname
        name = " ".join("".join((record.xpath("tei:persName | tei:orgName | tei:placeName | tei:title",
                                               namespaces=NS) or [record])[0].itertext()).split())
        if kind == "bibl":             # a document goes by its number, else its title
            name = " ".join("".join((record.xpath("tei:idno", namespaces=NS) +
                                     record.xpath("tei:title", namespaces=NS))[0].itertext()).split())
        records[record.get(XML_ID)] = (kind, name)
    kinds = {"person": "person", "org": "organisation", "place": "place", "bibl": "document"}
    found = {}
    for path in sorted(tei.glob("*.xml")):
        if path.name == "register.xml":
            continue
        tree = etree.parse(str(path))
        names = lambda xpath: {" ".join("".join(e.itertext()).split()) for e in tree.xpath(xpath, namespaces=NS)}  # noqa: E731
        when = tree.xpath("string(//tei:correspAction[@type='sent']/tei:date/@when)", namespaces=NS)
        values = {"sender": names("//tei:correspAction[@type='sent']/tei:persName"),
                  "recipient": names("//tei:correspAction[@type='received']/tei:persName"),
                  "year": {when[:4]}, "month": {when[:7]},
                  "handling": names("//tei:bibl[@type='cable']/tei:note[@type='handling']"),
                  "person": set(), "organisation": set(), "place": set(), "document": set()}
        for element in tree.xpath("//tei:text//*[self::tei:persName or self::tei:orgName or self::tei:placeName "
                                  "or self::tei:rs or self::tei:ref[@type='document']]", namespaces=NS):
            pointer = element.get("ref") or element.get("target") or ""
            if pointer.startswith("register.xml#"):
                kind, name = records[pointer.split("#", 1)[1]]
                values[kinds[kind]].add(name)
        found[tree.getroot().get(XML_ID)] = values
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search")
    # Bundles of about 100 cables: the page merges four of them, as it would for 10,000.
    (folder / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8")
                                           + "search-bundle-size = 100\n", encoding="utf-8")
    tei = varied_collection(folder, 240)
    cli(folder, "build", "tei", "--jobs", "2")
    server = StaticServer(folder / "build")
    yield folder, server.origin, facts(tei)
    server.close()


class Search:
    """The search page, opened with a query string, as a reader's browser runs it."""

    def __init__(self, browser, origin: str, query: dict, javascript: bool = True):
        self.context = browser.new_context(java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.goto(f"{origin}/search.html?{urllib.parse.urlencode(query, doseq=True)}")
        if javascript:
            self.page.wait_for_function("document.getElementById('search-results').dataset.shown !== undefined"
                                        " && document.getElementById('search-facets').dataset.ready === 'true'",
                                        timeout=30000)

    def cables(self) -> list[str]:
        results = self.page.locator("#search-results")
        total = int(results.get_attribute("data-total"))
        if self.page.locator("#search-more").is_visible():
            self.page.click("#search-more")
            self.page.wait_for_function(f"document.getElementById('search-results').dataset.shown === '{total}'",
                                        timeout=30000)
        found = self.page.eval_on_selector_all(".result", "items => items.map(i => i.dataset.cable)")
        assert len(found) == total
        return found

    def close(self):
        self.context.close()


def paragraph_with(word: str, cable: Path) -> set[str]:
    """The ids of the paragraphs whose reading or diplomatic text has ``word``."""
    tree = etree.parse(str(cable))
    found = set()
    for paragraph in tree.xpath("//tei:body//tei:p[@n]", namespaces=NS):
        if word.lower() in " ".join("".join(paragraph.itertext()).split()).lower():
            found.add(paragraph.get(XML_ID))
    return found


@pytest.mark.parametrize("word", ["Interahamwe", "Interhamwe", "weapons-secure"])
def test_either_reading_finds_the_cable_and_links_to_its_paragraph(browser, site, word):
    folder, origin, _ = site
    search = Search(browser, origin, {"q": word})
    assert "unamir-100" in search.cables()
    result = search.page.locator(".result[data-cable='unamir-100']")
    href = result.locator("a").first.get_attribute("href")
    page, _, anchor = href.partition("#")
    assert page == "unamir-100/" and anchor in paragraph_with(word, folder / "tei" / "unamir-100.xml"), href
    assert word.lower() in result.locator(".excerpt mark").first.inner_text().lower()
    search.page.click(".result[data-cable='unamir-100'] a")
    search.page.wait_for_load_state()
    assert search.page.url == f"{origin}/{href}"
    assert search.page.locator(f"#{anchor}").is_visible()
    assert all(url.startswith(origin) for url in search.requests), search.requests
    assert search.errors == []
    search.close()


def expected(table: dict, picked: dict[str, list[str]]) -> set[str]:
    """Within a facet any value may match; every facet chosen must."""
    return {cable for cable, values in table.items()
            if all(values[name] & set(choices) for name, choices in picked.items())}


COMBINATIONS = [
    {"sender": ["Roméo Dallaire"]},
    {"sender": ["Kofi Annan"], "year": ["1994"]},
    {"recipient": ["Jacques-Roger Booh-Booh"], "month": ["1993-03", "1995-07"]},
    {"year": ["1995"], "place": ["Kigali"]},
    {"person": ["Juvénal Habyarimana"], "sender": ["Roméo Dallaire"]},
    {"organisation": ["Interahamwe"], "year": ["1993"]},
    {"document": ["MIR-79"], "month": ["1994-01"]},
    {"handling": ["No Distribution"], "year": ["1994"], "recipient": ["Roméo Dallaire"]},
]


@pytest.mark.parametrize("picked", COMBINATIONS, ids=[",".join(c) for c in COMBINATIONS])
def test_facets_return_exactly_what_the_tei_says(browser, site, picked):
    _, origin, table = site
    want = expected(table, picked)
    assert want, "the combination should match something"
    search = Search(browser, origin, picked)
    assert set(search.cables()) == want
    for name, values in picked.items():           # the filters show as chosen, and stay in the URL
        for value in values:
            assert search.page.locator(f"input[name='{name}'][value='{value}']").is_checked()
    assert all(url.startswith(origin) for url in search.requests)
    search.close()


def test_a_query_and_facets_together_and_sorted_by_date(browser, site):
    folder, origin, table = site
    search = Search(browser, origin, {"q": "Interahamwe", "sender": ["Roméo Dallaire"], "sort": "date"})
    found = search.cables()
    def text_of(cable: str) -> str:       # what is searched: the cable's body and the editors' notes
        tree = etree.parse(str(folder / "tei" / f"{cable}.xml"))
        return " ".join(" ".join(e.itertext()) for e in tree.xpath("//tei:text/tei:body | //tei:text/tei:back",
                                                                    namespaces=NS))

    texts = {c: text_of(c) for c in table}
    assert set(found) == {c for c in expected(table, {"sender": ["Roméo Dallaire"]})
                          if re.search(r"Interh?amwe|Interahamwe", texts[c])}
    dates = search.page.eval_on_selector_all(".result time", "items => items.map(i => i.getAttribute('datetime'))")
    assert dates == sorted(dates) and len(dates) == len(found)
    search.close()


def test_the_search_page_passes_axe_and_is_reached_from_every_page(browser, site):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    folder, origin, _ = site
    search = Search(browser, origin, {"q": "Interahamwe"})
    search.page.locator("details.facet").first.locator("summary").click()
    results = axe_module.Axe().run(search.page, options=AXE_ALL)
    assert [(v["id"], len(v["nodes"])) for v in results.response["violations"]] == []
    search.close()
    search = Search(browser, origin, {"q": "Interahamwe"})  # from the top: the keyboard reaches the
    focused = []                                             # box, the filters and the results, in order
    for _ in range(40):
        search.page.keyboard.press("Tab")
        focused.append(search.page.evaluate("""() => { const e = document.activeElement;
            return e.closest('.result') ? 'result' : (e.id || e.tagName); }"""))
    assert "search-query" in focused and "SUMMARY" in focused and "result" in focused, focused
    assert focused.index("search-query") < focused.index("SUMMARY") < focused.index("result")
    search.close()
    for page in ("index.html", "unamir-100/index.html"):
        html = (folder / "build" / page).read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]*search\.html)">Search</a>', html).group(1)
        assert (folder / "build" / Path(page).parent / link).resolve().is_file()


def test_from_a_file_or_without_javascript_the_page_explains_and_links_the_collection(browser, site):
    folder, origin, _ = site
    for url, javascript in (((folder / "build" / "search.html").resolve().as_uri(), True),
                            (f"{origin}/search.html", False)):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(url)
        page.wait_for_timeout(500)
        needs = page.locator("#search-needs")
        assert needs.is_visible()
        assert "served over HTTP" in needs.inner_text()
        assert needs.locator("a[href='index.html']").is_visible()
        context.close()


def bundle_files(out: Path) -> dict[str, set[int]]:
    """The inodes of each bundle's files: a bundle carried over shares them."""
    root = Path(os.path.realpath(out)) / "pagefind"
    return {b.name: {p.stat().st_ino for p in b.rglob("*") if p.is_file()} for b in root.iterdir() if b.is_dir()}


def test_an_incremental_build_keeps_the_index_true(browser, tmp_path):
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8")
                                             + "search-bundle-size = 1\n", encoding="utf-8")
    tei = tmp_path / "tei"
    shutil.copytree(TEI_DIR, tei)
    source = (TEI_DIR / "unamir-100.xml").read_text(encoding="utf-8")
    (tei / "second.xml").write_text(copy_of(source, "second"), encoding="utf-8")
    cli(tmp_path, "build", "tei")
    server = StaticServer(tmp_path / "build")
    try:
        def found(word: str) -> set[str]:
            search = Search(browser, server.origin, {"q": word})
            cables = set(search.cables())
            search.close()
            return cables

        assert found("Interahamwe") == {"unamir-100", "second"}
        assert found("zanzibarite") == set()
        before = bundle_files(tmp_path / "build")
        assert set(before) == {bundle_of("unamir-100", 2), bundle_of("second", 2)} == {"b00", "b01"}
        changed = tei / "second.xml"
        changed.write_text(changed.read_text(encoding="utf-8").replace("carefully reviewed", "zanzibarite reviewed"),
                           encoding="utf-8")
        (tei / "third.xml").write_text(copy_of(source, "third")
                                       .replace("carefully reviewed", "quixotically reviewed"), encoding="utf-8")
        assert "built 2" in cli(tmp_path, "build", "tei").stderr
        after = bundle_files(tmp_path / "build")             # 3 cables: 4 bundles, 2 of them used
        unchanged, touched = bundle_of("unamir-100", 4), bundle_of("second", 4)
        assert set(after) == {unchanged, touched} and bundle_of("third", 4) == touched
        assert after[unchanged] == before[unchanged]         # its cable did not change: carried over
        assert after[touched].isdisjoint(before[touched])    # made anew
        assert found("zanzibarite") == {"second"}              # changed: found with its new text
        assert found("quixotically") == {"third"}              # added
        assert found("carefully") == {"unamir-100"}            # the old text of the changed one is gone
        kept = unchanged
        (tei / "third.xml").write_text((tei / "third.xml").read_text(encoding="utf-8")
                                       .replace("quixotically", "quietly"), encoding="utf-8")
        cli(tmp_path, "build", "tei")                          # one cable changed: its bundle alone
        again = bundle_files(tmp_path / "build")
        assert again[kept] == after[kept] and again[bundle_of("third", 4)].isdisjoint(after[bundle_of("third", 4)])
        (tei / "third.xml").unlink()
        cli(tmp_path, "build", "tei")
        assert found("quietly") == set() and found("quixotically") == set()   # removed
        assert found("Interahamwe") == {"unamir-100", "second"}
    finally:
        server.close()
