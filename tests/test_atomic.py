"""Publishing is atomic, shown on the real process: a build SIGKILLed at any moment (while
rendering, while publishing) leaves the output folder as the old build or the new one,
byte for byte, and no process of it alive; a reader hashing the folder while builds publish
again and again never sees anything else; the bytes rendered are the bytes hashed; workers
die with the build, however early it is killed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cable_edition import build as build_module
from cable_edition.build import build
from cable_edition.load import read_input
from cable_edition.project import Config
from conftest import CABLE, ROOT, TEI_DIR, comparable, leftovers, copy_of

SOURCE = CABLE.read_text(encoding="utf-8")
CONFIG = Config("https://cables.example.org/", "Tests", ("Tests",), admin_email="editors@cables.example.org")
VARIANTS = {"old": "Regards.", "new": "Regards!"}


def write_collection(tei: Path, count: int, variant: str) -> None:
    tei.mkdir(exist_ok=True)
    shutil.copy(TEI_DIR / "register.xml", tei)
    for n in range(count):
        text = copy_of(SOURCE, f"cable-{n:03d}").replace("Regards.", VARIANTS[variant])
        (tei / f"cable-{n:03d}.xml").write_text(text, encoding="utf-8")


def tree_hash(out: Path) -> str:
    """The published build as a reader sees it, resolved once: every path and its bytes,
    except the manifest's times of modification and Pagefind's unstable chunks (see
    conftest.comparable); the search index's entry must name files that are there."""
    root = Path(os.path.realpath(out))
    for bundle in json.loads((root / "pagefind" / "bundles.json").read_text())["bundles"]:
        entry = json.loads((root / "pagefind" / bundle / "pagefind-entry.json").read_text())
        for language in entry["languages"].values():
            assert (root / "pagefind" / bundle / f"pagefind.{language['hash']}.pf_meta").is_file()
    return hashlib.sha256(json.dumps(comparable(root, manifest=False), sort_keys=True).encode()).hexdigest()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cable_edition", *args]


