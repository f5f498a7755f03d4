"""The output flags shared by ``curate`` and ``export``, and their summary printing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.report import print_json
from core.errors import ThresherError
from core.export import ExportOptions, ExportResult


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``-o`` and the optional extra outputs."""
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="curated JSONL: the kept records, as they were read, in file order",
    )
    parser.add_argument("--dropped", metavar="PATH", help="also write the dropped records here")
    parser.add_argument(
        "--sidecar",
        metavar="PATH.parquet",
        help="also write every row's scores, flags and decision as Parquet",
    )
    parser.add_argument(
        "--manifest",
        metavar="PATH",
        help="where the manifest goes (default: OUT with .manifest.json)",
    )
    parser.add_argument("--no-manifest", action="store_true", help="write no manifest")
    parser.add_argument(
        "--annotate",
        action="store_true",
        help="add thresher_score, thresher_decision and thresher_decided_by to "
        "each exported record",
    )
    parser.add_argument(
        "--project", help="project file (default: <FILE>.thresher or the data folder)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def options_from_arguments(args: argparse.Namespace) -> ExportOptions:
    """The export the flags describe."""
    output = Path(args.output)
    if output.suffix.lower() != ".jsonl":
        raise ThresherError(f"{output}: the curated output must be a .jsonl file")
    sidecar = Path(args.sidecar) if args.sidecar else None
    if sidecar is not None and sidecar.suffix.lower() != ".parquet":
        raise ThresherError(f"{sidecar}: the sidecar must be a .parquet file")
    return ExportOptions(
        output=output,
        dropped=Path(args.dropped) if args.dropped else None,
        sidecar=sidecar,
        manifest=Path(args.manifest) if args.manifest else None,
        write_manifest=not args.no_manifest,
        annotate=args.annotate,
    )


def report(result: ExportResult, extra: dict, as_json: bool) -> None:
    """Print what was exported, as JSON or as a few lines; warn on stderr when nothing was kept.

    An empty export is valid (the rule may really drop everything), but it is far more often a
    rule typed wrong, so it is said even with ``--json``.
    """
    data = result.to_dict() | extra
    if result.kept == 0:
        rule = extra.get("rule") or "the project's decisions"
        print(f"warning: no records were kept ({rule}); {result.output} is empty", file=sys.stderr)
    if as_json:
        print_json(data)
        return
    lines = [
        f"Rule:       {extra.get('rule', '')}",
        f"Kept:       {result.kept:,}",
        f"Dropped:    {result.dropped:,}",
        f"Undecided:  {result.undecided:,} (not exported)",
        f"Overrides:  {result.manual_overrides:,} manual decisions",
    ]
    duplicates = extra.get("duplicates") or {}
    if "clusters" in duplicates:  # what the duplicate run found (the rule decides what goes)
        copies, clusters = duplicates["duplicates"], duplicates["clusters"]
        lines.append(
            f"Duplicates: {copies:,} cop{'y' if copies == 1 else 'ies'} of a kept row, in "
            f"{clusters:,} cluster{'' if clusters == 1 else 's'}"
        )
    lines.append(f"Written:    {result.output} (sha256 {result.output_sha256[:16]}…)")
    lines += [
        f"            {name}: {info['path']}"
        for name, info in result.files.items()
        if name != "curated"
    ]
    if extra.get("note"):
        lines.append(f"Note:       {extra['note']}")
    scoring = extra.get("scoring") or {}
    if "judge_length_correlation" in scoring:  # a judge scored: say how it treats length
        from core.judge.report import length_bias_line

        lines.append(length_bias_line(scoring["judge_length_correlation"]))
    print("\n".join(lines))
