"""ISO Schematron, compiled to one XSLT 1.0 pass per pattern over its rules' contexts only.

lxml's isoschematron compiles a schema with the ISO skeleton, whose validator walks the
whole tree once per pattern, matching every element against the pattern's rules: measured,
that walk is most of the time validation takes. Here each pattern instead applies its
templates to the nodes its rules' contexts select (``//context``), in document order, so a
rule fires on exactly the nodes it fired on before, in the same order, and the report (SVRL
failed-assert and successful-report, with id, role, location and text) is the same.

The subset compiled is what cable.sch uses: ns, phase/active, pattern, rule with context,
let, assert, report, value-of, name. A schema using anything else (includes, abstract
patterns, diagnostics, global lets…) is not compiled here: ``compile_schematron`` returns
None and the caller uses isoschematron."""

from __future__ import annotations

from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
SVRL = "http://purl.oclc.org/dsdl/svrl"
XSL = "http://www.w3.org/1999/XSL/Transform"
S = f"{{{SCH}}}"
X = f"{{{XSL}}}"

# The elements compiled, and the message content they may hold.
_KNOWN = {f"{S}{name}" for name in ("schema", "title", "ns", "phase", "active", "pattern", "rule", "let",
                                    "assert", "report", "value-of", "name")}
_MESSAGE_PARTS = {f"{S}value-of", f"{S}name"}


def _branches(pattern: str) -> list[str]:
    """The alternatives of a pattern at its top level ("a | b[c | d]" is a, b[c | d])."""
    branches, depth, quote, start = [], 0, "", 0
    for n, char in enumerate(pattern):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:n].strip())
            start = n + 1
    branches.append(pattern[start:].strip())
    return branches


def _select(context: str) -> str:
    """The nodes a rule's context matches, as an expression: each alternative anywhere."""
    return " | ".join(branch if branch.startswith("/") else f"//{branch}" for branch in _branches(context))


def _supported(schema: etree._Element) -> bool:
    for element in schema.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in _KNOWN:       # another Schematron element, or XSLT (xsl:key…)
            return False
        if element.tag == f"{S}let" and element.getparent().tag != f"{S}rule":
            return False
        if element.tag in (f"{S}pattern", f"{S}rule") and (element.get("abstract") or element.get("is-a")):
            return False
        if element.tag in (f"{S}assert", f"{S}report"):
            for child in element:
                if isinstance(child.tag, str) and child.tag not in _MESSAGE_PARTS:
                    return False
    return True


def _message(check: etree._Element, into: etree._Element) -> None:
    """The assertion's text, its value-of and name made XSLT."""
    into.text = check.text
    for child in check:
        if not isinstance(child.tag, str):           # a comment in the message
            continue
        if child.tag == f"{S}value-of":
            part = etree.SubElement(into, f"{X}value-of", select=child.get("select"))
        else:
            part = etree.SubElement(into, f"{X}value-of", select=f"name({child.get('path') or '.'})")
        part.tail = child.tail


def compile_schematron(schema_tree: etree._ElementTree, phase: str = "#ALL") -> etree.XSLT | None:
    """The validator of a schema for a phase, or None if the schema uses more than this
    compiler knows (the caller then uses isoschematron)."""
    schema = schema_tree.getroot()
    if schema.tag != f"{S}schema" or schema.get("queryBinding", "xslt") not in ("xslt", "xslt1", "xpath"):
        return None
    if not _supported(schema):
        return None
    patterns = schema.findall(f"{S}pattern")
    if phase != "#ALL":
        chosen = [p for p in schema.findall(f"{S}phase") if p.get("id") == phase]
        if not chosen:
            raise ValueError(f"no phase {phase!r} in the schema")
        active = [a.get("pattern") for a in chosen[0].findall(f"{S}active")]
        patterns = [p for p in patterns if p.get("id") in active]

    namespaces = {ns.get("prefix"): ns.get("uri") for ns in schema.findall(f"{S}ns")}
    stylesheet = etree.Element(f"{X}stylesheet", version="1.0", nsmap={"xsl": XSL, "svrl": SVRL, **namespaces})
    root = etree.SubElement(stylesheet, f"{X}template", match="/")
    output = etree.SubElement(root, f"{{{SVRL}}}schematron-output")
    for number, pattern in enumerate(patterns):
        mode = f"pattern-{number}"
        rules = pattern.findall(f"{S}rule")
        if not rules:
            continue
        etree.SubElement(output, f"{{{SVRL}}}active-pattern", id=pattern.get("id", mode))
        etree.SubElement(output, f"{X}apply-templates", mode=mode,
                         select=" | ".join(_select(rule.get("context")) for rule in rules))
        # Within a pattern the first rule whose context matches a node is the one that fires.
        for place, rule in enumerate(rules):
            template = etree.SubElement(stylesheet, f"{X}template", match=rule.get("context"), mode=mode,
                                        priority=str(1000 - place))
            for let in rule.findall(f"{S}let"):
                etree.SubElement(template, f"{X}variable", name=let.get("name"), select=let.get("value"))
            for check in rule:
                if check.tag not in (f"{S}assert", f"{S}report"):
                    continue
                failed = check.tag == f"{S}assert"
                test = f"not({check.get('test')})" if failed else check.get("test")
                condition = etree.SubElement(template, f"{X}if", test=test)
                found = etree.SubElement(condition, f"{{{SVRL}}}{'failed-assert' if failed else 'successful-report'}",
                                         test=check.get("test"))
                for name in ("id", "role"):
                    if check.get(name) is not None:
                        found.set(name, check.get(name))
                where = etree.SubElement(found, f"{X}attribute", name="location")
                etree.SubElement(where, f"{X}call-template", name="location")
                _message(check, etree.SubElement(found, f"{{{SVRL}}}text"))
        etree.SubElement(stylesheet, f"{X}template", match="node() | @*", mode=mode, priority="-1")

    # An absolute path of the element a rule fired on: /*[1]/*[3]/…
    location = etree.SubElement(stylesheet, f"{X}template", name="location")
    steps = etree.SubElement(location, f"{X}for-each", select="ancestor-or-self::*")
    etree.SubElement(steps, f"{X}value-of", select="concat('/*[', count(preceding-sibling::*) + 1, ']')")
    return etree.XSLT(stylesheet)
