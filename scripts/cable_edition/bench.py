"""Benchmarks (not tests).

    python -m cable_edition.bench validate [--copies N]
        validating N copies of the cable in one call against N calls of one copy each.

    python -m cable_edition.bench all [--sizes 1,100,1000,10000] [--jobs 2] [--sample 300] [--teic PATH]
        the whole story in one run: `scale`, then `stages` (with TEIC's stylesheet when
        --teic is given), on the same synthetic collections, one after the other.

    python -m cable_edition.bench scale [--sizes 1,100,1000,10000] [--jobs 2]
        for each size N, a synthetic collection of N valid cables derived from the real one
        (varied ids, dates, recipients, paragraphs and interventions), then, each as a whole
        process: validate, a cold build, a no-op rebuild, a rebuild after changing one
        document; peak RSS; and two references measured in the same run: a fresh
        `cable-edition build` process per document (the first 50) and lxml parse +
        serialize of the same documents (the floor). Prints a Markdown table.

    python -m cable_edition.bench stages [--sizes 1,100,1000] [--sample 300] [--teic PATH]
        where a document's CPU time goes, stage by stage (read, safe parse, RELAX NG,
        Schematron, ids/pointers/witness rules, hand-over to Saxon, citation, the Saxon pass
        with its files, the folder and source copy), in one process, per document of a
        sample of each synthetic collection; beside it, in the same run, the TEI
        Consortium's HTML stylesheet (PATH: a checkout of TEIC/Stylesheets, whose
        html/html.xsl is compiled in the same Saxon) on the same documents, and lxml's
        parse + serialize (the floor). Prints Markdown tables, with ratios.

    python -m cable_edition.bench instructions [--docs 10]
        the instructions the Saxon calls of a document's rendering execute (the entry's
        CSL-JSON and the pass with its files), counted by valgrind's callgrind, per document
        of a synthetic collection: unlike CPU time, the same count on every run, whatever
        else the machine does, so two versions of the stylesheets compare exactly (run each
        checkout's own code: PYTHONPATH=<checkout>/scripts). Needs valgrind.

    python -m cable_edition.bench files [--docs 200] [--files 9] [--words 300]
        what making a document's files costs: Saxon's result documents against the same
        texts handed back and written by Python, beside the texts made and not written.

    python -m cable_edition.bench jvm --classpath JARS [--docs 300] [--rounds 6]
        our Saxon work on a document (hand-over, CSL-JSON call, the pass and its files) in
        saxonche and in a JVM's Saxon-HE (JARS: its jar and the jars it needs; a JDK on the
        PATH), on the same documents in the same run, round by round, the JVM's whole
        process counted (its just-in-time compiler and garbage collector); and whether the
        two write the same bytes. Neither the JVM nor the jar is part of the project.

    python -m cable_edition.bench real --frus DIR [--jobs 2] [--rounds 3]
        real documents beside synthetic ones: the FRUS telegrams of DIR (*.frus.xml), imported
        from FRUS's TEI, and as many synthetic copies of the edition's cable, validated and
        built cold in the same run, round by round; and the import itself.

    python -m cable_edition.bench search [--sizes 1000,10000]
        the search index at scale: the seconds Pagefind adds to a build, the index's size,
        and the time a word query and a facet query take in Chromium (cold cache) over a
        local static server.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from cable_edition.project import PACKAGE_DIR

DEFAULT_SOURCE = PACKAGE_DIR.parents[1] / "tei"
TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NS = {"tei": TEI[1:-1]}


def make_copies(source: Path, target: Path, copies: int) -> list[Path]:
    """N copies of every cable of ``source`` under new ids, with the register."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "register.xml").write_bytes((source / "register.xml").read_bytes())
    made = []
    for cable in sorted(p for p in source.glob("*.xml") if p.name != "register.xml"):
        text = cable.read_text(encoding="utf-8")
        for n in range(copies):
            copy_path = target / f"{cable.stem}-copy{n}.xml"
            copy_path.write_text(text.replace(cable.stem, f"{cable.stem}-copy{n}"), encoding="utf-8")
            made.append(copy_path)
    return made


# ------------------------------------------------------------------ synthetic collection

def _drop_targets(tree, removed: set[str]) -> None:
    """Notes lose their pointers to what was removed; a note left with none goes."""
    for note in tree.xpath("//tei:back//tei:note", namespaces=NS):
        kept = [t for t in note.get("target", "").split() if t[1:] not in removed]
        if kept:
            note.set("target", " ".join(kept))
        else:
            note.getparent().remove(note)
    for back in tree.xpath("//tei:back[not(.//tei:note)]", namespaces=NS):
        back.getparent().remove(back)


def _unwrap(element, keep) -> None:
    """Replace ``element`` by the text of ``keep`` (one of its children)."""
    text = "".join(keep.itertext())
    parent, previous = element.getparent(), element.getprevious()
    tail = element.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + text + tail
    else:
        parent.text = (parent.text or "") + text + tail
    parent.remove(element)


