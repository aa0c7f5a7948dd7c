"""Property-based fuzzing: mutate the valid cable (delete, duplicate and swap elements and
attributes, insert characters) and check that validate and build never end in a traceback
and never publish an invalid document."""

from __future__ import annotations

import copy
import random
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cable_edition.build import build
from cable_edition.diagnostics import UserError
from cable_edition.project import Config
from cable_edition.validate import validate
from conftest import CABLE, TEI_DIR

MUTATIONS = ["delete-element", "duplicate-element", "swap-elements", "delete-attribute",
             "copy-attribute", "swap-attributes", "insert-characters"]


def mutate(data: bytes, steps: list[tuple[str, int, int, str]]) -> bytes:
    for kind, a, b, characters in steps:
        if kind == "insert-characters":
            at = a % (len(data) + 1)
            data = data[:at] + characters.encode("utf-8", "surrogatepass") + data[at:]
            continue
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError:
            continue
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        first, second = elements[a % len(elements)], elements[b % len(elements)]
        if kind == "delete-element" and first.getparent() is not None:
            first.getparent().remove(first)
        elif kind == "duplicate-element" and first.getparent() is not None:
            first.addnext(copy.deepcopy(first))
        elif kind == "swap-elements" and first.getparent() is not None and second.getparent() is not None \
                and first not in second.iterancestors() and second not in first.iterancestors() and first is not second:
            marker = etree.Element("marker")
            first.addprevious(marker)
            second.addprevious(first)
            marker.addprevious(second)
            marker.getparent().remove(marker)
        elif kind in {"delete-attribute", "copy-attribute", "swap-attributes"} and first.attrib:
            name = sorted(first.attrib)[b % len(first.attrib)]
            if kind == "delete-attribute":
                del first.attrib[name]
            elif kind == "copy-attribute":
                second.set(name, first.get(name))
            elif second.attrib:
                other = sorted(second.attrib)[a % len(second.attrib)]
                first.attrib[name], second.attrib[other] = second.get(other), first.get(name)
        data = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return data


steps = st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10_000), st.integers(0, 10_000),
                           st.text(min_size=1, max_size=4)), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_mutated_cables_never_crash_and_invalid_ones_are_never_published(tmp_path_factory, steps):
    folder = Path(tmp_path_factory.mktemp("fuzz"))
    tei = folder / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    mutated = mutate(CABLE.read_bytes(), steps)
    (tei / "unamir-100.xml").write_bytes(mutated)

    report = validate([tei])                      # any exception but UserError fails the test
    out = folder / "build"
    try:
        built = build([tei], out, config=Config("http://localhost:8000/", "Tests", ("Tests",), admin_email="editors@cables.example.org"))
    except UserError as error:
        assert error.diagnostics and error.exit_code in (1, 2)
        assert not report.valid
        assert not out.exists()
        return
    assert report.valid, [str(d) for d in report.diagnostics]
    published = {p.name for p in out.iterdir()}
    assert published == {"index.html", "cmif.xml", "collection.json", "oai-static.xml", "search.html", "pagefind",
                         ".manifest.json", ".cable-edition",
                         *built.built}
    for doc_id in built.built:
        assert (out / doc_id / f"{doc_id}.xml").read_bytes() == mutated


def test_the_mutations_do_break_documents():
    """The fuzzer is only useful if its mutations produce invalid documents too."""
    rng = random.Random(7)
    invalid = 0
    for _ in range(30):
        folder = Path(__import__("tempfile").mkdtemp())
        shutil.copy(TEI_DIR / "register.xml", folder)
        step = [(rng.choice(MUTATIONS), rng.randrange(10_000), rng.randrange(10_000), "<&x")]
        (folder / "unamir-100.xml").write_bytes(mutate(CABLE.read_bytes(), step))
        invalid += not validate([folder]).valid
        shutil.rmtree(folder)
    assert invalid >= 10
