"""The command line: parses arguments, calls the library, prints diagnostics.

Exit codes: 0 success (warnings allowed), 1 invalid input, 2 usage or I/O problem,
3 an internal error of the toolchain, 130 interrupted."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from cable_edition import __version__
from cable_edition.diagnostics import (InternalError, Interrupted, UserError, render_github, render_json, render_junit,
                                       render_text, shown)
from cable_edition.load import DEFAULT_MAX_BYTES
from cable_edition.archives import ADAPTERS
from cable_edition.project import ConfigError, NoDocumentsError

FORMATS = ("text", "github", "junit", "json")


def _size(value: str) -> int:
    """A size in bytes, or with a unit: 500k, 50M, 1G."""
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    number, unit = (value[:-1], units[value[-1].lower()]) if value[-1:].lower() in units else (value, 1)
    try:
        size = int(float(number) * unit) if unit > 1 else int(number)
    except (ValueError, OverflowError):       # OverflowError: inf
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (write a number of bytes, or e.g. 500k, 50M)")
    return size


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value!r} (a number from 1 to 65535, or 0 for any free port)")
    return port


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:           # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r} (more than 0, less than a day)")
    return seconds


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"not a number of workers: {value!r} (at least 1)")
    return jobs


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show a traceback on any error")
    common.add_argument("--max-bytes", type=_size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help="refuse input files larger than this (default: 50M)")

    documents = argparse.ArgumentParser(add_help=False)
    documents.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                           help="TEI files or folders (default: tei/)")

    parser = argparse.ArgumentParser(
        prog="cable-edition", description="Validate and publish a TEI edition of code cables.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", parents=[common, documents], help="check documents against the schema and rules",
        description="Check every document: well-formedness, RELAX NG, Schematron, then the "
        "collection (pointers, unique ids, unused records). Exit 0 if valid (warnings allowed), "
        "1 if invalid, 2 on a usage or I/O problem.")
    validate.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                          help="worker processes (default: one per CPU; below 32 documents, one)")
    validate.add_argument("--format", choices=FORMATS, default="text",
                          help="text (path:line:col: severity: message [rule]), github (workflow "
                          "commands), junit (JUnit XML) or json")

    build = commands.add_parser(
        "build", parents=[common, documents], help="validate and publish documents",
        description="Validate every document, then publish it to DIR: DIR/<id>/ holds the source, "
        "the HTML edition, the plain texts, Dublin Core and JSON; DIR/index.html, cmif.xml and "
        "collection.json describe the collection. Only what changed is rebuilt, and nothing is "
        "published unless everything succeeded.")
    build.add_argument("--out", type=Path, default=Path("build"), metavar="DIR",
                       help="output folder (default: build/)")
    build.add_argument("--keep-going", action="store_true",
                       help="publish the valid documents and report the others (exit 1)")
    build.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="worker processes (default: one per CPU)")
    build.add_argument("--force", action="store_true",
                       help="rebuild every document, not only what changed since the last build")
    build.add_argument("--shard", metavar="K/N",
                       help="build only the K-th of N parts of the collection (a stable hash of each id); "
                       "assemble the parts with cable-edition merge")
    build.add_argument("--drafts", action="store_true",
                       help="publish drafts too (documents that still hold placeholders): their pages and "
                       "texts only, never in CMIF, Dublin Core, OAI-PMH or collection.json")
    build.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="do the per-document work on a Dask cluster (the extra dask: pip install '.[dask]'); "
                       "this process still reads the sources and publishes. tls://HOST:PORT for a cluster "
                       "that speaks TLS: the certificates come from Dask's TLS settings "
                       "(DASK_DISTRIBUTED__COMM__TLS__CA_FILE, ...__CLIENT__CERT, ...__CLIENT__KEY)")
    build.add_argument("--wait", action="store_true",
                       help="if another build is writing DIR, wait for it to finish (default: stop, exit 2)")
    build.add_argument("--base-url", metavar="URL",
                       help="where the edition is published (default: base-url in [tool.cable-edition] "
                       "of ./pyproject.toml)")

    merge = commands.add_parser(
        "merge", parents=[common], help="assemble the builds of a collection's shards",
        description="Assemble the outputs of `cable-edition build --shard K/N` runs into one build: "
        "the documents of every part, and the collection page, CMIF and collection JSON made from "
        "the parts' manifests.")
    merge.add_argument("parts", nargs="+", type=Path, metavar="PART", help="the shards' output folders")
    merge.add_argument("--out", type=Path, default=Path("build"), metavar="DIR",
                       help="output folder (default: build/)")
    merge.add_argument("--base-url", metavar="URL", help="as for build")
    merge.add_argument("--wait", action="store_true", help="as for build")

    server = commands.add_parser(
        "serve", parents=[common], help="preview a build, with OAI-PMH at /oai",
        description="Serve the build in DIR over HTTP for preview, and answer OAI-PMH 2.0 at /oai "
        "(all six verbs, oai_dc, selective harvesting by date, resumption tokens). Port 0 takes a free "
        "port; the address is printed on stdout.")
    server.add_argument("--out", type=Path, default=Path("build"), metavar="DIR",
                        help="the build to serve (default: build/)")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    server.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any free port)")
    server.add_argument("--idle-timeout", type=_seconds, default=30, metavar="SECONDS",
                        help="close a connection that sends nothing for this long (default: 30)")

    importer = commands.add_parser(
        "import", parents=[common], help="a TEI document, or a further witness, from a plain-text transcription",
        description="Turn a plain-text cable transcription into DIR/<id>.xml: page furniture reported and "
        "left out, title lines and their dates, the heading (names split; what stays unclear a "
        "placeholder), numbered paragraphs (wrapped lines joined without adding a character), gap "
        "markers, the closer; an incomplete copy flagged. What it cannot know is a placeholder: the "
        "document is a draft until an editor settles it. With --witness-of ID --siglum S, the "
        "transcription is collated (CollateX) into the document ID as a further witness instead; "
        "with --fragments, the file holds quotations of a cable known only from them.")
    importer.add_argument("transcription", type=Path, metavar="TRANSCRIPTION.txt")
    importer.add_argument("--id", dest="doc_id", metavar="ID",
                          help="the document id (default: from the file name)")
    importer.add_argument("--into", type=Path, default=Path("tei"), metavar="DIR",
                          help="the collection folder to write into (default: tei/)")
    importer.add_argument("--force", action="store_true", help="replace an existing document")
    importer.add_argument("--fragments", action="store_true",
                          help="the file holds quotations of a cable known only from them, each followed by "
                          "a line 'Source: …'")
    importer.add_argument("--witness-of", metavar="ID",
                          help="collate the transcription, as a further witness, into the document ID of "
                          "DIR (with CollateX) instead of making a new document")
    importer.add_argument("--siglum", metavar="S", help="the new witness's siglum (with --witness-of)")
    importer.add_argument("--from", dest="archive", choices=sorted(ADAPTERS), metavar="ARCHIVE",
                          help="the file is an archive's own TEI (frus: a FRUS volume, or one of its documents): "
                          "write a document of this edition for each telegram, and register records for the "
                          "persons, offices and places it names")
    importer.add_argument("--document", dest="documents", action="append", default=[], metavar="dNN",
                          help="with --from: only this document of the volume (repeatable)")
    importer.add_argument("--normalise", metavar="LIST", default="",
                          help="with --witness-of: differences not to record, comma-separated: case, "
                          "punctuation (layout is always normalised)")
    return parser


def _import(args: argparse.Namespace) -> int:
    from cable_edition.importer import import_transcription
    from cable_edition.project import load_config
    from cable_edition.validate import validate

    if args.archive:
        return _import_archive(args)
    if args.witness_of:
        from cable_edition.collate import collate_witness

        if not args.siglum:
            print("cable-edition: error: --witness-of needs --siglum S, the new witness's siglum", file=sys.stderr)
            return 2
        normalise = {n.strip() for n in args.normalise.split(",") if n.strip()}
        target, warnings, summary = collate_witness(args.transcription, args.into, args.witness_of, args.siglum,
                                                    normalise=normalise, max_bytes=args.max_bytes)
        sys.stderr.write(render_text(warnings))
        print(summary, file=sys.stderr)
        report = validate([args.into], max_bytes=args.max_bytes)
        own = [d for d in report.diagnostics if d.path == str(target) and d.severity == "error"]
        sys.stderr.write(render_text(own))
        return 0 if not own and not any(w.severity == "error" for w in warnings) else 1
    target, warnings = import_transcription(args.transcription, args.into, doc_id=args.doc_id,
                                            force=args.force, config=load_config(), fragments=args.fragments,
                                            max_bytes=args.max_bytes)
    sys.stderr.write(render_text(warnings))
    report = validate([args.into], max_bytes=args.max_bytes)
    own = [d for d in report.diagnostics if d.path == str(target)]
    sys.stderr.write(render_text(own))
    placeholders = sum(d.rule == "placeholder" for d in own)
    print(f"wrote {target}: {len(own)} problem(s) to settle, {placeholders} of them placeholders",
          file=sys.stderr)
    return 0 if report.valid else 1


def _import_archive(args: argparse.Namespace) -> int:
    from cable_edition.archives.write import ArchiveImport, import_from_archive
    from cable_edition.project import load_config
    from cable_edition.validate import validate

    request = ArchiveImport(args.archive, args.transcription, args.into, doc_id=args.doc_id,
                            documents=tuple(args.documents), force=args.force, max_bytes=args.max_bytes,
                            config=load_config())
    targets, report = import_from_archive(request)
    sys.stderr.write(render_text(report))
    checked = validate([args.into], max_bytes=args.max_bytes)
    written = {str(t) for t in targets}
    own = [d for d in checked.diagnostics if d.path in written or os.path.basename(d.path) == "register.xml"]
    sys.stderr.write(render_text(own))
    errors = sum(d.severity == "error" for d in own)
    print(f"wrote {len(targets)} document(s) into {args.into}: {errors} error(s)", file=sys.stderr)
    return 0 if errors == 0 else 1


def _validate(args: argparse.Namespace) -> int:
    from cable_edition.validate import validate

    report = validate(args.paths or None, max_bytes=args.max_bytes, jobs=args.jobs or os.cpu_count() or 1)
    diagnostics = report.diagnostics
    if args.format == "text":
        sys.stderr.write(render_text(diagnostics))
        errors = sum(d.severity == "error" for d in diagnostics)
        print(f"{len(report.files)} file(s): {errors} error(s), {len(diagnostics) - errors} warning(s)",
              file=sys.stderr)
    elif args.format == "github":
        sys.stdout.write(render_github(diagnostics))
    elif args.format == "junit":
        sys.stdout.write(render_junit(diagnostics, report.files))
    else:
        sys.stdout.write(render_json(diagnostics, report.files))
    if any(d.rule == "io" for d in diagnostics):
        return 2
    return 0 if report.valid else 1


def _build(args: argparse.Namespace) -> int:
    from cable_edition.build import build
    from cable_edition.project import load_config

    from cable_edition.build import parse_shard

    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        print(f"cable-edition: error: --shard: {exc}", file=sys.stderr)
        return 2
    config = load_config(base_url=args.base_url)
    report = build(args.paths or None, args.out, keep_going=args.keep_going, max_bytes=args.max_bytes,
                   config=config, jobs=args.jobs, force=args.force, shard=shard, wait=args.wait,
                   drafts=args.drafts, scheduler=args.scheduler)
    sys.stderr.write(render_text(report.diagnostics))
    summary = f"{report.summary()} into {args.out}"
    if report.failed:
        summary += f"; not published: {', '.join(report.failed)}"
    print(summary, file=sys.stderr)
    return 1 if report.failed else 0


def _merge(args: argparse.Namespace) -> int:
    from cable_edition.build import merge
    from cable_edition.project import load_config

    report = merge(args.parts, args.out, config=load_config(base_url=args.base_url), max_bytes=args.max_bytes,
                   wait=args.wait)
    sys.stderr.write(render_text(report.diagnostics))
    print(f"merged {len(report.built)} document(s) from {len(args.parts)} part(s) into {args.out} "
          f"in {report.seconds:.2f} s", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from cable_edition.serve import ServeOptions, serve

    serve(args.out, ServeOptions(args.host, args.port, args.idle_timeout))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.debug:
        os.environ["CABLE_EDITION_DEBUG"] = "1"     # Saxon's own reports too, in every process
    try:
        return {"validate": _validate, "build": _build, "merge": _merge, "import": _import,
                "serve": _serve}[args.command](args)
    except UserError as exc:
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(render_text(exc.diagnostics))
        if args.command in ("build", "merge"):
            print(f"cable-edition: nothing was published; {args.out} is unchanged", file=sys.stderr)
        return exc.exit_code
    except ConfigError as exc:
        print(f"cable-edition: error: {exc}", file=sys.stderr)
        return 2
    except NoDocumentsError as exc:
        print(f"cable-edition: error: {exc}", file=sys.stderr)
        return 2
    except InternalError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cable-edition: internal error: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        named = isinstance(exc.filename, (str, bytes, os.PathLike))
        where = f"{shown(os.fsdecode(exc.filename))}: " if named else ""
        print(f"cable-edition: error: {where}{exc.strerror or exc}", file=sys.stderr)
        if args.command in ("build", "merge"):
            print(f"cable-edition: nothing was published; {args.out} is unchanged", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"cable-edition: interrupted ({str(exc) or 'Ctrl-C'}); nothing was published", file=sys.stderr)
        return 130
    except Exception as exc:       # a defect of the toolchain: one line, the traceback with --debug
        if args.debug:
            traceback.print_exc()
            trace = getattr(exc, "worker_traceback", None)
            if trace:
                print(f"in the worker process:\n{trace}", file=sys.stderr)
        print(f"cable-edition: internal error: {type(exc).__name__}: {exc} (run again with --debug for the "
              "traceback, and report it)", file=sys.stderr)
        return 3
