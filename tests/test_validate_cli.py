"""cable-edition validate as CI pipelines and editors meet it: exit codes, the four output
formats, line and column for each kind of error, and build refusing invalid documents."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from lxml import etree

from conftest import ROOT, TEI_DIR, run_cli, copy_of
from test_rules import FIXTURES

PLACE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): "
                   r"(?P<message>.+) \[(?P<rule>[\w-]+)\]$")


def test_the_edition_is_valid_and_says_so():
    result = run_cli("validate", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("2 file(s): 0 error(s), 0 warning(s)")


@pytest.mark.parametrize("fixture, rule, line, column", [
    ("tst022-well-formed.xml", "well-formed", 75, 35),
    ("tst021-relaxng.xml", "relaxng", 73, None),
    ("tst001-choice-pair.xml", "choice-pair", 72, None),
])
def test_each_stage_reports_file_line_and_column(fixture, rule, line, column):
    result = run_cli("validate", str(FIXTURES / fixture))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    found = PLACE.match(result.stderr.splitlines()[0])
    assert found, result.stderr
    assert found["rule"] == rule and int(found["line"]) == line
    source_line = (FIXTURES / fixture).read_text(encoding="utf-8").split("\n")[line - 1]
    col = int(found["column"])
    if column is not None:
        assert col == column
    elif rule == "relaxng":      # the column of the attribute that the message names
        assert source_line[col - 1:].startswith('reason="whim"')
    else:                        # the start tag of the element the rule is about
        assert source_line[col - 1:].startswith("<choice")


def test_warnings_alone_exit_zero_and_errors_exit_one():
    warned = run_cli("validate", str(FIXTURES / "tst019-record-unused"))
    assert warned.returncode == 0 and ": warning: " in warned.stderr
    failed = run_cli("validate", str(FIXTURES / "tst003-cert-note.xml"))
    assert failed.returncode == 1 and ": error: " in failed.stderr


def test_usage_and_io_problems_exit_two(tmp_path):
    assert run_cli("validate", "--format", "yaml").returncode == 2
    missing = run_cli("validate", str(tmp_path / "missing.xml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_every_problem_of_every_file_is_reported(tmp_path):
    for name in ("tst003-cert-note.xml", "tst006-agree-number.xml", "tst022-well-formed.xml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    shutil.copy(FIXTURES / "register.xml", tmp_path / "register.xml")
    result = run_cli("validate", str(tmp_path))
    rules = {PLACE.match(line)["rule"] for line in result.stderr.splitlines() if PLACE.match(line)}
    # the two readable fixtures share their ids and their cable number, problems of their own
    assert rules == {"cert-note", "agree-number", "well-formed", "id-unique", "cable-number-unique"}


def test_github_format_is_workflow_commands():
    result = run_cli("validate", "--format", "github", str(FIXTURES / "tst003-cert-note.xml"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        assert re.fullmatch(r"::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=[\w-]+::[^\n]+", line), line
    assert "title=cert-note" in lines[0]


def test_junit_format_parses_and_fails_the_invalid_file(tmp_path):
    shutil.copy(FIXTURES / "tst003-cert-note.xml", tmp_path / "bad.xml")
    shutil.copy(FIXTURES / "tst000-valid-minimal.xml", tmp_path / "good.xml")
    good = (tmp_path / "good.xml").read_text(encoding="utf-8")
    (tmp_path / "good.xml").write_text(good.replace('xml:id="tst"', 'xml:id="good"').replace("tst-", "good-")
                                       .replace("TST: 1", "TST: 9"),
                                       encoding="utf-8")
    shutil.copy(FIXTURES / "register.xml", tmp_path / "register.xml")
    result = run_cli("validate", "--format", "junit", str(tmp_path))
    assert result.returncode == 1
    suites = etree.fromstring(result.stdout.encode())
    assert suites.tag == "testsuites"
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert set(cases) == {str(tmp_path / n) for n in ("register.xml", "bad.xml", "good.xml")}
    assert cases[str(tmp_path / "bad.xml")].find("failure") is not None
    assert "[cert-note]" in cases[str(tmp_path / "bad.xml")].findtext("failure")
    assert cases[str(tmp_path / "good.xml")].find("failure") is None
    assert suites.get("failures") == "1"


def test_json_format_parses():
    result = run_cli("validate", "--format", "json", str(FIXTURES / "tst019-record-unused"))
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["errors"] == 0 and report["warnings"] == 1
    (diagnostic,) = report["diagnostics"]
    assert diagnostic["rule"] == "record-unused" and diagnostic["line"] > 0 and diagnostic["column"] > 0


def test_build_refuses_an_invalid_document_and_says_why(tmp_path):
    folder = tmp_path / "tei"
    folder.mkdir()
    shutil.copy(FIXTURES / "tst003-cert-note.xml", folder)
    shutil.copy(FIXTURES / "register.xml", folder)
    out = tmp_path / "build"
    result = run_cli("build", str(folder), "--out", str(out))
    assert result.returncode == 1
    assert "[cert-note]" in result.stderr and "nothing was published" in result.stderr
    assert not out.exists()


def test_every_document_declares_its_schemas_for_editors():
    for path in sorted(TEI_DIR.glob("*.xml")):
        tree = etree.parse(str(path))
        models = [pi for pi in tree.xpath("/processing-instruction('xml-model')")]
        hrefs = {re.search(r'href="([^"]+)"', pi.text).group(1): pi.text for pi in models}
        schema = "../schema/register.rng" if path.name == "register.xml" else "../schema/cable.rng"
        assert set(hrefs) == {schema, "../schema/cable.sch"}
        assert "http://relaxng.org/ns/structure/1.0" in hrefs[schema]
        assert "http://purl.oclc.org/dsdl/schematron" in hrefs["../schema/cable.sch"]
        for href in hrefs:
            assert (path.parent / href).resolve().is_file()


def test_validate_in_worker_processes_reports_exactly_what_one_process_does(tmp_path):
    """`validate --jobs 2` (the build's worker pool) against `--jobs 1`: the same report, in
    the same order, on a collection with every kind of problem."""
    import shutil

    from conftest import CABLE, TEI_DIR

    source = CABLE.read_text(encoding="utf-8")
    tei = tmp_path / "tei"
    tei.mkdir()
    shutil.copy(TEI_DIR / "register.xml", tei)
    for n in range(40):
        text = copy_of(source, f"cable-{n:02d}")
        if n % 7 == 1:
            text = text.replace("</closer>", "</closr>")                       # not well-formed
        if n % 7 == 2:
            text = text.replace('n="2" xml:id', 'n="9" xml:id', 1)             # a rule
        if n % 7 == 3:
            text = text.replace("register.xml#pers-annan", "register.xml#pers-nobody", 1)   # a pointer
        (tei / f"cable-{n:02d}.xml").write_text(text, encoding="utf-8")
    shutil.copy(tei / "cable-05.xml", tei / "duplicate.xml")                   # ids across files
    outputs = {}
    for jobs in ("1", "2"):
        for fmt in ("text", "json"):
            result = run_cli("validate", str(tei), "--jobs", jobs, "--format", fmt)
            assert result.returncode == 1 and "Traceback" not in result.stderr
            outputs[jobs, fmt] = result.stdout + result.stderr
    assert outputs["1", "text"] == outputs["2", "text"]
    assert outputs["1", "json"] == outputs["2", "json"]
    rules = {line.rsplit("[", 1)[-1] for line in outputs["1", "text"].splitlines() if line.endswith("]")}
    assert {"well-formed]", "pointer-resolves]", "id-unique]"} <= rules
    assert run_cli("validate", str(tei), "--jobs", "0").returncode == 2
