"""Benchmarks (not tests): ``python -m cable_edition.bench validate [--copies N]``.

validate: validating N copies of the cable in one call against N calls of one copy each,
as whole processes; the ratio shows what compiling schemas and rules once per process saves.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cable_edition.project import PACKAGE_DIR

DEFAULT_SOURCE = PACKAGE_DIR.parents[1] / "tei"


def make_copies(source: Path, target: Path, copies: int) -> list[Path]:
    """N copies of every cable of ``source`` under new ids, with the register."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "register.xml").write_bytes((source / "register.xml").read_bytes())
    made = []
    for cable in sorted(p for p in source.glob("*.xml") if p.name != "register.xml"):
        text = cable.read_text(encoding="utf-8")
        for n in range(copies):
            copy = target / f"{cable.stem}-copy{n}.xml"
            copy.write_text(text.replace(cable.stem, f"{cable.stem}-copy{n}"), encoding="utf-8")
            made.append(copy)
    return made


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_validate(copies: int, source: Path) -> None:
    cli = [sys.executable, "-m", "cable_edition", "validate"]
    with tempfile.TemporaryDirectory() as folder:
        files = make_copies(source, Path(folder) / "tei", copies)
        one_call = statistics.median(_timed([*cli, str(Path(folder) / "tei")]) for _ in range(3))
        per_file = [_timed([*cli, str(file)]) for file in files]
    many_calls = sum(per_file)
    print(f"validate {len(files)} copies of the cable")
    print(f"| how | seconds | per document |")
    print(f"|---|---:|---:|")
    print(f"| one call, all documents (median of 3) | {one_call:.2f} | {one_call / len(files) * 1000:.1f} ms |")
    print(f"| one call per document | {many_calls:.2f} | {many_calls / len(files) * 1000:.1f} ms |")
    print(f"ratio: {many_calls / one_call:.1f}x faster in one call")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cable_edition.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="one call for N documents against N calls")
    validate.add_argument("--copies", type=int, default=100)
    validate.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="a folder of cables")
    args = parser.parse_args(argv)
    if args.command == "validate":
        bench_validate(args.copies, args.source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
