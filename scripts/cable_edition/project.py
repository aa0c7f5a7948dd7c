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
# What a document id may be made of: it names the document's output folder.
SAFE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")


def usable_id(value: str) -> bool:
    """Whether ``value`` can name a document's output folder: safe characters, short enough
    for every disk, not a name the build uses itself."""
    return bool(SAFE_ID.match(value)) and len(value.encode("utf-8")) <= MAX_ID_BYTES \
        and value.casefold() not in RESERVED_IDS and f"{value}.xml" != REGISTER_NAME


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


# What XML 1.0 cannot hold at all: control characters other than tab, line feed and
# carriage return (NUL included), lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What XML holds but no HTML page may (the rule control-characters): C1 controls, U+FDD0-U+FDEF.
NOT_HTML = re.compile("[\x80-\x9f\ufdd0-\ufdef]")

# A base URL as it may stand in every output: http(s), a host, and only the characters a URL
# may hold (RFC 3986), so that it never needs escaping to mean what it says.
BASE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")


def _settings_table(path: Path) -> dict:
    """[tool.cable-edition] of ``path``, if there is such a file ({} if not)."""
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tool = document.get("tool", {})
    table = tool.get("cable-edition", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.cable-edition] must be a table of settings "
                          f"(e.g. [tool.cable-edition] then base-url = \"https://example.org/cables/\")")
    return table


def _text(path: Path, name: str, value) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {name} must be a string in quotes, not {value!r}")
    if NOT_XML.search(value):
        raise ConfigError(f"{path}: {name} holds a control character, which no output can carry: {value!r}")
    return value


def load_config(folder: Path | None = None, **overrides: str | None) -> Config:
    path = (folder or Path.cwd()) / "pyproject.toml"
    table = _settings_table(path)
    values = {"base_url": table.get("base-url", ""), "publisher": table.get("publisher", ""),
              "editors": table.get("editors", []), "admin_email": table.get("admin-email", ""),
              "search_bundle_size": table.get("search-bundle-size", 2500)}
    values.update({k: v for k, v in overrides.items() if v})
    editors = values["editors"]
    if isinstance(editors, str):
        editors = [editors]
    if not isinstance(editors, list) or not all(isinstance(e, str) for e in editors):
        raise ConfigError(f"{path}: editors must be a list of names in quotes, not {values['editors']!r}")
    editors = [_text(path, "editors", e) for e in editors]
    base_url = _text(path, "base-url", values["base_url"])
    if base_url and not BASE_URL.fullmatch(base_url):
        raise ConfigError(f"{path}: base-url must be an http(s) URL of letters, digits and URL punctuation "
                          f"(no spaces, quotes or angle brackets), not {base_url!r}")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    admin_email = _text(path, "admin-email", values["admin_email"])
    if admin_email and not re.fullmatch(r"[^\s<>\"'@]+@([^\s<>\"'@.]+\.)+[^\s<>\"'@.]+", admin_email):
        raise ConfigError(f"{path}: admin-email must be an e-mail address, not {admin_email!r}")
    bundle_size = values["search_bundle_size"]
    if not isinstance(bundle_size, int) or isinstance(bundle_size, bool) or bundle_size < 1:
        raise ConfigError(f"{path}: search-bundle-size must be a whole number of documents, not {bundle_size!r}")
    return Config(base_url, _text(path, "publisher", values["publisher"]), tuple(editors),
                  str(path) if path.is_file() else "", admin_email, bundle_size)
