"""Compare a dataset with reference files: benchmark leakage and records you already have."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.dedup_command import drive
from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.report import print_json
from core.dedup.config import DEFAULT_NEAR
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED
from core.dedup.normalize import NORMALISATION_HELP
from core.errors import ThresherError
from core.overlap.config import (
    DEFAULT_MIN_WORDS,
    DEFAULT_NGRAM,
    DEFAULT_SEMANTIC,
    FIELDS,
    LEVELS,
    OverlapConfig,
    OverlapSettingsError,
)
from core.overlap.output import rows_frame
from core.overlap.references import load_references
from core.overlap.run import find_overlap
from core.overlap.staleness import reference_states, stale_reason
from core.overlap.storage import load_overlap, save_overlap
from core.project import ProjectStore, project_path_for
from core.tables import output_format, write_table

HELP = "find records that overlap reference files (eval sets, earlier training data)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="dataset file (JSONL, JSON, CSV, TSV, Parquet; .gz)")
    parser.add_argument(
        "--against",
        nargs="+",
        metavar="REF",
        help="reference files, in any format the dataset may have (required unless --status)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="per-record table: .csv, .jsonl or .parquet (required unless --status)",
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="check nothing: summarise the project's last check and say "
        "whether each reference is unchanged since (exit 1 when stale)",
    )
    group = parser.add_argument_group(
        "levels", "which levels to check (default: --exact --ngram --near)"
    )
    group.add_argument("--exact", action="store_true", help=f"identical after {NORMALISATION_HELP}")
    group.add_argument(
        "--ngram",
        nargs="?",
        type=int,
        const=DEFAULT_NGRAM,
        metavar="N",
        help=f"any shared word N-gram (default {DEFAULT_NGRAM})",
    )
    group.add_argument(
        "--min-words",
        type=int,
        default=DEFAULT_MIN_WORDS,
        metavar="W",
        help="a reference record shorter than N words is one n-gram of all its "
        f"words if it has at least W (default {DEFAULT_MIN_WORDS})",
    )
    group.add_argument(
        "--near",
        nargs="?",
        type=float,
        const=DEFAULT_NEAR,
        metavar="JACCARD",
        help=f"MinHash near matches at this Jaccard (default {DEFAULT_NEAR})",
    )
    group.add_argument(
        "--semantic",
        nargs="?",
        type=float,
        const=DEFAULT_SEMANTIC,
        metavar="COSINE",
        help="sentence-embedding matches (rephrasings) at "
        f"this cosine (default {DEFAULT_SEMANTIC})",
    )
    group.add_argument(
        "--on",
        choices=FIELDS,
        default="prompt",
        help="compare this text at every level (default: prompt)",
    )
    group.add_argument(
        "--embedder",
        metavar="NAME|ID|PATH",
        default=BUNDLED,
        help=f"sentence embedder, the names dedup --embedder takes: '{BUNDLED}' "
        "(the default here, unlike dedup: all-MiniLM-L6-v2, offline; the "
        f"default cosine {DEFAULT_SEMANTIC} is measured with it and finds 31 of "
        f"40 rephrased Vicuna prompts), '{FAST}' (dedup's default, the static "
        "model distilled from MiniLM, built on first use: much faster, but finds "
        f"18 of those 40 at {DEFAULT_SEMANTIC} and 26 at 0.75), '{VERIFIED}' "
        "(MiniLM decides, as in dedup; a row is compared with the references "
        f"directly, so here it runs as '{BUNDLED}'), a local folder or a "
        "downloaded hub id",
    )
    group.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument(
        "--project", metavar="FILE", help="project file (default: beside the dataset, .thresher)"
    )
    add_mapping_arguments(parser)


def settings_from_arguments(args: argparse.Namespace) -> OverlapConfig:
    """Settings from the flags (default levels: exact, ngram and near)."""
    # ``--near 0`` or ``--ngram 0`` is a choice to refuse, not an absent flag (0 == False).
    chosen = {k for k in LEVELS if getattr(args, k) is not None and getattr(args, k) is not False}
    levels = chosen or {"exact", "ngram", "near"}
    ngram = _given(args.ngram, DEFAULT_NGRAM)
    try:
        return OverlapConfig(
            exact="exact" in levels,
            ngram="ngram" in levels,
            near=_given(args.near, DEFAULT_NEAR) if "near" in levels else None,
            semantic=_given(args.semantic, DEFAULT_SEMANTIC) if "semantic" in levels else None,
            exact_on=args.on,
            ngram_on=args.on,
            near_on=args.on,
            semantic_on=args.on,
            ngram_words=ngram,
            min_words=min(args.min_words, max(ngram, 1)),
            embedder=args.embedder,
            device=args.device,
        )
    except OverlapSettingsError as exc:
        raise ThresherError(str(exc)) from None


def _given(value, default):
    """The value typed, or the default when the flag was given without one or not at all."""
    return default if value is None or value is True else value


def run(args: argparse.Namespace) -> int:
    """Load, check each reference, compare, save the run in the project, write the table."""
    if args.status:
        return status(args)
    if not args.against or not args.output:
        raise ThresherError(
            "overlap: give --against REF… and -o OUT to check (or --status to "
            "summarise the last check)"
        )
    output_format(args.output)
    settings = settings_from_arguments(args)
    dataset = load_input(args.file, mapping_from_arguments(args))
    skipped: list[str] = []
    references = drive(load_references(args.against, dataset, settings, skipped))
    for reference in references:
        if reference.bad_lines:
            first = reference.bad_lines[0]
            print(
                f"warning: {reference.path}: {len(reference.bad_lines):,} unusable "
                f"{reference.location_kind}(s) skipped (first: {reference.location_kind} "
                f"{first.line}, {first.reason}); the other {len(reference):,} records are "
                "used",
                file=sys.stderr,
            )
    for line in skipped:  # said before the matching starts, like unusable lines
        print(f"warning: {line}", file=sys.stderr)
    result = drive(find_overlap(dataset, references, settings))
    project = Path(args.project) if args.project else project_path_for(args.file)
    with ProjectStore(project) as store:
        save_overlap(store, result)
    write_table(args.output, rows_frame(dataset, result))
    summary = {**result.summary(), "output": str(args.output), "project": str(project)}
    if args.json:
        print_json(summary)
    else:
        by_level = ", ".join(f"{level} {count:,}" for level, count in summary["by_level"].items())
        print(
            f"{summary['records']:,} records: {summary['overlapping']:,} overlap "
            f"{len(references)} reference(s) ({by_level}; {settings.describe()}) -> "
            f"{args.output}",
            file=sys.stderr,
        )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def status(args: argparse.Namespace) -> int:
    """Summarise the project's last check; exit 1 when a reference changed or vanished."""
    dataset = load_input(args.file, mapping_from_arguments(args))
    project = Path(args.project) if args.project else project_path_for(args.file)
    with ProjectStore(project) as store:
        result = load_overlap(store, dataset.source_sha256, len(dataset))
    if result is None:
        raise ThresherError(
            f"{args.file}: the project {project} holds no overlap check of this "
            "version of the file: run main.py overlap FILE --against REF… -o OUT"
        )
    states = reference_states(result.references)
    summary = result.summary()
    for entry, state in zip(summary["references"], states, strict=True):
        entry["unchanged_since_check"] = state.current
    stale = stale_reason(states)
    summary.update(stale=stale, project=str(project))
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['records']:,} records: {summary['overlapping']:,} overlapped at the "
            f"last check ({result.settings.describe()})"
        )
        for entry, state in zip(summary["references"], states, strict=True):
            levels = ", ".join(f"{level} {count:,}" for level, count in entry["rows"].items())
            print(
                f"  {entry['path']}: {entry['any']:,} rows ({levels}); "
                f"{'unchanged' if state.current else state.describe()}"
            )
    if stale:
        print(f"warning: {args.file}: {stale}", file=sys.stderr)
        return 1
    return 0
