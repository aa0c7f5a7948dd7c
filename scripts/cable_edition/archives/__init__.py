"""Import from an archive's own TEI: one adapter module per archive, each turning the
archive's documents into :class:`~cable_edition.archives.model.Telegram` (facts and a text
in this edition's vocabulary); :mod:`cable_edition.archives.write` makes this edition's TEI
and register records of them. A second archive is a new module named here, not a rewrite."""

from __future__ import annotations

import importlib

from cable_edition.diagnostics import Diagnostic

# The value of --from, and the module that reads that archive's TEI (its telegrams(), and
# recognises(root): whether a document is of that archive).
ADAPTERS = {"frus": "cable_edition.archives.frus"}
TEI_NS = "http://www.tei-c.org/ns/1.0"


def adapter(name: str):
    return importlib.import_module(ADAPTERS[name])


def other_customisation(loaded) -> Diagnostic | None:
    """One line for a TEI document that is not of this edition's customisation (neither a
    cable nor a register): which archive's it looks like, and how to bring it in."""
    root = loaded.root
    if not isinstance(root.tag, str) or not root.tag.startswith(f"{{{TEI_NS}}}"):
        return None
    ours = root.tag == f"{{{TEI_NS}}}TEI" and (
        root.find(f"{{{TEI_NS}}}teiHeader/{{{TEI_NS}}}fileDesc/{{{TEI_NS}}}sourceDesc/{{{TEI_NS}}}bibl[@type='cable']")
        is not None or root.find(f"{{{TEI_NS}}}standOff") is not None)
    if ours:
        return None
    archive = next((key for key in ADAPTERS if adapter(key).recognises(root)), None)
    how = (f"import it with: cable-edition import --from {archive} {loaded.path}" if archive else
           "an archive's TEI comes in with cable-edition import --from ARCHIVE (" + ", ".join(sorted(ADAPTERS)) + ")")
    named = adapter(archive).ARCHIVE if archive else None
    kind = f"of {named.name} ({named.short})" if named else "of another customisation"
    return Diagnostic(str(loaded.path), root.sourceline or 0, 1, "error", f"is TEI {kind}, not of this edition's "
                      f"(a cable or a register; its root is <{root.tag.split('}')[1]}>): {how}; the details follow",
                      "other-customisation")
