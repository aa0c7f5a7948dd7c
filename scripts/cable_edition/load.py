"""The only door through which XML enters: a safe parse into one lxml tree.

No DTD is loaded, no entity is expanded, nothing is fetched from the network, XInclude is
never processed, and a document with a DOCTYPE is refused (TEI P5 documents have none, and
a DOCTYPE is how entity attacks arrive). Size and depth are bounded."""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from cable_edition.diagnostics import Diagnostic, UserError

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Depth is bounded by libxml2 itself: without XML_PARSE_HUGE (huge_tree=False below) it
# refuses elements nested deeper than 256 levels ("Excessive depth in document").

# Ids become file and folder names: letters, digits, '.', '_', '-' (validate.py's id rules
# say the rest: not starting with '.', not too long, not a name the build uses itself).
ID_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+\Z")

# A file modified this recently when it was read may change again within the same tick of
# the file system's clock: its time of modification is then not trusted (git's "racily
# clean" entries).
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Input:
    """The bytes of one input file, read once, and what stat said of the file read."""

    data: bytes
    size: int
    mtime_ns: int        # -1 when the file was changed too recently to trust it


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def read_input(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Input:
    """Read a regular file (links followed) once, at most ``max_bytes`` of it. Devices,
    FIFOs and sockets are refused without reading or waiting; every failure is a
    :class:`UserError` naming the file."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise _error(path, "is a folder, not a file", exit_code=2) from None
    except OSError as exc:
        raise _error(path, f"cannot read: {exc.strerror or exc}", exit_code=2) from None
    info = os.fstat(descriptor)
    if stat.S_ISDIR(info.st_mode):                  # Linux opens a folder read-only without complaint
        os.close(descriptor)
        raise _error(path, "is a folder, not a file", exit_code=2)
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise _error(path, f"is {kind}, not a regular file: only files are read", exit_code=2)
        if info.st_size > max_bytes:
            raise _error(path, f"the file is {info.st_size:,} bytes, over the limit of {max_bytes:,} bytes")
        try:
            chunks, total = [], 0
            while chunk := handle.read(min(1 << 20, max_bytes + 1 - total)):
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:       # it grew while being read
                    raise _error(path, f"the file is over the limit of {max_bytes:,} bytes")
        except OSError as exc:
            raise _error(path, f"cannot read: {exc.strerror or exc}", exit_code=2) from None
    racy = time.time_ns() - info.st_mtime_ns < RACY_NS
    return Input(b"".join(chunks), info.st_size, -1 if racy else info.st_mtime_ns)


@dataclass(frozen=True)
class Loaded:
    """A parsed document: its path as the user named it, its bytes, and its tree."""

    path: Path
    data: bytes
    tree: etree._ElementTree
    size: int = 0
    mtime_ns: int = -1

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    @property
    def id(self) -> str:
        return self.root.get(XML_ID, "")

    @cached_property
    def lines(self) -> list[str]:
        """The source's lines, to find columns (lxml keeps only line numbers)."""
        return self.data.decode("utf-8", errors="replace").split("\n")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True,
        huge_tree=False, remove_comments=False, collect_ids=False)


def _error(path: Path, message: str, line: int = 0, column: int = 0, exit_code: int = 1) -> UserError:
    rule = "io" if exit_code == 2 else "well-formed"
    return UserError(Diagnostic(str(path), line, column, "error", message, rule), exit_code)


# What may precede the root element: a byte-order mark, white space, the XML declaration,
# processing instructions and comments.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_DOCTYPE_MESSAGE = ("a DOCTYPE is not allowed: TEI documents have none, and the toolchain never "
                    "loads DTDs or entities; remove the <!DOCTYPE …> declaration")


def _doctype_at(data: bytes) -> tuple[int, int] | None:
    """Where a DOCTYPE starts, found before parsing so that libxml2 never sees it."""
    start = _PROLOG.match(data).end()
    if not data.startswith(b"<!DOCTYPE", start):
        return None
    line_start = data.rfind(b"\n", 0, start) + 1
    return data.count(b"\n", 0, start) + 1, start - line_start + 1


def _require_utf8(path: Path, data: bytes) -> None:
    """UTF-8 however the file declares itself (or does not): libxml2 would otherwise guess
    UTF-16 from the first bytes, or follow an encoding declaration."""
    zero = data.find(b"\0")
    if zero >= 0:
        line = data.count(b"\n", 0, zero) + 1
        raise _error(path, "holds NUL bytes, which XML forbids: is it UTF-16? documents must be saved as UTF-8",
                     line, zero - (data.rfind(b"\n", 0, zero) + 1) + 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(path, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot start or continue a UTF-8 "
                     "character; documents must be saved as UTF-8", line, column) from None


def parse_bytes(path: Path, data: bytes) -> etree._ElementTree:
    """Parse ``data`` (named ``path`` in messages) or raise :class:`UserError`."""
    if not data.strip():
        raise _error(path, "the file is empty")
    _require_utf8(path, data)
    doctype = _doctype_at(data)
    if doctype:
        raise _error(path, _DOCTYPE_MESSAGE, *doctype)
    try:
        root = etree.fromstring(data, _parser(), base_url=None)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = re.sub(r", line \d+, column \d+$", "", exc.msg.strip()).strip()
        raise _error(path, f"not well-formed: {message}", line, column) from None
    tree = root.getroottree()
    encoding = (tree.docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding not in {"UTF-8", "UTF8"}:
        raise _error(path, f"the document declares encoding {tree.docinfo.encoding!r}: documents "
                     "must be UTF-8 (declare encoding=\"UTF-8\" and save the file as UTF-8)", 1, 1)
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:   # one the scan missed
        raise _error(path, _DOCTYPE_MESSAGE, 1, 1)
    return tree


def load(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Read (once) and parse one file; every failure is a :class:`UserError` naming the file."""
    read = read_input(path, max_bytes)
    return Loaded(path, read.data, parse_bytes(path, read.data), read.size, read.mtime_ns)


def require_tei(loaded: Loaded) -> None:
    """A cable must be a TEI document (its id is checked by validate.py's id rules)."""
    root = loaded.root
    if root.tag != f"{{{TEI_NS}}}TEI":
        raise _error(loaded.path, f"the root element is {root.tag!r}; expected <TEI> in the TEI "
                     f"namespace {TEI_NS}", root.sourceline or 0, 1)
