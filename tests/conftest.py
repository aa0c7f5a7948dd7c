"""Shared fixtures: the project's paths, a built edition, and a way to run the CLI as a
user would (a separate process, so exit codes and stderr are real)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Debian's Chromium, driven by Playwright (never a downloaded browser).
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TEI_DIR = ROOT / "tei"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
CABLE = TEI_DIR / "unamir-100.xml"


def copy_of(text: str, doc_id: str) -> str:
    """The edition's cable as another document: its own id, and its own cable number (the
    same number twice is one cable in two documents, which validate refuses)."""
    return text.replace("unamir-100", doc_id).replace("UNAMIR: 100", f"UNAMIR: 100 ({doc_id})")


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user would; by default from the checkout, whose pyproject.toml holds
    the publication settings. ``env``: variables to set (or, given None, to unset)."""
    environment = None
    if env is not None:
        environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "cable_edition", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared/, beside the checkout: the edition's sources, corpora and official schemas.
    Every test reads it through this fixture: where it is absent (a fork, a user's clone)
    those tests skip, except in CI (CABLE_EDITION_REQUIRE_ALL_TOOLS set), where they fail."""
    if SHARED.is_dir():
        return SHARED
    message = (f"{SHARED} is absent (the edition's sources, corpora and official schemas live beside the "
               "checkout in ../shared/); these tests need it")
    if os.environ.get("CABLE_EDITION_REQUIRE_ALL_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The edition built once from tei/ by the real CLI; returns the build folder."""
    out = tmp_path_factory.mktemp("edition") / "build"
    result = run_cli("build", str(TEI_DIR), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def collection(tmp_path) -> Path:
    """A writable copy of tei/ to break or change."""
    folder = tmp_path / "tei"
    shutil.copytree(TEI_DIR, folder)
    return folder


def leftovers(out: Path) -> list[str]:
    """What a build left beside ``out`` besides the published build: staging folders and
    half-made links (the versions folder and the lock file are the build's own)."""
    found = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.link-")]
    versions = out.parent / f".{out.name}.versions"
    if versions.is_dir():
        found += [f"{versions.name}/{p.name}" for p in versions.iterdir() if p.name.startswith("tmp-")]
    return found


# Pagefind's filter chunks (and the entry and meta files that name them by hash) differ from
# one run to the next for the same documents (a randomly seeded hash map): builds compare
# byte for byte everywhere else, and their search indexes compare by what they hold.
UNSTABLE_SEARCH_FILE = re.compile(r"pagefind/b\d+/(filter/|pagefind-entry\.json|pagefind\.[^/]*\.pf_meta)")


def comparable(folder: Path, manifest: bool = True) -> dict[str, str]:
    """A build as it must be the same from one build of the same documents to another: every
    file's bytes, except the manifest's times of modification (or the whole manifest,
    which names the sources' paths, for builds made from elsewhere) and Pagefind's
    unstable files (for which: how many pages the index holds)."""
    import hashlib
    import json
    import os

    root = os.path.realpath(folder)
    found: dict[str, str] = {}
    for directory, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            data = open(path, "rb").read()
            if relative == ".manifest.json":
                if not manifest:
                    continue
                recorded = json.loads(data)
                for record in recorded["documents"].values():
                    record.pop("mtime_ns")
                data = json.dumps(recorded, sort_keys=True).encode()
            elif re.fullmatch(r"pagefind/b\d+/pagefind-entry\.json", relative):
                entry = json.loads(data)
                data = json.dumps({k: v["page_count"] for k, v in entry["languages"].items()}).encode()
            elif UNSTABLE_SEARCH_FILE.match(relative):
                continue
            found[relative] = hashlib.sha256(data).hexdigest()
    return found


@pytest.fixture(scope="module")
def browser():
    from tools import require

    require(CHROMIUM, "the browser tests run in Debian's Chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
