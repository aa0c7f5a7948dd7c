"""What an archive adapter hands over: a telegram's facts, its text already in this
edition's vocabulary, the names it points to, and what it could not map."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree


@dataclass(frozen=True)
class Archive:
    """The archive as its documents' header describes it."""

    key: str            # the value of --from and of idno/@subtype ("frus")
    name: str           # "Foreign Relations of the United States"
    short: str          # "FRUS"
    publisher: str      # who edits it (the respStmt of its head, notes and footnotes)
    rights: str         # the status of its text, for the licence statement
    siglum: str = "F"   # the witness the archive's copy is


@dataclass(frozen=True)
class Name:
    """A person, office or place the telegram names, and the register record it points to
    (made, with ``note``, where the register has none yet); with no key, a placeholder for
    the editor to settle."""

    kind: str           # "person", "org" or "place"
    name: str           # as the archive prints it
    key: str            # the register record's id
    note: str           # the new record's note: where the name comes from

    @property
    def ref(self) -> str:
        return f"register.xml#{self.key}"


@dataclass
class Telegram:
    doc_id: str
    archive: Archive | None              # None: a text, not an archive's TEI
    archive_id: str                      # the archive's own identifier
    page: str | None                     # the archive's page of it
    described: str                       # the witness: which file, which document of it
    archival_title: str | None
    number: str | None
    senders: list[Name]
    recipients: list[Name]
    info: list[Name]                     # repeated to, as information
    place: Name | None
    when: str | None                     # ISO date or dateTime, as the archive gives it
    date_text: str | None                # as printed
    classification: str | None
    precedence: str | None
    handling: list[str]
    source_note: str | None
    body: etree._Element                 # a TEI <div type="telegram">, ids not yet set
    names: list[Name] = field(default_factory=list)      # every name the body and header point to
    left_out: list[str] = field(default_factory=list)    # what was not mapped, said in the header
    notes: list[str] = field(default_factory=list)       # the editors': how a fact was read
