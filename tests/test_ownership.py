"""A build touches only what it owns. Each numbered case of the "Never lose a byte" issue
is a test here, run as a user would (the real CLI), and every test is watched by a guard:
a tree of files the tool did not write, outside the project, beside the output folder and
inside it, must be byte-identical after the test."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cable_edition.render import cmif_source_id
from conftest import CABLE, ROOT, TEI_DIR, comparable, leftovers, run_cli, copy_of

SOURCE = CABLE.read_text(encoding="utf-8")
TEMPORARY = re.compile(r"\.versions|tmp-|\.link-")        # no message may name the tool's temporary places


def tree(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(folder))] = "-> " + os.readlink(path)
        elif path.is_file():
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Guard:
    """Files the tool did not write, and what they must still be."""

    def __init__(self):
        self.watched: dict[Path, dict[str, str]] = {}
        self.files: dict[Path, bytes] = {}

    def watch(self, folder: Path) -> None:
        self.watched[folder] = tree(folder)

    def plant(self, path: Path, data: bytes = b"mine, not the tool's\n") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[path] = data

    def check(self) -> None:
        for folder, before in self.watched.items():
            assert tree(folder) == before, f"{folder} changed"
        for path, data in self.files.items():
            assert path.is_file() and path.read_bytes() == data, f"{path} is gone or changed"


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A tree outside the project and outside every test's folder."""
    folder = tmp_path_factory.mktemp("outside-the-project")
    (folder / "precious.txt").write_text("do not touch\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "deeper.txt").write_text("nor this\n")
    return folder


@pytest.fixture
def guard(tmp_path, outside):
    """Beside the output folder: the user's own files and a planted journal and staging
    link that name the user's files and the tree outside (the old tool obeyed such a
    journal); checked after the test."""
    guard = Guard()
    guard.plant(tmp_path / "mine" / "notes.txt")
    guard.plant(tmp_path / "mine" / "sub" / "more.txt")
    journal = {"replace": [str(outside), str(tmp_path / "mine"), "../mine"], "remove": [str(outside / "sub")],
               "existed": []}
    guard.plant(tmp_path / ".build.old-x" / "journal.json", json.dumps(journal).encode())
    versions = tmp_path / ".build.versions"
    versions.mkdir()
    os.symlink(outside, versions / "tmp-planted")            # a planted "staging folder" that is a link
    os.symlink(outside, versions / "v000099")                # and a planted "version"
    guard.watch(outside)
    guard.watch(tmp_path / "mine")
    yield guard
    guard.check()
    assert (outside / "precious.txt").is_file()


def collection(folder: Path, ids: list[str]) -> Path:
    tei = folder / "tei"
    tei.mkdir(parents=True, exist_ok=True)
    shutil.copy(TEI_DIR / "register.xml", tei)
    for doc_id in ids:
        (tei / f"{doc_id}.xml").write_text(copy_of(SOURCE, doc_id), encoding="utf-8")
    return tei


def published(tmp_path: Path, guard: Guard, ids=("cable-a", "cable-b")) -> tuple[Path, Path]:
    """A collection and a good build of it, with the user's files put inside the build."""
    tei = collection(tmp_path, list(ids))
    out = tmp_path / "build"
    result = run_cli("build", str(tei), "--out", str(out))
    assert result.returncode == 0, result.stderr
    guard.plant(out / "CNAME", b"cables.example.org\n")
    guard.plant(out / ids[0] / "editor-notes.txt")
    return tei, out


def refused(result: subprocess.CompletedProcess, code: int, pattern: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert not TEMPORARY.search(result.stderr), result.stderr


# ------------------------------------------------------------------ 1. planted journal

def test_1_a_planted_journal_or_staging_link_deletes_nothing(tmp_path, guard, outside):
    tei, out = published(tmp_path, guard)
    before = comparable(out)
    result = run_cli("build", str(tei), "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert comparable(out) == before
    assert not os.path.lexists(tmp_path / ".build.versions" / "tmp-planted")   # our name: the link went
    guard.check()                                                               # its target did not


def test_1_a_manifest_naming_paths_outside_is_not_obeyed(tmp_path, guard, outside):
    tei, out = published(tmp_path, guard)
    manifest_path = Path(os.path.realpath(out)) / ".manifest.json"
    manifest = json.loads(manifest_path.read_text())
    record = manifest["documents"].pop("cable-b")
    record["files"] = "../../../mine/notes.txt ../../../mine"
    manifest["documents"]["../../mine"] = record
    manifest_path.unlink()
    manifest_path.write_text(json.dumps(manifest))
    result = run_cli("build", str(tei), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "cable-b" / "index.html").is_file()
    part = tmp_path / "part"
    shutil.copytree(TEI_DIR, tmp_path / "part-tei")
    assert run_cli("build", str(tmp_path / "part-tei"), "--out", str(part)).returncode == 0
    part_manifest = Path(os.path.realpath(part)) / ".manifest.json"
    data = json.loads(part_manifest.read_text())
    data["registers"] = {str(outside / "precious.txt"): "0" * 64}
    part_manifest.unlink()
    part_manifest.write_text(json.dumps(data))
    refused(run_cli("merge", str(part), "--out", str(tmp_path / "merged")), 2, r"not a build of cable-edition")


# ------------------------------------------------------------------ 2. only what it wrote

def test_2_an_output_folder_that_holds_the_inputs_or_the_project_is_refused(tmp_path, guard):
    tei = collection(tmp_path, ["tei"])                       # a document whose id is the folder's name
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    before = tree(tei)
    for out, why in ((".", r"holds .*an input"), ("tei", r"holds .*an input"), (str(tmp_path.parent), "holds")):
        result = subprocess.run([sys.executable, "-m", "cable_edition", "build", "tei", "--out", out], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        refused(result, 2, why)
    refused(run_cli("build", str(tei), "--out", "/"), 2, r"root folder")
    refused(run_cli("build", str(tei), "--out", str(tei / "out")), 2, r"inside .*a folder of the build's inputs")
    loose = tmp_path / "loose"                    # a single file, built beside itself: allowed
    loose.mkdir()
    shutil.copy(tei / "tei.xml", loose / "cable.xml")
    shutil.copy(tei / "register.xml", loose / "register.xml")
    assert run_cli("build", str(loose / "cable.xml"), "--out", str(tmp_path / "loose-build")).returncode == 0
    assert tree(tei) == before and not (tmp_path / "cmif.xml").exists()


def test_2_a_folder_the_tool_did_not_write_is_never_replaced(tmp_path, guard):
    tei = collection(tmp_path, ["cable-a"])
    site = tmp_path / "site"
    guard.plant(site / "index.html", b"<p>my own page</p>\n")
    refused(run_cli("build", str(tei), "--out", str(site)), 2, r"did not write and is not empty")
    guard.plant(tmp_path / "a-file")
    refused(run_cli("build", str(tei), "--out", str(tmp_path / "a-file")), 2, r"is a file")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    refused(run_cli("build", str(tei), "--out", str(tmp_path / "dangling")), 2, r"is a link to .*nowhere")
    os.symlink(tmp_path / "mine", tmp_path / "elsewhere")
    refused(run_cli("build", str(tei), "--out", str(tmp_path / "elsewhere")), 2, r"not a build of cable-edition")
    (tmp_path / "empty").mkdir()
    assert run_cli("build", str(tei), "--out", str(tmp_path / "empty")).returncode == 0
    assert (tmp_path / "empty" / "cable-a" / "index.html").is_file()


def test_2_files_put_into_the_build_by_hand_stay_and_are_never_replaced(tmp_path, guard):
    tei, out = published(tmp_path, guard)
    (tei / "cable-b.xml").write_text(copy_of(SOURCE, "cable-b").replace("Regards.", "Regards!"))
    assert run_cli("build", str(tei), "--out", str(out)).returncode == 0
    assert run_cli("build", str(tei), "--out", str(out), "--force").returncode == 0
    guard.check()                                  # CNAME and the note are still in the build
    guard.plant(out / "cable-c" / "draft.txt")     # a folder of the user's, named like a new document
    collection(tmp_path, ["cable-c"])
    refused(run_cli("build", str(tei), "--out", str(out)), 2, r"build/cable-c: error: was not written by cable-edition")


def test_2_outputs_are_never_read_as_inputs(tmp_path, guard):
    tei, out = published(tmp_path, guard)
    refused(run_cli("build", str(out / "cable-a" / "cable-a.xml"), "--out", str(tmp_path / "other")), 2,
            r"outputs are never read as inputs")


# ------------------------------------------------------------------ 5. devices and FIFOs

def test_5_devices_and_fifos_are_refused_and_reads_are_capped(tmp_path, guard):
    tei, out = published(tmp_path, guard)
    before = tree(out)
    os.symlink("/dev/zero", tei / "zero.xml")
    os.mkfifo(tei / "fifo.xml")
    for command in (["validate", str(tei)], ["build", str(tei), "--out", str(out)]):
        started = time.monotonic()
        result = run_cli(*command)
        assert time.monotonic() - started < 60
        refused(result, 2, r"zero\.xml: error: is a character device, not a regular file")
        assert re.search(r"fifo\.xml: error: is a FIFO, not a regular file", result.stderr)
        assert "MemoryError" not in result.stderr
    (tei / "zero.xml").unlink()
    (tei / "fifo.xml").unlink()
    os.symlink("/proc/self/status", tei / "proc.xml")        # stat says 0 bytes; the read says more
    refused(run_cli("validate", str(tei), "--max-bytes", "64"), 1, r"proc\.xml: error: the file is over the limit of 64 bytes")
    assert tree(out) == before


# ------------------------------------------------------------------ 7. mount points

def mounted_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        message = "mounting a small file system needs root (CI runs as root)"
        if os.environ.get("CABLE_EDITION_REQUIRE_ALL_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)


def unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=False)


def test_7_a_mount_point_is_refused_clearly_and_a_folder_inside_it_works(tmp_path, guard):
    tei = collection(tmp_path, ["cable-a"])
    mount = tmp_path / "mnt"
    mounted_tmpfs(mount, "20m")
    try:
        refused(run_cli("build", str(tei), "--out", str(mount)), 2, r"is a mount point.*--out .*mnt/build")
        result = run_cli("build", str(tei), "--out", str(mount / "build"))
        assert result.returncode == 0, result.stderr
        assert (mount / "build" / "cable-a" / "index.html").is_file()
    finally:
        unmount(mount)


# ------------------------------------------------------------------ 8. one build at a time

def test_8_a_second_build_into_the_same_folder_stops_or_waits(tmp_path, guard):
    tei, out = published(tmp_path, guard)
    handle = os.open(tmp_path / ".build.lock", os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX)            # another build is running
    try:
        refused(run_cli("build", str(tei), "--out", str(out), "--force"), 2,
                rf"{re.escape(str(out))}: error: another build is writing this output folder.*--wait")
        threading.Timer(1.5, lambda: os.close(handle)).start()
        started = time.monotonic()
        result = run_cli("build", str(tei), "--out", str(out), "--force", "--wait")
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started >= 1.4
    finally:
        try:
            os.close(handle)
        except OSError:
            pass


def test_8_two_builds_racing_leave_one_complete_build(tmp_path, guard):
    tei, out = published(tmp_path, guard, ids=[f"cable-{n:02d}" for n in range(40)])
    for path in tei.glob("cable-*.xml"):
        path.write_text(path.read_text().replace("Regards.", "Regards!"))
    command = [sys.executable, "-m", "cable_edition", "build", str(tei), "--out", str(out), "--wait"]
    racers = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    outcomes = [racer.communicate(timeout=300) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], outcomes
    assert sorted(o[1].split(",")[0] for o in outcomes) == ["built 0", "built 40"]   # they took turns
    assert "Regards!" in (out / "cable-07" / "cable-07.reading.txt").read_text()
    assert leftovers(out) == []


# ------------------------------------------------------------------ 9. healing

def test_9_published_files_deleted_by_hand_are_restored(tmp_path, guard):
    tei, out = published(tmp_path, guard)
    reference = comparable(out)
    shutil.rmtree(Path(os.path.realpath(out)) / "cable-b")
    result = run_cli("build", str(tei), "--out", str(out))
    assert result.returncode == 0 and result.stderr.startswith("built 1, unchanged 1"), result.stderr
    (Path(os.path.realpath(out)) / "cable-a" / "cable-a.json").unlink()
    (Path(os.path.realpath(out)) / "index.html").unlink()
    assert run_cli("build", str(tei), "--out", str(out)).returncode == 0
    (tei / "cable-b.xml").write_text((tei / "cable-b.xml").read_text().replace("Regards.", "Regards!"))
    assert run_cli("build", str(tei), "--out", str(out)).returncode == 0     # no missing fragments
    (tei / "cable-b.xml").write_text((tei / "cable-b.xml").read_text().replace("Regards!", "Regards."))
    assert run_cli("build", str(tei), "--out", str(out)).returncode == 0
    assert comparable(out) == reference


# ------------------------------------------------------------------ 10. the error contract

def test_10_ids_that_cannot_become_folders_are_invalid_before_the_build_touches_the_disk(tmp_path, guard):
    tei = collection(tmp_path, [])
    (tei / "a.xml").write_text(copy_of(SOURCE, "index.html"))
    (tei / "b.xml").write_text(copy_of(SOURCE, "x" * 250))
    for command in (["validate", str(tei)], ["build", str(tei), "--out", str(tmp_path / "build")]):
        result = run_cli(*command)
        refused(result, 1, r"a\.xml:4:\d+: error: the document id \"index\.html\" is a name the build uses itself")
        assert "[id-reserved]" in result.stderr and "[id-length]" in result.stderr
    assert not (tmp_path / "build").exists()


def test_10_two_documents_with_one_id_are_reported_as_such(tmp_path, guard):
    tei = collection(tmp_path, ["cable-a"])
    shutil.copy(tei / "cable-a.xml", tei / "copy-of-a.xml")
    result = run_cli("build", str(tei), "--out", str(tmp_path / "build"))
    refused(result, 1, r"\[id-unique\]")
    assert "File exists" not in result.stderr


def test_10_a_full_disk_is_an_io_error_that_names_no_temporary_folder(tmp_path, guard):
    tei = collection(tmp_path, [f"cable-{n}" for n in range(12)])
    mount = tmp_path / "small"
    mounted_tmpfs(mount, "700k")            # room for a build of one cable, not of twelve
    try:
        out = mount / "build"
        assert run_cli("build", str(tei / "cable-0.xml"), "--out", str(out)).returncode == 0
        before = tree(out)
        result = run_cli("build", str(tei), "--out", str(out))
        refused(result, 2, r"No space left on device")
        assert "internal error" not in result.stderr
        assert tree(out) == before
        assert leftovers(out) == []
    finally:
        unmount(mount)


def test_10_file_names_that_are_not_utf8_and_control_characters_never_cause_a_traceback(tmp_path, guard):
    tei = collection(tmp_path, [])
    name = os.fsencode(tei) + b"/caf\xe9.xml"
    with open(name, "wb") as handle:
        handle.write(copy_of(SOURCE, "cafe").encode())
    out = tmp_path / "build"
    for command in (["build", str(tei), "--out", str(out)], ["validate", str(tei)],
                    ["validate", str(tei), "--format", "junit"], ["validate", str(tei), "--format", "json"],
                    ["validate", str(tei), "--format", "github"]):
        result = subprocess.run([sys.executable, "-m", "cable_edition", *command], cwd=ROOT, capture_output=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
    assert (out / "cafe" / "index.html").is_file()
    os.unlink(name)
    with open(name, "wb") as handle:                       # now invalid: the name is shown, escaped
        handle.write(copy_of(SOURCE, "cafe").replace("</closer>", "</closr>").encode())
    for fmt in ("text", "junit", "json", "github"):
        result = subprocess.run([sys.executable, "-m", "cable_edition", "validate", str(tei), "--format", fmt],
                                cwd=ROOT, capture_output=True, timeout=120)
        assert result.returncode == 1 and b"Traceback" not in result.stderr
        shown = json.dumps(json.loads(result.stdout)) if fmt == "json" else (result.stdout + result.stderr).decode()
        assert "caf\\xe9.xml" in (json.loads(shown)["diagnostics"][0]["path"] if fmt == "json" else shown)

    transcription = tmp_path / "t.txt"
    for bad in ("\x00", "\x07", "\x1b[31m"):
        transcription.write_text(f"To: A\nFrom: B\n\n1. Some{bad} text.\n")
        result = run_cli("import", str(transcription), "--id", "t-1", "--into", str(tmp_path / "imported"))
        refused(result, 1, r"t\.txt:4:8: error: the character U\+00(00|07|1B) .*cannot be kept in XML")
        assert not (tmp_path / "imported" / "t-1.xml").exists()
    transcription.write_text("To: A\nFrom: B\n\n1. Some\x85 text.\n")          # C1: XML holds it, HTML may not
    result = run_cli("import", str(transcription), "--id", "t-1", "--into", str(tmp_path / "imported"))
    refused(result, 1, r"t\.txt:4:8: error: the character U\+0085 .*cannot be kept in a page")
    assert not (tmp_path / "imported" / "t-1.xml").exists()


# ------------------------------------------------------------------ 11. smaller

def test_11_import_never_overwrites_the_register(tmp_path, guard):
    tei = collection(tmp_path, ["cable-a"])
    register = (tei / "register.xml").read_bytes()
    transcription = tmp_path / "t.txt"
    transcription.write_text("To: A\nFrom: B\n\n1. Some text.\n")
    for doc_id in ("register", "index.html"):
        result = run_cli("import", str(transcription), "--id", doc_id, "--into", str(tei), "--force")
        refused(result, 2, rf"cannot use '{re.escape(doc_id)}' as a document id")
    assert (tei / "register.xml").read_bytes() == register


def test_11_a_missing_register_is_reported_once_as_missing(tmp_path, guard):
    tei = collection(tmp_path, [f"cable-{n}" for n in range(8)])
    (tei / "register.xml").unlink()
    result = run_cli("validate", str(tei))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(lines) == 1 and "[register-missing]" in lines[0] and "is missing" in lines[0], result.stderr
    assert "not a document of this collection" not in result.stderr


def _staged_pages(versions: Path) -> bool:
    """Whether the build has staged a page yet. The build removes the planted link and its
    own folders while this looks: an entry that vanishes while listed is not yet a page."""
    try:
        return any(versions.glob("tmp-*/*/index.html"))
    except OSError:
        return False


def test_11_ctrl_c_says_so(tmp_path, guard):
    tei = collection(tmp_path, [f"cable-{n:02d}" for n in range(60)])
    # Started as from a terminal, with Ctrl-C at its default: a shell's background job (as CI
    # may run the tests) inherits SIGINT ignored, and Python then leaves it ignored.
    process = subprocess.Popen([sys.executable, "-m", "cable_edition", "build", str(tei), "--out",
                                str(tmp_path / "build")], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not _staged_pages(tmp_path / ".build.versions") and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted (Ctrl-C); nothing was published" in stderr and "()" not in stderr
    assert "Traceback" not in stderr
    assert leftovers(tmp_path / "build") == []


# ------------------------------------------------------------------ 12. CMIF ids

# Base URLs whose name-based UUID starts with a digit (the README's example among them),
# and some whose UUID starts with a letter.
BASE_URLS = ["https://example.org/cables/", "http://localhost:8000/", "https://cables.example.org/",
             "https://edition.example.net/unamir/", "https://example.com/a/b/c/"]


def test_12_the_uuids_chosen_are_uuids_and_xml_names_for_every_base_url():
    import uuid

    starts_with_digit = [u for u in BASE_URLS if str(uuid.uuid5(uuid.NAMESPACE_URL, u))[0].isdigit()]
    assert len(starts_with_digit) >= 2 and "https://example.org/cables/" in starts_with_digit
    for url in BASE_URLS + [f"https://example.org/{n}/" for n in range(200)]:
        chosen = cmif_source_id(url)
        assert re.fullmatch(r"[a-f][0-9a-f]{7}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", chosen)
        assert chosen == cmif_source_id(url)