def synthetic_cable(source: bytes, number: int, rng: random.Random) -> bytes:
    """A valid cable derived from the real one: a new id and date, maybe one recipient
    fewer, some paragraphs dropped (the rest renumbered), some interventions accepted into
    the text."""
    doc_id = f"cable-{number:05d}"
    # its own id and number: the same number twice is one cable in two documents
    text = source.decode("utf-8").replace("unamir-100", doc_id).replace("UNAMIR: 100", f"UNAMIR: {1000 + number}")
    day = f"{rng.randint(1993, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    text = text.replace('when="1994-01-11"', f'when="{day}"')
    tree = etree.fromstring(text.encode("utf-8")).getroottree()
    removed: set[str] = set()

    if rng.random() < 0.5:     # sent to Dallaire alone
        for name in tree.xpath("//tei:correspAction[@type='received']/tei:persName[@ref='register.xml#pers-booh-booh']"
                               " | //tei:item[@n='to']/tei:persName[@ref='register.xml#pers-booh-booh']",
                               namespaces=NS):
            if name.getparent().tag == f"{TEI}item":
                following = name.tail or ""
                separator = name.getnext()
                if separator is not None and separator.tag == f"{TEI}app":   # the witnesses' " / "
                    removed.add(separator.get(XML_ID))
                    following += separator.tail or ""
                    name.getparent().remove(separator)
                name.getparent().text = (name.getparent().text or "") + following.replace(" / ", "", 1)
            name.getparent().remove(name)

    paragraphs = tree.xpath("//tei:body//tei:p[@n]", namespaces=NS)
    for paragraph in paragraphs[1:]:
        if rng.random() < 0.3:
            removed |= {e.get(XML_ID) for e in paragraph.iter() if e.get(XML_ID)}
            paragraph.getparent().remove(paragraph)
    for n, paragraph in enumerate(tree.xpath("//tei:body//tei:p[@n]", namespaces=NS), start=1):
        paragraph.set("n", str(n))
        paragraph.set(XML_ID, f"{doc_id}-p{n}")
        paragraph.find(f"{TEI}label").text = f"{n}."

    for choice in tree.xpath("//tei:body//tei:choice", namespaces=NS):
        if rng.random() < 0.25:
            removed.add(choice.get(XML_ID))
            edited = choice.xpath("tei:corr | tei:reg | tei:expan", namespaces=NS)[0]
            _unwrap(choice, edited)
    _drop_targets(tree, removed)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def make_collection(source: Path, target: Path, count: int, seed: int = 1994) -> list[Path]:
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    (target / "register.xml").write_bytes((source / "register.xml").read_bytes())
    original = (source / "unamir-100.xml").read_bytes()
    paths = []
    for n in range(count):
        path = target / f"cable-{n:05d}.xml"
        path.write_bytes(synthetic_cable(original, n, rng))
        paths.append(path)
    return paths


# ------------------------------------------------------------------ measuring

CPU_SECONDS: dict[tuple[str, ...], float] = {}     # the last measured command's CPU time (user + system)


