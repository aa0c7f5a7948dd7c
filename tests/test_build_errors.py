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


def test_damaged_fragments_are_refused_never_misread_and_force_repairs_them(collection, tmp_path):
    """A document's parts of the collection outputs (<id>/.fragments) name each part with its
    length; a file whose parts no longer add up is refused with its name, the published
    build stays as it was, and --force makes it again."""
    from conftest import copy_of

    (collection / "other-1.xml").write_text(copy_of((collection / "unamir-100.xml").read_text(encoding="utf-8"),
                                                    "other-1"), encoding="utf-8")
    out = tmp_path / "build"
    assert run_cli("build", str(collection), "--out", str(out)).returncode == 0
    fragments = out / "unamir-100" / ".fragments"
    header = fragments.read_text(encoding="utf-8").split("\n", 1)[0].split()
    assert header[0::2] == ["row", "correspDesc", "summary", "record", "search"]
    # Parts cut apart by their lengths are what the collection outputs hold.
    parts, text, start = {}, fragments.read_text(encoding="utf-8").split("\n", 1)[1], 0
    for name, length in zip(header[0::2], header[1::2]):
        parts[name], start = text[start:start + int(length)], start + int(length)
    assert parts["row"] in (out / "index.html").read_text(encoding="utf-8")
    assert parts["correspDesc"] in (out / "cmif.xml").read_text(encoding="utf-8")
    assert parts["record"] in (out / "oai-static.xml").read_text(encoding="utf-8")

    fragments.write_bytes(fragments.read_bytes()[:-40])         # a part cut short, on the disk
    before = snapshot(out)
    other = collection / "other-1.xml"                           # a change elsewhere: unamir-100 is carried over
    other.write_text(other.read_text(encoding="utf-8").replace("Regards.", "Regards!"), encoding="utf-8")
    result = run_cli("build", str(collection), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "unamir-100/.fragments: damaged" in result.stderr and "--force" in result.stderr
    assert snapshot(out) == before
    assert leftovers(out) == []

    assert run_cli("build", str(collection), "--out", str(out), "--force").returncode == 0
    assert (out / "unamir-100" / ".fragments").read_text(encoding="utf-8").endswith(parts["search"])

    fragments = out / "unamir-100" / ".fragments"              # bytes that are not UTF-8 at all
    fragments.write_bytes(fragments.read_bytes().replace(b"<tr", b"<\xff\xfetr", 1))
    other.write_text(other.read_text(encoding="utf-8").replace("Regards!", "Regards."), encoding="utf-8")
    result = run_cli("build", str(collection), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unamir-100/.fragments: damaged" in result.stderr
