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
