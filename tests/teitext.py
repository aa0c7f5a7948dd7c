"""An oracle for the tests, independent of the XSLT: the text of a block of a TEI
document in either view, written in Python from the TEI's meaning."""

from __future__ import annotations

from lxml import etree

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
T = "{http://www.tei-c.org/ns/1.0}"
EDITED = {f"{T}corr", f"{T}reg", f"{T}expan"}
WITNESS = {f"{T}sic", f"{T}orig", f"{T}abbr"}


def interventions(tree) -> list[etree._Element]:
    return tree.xpath("//tei:text//tei:choice | //tei:text//tei:surplus", namespaces=NS)


def blocks(tree, view: str) -> list[etree._Element]:
    """The lines of a view: the transcriber's title lines (diplomatic only), the heading
    lines, the paragraphs, the closer."""
    front = "//tei:text/tei:front//tei:ab | " if view == "diplomatic" else ""
    return tree.xpath(front + "//tei:text/tei:body//tei:item | //tei:text/tei:body//tei:p"
                      " | //tei:text/tei:body//tei:closer", namespaces=NS)


def text(element, view: str, flip=None) -> str:
    """Whitespace-normalised text of ``element`` in ``view``; the intervention ``flip``
    (if given) shows its other side."""
    parts: list[str] = []

    def walk(node):
        if node.tag is etree.Comment or node.tag is etree.PI:
            parts.append(node.tail or "")
            return
        view_here = view if node is not flip else ("reading" if view == "diplomatic" else "diplomatic")
        skip = node.tag == f"{T}note" or (node.tag == f"{T}surplus" and view_here == "reading")
        if not skip:
            parts.append(node.text or "")
            for child in node:
                if node.tag == f"{T}app" and child.tag != f"{T}lem":
                    continue                      # both views follow the copy-text
                if node.tag == f"{T}choice":
                    keep = EDITED if view_here == "reading" else WITNESS
                    if child.tag not in keep:
                        continue
                walk(child)
        if node is not element:
            parts.append(node.tail or "")

    walk(element)
    return " ".join("".join(parts).split())


def block_of(element) -> etree._Element:
    return element.xpath("ancestor::*[self::tei:p or self::tei:item or self::tei:closer or self::tei:ab][1]",
                         namespaces=NS)[0]


OFF = {f"{T}lacunaStart", f"{T}witEnd"}
ON = {f"{T}lacunaEnd", f"{T}witStart"}


def witness_lines(tree, wit: str) -> list[str]:
    """The text of the witness ``wit`` ("#id", not the copy-text), a line per block it has:
    at each app its rdg (else the lemma), the witness side of every intervention, nothing
    after the point where it breaks off, and a block it lacks entirely left out."""
    def wits(event):
        own = event.get("wit")
        if own is None:
            reading = next(event.iterancestors(f"{T}lem", f"{T}rdg"), None)
            own = reading.get("wit") if reading is not None else ""
        return own.split()

    events = [e for e in tree.iter(*OFF, *ON) if wit in wits(e)]
    present = not (events and events[0].tag == f"{T}witStart")
    lines = []
    for block in blocks(tree, "reading"):
        parts: list[str] = []
        had_text = present

        def walk(node):
            nonlocal present
            if node.tag in OFF | ON and wit in wits(node):
                present = node.tag in ON
            elif node.tag != f"{T}note":
                if present:
                    parts.append(node.text or "")
                for child in node:
                    if node.tag == f"{T}app":
                        chosen = [c for c in node if wit in (c.get("wit") or "").split()] or \
                                 [c for c in node if c.tag == f"{T}lem"]
                        if child is not chosen[0]:
                            continue
                    if node.tag == f"{T}choice" and child.tag not in WITNESS:
                        continue
                    walk(child)
            if node is not block and present:
                parts.append(node.tail or "")

        walk(block)
        if had_text or parts:
            lines.append(" ".join("".join(parts).split()))
    return lines