def run_measured(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB, the largest single process of the command's tree);
    its CPU seconds (its own and its waited-for children's) go to CPU_SECONDS."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    CPU_SECONDS[tuple(command)] = usage.ru_utime + usage.ru_stime
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return seconds, usage.ru_maxrss // 1024


def lxml_floor(paths: list[Path]) -> float:
    start = time.perf_counter()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in paths:
        etree.tostring(etree.parse(str(path), parser))
    return time.perf_counter() - start


def _collection_folder(work: Path, source: Path, size: int) -> tuple[Path, list[Path]]:
    """A folder to build in: the project's settings, and ``size`` synthetic cables in tei/."""
    work.mkdir(parents=True, exist_ok=True)
    config = PACKAGE_DIR.parents[1] / "pyproject.toml"
    if config.is_file():
        (work / "pyproject.toml").write_bytes(config.read_bytes())
    return work, make_collection(source, work / "tei", size)


def bench_scale(sizes: list[int], jobs: int, source: Path, folder: Path) -> None:
    cli = [sys.executable, "-m", "cable_edition"]
    rows = []
    for size in sizes:
        work, paths = _collection_folder(folder / f"n{size}", source, size)
        validate_s, validate_mb = run_measured([*cli, "validate", "tei"], work)
        build_s, build_mb = run_measured([*cli, "build", "tei", "--jobs", str(jobs)], work)
        build_cpu = CPU_SECONDS[(*cli, "build", "tei", "--jobs", str(jobs))]
        noop_s, noop_mb = run_measured([*cli, "build", "tei", "--jobs", str(jobs)], work)
        changed = paths[len(paths) // 2]
        changed.write_text(changed.read_text(encoding="utf-8").replace("Regards.", "Regards!"), encoding="utf-8")
        touch_s, touch_mb = run_measured([*cli, "build", "tei", "--jobs", str(jobs)], work)
        sample = paths[:50]
        per_process = []
        for path in sample:
            seconds, _ = run_measured([*cli, "build", str(path), "--out", str(work / "one"), "--jobs", "1"], work)
            per_process.append(seconds)
        floor_s = lxml_floor(paths)
        rows.append({
            "N": size, "validate docs/s": size / validate_s, "build s": build_s, "build docs/s": size / build_s,
            "build CPU ms/doc": build_cpu * 1000 / size,
            "no-op s": noop_s, "one changed s": touch_s, "peak RSS MB": max(validate_mb, build_mb, noop_mb, touch_mb),
            "process per doc docs/s": len(sample) / sum(per_process),
            "median process per doc s": statistics.median(per_process),
            "lxml floor docs/s": size / floor_s,
        })
        print(f"N={size}: done", file=sys.stderr)
    print(f"\nscale benchmark, --jobs {jobs}, {os.cpu_count()} CPUs\n")
    print("| N | validate docs/s | cold build (s) | build docs/s | build CPU ms/doc | no-op rebuild (s) | "
          "one changed (s) | peak RSS (MB) | process per doc, docs/s | build ÷ process-per-doc | lxml floor docs/s | "
          "build ÷ floor |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['N']:,} | {r['validate docs/s']:.0f} | {r['build s']:.2f} | {r['build docs/s']:.0f} | "
              f"{r['build CPU ms/doc']:.1f} | "
              f"{r['no-op s']:.2f} | {r['one changed s']:.2f} | {r['peak RSS MB']} | "
              f"{r['process per doc docs/s']:.1f} | {r['build docs/s'] / r['process per doc docs/s']:.1f}× | "
              f"{r['lxml floor docs/s']:.0f} | {r['build docs/s'] / r['lxml floor docs/s']:.4f} |")
    single = [r for r in rows if r["N"] == 1]
    if single:
        print(f"\ncold build of the single cable, whole process: {single[0]['build s']:.2f} s; "
              f"a fresh process per document: median {single[0]['median process per doc s']:.2f} s")


# ------------------------------------------------------------------ real documents

def bench_real(frus: Path, jobs: int, rounds: int, source: Path, folder: Path) -> None:
    """The FRUS corpus and as many synthetic copies, each validated and built cold, in
    alternating rounds (so that both meet the same machine state)."""
    cli = [sys.executable, "-m", "cable_edition"]
    telegrams = sorted(frus.resolve().glob("*.frus.xml"))   # absolute: the commands run elsewhere
    if not telegrams:
        raise SystemExit(f"{frus}: no FRUS document (*.frus.xml) to measure")
    real = folder / "real"
    real.mkdir(parents=True)
    config = PACKAGE_DIR.parents[1] / "pyproject.toml"
    if config.is_file():
        (real / "pyproject.toml").write_bytes(config.read_bytes())
    start = time.perf_counter()
    for telegram in telegrams:
        run_measured([*cli, "import", "--from", "frus", str(telegram), "--into", "tei"], real)
    import_s = time.perf_counter() - start
    synthetic, _ = _collection_folder(folder / "synthetic", source, len(telegrams))
    times: dict[str, dict[str, list[float]]] = {"real": {"validate": [], "build": []},
                                                "synthetic": {"validate": [], "build": []}}
    for _ in range(rounds):
        for name, work in (("real", real), ("synthetic", synthetic)):
            times[name]["validate"].append(run_measured([*cli, "validate", "tei"], work)[0])
            times[name]["build"].append(run_measured([*cli, "build", "tei", "--jobs", str(jobs), "--force"], work)[0])
    n = len(telegrams)
    print(f"\nreal documents, {n} FRUS telegrams beside {n} synthetic copies of UNAMIR: 100; medians of {rounds} "
          f"alternating rounds; --jobs {jobs}, {os.cpu_count()} CPUs\n")
    print("| collection | validate docs/s | cold build (s) | build docs/s | mean size (KB) |")
    print("|---|---:|---:|---:|---:|")
    sizes = {"real": [p.stat().st_size for p in (real / "tei").glob("*.xml") if p.name != "register.xml"],
             "synthetic": [p.stat().st_size for p in (synthetic / "tei").glob("*.xml") if p.name != "register.xml"]}
    for name in ("real", "synthetic"):
        validate_s, build_s = (statistics.median(times[name][k]) for k in ("validate", "build"))
        print(f"| {name} | {n / validate_s:.0f} | {build_s:.2f} | {n / build_s:.1f} | "
              f"{statistics.mean(sizes[name]) / 1024:.1f} |")
    ratio = statistics.median(times["real"]["build"]) / statistics.median(times["synthetic"]["build"])
    print(f"\nbuild, real ÷ synthetic: {ratio:.2f}×; import --from frus, a process per telegram: "
          f"{n / import_s:.1f} docs/s")


# ------------------------------------------------------------------ stages

STAGES = ["read", "safe parse", "RELAX NG", "Schematron", "ids, pointers, witnesses", "hand-over to Saxon",
          "citation (CSL call + citeproc)", "Saxon pass and its files", "folder and source copy"]


def stage_profile(paths: list[Path], registers_folder: Path, teic: Path | None) -> dict[str, float]:
    """CPU ms per document of each stage of the pipeline, in this process (stylesheets and
    schemas compiled once, beforehand), and of the references, on the same documents."""
    import shutil

    from cable_edition.load import Loaded, parse_bytes, read_input, require_tei
    from cable_edition.project import Config, canonical
    from cable_edition.render import Renderer
    from cable_edition import validate
    from cable_edition.validate import (Registers, check_document_id, check_pointers, check_relaxng,
                                        check_schematron, load_registers)

    # rules that older versions lack (so that the benchmark can measure them too)
    extra_rules = [getattr(validate, name) for name in ("check_processing_instructions", "check_witnesses")
                   if hasattr(validate, name)]
    cable_facts = getattr(validate, "_cable_facts", lambda loaded, facts: None)

    registers, _ = load_registers([registers_folder / "register.xml"])
    index = Registers(registers)
    renderer = Renderer(registers, Config("http://localhost:8000/", "Bench", ("Bench",), admin_email="b@b.invalid"))
    scratch = Path(tempfile.mkdtemp(prefix="bench-stages-"))
    totals = dict.fromkeys(STAGES, 0.0)
    clock = time.process_time

    def timed(stage, function, *args):
        start = clock()
        value = function(*args)
        totals[stage] += clock() - start
        return value

    try:
        for path in paths:
            read = timed("read", read_input, path)
            loaded = timed("safe parse", lambda: Loaded(path, read.data, parse_bytes(path, read.data)))
            require_tei(loaded)
            timed("RELAX NG", check_relaxng, loaded)
            timed("Schematron", check_schematron, loaded)

            def rules():
                check_document_id(loaded)
                for rule in extra_rules:
                    rule(loaded)
                _, facts = check_pointers(loaded, index)
                cable_facts(loaded, facts)
            timed("ids, pointers, witnesses", rules)

            def folder():
                target = scratch / loaded.id
                target.mkdir()
                (target / f"{loaded.id}.xml").write_bytes(loaded.data)
                return target
            target = timed("folder and source copy", folder)
            executable = renderer._executables["edition.xsl"]
            renderer._prepare(executable)
            register = renderer._registers.get(canonical(path.parent))
            if register is not None:
                executable.set_parameter("register", register)
            document = timed("hand-over to Saxon", renderer.to_saxon, loaded)
            citation = timed("citation (CSL call + citeproc)", renderer._citation, executable, document, str(path))
            executable.set_parameter("citation", citation)
            timed("Saxon pass and its files", renderer._run, executable, document, target, str(path))
            shutil.rmtree(target)
        result = {stage: seconds * 1000 / len(paths) for stage, seconds in totals.items()}
        result["all stages"] = sum(totals.values()) * 1000 / len(paths)

        start = clock()
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        for path in paths:
            etree.tostring(etree.parse(str(path), parser))
        result["lxml parse + serialize (floor)"] = (clock() - start) * 1000 / len(paths)
        if teic is not None:
            result["TEIC html/html.xsl, hand-over + one page"] = _teic_profile(renderer, paths, teic)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def _teic_profile(renderer, paths: list[Path], teic: Path) -> float:
    """The TEI Consortium's HTML stylesheet in the same Saxon, on the same documents: CPU ms
    per document, the hand-over (parse) and the transformation to one HTML page."""
    stylesheet = teic / "html" / "html.xsl"           # there: --teic is checked as it is parsed
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)      # its own: ours may read no file by itself
    compiler = processor.new_xslt30_processor()
    executable = compiler.compile_stylesheet(stylesheet_file=str(stylesheet))
    devnull = os.open(os.devnull, os.O_WRONLY)     # its warnings (no ../VERSION) go nowhere
    saved = os.dup(2)
    os.dup2(devnull, 2)
    try:
        for path in paths[:3]:                                   # warm, as ours was
            executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=path.read_text(encoding="utf-8")))
        start = time.process_time()
        for path in paths:
            node = processor.parse_xml(xml_text=path.read_text(encoding="utf-8"))
            executable.transform_to_string(xdm_node=node)
        return (time.process_time() - start) * 1000 / len(paths)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def bench_stages(sizes: list[int], sample: int, source: Path, folder: Path, teic: Path | None) -> None:
    columns = []
    for size in sizes:
        work, paths = _collection_folder(folder / f"st{size}", source, size)
        chosen = paths[:sample]
        # warm: SaxonC runs a first few dozen documents slower (measured: 3 were not enough,
        # the first size read 2-3 ms high)
        stage_profile(chosen[:30], work / "tei", None)
        columns.append((size, len(chosen), stage_profile(chosen, work / "tei", teic)))
        print(f"N={size}: done", file=sys.stderr)
    names = list(columns[0][2])
    print(f"\nstage benchmark: CPU ms per document, one process, {os.cpu_count()} CPUs\n")
    print("| stage | " + " | ".join(f"N={size:,} (sample {n})" for size, n, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{c[name]:.2f}" for _, _, c in columns) + " |")
    last = columns[-1][2]
    ours = last["hand-over to Saxon"] + last["citation (CSL call + citeproc)"] + last["Saxon pass and its files"]
    print(f"\nratios (N={columns[-1][0]:,}): all stages ÷ lxml floor {last['all stages'] / last['lxml parse + serialize (floor)']:.0f}×")
    teic_key = "TEIC html/html.xsl, hand-over + one page"
    if teic_key in last:
        print(f"TEIC's HTML page ÷ our whole Saxon pass (hand-over, citation, every view and export): "
              f"{last[teic_key] / ours:.2f}×; ÷ all our stages: {last[teic_key] / last['all stages']:.2f}×")


# Rendering each document of a folder through the Renderer, as the build does.
_RENDER_ALL = """
import sys, tempfile
from pathlib import Path
from cable_edition.load import load
from cable_edition.project import Config
from cable_edition.render import Renderer
from cable_edition.validate import load_registers
folder = Path(sys.argv[1])
registers, _ = load_registers([folder / "register.xml"])
renderer = Renderer(registers, Config("http://localhost:8000/", "Bench", ("Bench",), admin_email="b@b.invalid"))
with tempfile.TemporaryDirectory() as out:
    for path in sorted(folder.glob("cable-*.xml")):
        target = Path(out) / path.stem
        target.mkdir()
        renderer.render(load(path), target)
"""


def bench_instructions(docs: int, source: Path, folder: Path) -> None:
    import re
    import shutil

    if shutil.which("valgrind") is None:
        raise SystemExit("bench instructions needs valgrind (apt-get install valgrind)")
    _, paths = _collection_folder(folder / "instructions", source, docs)
    # Only what runs inside the two Saxon calls is counted (Python, citeproc and the
    # stylesheets' compilation are not).
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               "--toggle-collect=*apply_templates_returning_string*",
               "--toggle-collect=*call_function_returning_string*",
               sys.executable, "-c", _RENDER_ALL, str(paths[0].parent)]
    result = subprocess.run(command, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or not found:
        raise SystemExit(f"valgrind failed:\n{result.stderr[-2000:]}")
    print(f"Saxon calls (CSL-JSON and the pass): {int(found.group(1)) / len(paths) / 1e6:.2f} M instructions "
          f"per document ({len(paths)} documents)")


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


# Three ways to make a document's files: Saxon's result documents; the same texts handed
# back in the principal result, Python writing the files; the texts made and not written.
_FILES_XSL = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" expand-text="yes">
  <xsl:output method="text"/>
  <xsl:param name="files" as="xs:integer"/>
  <xsl:param name="words" as="xs:integer"/>
  <xsl:param name="how" as="xs:string"/>
  <xsl:template match="/">
    <xsl:for-each select="1 to $files">
      <xsl:variable name="text" select="string-join((1 to $words) ! ('word' || .), ' ')"/>
      <xsl:choose>
        <xsl:when test="$how = 'saxon'">
          <xsl:result-document href="f{.}.txt" method="text"><xsl:value-of select="$text"/></xsl:result-document>
        </xsl:when>
        <xsl:when test="$how = 'python'">{string-length($text)} {$text}</xsl:when>
        <xsl:otherwise>{string-length($text)}</xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>"""


def bench_files(docs: int, files: int, words: int, rounds: int = 5) -> None:
    """CPU ms per document of making ``files`` text files of ``words`` words: by Saxon's
    xsl:result-document, or handed back as text and written by Python; beside them, the
    texts made and not written. Interleaved rounds, medians."""
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    with tempfile.TemporaryDirectory() as folder:
        stylesheet = Path(folder) / "files.xsl"
        stylesheet.write_text(_FILES_XSL, encoding="utf-8")
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
        source = processor.parse_xml(xml_text="<doc/>")
        timings: dict[str, list[float]] = {"saxon": [], "python": [], "none": []}
        count = 0
        for _ in range(rounds):
            for how, spent in timings.items():
                executable.clear_parameters()
                executable.set_parameter("files", processor.make_integer_value(files))
                executable.set_parameter("words", processor.make_integer_value(words))
                executable.set_parameter("how", processor.make_string_value(how))
                start = time.process_time()
                for _ in range(docs):
                    count += 1
                    target = Path(folder) / str(count)
                    target.mkdir()
                    executable.set_base_output_uri(target.as_uri() + "/")
                    executable.set_initial_match_selection(xdm_value=source)
                    result = executable.apply_templates_returning_string() or ""
                    if how == "python":
                        rest, n = result, 0
                        while rest:
                            length, _, rest = rest.partition(" ")
                            n += 1
                            with open(target / f"f{n}.txt", "xb") as handle:
                                handle.write(rest[:int(length)].encode("utf-8"))
                            rest = rest[int(length):]
                spent.append((time.process_time() - start) * 1000 / docs)
    medians = {how: statistics.median(spent[1:]) for how, spent in timings.items()}
    size = len(" ".join(f"word{n}" for n in range(1, words + 1)))
    print(f"\nfiles benchmark: {files} files of {size:,} characters a document, {docs} documents x "
          f"{rounds} rounds (the first left out), CPU ms per document\n")
    print("| how | ms/doc | ms a file above the texts alone |")
    print("|---|---:|---:|")
    labels = {"saxon": "Saxon's xsl:result-document", "python": "handed back, Python writes",
              "none": "texts made, not written"}
    for how in ("saxon", "python", "none"):
        print(f"| {labels[how]} | {medians[how]:.2f} | {(medians[how] - medians['none']) / files:.3f} |")


def bench_validate(copies: int, source: Path) -> None:
    cli = [sys.executable, "-m", "cable_edition", "validate"]
    with tempfile.TemporaryDirectory() as folder:
        files = make_copies(source, Path(folder) / "tei", copies)
        one_call = statistics.median(_timed([*cli, str(Path(folder) / "tei")]) for _ in range(3))
        per_file = [_timed([*cli, str(file)]) for file in files]
    many_calls = sum(per_file)
    print(f"validate {len(files)} copies of the cable")
    print("| how | seconds | per document |")
    print("|---|---:|---:|")
    print(f"| one call, all documents (median of 3) | {one_call:.2f} | {one_call / len(files) * 1000:.1f} ms |")
    print(f"| one call per document | {many_calls:.2f} | {many_calls / len(files) * 1000:.1f} ms |")
    print(f"ratio: {many_calls / one_call:.1f}x faster in one call")


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _query_seconds(origin: str, query: str, rounds: int = 5) -> float:
    """Median seconds from opening search.html?<query> in Chromium to the results shown."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(rounds):
            context = browser.new_context()          # a cold cache each time
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{origin}/search.html?{query}")
            page.wait_for_function("document.getElementById('search-results').dataset.shown !== undefined",
                                   timeout=120000)
            times.append(time.perf_counter() - start)
            context.close()
        browser.close()
    return statistics.median(times)


def bench_search(sizes: list[int], source: Path, folder: Path) -> None:
    """The search index at scale: the seconds it adds to a build, its size, and the time a
    query takes in Chromium over a local static server (cold cache)."""
    import functools
    import http.server
    import threading

    from cable_edition.search import write_index

    cli = [sys.executable, "-m", "cable_edition"]
    rows = []
    for size in sizes:
        work, _ = _collection_folder(folder / f"s{size}", source, size)
        build_s, _ = run_measured([*cli, "build", "tei", "--jobs", "2"], work)
        published = Path(os.path.realpath(work / "build"))
        ids = sorted(p.name for p in published.iterdir() if p.is_dir() and p.name.startswith("cable-"))
        scratch = work / "scratch"
        scratch.mkdir()
        start = time.perf_counter()
        write_index(((doc_id, published) for doc_id in ids), scratch, scratch_in=scratch)
        index_s = time.perf_counter() - start
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Quiet, directory=str(published))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            word = _query_seconds(origin, "q=Interahamwe")
            facet = _query_seconds(origin, "sender=Kofi+Annan&year=1994&sort=date")
        finally:
            server.shutdown()
        rows.append((size, build_s, index_s, _folder_size(published / "pagefind"), word, facet))
        print(f"N={size}: done", file=sys.stderr)
    print("\nsearch benchmark (Pagefind), build with --jobs 2\n")
    print("| N | build (s) | of which the search index (s) | share | index size (MB) | query \"Interahamwe\" in "
          "Chromium (s) | facets sender+year, by date (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, build_s, index_s, index_bytes, word, facet in rows:
        print(f"| {size:,} | {build_s:.2f} | {index_s:.2f} | {index_s / build_s:.0%} | {index_bytes / 1e6:.1f} | "
              f"{word:.2f} | {facet:.2f} |")


# A JVM's Saxon-HE on the same documents and stylesheets: compiled once, then, per document,
# what our Saxon work is (the hand-over as a parse, the CSL-JSON call, the pass with its
# files), with a fixed citation on both sides (citeproc is not Saxon's work).
_JVM_HARNESS = """
import net.sf.saxon.s9api.*;
import javax.xml.transform.stream.StreamSource;
import java.io.*;
import java.lang.management.ManagementFactory;
import java.nio.file.*;
import java.util.*;

public class CableBench {
    public static void main(String[] args) throws Exception {
        File xslt = new File(args[0]), docs = new File(args[1]);
        Path out = Paths.get(args[2]);
        int rounds = Integer.parseInt(args[3]);
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Processor processor = new Processor(false);
        XsltExecutable executable = processor.newXsltCompiler().compile(new StreamSource(new File(xslt, "edition.xsl")));
        DocumentBuilder builder = processor.newDocumentBuilder();
        XdmNode register = builder.build(new File(docs, "register.xml"));
        XdmNode citation = builder.build(new StreamSource(new StringReader(args[4])));
        File[] files = docs.listFiles((folder, name) -> name.startsWith("cable-") && name.endsWith(".xml"));
        Arrays.sort(files);
        List<String> texts = new ArrayList<>();
        for (File file : files) texts.add(Files.readString(file.toPath()));
        System.out.printf("start+compile %.1f%n", os.getProcessCpuTime() / 1e6);
        QName csl = QName.fromClarkName(args[5]);
        for (int round = 0; round < rounds; round++) {
            long start = os.getProcessCpuTime();
            for (int i = 0; i < texts.size(); i++) {
                XdmNode document = builder.build(new StreamSource(new StringReader(texts.get(i))));
                Xslt30Transformer transformer = executable.load30();
                Map<QName, XdmValue> parameters = new HashMap<>();
                parameters.put(new QName("register"), register);
                parameters.put(new QName("citation"), citation);
                parameters.put(new QName("base-url"), new XdmAtomicValue("http://localhost:8000/"));
                transformer.setStylesheetParameters(parameters);
                transformer.callFunction(csl, new XdmValue[] {document});
                Path target = out.resolve(round + "-" + i);
                Files.createDirectories(target);
                transformer.setBaseOutputURI(target.toUri().toString());
                transformer.applyTemplates(document, processor.newSerializer(new StringWriter()));
            }
            System.out.printf("round %d %.4f%n", round, (os.getProcessCpuTime() - start) / 1e6 / texts.size());
        }
    }
}
"""

_FIXED_CITATION = '<span xmlns="http://www.w3.org/1999/xhtml" class="csl-entry">A fixed citation.</span>'


def bench_jvm(classpath: list[Path], docs: int, rounds: int, source: Path, folder: Path) -> None:
    """CPU ms per document of our Saxon work (hand-over, CSL-JSON call, the pass and its
    files) in saxonche and in a JVM's Saxon-HE (the jars of ``classpath``), on the same
    documents in the same run, round by round: the JVM's figure is its whole process's
    (just-in-time compiler and garbage collector included), so its first rounds show what
    warming up costs. The files of the first document are compared byte for byte."""
    import filecmp
    import shutil

    from saxonche import PySaxonProcessor

    from cable_edition.render import CSL_FUNCTION

    missing = [tool for tool in ("java", "javac") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"bench jvm needs a JDK ({' and '.join(missing)} not found: apt-get install default-jdk-headless)")
    _, paths = _collection_folder(folder / "jvm", source, docs)
    xslt = PACKAGE_DIR.parents[1] / "xslt"
    harness = folder / "harness"
    harness.mkdir()
    (harness / "CableBench.java").write_text(_JVM_HARNESS, encoding="utf-8")
    jars = os.pathsep.join(str(jar.resolve()) for jar in classpath)
    compiled = subprocess.run(["javac", "-nowarn", "-cp", jars, "-d", str(harness), str(harness / "CableBench.java")],
                              capture_output=True, text=True)
    if compiled.returncode != 0:
        raise SystemExit(f"the harness does not compile against {jars} (is it a Saxon-HE jar, with the jars it needs?):\n"
                         f"{compiled.stderr[-2000:]}")
    # saxonche first, in this process: the same documents, parameters and fixed citation.
    compiling = time.process_time()
    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt / "edition.xsl"))
    compiling = (time.process_time() - compiling) * 1000
    register = processor.parse_xml(xml_text=(paths[0].parent / "register.xml").read_text(encoding="utf-8"))
    citation = processor.parse_xml(xml_text=_FIXED_CITATION)
    texts = [path.read_text(encoding="utf-8") for path in paths]
    ours: list[float] = []
    for round_ in range(rounds):
        start = time.process_time()
        for i, text in enumerate(texts):
            document = processor.parse_xml(xml_text=text)
            executable.clear_parameters()
            executable.set_parameter("register", register)
            executable.set_parameter("citation", citation)
            executable.set_parameter("base-url", processor.make_string_value("http://localhost:8000/"))
            executable.call_function_returning_string(CSL_FUNCTION, [document])
            target = folder / "saxonche" / f"{round_}-{i}"
            target.mkdir(parents=True)
            executable.set_base_output_uri(target.as_uri() + "/")
            executable.set_initial_match_selection(xdm_value=document)
            executable.apply_templates_returning_string()
        ours.append((time.process_time() - start) * 1000 / len(texts))
    jvm_out = folder / "jvm-out"
    run = subprocess.run(["java", "-cp", os.pathsep.join([jars, str(harness)]), "CableBench", str(xslt),
                          str(paths[0].parent), str(jvm_out), str(rounds), _FIXED_CITATION, CSL_FUNCTION],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"the JVM harness failed:\n{run.stderr[-2000:]}")
    lines = dict(line.rsplit(" ", 1) for line in run.stdout.splitlines() if line.strip())
    theirs = [float(lines[f"round {n}"]) for n in range(rounds)]
    first_ours, first_theirs = folder / "saxonche" / "0-0", jvm_out / "0-0"
    names = sorted(p.name for p in first_ours.iterdir())
    differ = [name for name in names if not (first_theirs / name).is_file()
              or not filecmp.cmp(first_ours / name, first_theirs / name, shallow=False)]
    print(f"\nJVM benchmark: {len(texts)} documents x {rounds} rounds, CPU ms per document of the Saxon work "
          "(hand-over, CSL-JSON call, the pass and its files; fixed citation); the JVM's whole process; "
          f"the stylesheets' compilation apart (saxonche {compiling:.0f} ms; the JVM, with its start, "
          f"{float(lines['start+compile']):.0f} ms)\n")
    print("| round | saxonche | JVM Saxon-HE | JVM ÷ saxonche |")
    print("|---:|---:|---:|---:|")
    for n in range(rounds):
        print(f"| {n + 1} | {ours[n]:.2f} | {theirs[n]:.2f} | {theirs[n] / ours[n]:.2f}× |")
    half = rounds // 2
    mean_ours, mean_theirs = statistics.mean(ours), statistics.mean(theirs)
    steady_ours, steady_theirs = statistics.median(ours[half:]), statistics.median(theirs[half:])
    print(f"\nall {len(texts) * rounds:,} documents: saxonche {mean_ours:.2f}, JVM {mean_theirs:.2f} "
          f"({mean_theirs / mean_ours:.2f}×); the last {rounds - half} rounds (warm): saxonche {steady_ours:.2f}, "
          f"JVM {steady_theirs:.2f} ({steady_theirs / steady_ours:.2f}×)")
    print(f"the first document's files: {len(names) - len(differ)} of {len(names)} byte-identical"
          + (f" (differ: {', '.join(differ)})" if differ else ""))


