"""A wheel built from the project carries schema/ and xslt/, so that an installed
cable-edition validates and builds outside a checkout. Built and installed offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, TEI_DIR


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--wheel-dir", str(dist), str(ROOT)], check=True, timeout=300,
                   capture_output=True)
    (built,) = dist.glob("cable_edition-*.whl")
    return built


def test_the_wheel_carries_schemas_and_stylesheets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("cable.rng", "common.rng", "register.rng", "cable.sch"):
        assert f"cable_edition/schema/{name}" in names
    for name in ("common.xsl", "text.xsl", "edition.xsl"):
        assert f"cable_edition/xslt/{name}" in names


def test_an_installed_wheel_validates_and_builds_a_folder_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300, capture_output=True)
    # lxml and saxonche come from the test environment (no network); the project does not.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "elsewhere"
    shutil.copytree(TEI_DIR, work / "tei")
    where = subprocess.run([str(python), "-c", "import cable_edition.project as p; print(p.SCHEMA_DIR)"],
                           cwd=work, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv)), where
    cli = venv / "bin" / "cable-edition"
    validated = subprocess.run([str(cli), "validate"], cwd=work, capture_output=True, text=True, timeout=300)
    assert validated.returncode == 0, validated.stderr
    (work / "pyproject.toml").write_text('[tool.cable-edition]\nbase-url = "https://cables.example.org/"\n'
                                         'admin-email = "editors@cables.example.org"\n'
                                         'publisher = "A TEI project"\n', encoding="utf-8")
    built = subprocess.run([str(cli), "build"], cwd=work, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (work / "build" / "unamir-100" / "unamir-100.reading.txt").is_file()
    assert "https://cables.example.org/unamir-100/" in (work / "build" / "cmif.xml").read_text(encoding="utf-8")
