"""Bad input: one clear line, a non-zero exit, no traceback, the earlier build intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import leftovers, run_cli


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_not_well_formed_is_reported_with_place_and_leaves_the_build_untouched(collection, tmp_path):
    out = tmp_path / "build"
    assert run_cli("build", str(collection), "--out", str(out)).returncode == 0
    before = snapshot(out)
    assert before

    broken = collection / "unamir-100.xml"
    lines = broken.read_text(encoding="utf-8").split("\n")
    lines[9] = lines[9] + "<unclosed>"
    broken.write_text("\n".join(lines), encoding="utf-8")

    result = run_cli("build", str(collection), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    path, line, column, message = first.split(":", 3)
    assert path == str(broken)
    assert int(line) >= 10 and int(column) > 0
    assert "not well-formed" in message
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_missing_file_is_an_io_error(tmp_path):
    result = run_cli("build", str(tmp_path / "nowhere.xml"), "--out", str(tmp_path / "b"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nowhere.xml: error: cannot read" in result.stderr


def test_a_folder_without_documents_is_a_usage_error(tmp_path):
    result = run_cli("build", str(tmp_path), "--out", str(tmp_path / "b"))
    assert result.returncode == 2
    assert "no TEI documents" in result.stderr and "Traceback" not in result.stderr
