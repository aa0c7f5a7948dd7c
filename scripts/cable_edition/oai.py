"""OAI-PMH 2.0 over a published build: the six verbs, selective harvesting by date,
resumption tokens, every error the protocol defines. The repository is the build itself:
its manifest lists the documents and their datestamps (the date of each document's latest
change, as its revisionDesc records it: day granularity, like the static repository
oai-static.xml), and each record's metadata is the build's own <id>.dc.xml, byte for byte
the Dublin Core the build published. Identify comes from oai-static.xml's Identify.

Each request reads one published version (resolved once), so a build published meanwhile
never mixes into a response; a resumption token names its version, and stays good as long
as that version is kept (see publish.py)."""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from lxml import etree

from cable_edition.manifest import Manifest
from cable_edition.project import MANIFEST, NOT_XML  # a response echoes its arguments: none may hold one
from cable_edition.publish import VERSION, Output, read_inside

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
PAGE_SIZE = 100
MAX_RECORD_BYTES = 5 * 1024 * 1024

FORMATS = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC)}

# The arguments each verb takes: required, optional; a resumption token is exclusive.
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Snapshot:
    """One published build, as the repository answers from it."""

    folder: Path
    version: str
    identify: tuple[tuple[str, str], ...]       # Identify's elements, in order
    host: str
    records: tuple[tuple[str, str], ...]        # (document id, datestamp), by id

    def identifier(self, doc_id: str) -> str:
        return f"oai:{self.host}:{doc_id}"

    def document(self, identifier: str) -> str | None:
        prefix = f"oai:{self.host}:"
        if not identifier.startswith(prefix):
            return None
        doc_id = identifier[len(prefix):]
        return doc_id if any(d == doc_id for d, _ in self.records) else None

    def datestamp(self, doc_id: str) -> str:
        return dict(self.records)[doc_id]