def survivors(pid: int) -> list[int]:
    """Worker processes started by ``pid`` that are still alive (workers.py's BOOT line
    carries its parent's pid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"cable_edition.workers" in a for a in argv) and str(pid).encode() in argv:
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                found.append(int(entry.name))
    return found


def wait_for_no_survivors(pid: int, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := survivors(pid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tree hashes of the old and the new build of 300 documents, each built cleanly."""
    hashes = {}
    base = tmp_path_factory.mktemp("reference")
    for variant in VARIANTS:
        tei = base / variant / "tei"
        tei.parent.mkdir()
        write_collection(tei, 300, variant)
        result = subprocess.run(cli("build", str(tei), "--out", str(tei.parent / "build")), cwd=ROOT,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        hashes[variant] = tree_hash(tei.parent / "build")
    assert hashes["old"] != hashes["new"]
    return hashes


def staged(versions: Path, earlier: set[str]) -> bool:
    """Whether a new staged build is complete (its manifest, written last, is there): what
    follows is publishing. ``earlier``: staging folders a killed build left behind."""
    try:
        return any(os.path.exists(os.path.join(e.path, ".manifest.json"))
                   for e in os.scandir(versions) if e.name.startswith("tmp-") and e.name not in earlier)
    except OSError:
        return False


def published_variant(out: Path, hashes: dict[str, str]) -> str:
    found = tree_hash(out)
    assert found in hashes.values(), "the output folder is neither the old build nor the new one"
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 300
    bundles = json.loads((out / "pagefind" / "bundles.json").read_text())["bundles"]
    assert sum(json.loads((out / "pagefind" / b / "pagefind-entry.json").read_text())["languages"]["en"]["page_count"]
               for b in bundles) == 300
    return next(name for name, value in hashes.items() if value == found)


def test_a_build_killed_at_any_moment_leaves_the_old_build_or_the_new_one(tmp_path, reference):
    tei, out = tmp_path / "tei", tmp_path / "build"
    write_collection(tei, 300, "old")
    started = time.monotonic()
    assert subprocess.run(cli("build", str(tei), "--out", str(out)), cwd=ROOT, capture_output=True,
                          timeout=600).returncode == 0
    duration = time.monotonic() - started
    state = published_variant(out, reference)
    assert state == "old"

    rng = random.Random(20261127)
    killed = {"spread": 0, "publishing": 0}
    seen = set()

    def attempt(kind: str, delay: float | None) -> None:
        nonlocal state
        target = "new" if state == "old" else "old"
        write_collection(tei, 300, target)
        earlier = {p.name for p in (tmp_path / ".build.versions").iterdir()}
        process = subprocess.Popen(cli("build", str(tei), "--out", str(out)), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if delay is not None:
            time.sleep(delay)
        else:    # watch (busily: the window is short) for the staged build to be complete
            while not staged(tmp_path / ".build.versions", earlier) and process.poll() is None:
                pass
            time.sleep(rng.uniform(0, 0.03))
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        if running:
            killed[kind] += 1
        assert wait_for_no_survivors(process.pid) == [], "a worker outlived the killed build"
        state = published_variant(out, reference)
        seen.add(state)

    # Moments spread over the whole run; then kills aimed at publishing: from the moment the
    # staged build is complete (its manifest, written last) through its mark, rename and
    # switch, to the removal of old versions.
    for k in range(30):           # spread over the first build's duration (a toggling build takes as long or longer)
        attempt("spread", duration * (k + 0.5) / 30)
    for _ in range(40):
        if killed["publishing"] >= 12:
            break
        attempt("publishing", None)
    assert killed["spread"] + killed["publishing"] >= 30 and killed["publishing"] >= 10, killed
    assert seen == {"old", "new"}            # kills landed both before and after the switch

    target = "new" if state == "old" else "old"
    write_collection(tei, 300, target)
    final = subprocess.run(cli("build", str(tei), "--out", str(out)), cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    assert final.returncode == 0, final.stderr
    assert published_variant(out, reference) == target
    assert leftovers(out) == []
    versions = sorted(p.name for p in (tmp_path / ".build.versions").iterdir())
    assert len(versions) == 2                # the published build and the one before it


def test_a_reader_never_sees_anything_but_a_complete_build(tmp_path):
    tei, out = tmp_path / "tei", tmp_path / "build"
    hashes = {}
    for variant in VARIANTS:                 # what each complete build looks like
        write_collection(tei, 60, variant)
        assert subprocess.run(cli("build", str(tei), "--out", str(tmp_path / f"ref-{variant}")), cwd=ROOT,
                              capture_output=True, timeout=300).returncode == 0
        hashes[variant] = tree_hash(tmp_path / f"ref-{variant}")
    write_collection(tei, 60, "old")
    assert subprocess.run(cli("build", str(tei), "--out", str(out)), cwd=ROOT, capture_output=True,
                          timeout=300).returncode == 0

    stop = threading.Event()
    seen: list[str] = []
    bad: list[str] = []

    def reader():
        while not stop.is_set():
            try:
                found = tree_hash(out)
            except OSError as exc:           # a file vanishing under the reader is a mix too
                bad.append(f"{type(exc).__name__}: {exc}")
                continue
            (seen if found in hashes.values() else bad).append(found)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_ in range(8):
            variant = "new" if round_ % 2 == 0 else "old"
            write_collection(tei, 60, variant)
            result = subprocess.run(cli("build", str(tei), "--out", str(out), "--jobs", "1"), cwd=ROOT,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr
    finally:
        stop.set()
        thread.join()
    assert bad == []
    assert len(seen) > 50 and set(seen) == set(hashes.values())
    switches = sum(1 for a, b in zip(seen, seen[1:]) if a != b)
    assert switches >= 4                     # the reader really read across publishes


def test_the_bytes_rendered_are_the_bytes_hashed_even_if_the_file_changes_meanwhile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tei, out = tmp_path / "tei", tmp_path / "build"
    write_collection(tei, 3, "old")
    build([tei], out, config=CONFIG, jobs=1)
    target = tei / "cable-001.xml"
    original = target.read_bytes()
    edited = original.replace(b"Regards.", b"Regards, edited.")

    def reading_then_edited(path, max_bytes):
        read = read_input(path, max_bytes)
        if Path(path) == target:             # an editor saves just after the build read the file
            target.write_bytes(edited if read.data == original else original)
        return read

    for first in (original, edited):        # the edit lands after the read, or before it
        target.write_bytes(first)
        monkeypatch.setattr(build_module, "read_input", reading_then_edited)
        build([tei], out, config=CONFIG, jobs=1)
        monkeypatch.setattr(build_module, "read_input", read_input)
        published = (out / "cable-001" / "cable-001.xml").read_bytes()
        manifest = json.loads((out / ".manifest.json").read_text())
        assert hashlib.sha256(published).hexdigest() == manifest["documents"]["cable-001"]["digest"]
        assert published == first
        assert (b"edited" in published) == (b"edited" in (out / "cable-001" / "cable-001.reading.txt").read_bytes())
        # The editor undoes the change: the next build publishes the file as it now is.
        target.write_bytes(original)
        build([tei], out, config=CONFIG, jobs=1)
        assert (out / "cable-001" / "cable-001.xml").read_bytes() == original
        assert b"edited" not in (out / "cable-001" / "cable-001.reading.txt").read_bytes()


@pytest.mark.parametrize("moment", [0.0, 0.03, 0.08, 0.15, 0.25, 0.4, 0.7])
def test_workers_die_with_a_build_killed_however_early(tmp_path, moment):
    tei = tmp_path / "tei"
    write_collection(tei, 64, "old")              # enough for worker processes
    process = subprocess.Popen(cli("build", str(tei), "--out", str(tmp_path / "build"), "--jobs", "2"),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(moment)
    process.kill()
    process.wait(timeout=60)
    assert wait_for_no_survivors(process.pid) == []
    assert not (tmp_path / "build").exists() or tree_hash(tmp_path / "build")


def test_workers_really_run_and_are_found_while_they_do(tmp_path):
    """The survivor check above can fail: during a build it finds the workers."""
    tei = tmp_path / "tei"
    write_collection(tei, 200, "old")
    process = subprocess.Popen(cli("build", str(tei), "--out", str(tmp_path / "build"), "--jobs", "2"),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, found = time.monotonic() + 60, []
    while len(found) < 2 and time.monotonic() < deadline and process.poll() is None:
        found = survivors(process.pid)
        time.sleep(0.01)
    process.kill()
    process.wait(timeout=60)
    assert len(found) == 2
    assert wait_for_no_survivors(process.pid) == []
