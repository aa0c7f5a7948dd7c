"""The command line: parses arguments, calls the library, prints diagnostics.

Exit codes: 0 success (warnings allowed), 1 invalid input, 2 usage or I/O problem."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from cable_edition import __version__
from cable_edition.diagnostics import UserError
from cable_edition.project import NoDocumentsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cable-edition",
        description="Validate and publish a TEI edition of code cables.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on any error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="validate and publish documents",
                                description="Validate every document, then publish it to DIR: "
                                "DIR/<id>/<id>.xml, .diplomatic.txt and .reading.txt.")
    build.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="TEI files or folders (default: tei/)")
    build.add_argument("--out", type=Path, default=Path("build"), metavar="DIR",
                       help="output folder (default: build/)")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "build":
        from cable_edition.build import build

        report = build(args.paths or None, args.out)
        for diagnostic in report.diagnostics:
            print(diagnostic, file=sys.stderr)
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
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        return exc.exit_code
    except NoDocumentsError as exc:
        print(f"cable-edition: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cable-edition: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
