"""Building a whole archive: worker processes give the same bytes as one process; only what
changed is rebuilt; shards merged equal one full build; publishing survives a crash
half-way; a summary line always, a progress bar only on a terminal."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from cable_edition import manifest as manifest_module
from cable_edition.build import build, merge, shard_of
from cable_edition.diagnostics import UserError
from cable_edition.project import Config
from conftest import CABLE, TEI_DIR, comparable, run_cli, copy_of

CONFIG = Config("https://cables.example.org/", "Tests", ("Tests",), admin_email="editors@cables.example.org")
SOURCE = CABLE.read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def collection(folder: Path, count: int) -> Path:
    tei = folder / "tei"
    tei.mkdir(parents=True)
    shutil.copy(TEI_DIR / "register.xml", tei)
    for n in range(count):
        (tei / f"cable-{n:03d}.xml").write_text(copy_of(SOURCE, f"cable-{n:03d}"), encoding="utf-8")
    return tei


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_worker_processes_give_the_same_bytes_as_one_process(here):
    tei = collection(here, 40)
    serial = build([tei], here / "serial", config=CONFIG, jobs=1)
    parallel = build([tei], here / "parallel", config=CONFIG, jobs=2)
    assert len(serial.built) == len(parallel.built) == 40
    assert comparable(here / "serial") == comparable(here / "parallel")


def test_only_what_changed_is_rebuilt(here):
    tei = collection(here, 5)
    out = here / "build"
    first = build([tei], out, config=CONFIG, jobs=1)
    assert (len(first.built), len(first.unchanged)) == (5, 0)
    before = snapshot(out)
    page = out / "cable-001" / "index.html"
    written = page.stat().st_mtime_ns

    again = build([tei], out, config=CONFIG, jobs=1)
    assert (len(again.built), len(again.unchanged)) == (0, 5)
    assert snapshot(out) == before and page.stat().st_mtime_ns == written

    os.utime(tei / "cable-002.xml")                      # touched, not changed: still unchanged
    assert len(build([tei], out, config=CONFIG, jobs=1).built) == 0

    changed = tei / "cable-002.xml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Regards.", "Regards!"), encoding="utf-8")
    third = build([tei], out, config=CONFIG, jobs=1)
    assert (third.built, len(third.unchanged)) == (["cable-002"], 4)
    after = snapshot(out)
    differ = {name for name in after if after[name] != before.get(name)}
    # the document, the manifest and the search index (which holds its text), and nothing else
    assert {name.split("/")[0] for name in differ} == {"cable-002", ".manifest.json", "pagefind"}
    assert "Regards!" in (out / "cable-002" / "cable-002.reading.txt").read_text(encoding="utf-8")
    assert page.stat().st_mtime_ns == written

    (tei / "cable-004.xml").unlink()
    fourth = build([tei], out, config=CONFIG, jobs=1)
    assert not (out / "cable-004").exists() and "cable-004" not in (out / "index.html").read_text(encoding="utf-8")
    assert len(fourth.unchanged) == 4

    assert len(build([tei], out, config=CONFIG, jobs=1, force=True).built) == 4


@pytest.fixture
def new_process_installation():
    """installation() is read once per process: a test that pretends an upgrade reads it
    afresh, as the next process would, and leaves no pretence behind."""
    real = manifest_module.installation
    real.cache_clear()
    yield
    real.cache_clear()


def test_a_change_of_register_settings_or_stylesheet_rebuilds_what_it_affects(here, tmp_path_factory, monkeypatch,
                                                                              new_process_installation):
    tei = collection(here, 3)
    out = here / "build"
    build([tei], out, config=CONFIG, jobs=1)
    register = tei / "register.xml"
    register.write_text(register.read_text(encoding="utf-8").replace("Capital of Rwanda.", "Capital of Rwanda!"),
                        encoding="utf-8")
    assert len(build([tei], out, config=CONFIG, jobs=1).built) == 3
    other = Config("https://elsewhere.example.org/", "Tests", ("Tests",), admin_email="editors@cables.example.org")
    assert len(build([tei], out, config=other, jobs=1).built) == 3

    copy = tmp_path_factory.mktemp("xslt") / "xslt"
    shutil.copytree(manifest_module.XSLT_DIR, copy)
    monkeypatch.setattr(manifest_module, "XSLT_DIR", copy)
    manifest_module.installation.cache_clear()
    before = manifest_module.toolchain_digest(CONFIG)
    (copy / "edition.css").write_text((copy / "edition.css").read_text() + "\n/* changed */\n")
    assert manifest_module.toolchain_digest(CONFIG) == before           # read once per process, as compiled
    manifest_module.installation.cache_clear()                          # the next process reads the change
    assert manifest_module.toolchain_digest(CONFIG) != before


def test_another_version_of_an_output_library_or_of_the_code_rebuilds_everything(here, monkeypatch,
                                                                               new_process_installation):
    # Otherwise an upgrade of saxonche would leave a published build made of two versions' bytes
    tei = collection(here, 3)
    out = here / "build"
    build([tei], out, config=CONFIG, jobs=1)
    assert build([tei], out, config=CONFIG, jobs=1).built == []
    real = manifest_module.metadata.version
    monkeypatch.setattr(manifest_module.metadata, "version",
                        lambda name: "0.0-other" if name == "saxonche" else real(name))
    manifest_module.installation.cache_clear()              # as the next process would read it
    assert len(build([tei], out, config=CONFIG, jobs=1).built) == 3
    assert build([tei], out, config=CONFIG, jobs=1).built == []
    monkeypatch.setattr(manifest_module, "installation",
                        lambda real_installation=manifest_module.installation: {**real_installation(), "code": "other"})
    assert len(build([tei], out, config=CONFIG, jobs=1).built) == 3


def test_shards_merged_equal_one_full_build(here):
    tei = collection(here, 12)
    full = build([tei], here / "full", config=CONFIG, jobs=1)
    assert len(full.built) == 12
    parts = []
    for k in (1, 2, 3):
        part = here / f"part-{k}"
        report = build([tei], part, config=CONFIG, jobs=1, shard=(k, 3))
        assert all(shard_of(doc_id, 3) == k for doc_id in report.built)
        parts.append(part)
    assert sorted(d for p in parts for d in manifest_ids(p)) == sorted(full.built)
    assert min(len(manifest_ids(p)) for p in parts) > 0
    merged = merge(parts, here / "merged", config=CONFIG)
    assert len(merged.built) == 12
    assert comparable(here / "merged") == comparable(here / "full")


def manifest_ids(folder: Path) -> list[str]:
    return list(manifest_module.Manifest.read(folder).documents)


def test_merge_refuses_parts_that_overlap(here):
    tei = collection(here, 3)
    build([tei], here / "a", config=CONFIG, jobs=1)
    build([tei], here / "b", config=CONFIG, jobs=1)
    with pytest.raises(UserError, match="two parts|is in two parts") as refused:
        merge([here / "a", here / "b"], here / "merged", config=CONFIG)
    assert refused.value.diagnostics and not (here / "merged").exists()


def test_merge_refuses_a_part_built_with_another_installation(here, monkeypatch, new_process_installation):
    tei = collection(here, 4)
    build([tei], here / "a", config=CONFIG, jobs=1, shard=(1, 2))
    real = manifest_module.metadata.version
    monkeypatch.setattr(manifest_module.metadata, "version",
                        lambda name: "0.0-other" if name == "saxonche" else real(name))
    manifest_module.installation.cache_clear()              # as the next process would read it
    build([tei], here / "b", config=CONFIG, jobs=1, shard=(2, 2))
    with pytest.raises(UserError, match="built with another installation") as refused:
        merge([here / "a", here / "b"], here / "merged", config=CONFIG)
    assert refused.value.diagnostics[0].path == str(here / "a") and not (here / "merged").exists()


def test_merge_refuses_a_part_whose_fragments_are_damaged_by_name(here):
    tei = collection(here, 4)
    build([tei], here / "a", config=CONFIG, jobs=1, shard=(1, 2))
    build([tei], here / "b", config=CONFIG, jobs=1, shard=(2, 2))
    part = max((here / "a", here / "b"), key=lambda p: len(manifest_ids(p)))
    doc_id = manifest_ids(part)[0]
    fragments = part / doc_id / ".fragments"
    fragments.write_bytes(fragments.read_bytes()[:-10])
    with pytest.raises(UserError, match=f"{doc_id}/.fragments is damaged .*: build the part again") as refused:
        merge([here / "a", here / "b"], here / "merged", config=CONFIG)
    assert refused.value.diagnostics[0].path == str(part) and not (here / "merged").exists()


def test_a_summary_line_always_and_a_progress_bar_only_on_a_terminal(here, capsys):
    tei = collection(here, 3)
    result = run_cli("build", str(tei), "--out", str(here / "build"))
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("built 3, unchanged 0, failed 0 in ")
    assert "\r" not in result.stderr and "doc/s" not in result.stderr
    build([tei], here / "shown", config=CONFIG, jobs=1, progress=True)
    shown = capsys.readouterr().err
    assert "/3 [" in shown and "doc/s" in shown


def test_the_benchmark_collection_is_valid_and_varied(here):
    from lxml import etree

    from cable_edition.bench import make_collection
    from cable_edition.validate import validate

    paths = make_collection(TEI_DIR, here / "tei", 40)
    report = validate([here / "tei"])
    assert report.valid and report.diagnostics == []
    shapes = {(len(etree.parse(str(p)).xpath("//*[local-name()='p'][@n]")),
               len(etree.parse(str(p)).xpath("//*[local-name()='choice']"))) for p in paths}
    dates = {etree.parse(str(p)).xpath("string(//*[local-name()='correspAction'][@type='sent']/*[local-name()='date']/@when)")
             for p in paths}
    assert len(shapes) > 5 and len(dates) > 20


@pytest.mark.parametrize("arguments, wrong", [
    (["all", "--sizes", "1,abc"], "argument --sizes: '1,abc': give sizes as whole numbers of at least 1"),
    (["scale", "--sizes", "0"], "argument --sizes: '0': give sizes"),
    (["all", "--sizes", "1", "--jobs", "0"], "argument --jobs: '0': give a whole number of at least 1"),
    (["stages", "--sizes", "1", "--sample", "-3"], "argument --sample: '-3': give a whole number"),
    (["all", "--sizes", "1", "--teic", "{here}"], "argument --teic: {here}/html/html.xsl is missing"),
    (["scale", "--sizes", "1", "--source", "{here}"], "argument --source: {here}: no register.xml or unamir-100.xml"),
    (["validate", "--copies", "0"], "argument --copies: '0': give a whole number of at least 1"),
    (["instructions", "--docs", "x"], "argument --docs: 'x': give a whole number of at least 1"),
    (["files", "--files", "-1"], "argument --files: '-1': give a whole number of at least 1"),
    (["files", "--words", "0"], "argument --words: '0': give a whole number of at least 1"),
    (["jvm"], "the following arguments are required: --classpath"),
    (["jvm", "--classpath", "{here}/saxon-he.jar"], "argument --classpath: {here}/saxon-he.jar: no such jar"),
    (["jvm", "--classpath", "{here}/saxon-he.jar" + os.pathsep], "argument --classpath: {here}/saxon-he.jar: no such jar"),
    (["jvm", "--classpath", os.pathsep], "argument --classpath: ':': no such jar"),
    (["jvm", "--classpath", __file__, "--docs", "0"], "argument --docs: '0': give a whole number of at least 1"),
])
def test_the_benchmark_refuses_wrong_arguments_before_it_measures_anything(here, arguments, wrong):
    # `bench all` at full size runs for minutes: a wrong --teic must not surface only at the end
    import subprocess
    import sys

    arguments = [a.replace("{here}", str(here)) for a in arguments]
    result = subprocess.run([sys.executable, "-m", "cable_edition.bench", *arguments],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert wrong.replace("{here}", str(here)) in result.stderr and "Traceback" not in result.stderr


def test_the_jvm_benchmark_says_it_needs_a_jdk_before_it_measures_anything(here):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cable_edition.bench", "jvm", "--classpath", __file__],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PATH": str(here)})
    assert result.returncode == 1 and result.stdout == ""
    assert "bench jvm needs a JDK (java and javac not found" in result.stderr and "Traceback" not in result.stderr