def positive(text: str) -> int:
    """A whole number of at least 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return value


def sizes_list(text: str) -> list[int]:
    """Collection sizes, comma-separated, each at least 1 (argparse type)."""
    try:
        return [positive(part) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r}: give sizes as whole numbers of at least 1, "
                                         "comma-separated (e.g. 1,100,1000)") from None


def teic_checkout(text: str) -> Path:
    """A checkout of TEIC/Stylesheets, checked before any measurement begins (argparse type)."""
    folder = Path(text)
    if not (folder / "html" / "html.xsl").is_file():
        raise argparse.ArgumentTypeError(f"{folder / 'html' / 'html.xsl'} is missing: give the folder of a "
                                         "checkout of TEIC/Stylesheets")
    return folder


def jar_list(text: str) -> list[Path]:
    """A JVM class path: jar files, separated as the platform separates paths (argparse type)."""
    jars = [Path(part) for part in text.split(os.pathsep) if part]
    missing = [str(jar) for jar in jars if not jar.is_file()]
    if not jars or missing:
        raise argparse.ArgumentTypeError(f"{', '.join(missing) or repr(text)}: no such jar: give the Saxon-HE jar "
                                         f"and the jars it needs, separated by '{os.pathsep}'")
    return jars


def source_folder(*names: str):
    """An argparse type: a folder that holds ``names`` (the register, the real cable)."""
    def checked(text: str) -> Path:
        folder = Path(text)
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            raise argparse.ArgumentTypeError(f"{folder}: no {' or '.join(missing)} there: give a folder like "
                                             "the edition's tei/")
        return folder
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cable_edition.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    # Options several commands share, defined once.
    real_cable = argparse.ArgumentParser(add_help=False)
    real_cable.add_argument("--source", type=source_folder("register.xml", "unamir-100.xml"),
                            default=DEFAULT_SOURCE, help="the folder of the real cable")
    built = argparse.ArgumentParser(add_help=False)
    built.add_argument("--jobs", type=positive, default=2)
    profiled = argparse.ArgumentParser(add_help=False)
    profiled.add_argument("--sample", type=positive, default=300, help="documents profiled per size (the first ones)")
    profiled.add_argument("--teic", type=teic_checkout, default=None,
                          help="a checkout of TEIC/Stylesheets (html/html.xsl)")

    validate = commands.add_parser("validate", help="one call for N documents against N calls")
    validate.add_argument("--copies", type=positive, default=100)
    validate.add_argument("--source", type=source_folder("register.xml"), default=DEFAULT_SOURCE,
                          help="a folder of cables")
    scale = commands.add_parser("scale", parents=[real_cable, built],
                                help="validate and build synthetic collections of several sizes")
    scale.add_argument("--sizes", type=sizes_list, default="1,100,1000,10000")
    scale.add_argument("--work", type=Path, default=None, help="where to build (default: a temporary folder)")
    everything = commands.add_parser("all", parents=[real_cable, built, profiled],
                                     help="scale, then stages, in one run on the same collections")
    everything.add_argument("--sizes", type=sizes_list, default="1,100,1000,10000")
    stages = commands.add_parser("stages", parents=[real_cable, profiled],
                                 help="CPU ms per document, stage by stage, with TEIC's HTML beside")
    stages.add_argument("--sizes", type=sizes_list, default="1,100,1000")
    instructions = commands.add_parser("instructions", parents=[real_cable],
                                       help="instructions of the Saxon calls per document (valgrind)")
    instructions.add_argument("--docs", type=positive, default=10)
    files = commands.add_parser("files", help="making files: Saxon's result documents or Python")
    files.add_argument("--docs", type=positive, default=200)
    files.add_argument("--files", type=positive, default=9)
    files.add_argument("--words", type=positive, default=300)
    jvm = commands.add_parser("jvm", parents=[real_cable],
                              help="our Saxon work in saxonche and in a JVM's Saxon-HE, side by side")
    jvm.add_argument("--classpath", type=jar_list, required=True,
                     help=f"the Saxon-HE jar and the jars it needs, separated by '{os.pathsep}'")
    jvm.add_argument("--docs", type=positive, default=300)
    jvm.add_argument("--rounds", type=positive, default=6)
    real = commands.add_parser("real", parents=[real_cable, built],
                               help="real FRUS telegrams beside synthetic copies, in one run")
    real.add_argument("--frus", type=source_folder("MANIFEST.json"), required=True,
                      help="the folder of FRUS telegrams (../shared/corpora/frus)")
    real.add_argument("--rounds", type=positive, default=3)
    search = commands.add_parser("search", parents=[real_cable],
                                 help="the search index: build share, size, query time in Chromium")
    search.add_argument("--sizes", type=sizes_list, default="1000,10000")
    args = parser.parse_args(argv)
    if args.command == "validate":
        bench_validate(args.copies, args.source)
    elif args.command == "all":
        with tempfile.TemporaryDirectory() as folder:
            bench_scale(args.sizes, args.jobs, args.source, Path(folder))
            bench_stages(args.sizes, args.sample, args.source, Path(folder), args.teic)
    elif args.command == "stages":
        with tempfile.TemporaryDirectory() as folder:
            bench_stages(args.sizes, args.sample, args.source, Path(folder), args.teic)
    elif args.command == "instructions":
        with tempfile.TemporaryDirectory() as folder:
            bench_instructions(args.docs, args.source, Path(folder))
    elif args.command == "files":
        bench_files(args.docs, args.files, args.words)
    elif args.command == "jvm":
        with tempfile.TemporaryDirectory() as folder:
            bench_jvm(args.classpath, args.docs, args.rounds, args.source, Path(folder))
    elif args.command == "real":
        with tempfile.TemporaryDirectory() as folder:
            bench_real(args.frus, args.jobs, args.rounds, args.source, Path(folder))
    elif args.command == "search":
        with tempfile.TemporaryDirectory() as folder:
            bench_search(args.sizes, args.source, Path(folder))
    elif args.work:
        bench_scale(args.sizes, args.jobs, args.source, args.work)
    else:
        with tempfile.TemporaryDirectory() as folder:
            bench_scale(args.sizes, args.jobs, args.source, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
