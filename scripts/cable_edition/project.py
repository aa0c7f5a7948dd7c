"""Where things are: the project's schemas and stylesheets (in a checkout or in an installed
wheel), and the documents of a collection."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

# The shared description of persons, organisations, places and documents: one per folder.
REGISTER_NAME = "register.xml"

# What a build writes at the top of its output folder besides one folder per document.
COLLECTION_FILES = ("index.html", "cmif.xml", "collection.json", "oai-static.xml", "search.html")
MANIFEST = ".manifest.json"
MARK = ".cable-edition"          # marks a folder as a build of cable-edition

# Names a document id may not take, compared without case (a case-insensitive disk would
# merge them): the collection files, and those reserved for the outputs to come.
RESERVED_IDS = frozenset(name.casefold() for name in (
    *COLLECTION_FILES, "search.html", "oai-static.xml", "pagefind", "oai", "assets", "static"))
MAX_ID_BYTES = 200


def _resource_dir(name: str) -> Path:
    """An installed wheel carries schema/ and xslt/ inside the package; a checkout keeps
    them at the top of the repository (scripts/cable_edition/../../name)."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parents[1] / name


SCHEMA_DIR = _resource_dir("schema")
XSLT_DIR = _resource_dir("xslt")


@lru_cache(maxsize=4096)
def _canonical_folder(folder: str) -> str:
    return os.path.abspath(folder)


def canonical(path: Path | str) -> str:
    """The one spelling of a path used as a key: absolute and normalised, without looking
    up symbolic links (a collection is not expected to play with them); cheap, since the
    folders of a collection are few."""
    folder, name = os.path.split(os.fspath(path))
    if name in ("", ".", ".."):
        return os.path.abspath(path)
    return os.path.join(_canonical_folder(folder), name)


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
    documents: dict[str, Path] = {}
    folders: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            folders[str(path)] = path
            for name in sorted(n for n in os.listdir(path) if n.endswith(".xml") and n != REGISTER_NAME):
                documents.setdefault(os.path.join(path, name), path / name)
        elif path.name != REGISTER_NAME:
            documents.setdefault(str(path), path)
            folders.setdefault(str(path.parent), path.parent)
    registers = tuple(f / REGISTER_NAME for f in folders.values() if (f / REGISTER_NAME).is_file())
    unique = tuple(documents.values())
    if not unique:
        shown = ", ".join(str(p) for p in paths)
        raise NoDocumentsError(f"{shown}: no TEI documents to process")
    return Collection(unique, registers)


@dataclass(frozen=True)
class Config:
    """The edition's publication settings, from ``[tool.cable-edition]`` in the
    ``pyproject.toml`` of the folder the command runs in (CLI options override them)."""

    base_url: str = ""
    publisher: str = ""
    editors: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""
    admin_email: str = ""        # who answers for the OAI-PMH repository
    search_bundle_size: int = 2500   # documents per bundle of the search index, about

    def require(self, *names: str, what: str) -> None:
        """Raise :class:`ConfigError` naming every setting ``what`` needs and lacks."""
        missing = [n for n in names if not getattr(self, n.replace("-", "_"))]
        if missing:
            where = self.source or "pyproject.toml"
            keys = ", ".join(n for n in missing)
            raise ConfigError(f"{where}: {what} need{'s' * (' and ' not in what)} {keys} in [tool.cable-edition] "
                              f"(e.g. base-url = \"https://example.org/cables/\", "
                              f"admin-email = \"editors@example.org\")")


class ConfigError(Exception):
    """A setting that an output needs is missing or malformed."""


def load_config(folder: Path | None = None, **overrides: str | None) -> Config:
    path = (folder or Path.cwd()) / "pyproject.toml"
    table: dict = {}
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("cable-edition", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values = {"base_url": table.get("base-url", ""), "publisher": table.get("publisher", ""),
              "editors": table.get("editors", []), "admin_email": table.get("admin-email", ""),
              "search_bundle_size": table.get("search-bundle-size", 2500)}
    values.update({k: v for k, v in overrides.items() if v})
    if isinstance(values["editors"], str):
        values["editors"] = [values["editors"]]
    base_url = str(values["base_url"])
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: base-url must be an http(s) URL, not {base_url!r}")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    admin_email = str(values["admin_email"])
    if admin_email and not re.fullmatch(r"\S+@(\S+\.)+\S+", admin_email):
        raise ConfigError(f"{path}: admin-email must be an e-mail address, not {admin_email!r}")
    bundle_size = values["search_bundle_size"]
    if not isinstance(bundle_size, int) or isinstance(bundle_size, bool) or bundle_size < 1:
        raise ConfigError(f"{path}: search-bundle-size must be a whole number of documents, not {bundle_size!r}")
    return Config(base_url, str(values["publisher"]), tuple(map(str, values["editors"])),
                  str(path) if path.is_file() else "", admin_email, bundle_size)
