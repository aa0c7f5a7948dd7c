"""Our schema stays inside TEI; schemas and rules are compiled once per process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import TEI_DIR, copy_of
from test_rules import FIXTURES, cases
from tools import require


@pytest.fixture
def tei_all(shared) -> Path:
    """The official tei_all schema, in ../shared/."""
    return shared / "reference" / "tei" / "tei_all.rng"


def valid_documents() -> list[Path]:
    files = sorted(TEI_DIR.glob("*.xml")) + [FIXTURES / "register.xml"]
    files += [case.values[1] for case in cases() if case.values[2] is None]
    return files


def test_edition_and_valid_fixtures_conform_to_tei_all(tei_all):
    require("java", "jing runs on Java")
    jing = require("pyjing", "jing validates against tei_all")
    files = valid_documents()
    assert len(files) >= 6
    result = subprocess.run([jing, str(tei_all), *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tei_all_check_catches_what_is_not_tei(tmp_path, tei_all):
    """The conformance test above would fail on a document outside TEI."""
    require("java", "jing runs on Java")
    jing = require("pyjing", "jing validates against tei_all")
    bad = tmp_path / "bad.xml"
    bad.write_text((TEI_DIR / "unamir-100.xml").read_text(encoding="utf-8")
                   .replace("<closer>", "<cableCloser>").replace("</closer>", "</cableCloser>"), encoding="utf-8")
    result = subprocess.run([jing, str(tei_all), str(bad)], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "cableCloser" in result.stdout + result.stderr


def test_schemas_and_rules_are_compiled_once_per_process(tmp_path):
    from cable_edition import validate as v

    copies = tmp_path / "tei"
    copies.mkdir()
    (copies / "register.xml").write_bytes((TEI_DIR / "register.xml").read_bytes())
    source = (TEI_DIR / "unamir-100.xml").read_text(encoding="utf-8")
    for n in range(20):
        (copies / f"copy-{n}.xml").write_text(copy_of(source, f"copy-{n}"), encoding="utf-8")
    v._relaxng.cache_clear()
    v._schematron.cache_clear()
    report = v.validate([copies])
    assert report.valid, [str(d) for d in report.diagnostics][:5]
    assert len(report.files) == 21
    assert v._relaxng.cache_info().misses == 2          # cable.rng and register.rng, once each
    assert v._schematron.cache_info().misses == 1
