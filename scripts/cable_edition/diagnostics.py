"""One message type for every problem the toolchain reports, and its renderings:
human (jing-like), GitHub workflow commands, JUnit XML, JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


def shown(text: str) -> str:
    """``text`` as it can be printed: the bytes of a file name that is not UTF-8 (which
    Python keeps as lone surrogates) written as \\xNN escapes, as ``ls -b`` does."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: Severity
    message: str
    rule: str = ""

    def __str__(self) -> str:
        place = shown(self.path)
        if self.line:
            place += f":{self.line}:{self.column}"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{place}: {self.severity}: {shown(self.message)}{rule}"

    def printable(self) -> "Diagnostic":
        return Diagnostic(shown(self.path), self.line, self.column, self.severity, shown(self.message), self.rule)


class UserError(Exception):
    """A problem with the user's input or command: reported as diagnostics, never as a
    traceback. ``exit_code`` is 1 for invalid input, 2 for usage or I/O problems."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic, exit_code: int = 1):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        self.exit_code = exit_code
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InternalError(Exception):
    """A fault of the toolchain itself (a stylesheet that does not compile or fails), not of
    the user's input: reported in one line, exit code 3."""


class Interrupted(BaseException):
    """SIGTERM or SIGHUP during a build: unwinds like Ctrl-C, so that cleanup runs."""


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


# ------------------------------------------------------------------ renderings

def render_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(f"{d}\n" for d in diagnostics)


def _github_escape(value: str, *, property_value: bool = False) -> str:
    # The escaping GitHub's runner applies to workflow-command data and properties.
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(diagnostics: list[Diagnostic]) -> str:
    """Workflow commands (``::error file=…,line=…,col=…,title=…::message``) that annotate
    the lines of a pull request."""
    lines = []
    for d in (d.printable() for d in diagnostics):
        props = [f"file={_github_escape(d.path, property_value=True)}"]
        if d.line:
            props += [f"line={d.line}", f"col={d.column}"]
        if d.rule:
            props.append(f"title={_github_escape(d.rule, property_value=True)}")
        lines.append(f"::{d.severity} {','.join(props)}::{_github_escape(d.message)}\n")
    return "".join(lines)


def render_json(diagnostics: list[Diagnostic], files: list[str]) -> str:
    diagnostics, files = [d.printable() for d in diagnostics], [shown(f) for f in files]
    report = {
        "valid": not has_errors(diagnostics),
        "files": files,
        "errors": sum(d.severity == "error" for d in diagnostics),
        "warnings": sum(d.severity == "warning" for d in diagnostics),
        "diagnostics": [asdict(d) for d in diagnostics],
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def render_junit(diagnostics: list[Diagnostic], files: list[str]) -> str:
    """JUnit XML as GitLab and Jenkins read it: one test case per file, failing with every
    error of that file; warnings go to system-out."""
    from lxml import etree

    diagnostics, files = [d.printable() for d in diagnostics], [shown(f) for f in files]
    suites = etree.Element("testsuites", name="cable-edition validate")
    suite = etree.SubElement(suites, "testsuite", name="cable-edition validate")
    failures = 0
    for file in files:
        case = etree.SubElement(suite, "testcase", classname="cable-edition.validate", name=file)
        own = [d for d in diagnostics if d.path == file]
        errors = [d for d in own if d.severity == "error"]
        warnings = [d for d in own if d.severity == "warning"]
        if errors:
            failures += 1
            failure = etree.SubElement(
                case, "failure", message=f"{len(errors)} error(s)", type="invalid")
            failure.text = render_text(errors)
        if warnings:
            etree.SubElement(case, "system-out").text = render_text(warnings)
    for element in (suites, suite):
        element.set("tests", str(len(files)))
        element.set("failures", str(failures))
        element.set("errors", "0")
    return etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
