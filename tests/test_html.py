"""The HTML edition, in real Chromium (Debian's, driven by Playwright) and by the Nu Html
Checker: views switch by mouse and keyboard with and without JavaScript, the reading view
never shows or copies an erroneous reading, no request leaves the page, no console error,
no serious accessibility violation; and every intervention and entity of the TEI is there.
Screenshots go to tests/artifacts/ (not committed)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree, html

from conftest import CABLE, TEI_DIR
from teitext import NS, block_of, blocks, interventions, text
from tools import vnu

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


class Page:
    """A page opened in a fresh context that records every request and console error."""

    def __init__(self, browser, url: str, *, javascript: bool = True):
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)

    def close(self):
        self.context.close()

    def text(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).inner_text().replace("¶", " ").split())

    def copied(self, selector: str) -> str:
        """What the clipboard would receive on selecting the element's contents."""
        return " ".join(self.page.evaluate("""selector => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(selector));
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }""", selector).replace("¶", " ").split())


@pytest.fixture(scope="module")
def page_url(built) -> str:
    return (built / "unamir-100" / "index.html").as_uri()


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def opened(request, browser, page_url):
    page = Page(browser, page_url, javascript=request.param)
    yield page
    page.close()


def paragraph_one(page: Page) -> str:
    return page.text("#unamir-100-p1")


def assert_reading(page: Page):
    assert re.search(r"\bas it clearly\b", paragraph_one(page))
    assert not re.search(r"\bass\b", paragraph_one(page))


def assert_diplomatic(page: Page):
    assert re.search(r"\bass\b", paragraph_one(page))
    assert not re.search(r"\bas it clearly\b", paragraph_one(page))


def test_views_switch_by_mouse(opened):
    assert_reading(opened)
    opened.page.click("label[for=view-diplomatic]")
    assert_diplomatic(opened)
    opened.page.click("label[for=view-reading]")
    assert_reading(opened)
    assert opened.errors == []


def test_views_switch_by_keyboard(opened):
    page = opened.page
    page.keyboard.press("Tab")          # the skip link
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "view-reading":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "view-reading"
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#view-diplomatic")
    assert_diplomatic(opened)
    page.keyboard.press("ArrowLeft")
    assert page.is_checked("#view-reading")
    assert_reading(opened)


def test_the_switch_is_a_labelled_radio_group_for_screen_readers(opened):
    snapshot = opened.page.locator("fieldset.views").aria_snapshot()
    assert 'group "View"' in snapshot
    assert 'radio "Reading text" [checked]' in snapshot and 'radio "Diplomatic text (T)"' in snapshot
    assert 'radio "Witness P"' in snapshot


def test_the_chosen_view_survives_a_reload_with_javascript(browser, page_url):
    page = Page(browser, page_url)
    page.page.click("label[for=view-diplomatic]")
    assert "view=diplomatic" in page.page.url
    page.page.reload()
    assert page.page.is_checked("#view-diplomatic")
    assert_diplomatic(page)
    assert page.errors == []
    page.close()


def test_reading_view_shows_and_copies_only_the_edited_text(opened):
    """For every block and every intervention of the TEI: the block as edited is on the
    page, and the block with that intervention's other side is neither seen nor copied."""
    tree = etree.parse(str(CABLE))
    seen, copied = opened.text("article.cable"), opened.copied("article.cable")
    for block in blocks(tree, "reading"):
        assert text(block, "reading") in seen
        assert text(block, "reading") in copied
    for intervention in interventions(tree):
        wrong = text(block_of(intervention), "reading", flip=intervention)
        assert wrong not in seen and wrong not in copied
    for title_line in tree.xpath("//tei:front//tei:ab", namespaces=NS):
        assert text(title_line, "diplomatic") not in seen


