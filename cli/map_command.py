"""Place every record on a 2-D map of its embedding and name the map's topics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.dedup_command import drive
from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.report import print_json
from core.dedup.embedder_choice import BUNDLED
from core.dedup.normalize import FIELDS
from core.dedup.storage import load_result
from core.embedding_map import METHODS, MapConfig, MapSettingsError
from core.embedding_map.config import FIT_SAMPLE
from core.embedding_map.run import compute_map
from core.embedding_map.storage import load_map, save_map
from core.errors import ThresherError
from core.project import ProjectStore, project_path_for
from core.tables import output_format, write_table

HELP = "2-D map of the records' embeddings with topic labels; write row, x, y, topic"


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="dataset file (JSONL, JSON, CSV, TSV, Parquet; .gz)")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="per-record table: .csv, .jsonl or .parquet",
    )
    parser.add_argument(
        "--on", choices=FIELDS, default="prompt", help="which text to embed (default: prompt)"
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="pacmap",
        help="projection: pacmap (default) or pca (instant, coarser)",
    )
    parser.add_argument(
        "--embedder",
        metavar="ID|PATH",
        default=BUNDLED,
        help="sentence-embedding model: 'bundled' (all-MiniLM-L6-v2, offline), "
        "a local folder or a downloaded hub id",
    )
    parser.add_argument(
        "--fit-sample",
        type=int,
        default=FIT_SAMPLE,
        metavar="ROWS",
        help=f"fit on this many rows and place the rest (default {FIT_SAMPLE:,})",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument(
        "--project", metavar="FILE", help="project file (default: beside the dataset, .thresher)"
    )
    add_mapping_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Reuse the project's map for these settings or make one (and save it); write the table."""
    output_format(args.output)
    try:
        settings = MapConfig(
            on=args.on, method=args.method, embedder=args.embedder, fit_sample=args.fit_sample
        )
    except MapSettingsError as exc:
        raise ThresherError(str(exc)) from None
    dataset = load_input(args.file, mapping_from_arguments(args))
    project = Path(args.project) if args.project else project_path_for(args.file)
    with ProjectStore(project) as store:
        result = load_map(store, dataset, settings)
        cached = result is not None
        if result is None:
            result = drive(compute_map(dataset, settings, args.device, load_result(store, dataset)))
            save_map(store, result)
    write_table(args.output, result.frame())
    summary = {
        **result.summary(),
        "cached": cached,
        "output": str(args.output),
        "project": str(project),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"{result.rows:,} records mapped ({settings.describe()}"
            f"{', from the project' if cached else ''}), {len(result.labels)} topics -> "
            f"{args.output}",
            file=sys.stderr,
        )
        for topic in summary["topics"]:
            print(f"  {topic['rows']:>8,}  {topic['label']}", file=sys.stderr)
    return 0
