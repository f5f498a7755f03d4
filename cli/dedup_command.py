"""Find exact, near and semantic duplicates and write a per-record table of clusters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.report import print_json
from core.dedup.config import DEFAULT_NEAR, DedupConfig, DedupSettingsError
from core.dedup.embedder_choice import (
    BUNDLED,
    DEFAULT_THRESHOLDS,
    FAST,
    VERIFIED,
    default_threshold,
)
from core.dedup.normalize import FIELDS, NORMALISATION_HELP
from core.dedup.outcome import build_table
from core.dedup.output import rows_frame
from core.dedup.run import find_duplicates
from core.dedup.storage import preferred_rows, save_result
from core.errors import ThresherError
from core.project import ProjectStore, project_path_for
from core.scoring.run import restore_scores
from core.tables import output_format, write_table

#: ``--semantic`` given without a number: use the embedder's own threshold.
EMBEDDER_DEFAULT = -1.0


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="dataset file (JSONL, JSON, CSV, TSV, Parquet; .gz)")
    add_dedup_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="per-record table: .csv, .jsonl or .parquet",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument(
        "--project", metavar="FILE", help="project file (default: beside the dataset, .thresher)"
    )
    add_mapping_arguments(parser)


def add_dedup_arguments(parser: argparse.ArgumentParser, device: bool = True) -> None:
    """The detector options, shared with ``curate --dedup`` (which has its own ``--device``)."""
    group = parser.add_argument_group(
        "duplicates", "which kinds to look for (default: --exact --near)"
    )
    group.add_argument("--exact", action="store_true", help=f"identical after {NORMALISATION_HELP}")
    group.add_argument(
        "--near",
        nargs="?",
        type=float,
        const=DEFAULT_NEAR,
        metavar="JACCARD",
        help=f"MinHash near duplicates at this Jaccard (default {DEFAULT_NEAR})",
    )
    group.add_argument(
        "--semantic",
        nargs="?",
        type=float,
        const=EMBEDDER_DEFAULT,
        metavar="COSINE",
        help="sentence-embedding duplicates at this cosine "
        "(default: the embedder's own, "
        + ", ".join(f"{t:.2f} for {n}" for n, t in DEFAULT_THRESHOLDS.items())
        + ", 0.90 for other models)",
    )
    group.add_argument(
        "--on",
        choices=FIELDS,
        help="compare this text for every kind (default: pair for exact and "
        "near, prompt for semantic)",
    )
    group.add_argument(
        "--embedder",
        metavar="NAME|ID|PATH",
        default=VERIFIED,
        help=f"sentence embedder: '{VERIFIED}' (default: the fast one proposes "
        "pairs, MiniLM embeds only their texts and decides each at its own "
        f"threshold), '{FAST}' (a static model distilled from the bundled MiniLM "
        "on first use, about 30 s, then cached; 100k prompts in seconds on a CPU, "
        f"but it misses rewordings of short prompts), '{BUNDLED}' (all-MiniLM-L6-v2 "
        "itself, offline: slow on a CPU, fine on a GPU), a local folder or a "
        "downloaded hub id",
    )
    group.add_argument(
        "--strip-boilerplate",
        action="store_true",
        help="compare near and semantic text without the prefix, suffix or "
        "passages most rows share (a system prompt, a tool description); the run "
        "reports what it found either way",
    )
    group.add_argument(
        "--budget",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="keep extra copies up to FRACTION x the unique rows (e.g. 0.25)",
    )
    if device:
        group.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")


def settings_from_arguments(args: argparse.Namespace, kinds: set[str] | None = None) -> DedupConfig:
    """Settings from the flags; ``kinds`` (from ``curate --dedup``) overrides the kind flags."""
    if kinds is None:
        kinds = chosen_kinds(args) or {"exact", "near"}
    fields = {"exact_on": args.on, "near_on": args.on, "semantic_on": args.on} if args.on else {}
    try:
        return DedupConfig(
            exact="exact" in kinds,
            near=_given(args.near, DEFAULT_NEAR) if "near" in kinds else None,
            semantic=_semantic_threshold(args) if "semantic" in kinds else None,
            embedder=args.embedder,
            device=args.device,
            budget=args.budget,
            strip_boilerplate=args.strip_boilerplate,
            **fields,
        )
    except DedupSettingsError as exc:
        raise ThresherError(str(exc)) from None


def chosen_kinds(args: argparse.Namespace) -> set[str]:
    """The kinds whose flags were given (``--near 0`` counts, so that it is refused)."""
    return {
        k
        for k in ("exact", "near", "semantic")
        if getattr(args, k) is True or isinstance(getattr(args, k), float)
    }


def _given(value: float | None, default: float) -> float:
    """The threshold typed, or the default when none was (``--near 0`` is refused, not 0.8)."""
    return default if value is None else value


def _semantic_threshold(args: argparse.Namespace) -> float:
    """``--semantic COSINE``, or the chosen embedder's calibrated threshold."""
    if args.semantic is None or args.semantic == EMBEDDER_DEFAULT:
        return default_threshold(args.embedder)
    return args.semantic


def drive(run_generator):
    """Run a staged generator with a progress bar per stage on stderr; return its result.

    Any progress record with ``stage``, ``done`` and ``total`` will do (dedup, overlap and map
    runs share this); a ``notice`` is printed only where the record type has one, so a run
    whose progress has no notices (the map's) is not refused.
    """
    bar = None
    stage = None
    try:
        while True:
            progress = next(run_generator)
            notice = getattr(progress, "notice", "")
            if notice:
                print(f"note: {notice}", file=sys.stderr)
            if progress.stage != stage:
                if bar is not None:
                    bar.close()
                stage = progress.stage
                bar = tqdm(
                    total=progress.total, desc=stage, file=sys.stderr, disable=None, leave=False
                )
            bar.n = progress.done
            bar.refresh()
    except StopIteration as done:
        return done.value
    finally:
        if bar is not None:
            bar.close()


def _cached_scores(dataset, store: ProjectStore) -> np.ndarray | None:
    """The project's cached scores by row (NaN where missing), or None when it has none."""
    restored = restore_scores(dataset, store)  # the last run's scorer
    if not restored:
        return None
    cached = restored[-1]
    scores = np.full(len(dataset), np.nan, dtype=np.float32)
    scores[cached.batch.rows] = cached.batch.scores
    return scores


def run(args: argparse.Namespace) -> int:
    """Detect, choose kept copies (best score first), save the run and write the table."""
    output_format(args.output)
    settings = settings_from_arguments(args)
    dataset = load_input(args.file, mapping_from_arguments(args))
    project = Path(args.project) if args.project else project_path_for(args.file)
    with ProjectStore(project) as store:
        result = drive(find_duplicates(dataset, settings))
        save_result(store, result)
        table = build_table(
            dataset, result, _cached_scores(dataset, store), preferred_rows(store, dataset)
        )
    write_table(args.output, rows_frame(dataset, table))
    summary = {
        **table.summary(),
        "seconds": round(result.seconds, 3),
        "output": str(args.output),
        "project": str(project),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['records']} records: {summary['clusters']} clusters, "
            f"{summary['duplicates']} duplicates ({settings.describe()}) -> {args.output}",
            file=sys.stderr,
        )
        for note in summary["notes"]:
            print(
                note.replace("compare without it.", "compare without it: --strip-boilerplate."),
                file=sys.stderr,
            )
    return 0
