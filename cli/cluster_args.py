"""``score --engine ray``: the cluster flags, and running a scoring job on Ray from the CLI.

Ray is optional; this module imports it only when ``--engine ray`` is chosen.
"""

from __future__ import annotations

import argparse
import sys

from cli.scorer_args import drive
from core.cluster.blocks import DEFAULT_BLOCK_ROWS
from core.dataset import Dataset
from core.errors import ThresherError
from core.project import ProjectStore
from core.scoring import HEURISTIC, ScoreConfig, ScoreSummary, ScoreTable


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """The engine choice and, for Ray, where and how wide to run."""
    group = parser.add_argument_group("scoring on a Ray cluster (--engine ray)")
    group.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: this machine (default); ray: a Ray Data actor pool",
    )
    group.add_argument(
        "--address",
        help="Ray cluster address, e.g. ray://head:10001 or "
        "auto (default: start a local Ray instance)",
    )
    group.add_argument(
        "--workers", type=int, help="actors, one model each (default: one per GPU, or 1 on CPUs)"
    )
    group.add_argument(
        "--gpus-per-worker",
        type=float,
        help="GPUs per actor (default: 1 if the cluster has GPUs, else 0)",
    )
    group.add_argument(
        "--cpus-per-worker",
        type=float,
        default=1.0,
        help="CPUs per actor, also its torch threads (default 1)",
    )
    group.add_argument(
        "--block-rows",
        type=int,
        default=DEFAULT_BLOCK_ROWS,
        help=f"rows per block and shard (default {DEFAULT_BLOCK_ROWS:,}; "
        "4,096 or more scores exactly as the local engine)",
    )
    group.add_argument(
        "--shards",
        help="folder for the per-block Parquet shards that make "
        "a run resumable (default: OUTPUT.shards)",
    )


def options_from_arguments(args: argparse.Namespace):
    """The Ray options the flags ask for, or None for the local engine."""
    if args.engine != "ray":
        given = [
            flag
            for flag, value in (
                ("--address", args.address),
                ("--workers", args.workers),
                ("--gpus-per-worker", args.gpus_per_worker),
                ("--shards", args.shards),
            )
            if value is not None
        ]
        if given:
            raise ThresherError(f"{', '.join(given)} only apply with --engine ray")
        return None
    from core.cluster.ray_engine import (
        ENDPOINT_RUNS_LOCALLY,
        HEURISTIC_RUNS_LOCALLY,
        RayOptions,
        import_ray,
    )

    if args.judge_endpoint is not None:
        raise ThresherError(ENDPOINT_RUNS_LOCALLY)
    if args.model == HEURISTIC and not args.judge and not args.ifd:
        raise ThresherError(HEURISTIC_RUNS_LOCALLY)
    if args.workers is not None and args.workers < 1:
        raise ThresherError("--workers must be at least 1")
    if args.block_rows < 1:
        raise ThresherError("--block-rows must be at least 1")
    import_ray()  # say at once if Ray is missing, not after loading a large file
    return RayOptions(
        address=args.address,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
        cpus_per_worker=args.cpus_per_worker,
        block_rows=args.block_rows,
    )


def score_with_ray(
    dataset: Dataset,
    settings: ScoreConfig,
    options,
    args: argparse.Namespace,
    store: ProjectStore | None,
    table: ScoreTable,
):
    """Run the job on Ray with a progress bar; return (summary, cluster report)."""
    from core.cluster.ray_engine import RayReport, score_on_ray
    from core.cluster.shards import ShardFolder, shard_folder_for

    shards = ShardFolder(args.shards or shard_folder_for(args.output))
    report = RayReport()
    summary: ScoreSummary = drive(
        score_on_ray(
            dataset,
            settings,
            options,
            shards,
            store,
            report,
            log=lambda line: print(line, file=sys.stderr),
        ),
        table,
        len(dataset),
    )
    return summary, report
