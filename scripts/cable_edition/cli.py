"""The command line: parses arguments, calls the library, prints diagnostics.

Exit codes: 0 success (warnings allowed), 1 invalid input, 2 usage or I/O problem."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from cable_edition import __version__
from cable_edition.diagnostics import InternalError, UserError, render_github, render_json, render_junit, render_text
from cable_edition.project import NoDocumentsError


FORMATS = ("text", "github", "junit", "json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cable-edition",
        description="Validate and publish a TEI edition of code cables.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on any error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check documents against the schema and rules",
        description="Check every document: well-formedness, RELAX NG, Schematron, then the "
        "collection (pointers, unique ids, unused records). Exit 0 if valid (warnings allowed), "
        "1 if invalid, 2 on a usage or I/O problem.")
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                          help="TEI files or folders (default: tei/)")
    validate.add_argument("--format", choices=FORMATS, default="text",
                          help="text (path:line:col: severity: message [rule]), github (workflow "
                          "commands), junit (JUnit XML) or json")

    build = commands.add_parser("build", help="validate and publish documents",
                                description="Validate every document, then publish it to DIR: "
                                "DIR/<id>/<id>.xml, .diplomatic.txt and .reading.txt.")
    build.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="TEI files or folders (default: tei/)")
    build.add_argument("--out", type=Path, default=Path("build"), metavar="DIR",
                       help="output folder (default: build/)")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        from cable_edition.validate import validate

        report = validate(args.paths or None)
        diagnostics = report.diagnostics
        if args.format == "text":
            sys.stderr.write(render_text(diagnostics))
            errors = sum(d.severity == "error" for d in diagnostics)
            print(f"{len(report.files)} file(s): {errors} error(s), {len(diagnostics) - errors} "
                  f"warning(s)", file=sys.stderr)
        elif args.format == "github":
            sys.stdout.write(render_github(diagnostics))
        elif args.format == "junit":
            sys.stdout.write(render_junit(diagnostics, report.files))
        else:
            sys.stdout.write(render_json(diagnostics, report.files))
        if any(d.rule == "io" for d in diagnostics):
            return 2
        return 0 if report.valid else 1
    if args.command == "build":
        from cable_edition.build import build

        report = build(args.paths or None, args.out)
        sys.stderr.write(render_text(report.diagnostics))
        print(f"built {len(report.built)} document(s) into {args.out}", file=sys.stderr)
        return 0
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except UserError as exc:
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(render_text(exc.diagnostics))
        if args.command == "build":
            print(f"cable-edition: nothing was published; {args.out} is unchanged", file=sys.stderr)
        return exc.exit_code
    except InternalError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cable-edition: internal error: {exc}", file=sys.stderr)
        return 3
    except NoDocumentsError as exc:
        print(f"cable-edition: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cable-edition: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
