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


def test_damaged_fragments_are_never_misread_and_their_document_is_built_again(collection, tmp_path):
    """A document's parts of the collection outputs (<id>/.fragments) name each part with its
    length; a published file whose parts no longer add up (or are not UTF-8) is never read as
    something else: the next build that publishes says so and renders that document again,
    as it does for a document whose files were deleted."""
    from conftest import copy_of

    (collection / "other-1.xml").write_text(copy_of((collection / "unamir-100.xml").read_text(encoding="utf-8"),
                                                    "other-1"), encoding="utf-8")
    (collection / "other-2.xml").write_text(copy_of((collection / "unamir-100.xml").read_text(encoding="utf-8"),
                                                    "other-2"), encoding="utf-8")
    out = tmp_path / "build"
    assert run_cli("build", str(collection), "--out", str(out)).returncode == 0
    fragments = out / "unamir-100" / ".fragments"
    good = fragments.read_bytes()
    header = fragments.read_text(encoding="utf-8").split("\n", 1)[0].split()
    assert header[0::2] == ["row", "correspDesc", "summary", "record", "search"]
    # Parts cut apart by their lengths are what the collection outputs hold.
    parts, text, start = {}, fragments.read_text(encoding="utf-8").split("\n", 1)[1], 0
    for name, length in zip(header[0::2], header[1::2]):
        parts[name], start = text[start:start + int(length)], start + int(length)
    assert parts["row"] in (out / "index.html").read_text(encoding="utf-8")
    assert parts["correspDesc"] in (out / "cmif.xml").read_text(encoding="utf-8")
    assert parts["record"] in (out / "oai-static.xml").read_text(encoding="utf-8")

    def as_a_fresh_build_makes_them() -> None:
        fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
        assert run_cli("build", str(collection), "--out", str(fresh)).returncode == 0
        for name in ("index.html", "cmif.xml", "collection.json", "oai-static.xml", "unamir-100/.fragments",
                     "other-2/.fragments"):
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), name

    def damage_then_change_another(damage, *others: Path) -> str:
        for damaged in others:
            (out / damaged.stem / ".fragments").write_bytes(damage((out / damaged.stem / ".fragments").read_bytes()))
        other = collection / "other-1.xml"                       # a change elsewhere: the damaged are carried over
        text = other.read_text(encoding="utf-8")
        other.write_text(text.replace("Regards.", "Regards!") if "Regards." in text
                         else text.replace("Regards!", "Regards."), encoding="utf-8")
        result = run_cli("build", str(collection), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert leftovers(out) == []
        return result.stderr

    # A part cut short, on the disk: named, then made again; the collection outputs are as before.
    stderr = damage_then_change_another(lambda data: data[:-40], collection / "unamir-100.xml")
    assert f"{out}/unamir-100/.fragments: warning: was damaged" in stderr
    assert "its document was built again" in stderr and "other-2/.fragments" not in stderr
    assert fragments.read_bytes() == good
    as_a_fresh_build_makes_them()

    # Bytes that are not UTF-8 at all, in two documents at once: both named, both made again.
    stderr = damage_then_change_another(lambda data: data.replace(b"<tr", b"<\xff\xfetr", 1),
                                        collection / "unamir-100.xml", collection / "other-2.xml")
    assert "unamir-100/.fragments: warning: was damaged" in stderr and "other-2/.fragments: warning" in stderr
    assert fragments.read_bytes() == good
    as_a_fresh_build_makes_them()

    # Nothing to publish: nothing is read, nothing said; the next build that publishes heals it.
    fragments.write_bytes(good[:-40])
    quiet = run_cli("build", str(collection), "--out", str(out))
    assert quiet.returncode == 0 and "was damaged" not in quiet.stderr
    assert "unamir-100/.fragments: warning: was damaged" in damage_then_change_another(lambda data: data)
    as_a_fresh_build_makes_them()