def test_diplomatic_view_reads_as_transcribed(opened):
    opened.page.click("label[for=view-diplomatic]")
    tree = etree.parse(str(CABLE))
    seen = opened.text("article.cable")
    for block in blocks(tree, "diplomatic"):
        assert text(block, "diplomatic") in seen
    for intervention in interventions(tree):
        assert text(block_of(intervention), "diplomatic", flip=intervention) not in seen
    assert "[sic]" in opened.page.evaluate(
        "getComputedStyle(document.querySelector('.sic'), '::after').content")


def test_no_request_leaves_the_page_and_no_console_error(opened, page_url):
    opened.page.click("label[for=view-diplomatic]")
    opened.page.hover(".noteref")
    assert opened.requests == [page_url]
    assert opened.errors == []


def test_intervention_details_show_on_hover_and_focus(opened):
    tip = opened.page.locator("#unamir-100-i1-tip")
    assert not tip.is_visible()
    opened.page.focus("#unamir-100-i1-ref")
    assert tip.is_visible()
    details = tip.inner_text()
    assert "“ass”" in details and "Correction" in details and "high" in details and "P" in details
    opened.page.mouse.move(0, 0)
    opened.page.focus("#view-reading")
    assert not tip.is_visible()
    opened.page.hover("#unamir-100-i1-ref")
    assert tip.is_visible()


def test_paragraph_anchor_shows_on_focus(opened):
    anchor = opened.page.locator("#unamir-100-p3 .anchor")
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    anchor.focus()
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "1"
    assert anchor.get_attribute("href") == "#unamir-100-p3"


def test_footnotes_link_to_their_place_and_back(opened):
    page = opened.page
    page.click("#unamir-100-i8-ref")
    assert page.url.endswith("#unamir-100-i8")
    assert "United States" in page.locator("#unamir-100-i8").inner_text()
    page.click("#unamir-100-i8 [role=doc-backlink]")
    assert page.url.endswith("#unamir-100-i8-ref")


def test_print_shows_the_reading_text_with_notes_and_no_controls(browser, page_url):
    page = Page(browser, page_url)
    page.page.click("label[for=view-diplomatic]")       # even then, print the reading text
    page.page.emulate_media(media="print")
    assert not page.page.locator("fieldset.views").is_visible()
    assert_reading(page)
    assert page.page.locator(".apparatus").is_visible()
    assert not page.page.locator(".transcriber").is_visible()
    page.close()


# axe-core's full rule set: every WCAG level (AAA included: enhanced contrast), best
# practices and the experimental rules.
AXE_ALL = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa",
                                                 "wcag22aa", "best-practice", "experimental"]}}


def test_no_accessibility_violation_under_axe_full_rule_set(browser, page_url, built):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = axe_module.Axe()
    for url, view in ((page_url, "reading"), (page_url, "diplomatic"), ((built / "index.html").as_uri(), "collection")):
        page = Page(browser, url)
        if view == "diplomatic":
            page.page.click("label[for=view-diplomatic]")
        results = axe.run(page.page, options=AXE_ALL)
        assert results.response["passes"], "axe ran no rule"
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]]
        assert bad == [], (view, bad)
        page.close()


def test_the_keyboard_follows_the_reading_order(browser, page_url):
    """Tab order: the view switch, the text, then the panel beside it, then the notes
    below the text (as a sighted reader meets them)."""
    page = Page(browser, page_url)
    order = page.page.evaluate("""() => {
        const focusable = [...document.querySelectorAll('a[href], input, button, [tabindex]')]
            .filter(e => e.offsetParent !== null && e.tabIndex >= 0);
        const region = e => e.closest('article.cable') ? 'text' : e.closest('aside.meta') ? 'metadata'
            : e.closest('.notes-column') ? 'notes' : e.closest('fieldset.views') ? 'views' : 'other';
        const seen = [];
        for (const e of focusable) { const r = region(e); if (seen[seen.length - 1] !== r) seen.push(r); }
        return seen;
    }""")
    assert [r for r in order if r != "other"] == ["views", "text", "metadata", "notes"], order
    page.page.keyboard.press("Tab")                        # and Tab really goes that way
    reached = []
    for _ in range(400):
        page.page.keyboard.press("Tab")
        region = page.page.evaluate("""() => { const e = document.activeElement;
            return e.closest('article.cable') ? 'text' : e.closest('aside.meta') ? 'metadata'
                 : e.closest('.notes-column') ? 'notes' : 'other'; }""")
        if region != "other" and (not reached or reached[-1] != region):
            reached.append(region)
    assert reached[:3] == ["text", "metadata", "notes"], reached
    page.close()