@lru_cache(maxsize=4)
def _snapshot(folder: str, identity: tuple[int, ...]) -> Snapshot:
    """Read a version folder once (it never changes once published). ``identity`` tells
    one folder from another made later at the same path (an output deleted and built
    again restarts at v000001)."""
    path = Path(folder)
    manifest = Manifest.read(path)
    static = etree.fromstring(read_inside(path, ["oai-static.xml"], 1 << 30),
                              etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    identify = tuple((etree.QName(e).localname, e.text or "") for e in static.find("{*}Identify"))
    base = dict(identify).get("baseURL", "")
    host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", base)
    # Only what the build published as a record: drafts have no Dublin Core, and are never in OAI-PMH.
    records = tuple(sorted((doc_id, record.changed) for doc_id, record in manifest.documents.items()
                           if not record.facts.draft and f"{doc_id}.dc.xml" in record.files))
    return Snapshot(path, path.name, identify, host, records)


def snapshot_of(output: Output, version: str | None = None) -> Snapshot | None:
    """The published build, or the named version of this output if it is still kept (a
    version is a plain name, vNNNNNN, never a path)."""
    if version is not None and not VERSION.fullmatch(version):
        return None
    folder = output.current() if version is None else output.versions / version
    if folder is None:
        return None
    try:
        made, listed = os.stat(folder, follow_symlinks=False), os.stat(folder / MANIFEST, follow_symlinks=False)
    except OSError:
        return None
    if not (folder / "oai-static.xml").is_file():
        return None
    try:
        return _snapshot(str(folder), (made.st_dev, made.st_ino, listed.st_ino, listed.st_mtime_ns))
    except (OSError, TypeError, etree.XMLSyntaxError):     # removed or damaged meanwhile
        return None


# ------------------------------------------------------------------ tokens

def _token(snapshot: Snapshot, prefix: str, start: str, end: str, cursor: int) -> str:
    data = json.dumps([snapshot.version, prefix, start, end, cursor], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[str, str, str, str, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        version, prefix, start, end, cursor = data
        if not (isinstance(cursor, int) and cursor >= 0 and all(isinstance(x, str) for x in data[:4])):
            raise ValueError
        return version, prefix, start, end, cursor
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ProtocolError("badResumptionToken", "the resumption token is not one this repository issued") \
            from None


# ------------------------------------------------------------------ the protocol

def _arguments(pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    if any(NOT_XML.search(k) or NOT_XML.search(v) for k, v in pairs):
        raise ProtocolError("badArgument", "an argument holds a character XML cannot carry (a control character)")
    verbs = [v for k, v in pairs if k == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise ProtocolError("badVerb", "no verb given" if not verbs else "the verb is repeated" if len(verbs) > 1
                            else f"{verbs[0]!r} is not an OAI-PMH verb")
    verb = verbs[0]
    required, optional = VERBS[verb]
    arguments: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key not in required | optional:
            raise ProtocolError("badArgument", f"{verb} does not take the argument {key!r}")
        if key in arguments:
            raise ProtocolError("badArgument", f"the argument {key!r} is repeated")
        arguments[key] = value
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise ProtocolError("badArgument", "resumptionToken is an exclusive argument")
    else:
        missing = sorted(required - set(arguments))
        if missing:
            raise ProtocolError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}")
    return verb, arguments


def _dates(arguments: dict[str, str]) -> tuple[str, str]:
    for key in ("from", "until"):
        value = arguments.get(key)
        if value is not None and not (DAY.match(value) or SECOND.match(value)):
            raise ProtocolError("badArgument", f"{key} must be a UTC date, YYYY-MM-DD")
        if value is not None:
            try:
                datetime.date.fromisoformat(value[:10])
            except ValueError:
                raise ProtocolError("badArgument", f"{key} is not a date: {value!r}") from None
            if SECOND.match(value):
                raise ProtocolError("badArgument", f"{key}: this repository's granularity is YYYY-MM-DD")
    start, end = arguments.get("from", ""), arguments.get("until", "")
    if start and end and start > end:
        raise ProtocolError("badArgument", "from is later than until")
    return start, end


class Response:
    """An OAI-PMH response document."""

    def __init__(self, base_url: str, verb: str | None, arguments: dict[str, str]):
        self.root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
        self.root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        etree.SubElement(self.root, f"{{{OAI}}}responseDate").text = now
        self.request = etree.SubElement(self.root, f"{{{OAI}}}request")
        self.request.text = base_url
        if verb:
            self.request.set("verb", verb)
            for key, value in arguments.items():
                self.request.set(key, value)

    def add(self, name: str, parent=None):
        return etree.SubElement(self.root if parent is None else parent, f"{{{OAI}}}{name}")

    def error(self, code: str, message: str) -> None:
        element = self.add("error")
        element.set("code", code)
        element.text = message

    def bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _header(response: Response, parent, snapshot: Snapshot, doc_id: str):
    header = response.add("header", parent)
    response.add("identifier", header).text = snapshot.identifier(doc_id)
    response.add("datestamp", header).text = snapshot.datestamp(doc_id)
    return header


class RecordUnavailable(Exception):
    """A listed record whose Dublin Core cannot be read (removed or damaged by hand)."""


def _dublin_core(snapshot: Snapshot, doc_id: str):
    try:
        data = read_inside(snapshot.folder, [doc_id, f"{doc_id}.dc.xml"], MAX_RECORD_BYTES)
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                      remove_blank_text=True))
    except (OSError, etree.XMLSyntaxError) as exc:
        print(f"oai: {snapshot.folder.name}/{doc_id}: record left out: its Dublin Core cannot be read "
              f"({getattr(exc, 'strerror', None) or exc})", file=sys.stderr, flush=True)
        raise RecordUnavailable(doc_id) from None


def _record(response: Response, parent, snapshot: Snapshot, doc_id: str) -> None:
    """A record (header and metadata), or nothing if its metadata cannot be read."""
    metadata = _dublin_core(snapshot, doc_id)
    record = response.add("record", parent)
    _header(response, record, snapshot, doc_id)
    response.add("metadata", record).append(metadata)


def _prefix(arguments: dict[str, str]) -> str:
    prefix = arguments["metadataPrefix"]
    if prefix not in FORMATS:
        raise ProtocolError("cannotDisseminateFormat", f"{prefix!r} is not a format of this repository (oai_dc)")
    return prefix


def answer(output: Output, base_url: str, pairs: list[tuple[str, str]]) -> bytes:
    """The response to one request (``pairs``: its arguments, in order)."""
    try:
        verb, arguments = _arguments(pairs)
    except ProtocolError as error:
        response = Response(base_url, None, {})         # badVerb/badArgument: no attributes echoed
        response.error(error.code, str(error))
        return response.bytes()
    response = Response(base_url, verb, arguments)
    try:
        if verb in ("ListSets",) or arguments.get("set") is not None:
            raise ProtocolError("noSetHierarchy", "this repository has no sets")
        snapshot = snapshot_of(output)
        if snapshot is None:
            raise ProtocolError("noRecordsMatch", "nothing is published yet")
        {"Identify": _identify, "ListMetadataFormats": _formats, "GetRecord": _get_record,
         "ListIdentifiers": _list, "ListRecords": _list}[verb](response, output, snapshot, verb, arguments)
    except ProtocolError as error:
        for child in list(response.root)[2:]:
            response.root.remove(child)
        if error.code in ("badArgument", "badVerb"):
            response.request.attrib.clear()
        response.error(error.code, str(error))
    return response.bytes()


def _identify(response: Response, output: Output, snapshot: Snapshot, verb: str, arguments: dict) -> None:
    identify = response.add("Identify")
    facts = dict(snapshot.identify)
    facts["baseURL"] = response.request.text
    for name in ("repositoryName", "baseURL", "protocolVersion", "adminEmail", "earliestDatestamp",
                 "deletedRecord", "granularity"):
        response.add(name, identify).text = facts[name]


def _formats(response: Response, output: Output, snapshot: Snapshot, verb: str, arguments: dict) -> None:
    if "identifier" in arguments and snapshot.document(arguments["identifier"]) is None:
        raise ProtocolError("idDoesNotExist", f"no record {arguments['identifier']!r} here")
    formats = response.add("ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        element = response.add("metadataFormat", formats)
        response.add("metadataPrefix", element).text = prefix
        response.add("schema", element).text = schema
        response.add("metadataNamespace", element).text = namespace


def _get_record(response: Response, output: Output, snapshot: Snapshot, verb: str, arguments: dict) -> None:
    doc_id = snapshot.document(arguments["identifier"])
    if doc_id is None:
        raise ProtocolError("idDoesNotExist", f"no record {arguments['identifier']!r} here")
    _prefix(arguments)
    try:
        _record(response, response.add("GetRecord"), snapshot, doc_id)
    except RecordUnavailable:
        raise ProtocolError("idDoesNotExist", f"the record {arguments['identifier']!r} cannot be read now") from None


def _list(response: Response, output: Output, snapshot: Snapshot, verb: str, arguments: dict) -> None:
    if "resumptionToken" in arguments:
        version, prefix, start, end, cursor = _untoken(arguments["resumptionToken"])
        snapshot = snapshot_of(output, version)
        if snapshot is None:
            raise ProtocolError("badResumptionToken", "the build this token was issued for is gone: "
                                                      "start the list again")
    else:
        prefix, (start, end), cursor = _prefix(arguments), _dates(arguments), 0
    matching = [doc_id for doc_id, stamp in snapshot.records
                if (not start or stamp >= start[:10]) and (not end or stamp <= end[:10])]
    if cursor >= len(matching) and "resumptionToken" in arguments and matching:
        raise ProtocolError("badResumptionToken", "the resumption token points past the end of the list")
    if not matching:
        raise ProtocolError("noRecordsMatch", "no record matches these dates")
    page = matching[cursor:cursor + PAGE_SIZE]
    listing = response.add(verb)
    for doc_id in page:
        if verb == "ListIdentifiers":
            _header(response, listing, snapshot, doc_id)
        else:
            try:
                _record(response, listing, snapshot, doc_id)
            except RecordUnavailable:
                continue                    # said in the server's log
    if cursor or len(matching) > len(page):             # a list in several parts
        token = response.add("resumptionToken", listing)
        token.set("completeListSize", str(len(matching)))
        token.set("cursor", str(cursor))
        if cursor + len(page) < len(matching):
            token.text = _token(snapshot, prefix, start, end, cursor + len(page))


def request_pairs(query: str) -> list[tuple[str, str]]:
    """The arguments of a query string (a GET's, or a form POST's body), in order, repeated
    ones kept (to refuse them)."""
    pairs = []
    for key, values in parse_qs(query, keep_blank_values=True).items():
        pairs += [(key, value) for value in values]
    return pairs
