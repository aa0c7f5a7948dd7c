"""Where things are: the project's schemas and stylesheets (in a checkout or in an installed
wheel), and the documents of a collection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

# The shared description of persons, organisations, places and documents: one per folder.
REGISTER_NAME = "register.xml"


def _resource_dir(name: str) -> Path:
    """An installed wheel carries schema/ and xslt/ inside the package; a checkout keeps
    them at the top of the repository (scripts/cable_edition/../../name)."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parents[1] / name


SCHEMA_DIR = _resource_dir("schema")
XSLT_DIR = _resource_dir("xslt")


@dataclass(frozen=True)
class Collection:
    """The cables to process, and the register file of each folder they come from."""

    documents: tuple[Path, ...]
    registers: tuple[Path, ...]


class NoDocumentsError(Exception):
    """Raised when the given paths hold no document at all."""


def collect(paths: list[Path] | None = None) -> Collection:
    """Expand files and folders (default: ./tei) into the cables and registers to process.

    A folder contributes every ``*.xml`` in it, sorted by name; ``register.xml`` is the
    folder's register, never a cable. A register is looked up beside every cable."""
    paths = paths or [Path("tei")]
    documents: list[Path] = []
    for path in paths:
        if path.is_dir():
            documents.extend(p for p in sorted(path.glob("*.xml")) if p.name != REGISTER_NAME)
        elif path.name == REGISTER_NAME:
            continue
        else:
            documents.append(path)
    folders = [p for p in paths if p.is_dir()] + [p.parent for p in documents]
    registers = tuple(dict.fromkeys(f / REGISTER_NAME for f in folders if (f / REGISTER_NAME).is_file()))
    unique = tuple(dict.fromkeys(documents))
    if not unique:
        shown = ", ".join(str(p) for p in paths)
        raise NoDocumentsError(f"{shown}: no TEI documents to process")
    return Collection(unique, registers)