def test_screenshots_of_each_view_are_saved(browser, page_url):
    ARTIFACTS.mkdir(exist_ok=True)
    page = Page(browser, page_url)
    for view in ("reading", "diplomatic"):
        page.page.click(f"label[for=view-{view}]")
        target = ARTIFACTS / f"unamir-100-{view}.png"
        page.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    page.close()


# ---------------------------------------------------------------- without a browser

def test_the_pages_are_valid_html_and_css(built):
    """The current Nu Html Checker (npm vnu-jar), HTML and CSS, warnings included: no
    message is ignored."""
    pages = sorted(str(p) for p in built.rglob("*.html"))
    assert len(pages) >= 2
    result = subprocess.run([*vnu(), *pages], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), \
        result.stdout + result.stderr


@pytest.mark.parametrize("bad", [
    "<a href='#'><a href='#'>nested</a></a>",                       # invalid HTML
    "<p style='color: reddish'>unknown colour</p>",                 # invalid CSS
], ids=["html", "css"])
def test_the_validity_check_catches_invalid_html_and_css(tmp_path, bad):
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html lang=en><head><title>x</title></head>"
                                       f"<body>{bad}</body></html>")
    result = subprocess.run([*vnu(), str(tmp_path / "bad.html")], capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and "error" in result.stdout + result.stderr


def document_page(built, tei_path: Path):
    tree = etree.parse(str(tei_path))
    doc_id = tree.getroot().get(XML_ID)
    return tree, html.parse(str(built / doc_id / "index.html")).getroot()


@pytest.mark.parametrize("path", [p for p in sorted(TEI_DIR.glob("*.xml")) if p.name != "register.xml"],
                         ids=lambda p: p.stem)
def test_every_intervention_is_in_the_page_with_its_note(built, path):
    tree, page = document_page(built, path)
    found = interventions(tree)
    assert found
    for intervention in found:
        ident = intervention.get(XML_ID)
        (footnote,) = page.xpath(f"//*[@id='{ident}'][@role='doc-footnote']")
        (noteref,) = page.xpath(f"//article//a[@role='doc-noteref'][@href='#{ident}']")
        assert noteref.get("id") == f"{ident}-ref"
        assert footnote.xpath(f".//a[@role='doc-backlink'][@href='#{ident}-ref']")
        note_text = " ".join(footnote.text_content().split())
        quoted = [" ".join(q.text_content().split()) for q in footnote.iter("q")]
        witness = intervention if intervention.tag.endswith("surplus") else \
            intervention.xpath("tei:sic | tei:orig | tei:abbr", namespaces=NS)[0]
        assert text(witness, "diplomatic") in quoted
        for edited in intervention.xpath("tei:corr | tei:reg | tei:expan", namespaces=NS):
            assert text(edited, "reading") in quoted
        for note in tree.xpath(f"//tei:note[contains(concat(' ', @target, ' '), ' #{ident} ')]", namespaces=NS):
            assert " ".join("".join(note.itertext()).split()) in note_text
        tip = page.xpath(f"//*[@id='{ident}-tip']")[0].text_content()
        assert f"“{text(witness, 'diplomatic')}”" in tip


@pytest.mark.parametrize("path", [p for p in sorted(TEI_DIR.glob("*.xml")) if p.name != "register.xml"],
                         ids=lambda p: p.stem)
def test_every_entity_is_marked_indexed_and_linked_both_ways(built, path):
    tree, page = document_page(built, path)
    register = etree.parse(str(TEI_DIR / "register.xml"))
    names = tree.xpath("//tei:text//*[self::tei:persName or self::tei:orgName or self::tei:placeName "
                       "or self::tei:rs or self::tei:ref[@type='document']]", namespaces=NS)
    links = page.xpath("//article//a[contains(@class, 'entity')]")
    assert len(links) == len(names) > 20
    ids = set(page.xpath("//@id"))
    for name, link in zip(names, links):
        record_id = (name.get("ref") or name.get("target")).split("#")[1]
        assert link.get("href") == f"#{record_id}"
        (entry,) = page.xpath(f"//section[@class='entities']//dt[@id='{record_id}']")
        description = entry.getnext()
        (record,) = register.xpath(f"//*[@xml:id='{record_id}']")
        assert " ".join(record.findtext("{*}note").split()) in " ".join(description.text_content().split())
        assert description.xpath(f".//a[@href='#{link.get('id')}']"), record_id
        for idno in record.xpath("tei:idno[@type='wikidata' or @type='geonames' or @type='viaf']", namespaces=NS):
            assert description.xpath(f".//a[@href='{idno.text.strip()}']")
    for href in page.xpath("//a[starts-with(@href, '#')]/@href"):
        assert href[1:] in ids, href


def test_only_verified_identifiers_are_linked(built):
    _, page = document_page(built, CABLE)
    register = etree.parse(str(TEI_DIR / "register.xml"))
    verified = {i.text.strip() for i in register.iter("{*}idno") if i.get("type") in {"wikidata", "geonames", "viaf"}}
    linked = {a for a in page.xpath("//a/@href") if re.search(r"wikidata|geonames|viaf", a)}
    assert linked == verified


def test_the_collection_page_lists_every_document_by_date(built):
    page = html.parse(str(built / "index.html")).getroot()
    rows = page.xpath("//table[@class='collection']/tbody/tr")
    documents = [p for p in TEI_DIR.glob("*.xml") if p.name != "register.xml"]
    assert len(rows) == len(documents)
    dates = [row.xpath("string(td[1]/time/@datetime)") for row in rows]
    assert dates == sorted(dates)
    row = rows[0]
    assert "Kofi Annan" in row.text_content() and "Roméo Dallaire" in row.text_content()
    assert "Contacts with Informant" in row.text_content()
    for href in row.xpath(".//a/@href"):
        assert (built / href).is_file(), href


def test_draft_fragment_and_collated_witness_pages_are_valid_html_too(tmp_path, shared):
    """The pages the importer's documents make: a draft (imported, placeholders left), a
    cable known from quotations, and the edition with P collated without normalising
    capitals (labels and markings inside readings)."""
    import shutil

    from conftest import run_cli
    from test_collate import without_p

    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    tree = without_p(etree.parse(str(CABLE)))
    (tei / "unamir-100.xml").write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(tree) + b"\n")
    pbs = shared / "sources" / "unamir-100-pbs.txt"
    assert run_cli("import", str(pbs), "--into", str(tei), "--witness-of", "unamir-100", "--siglum", "P").returncode == 0
    quotations = tmp_path / "q.txt"
    quotations.write_text('Number: Q: 1\n\n"We cannot agree [...] to the operation."\nSource: A book, 1999\n',
                          encoding="utf-8")
    assert run_cli("import", str(quotations), "--id", "fragments-1", "--into", str(tei), "--fragments").returncode == 0
    draft = tmp_path / "draft.txt"
    draft.write_text(pbs.read_text(encoding="utf-8").replace("UNAMIR: 100", "UNAMIR: 999"), encoding="utf-8")
    assert run_cli("import", str(draft), "--id", "draft-1", "--into", str(tei)).returncode == 0
    out = tmp_path / "build"
    built = run_cli("build", str(tei), "--out", str(out), "--drafts")
    assert built.returncode == 0, built.stderr
    pages = [str(out / d / "index.html") for d in ("unamir-100", "fragments-1", "draft-1")] + [str(out / "index.html")]
    result = subprocess.run([*vnu(), *pages], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), \
        result.stdout + result.stderr
