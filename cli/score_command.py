"""Score every pair of a dataset with a reward model, an LLM judge, IFD or the heuristics."""

from __future__ import annotations

import argparse

from cli import learned_score
from cli.cluster_args import add_cluster_arguments, options_from_arguments, score_with_ray
from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.report import print_report
from cli.scorer_args import (
    add_scorer_arguments,
    announce_estimate,
    drive,
    settings_from_arguments,
)
from core.errors import ThresherError
from core.judge.report import judge_report, length_bias_line
from core.project import ProjectStore, project_path_for
from core.scoring import ScoreTable, make_scorer, score_dataset
from core.scoring.heuristics import compute_signals
from core.scoring.ifd_report import ifd_report
from core.scoring.output import output_format, results_frame, write_results
from core.scoring.run import remember_settings


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="dataset file (JSONL, JSON, CSV, TSV, Parquet; .gz)")
    parser.add_argument(
        "-o", "--output", required=True, help="results file: .jsonl, .csv or .parquet"
    )
    add_scorer_arguments(parser)
    parser.add_argument(
        "--project",
        help="project file holding the score cache (default: <FILE>.thresher or the data folder)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write cached scores"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    add_mapping_arguments(parser)
    add_cluster_arguments(parser)
    learned_score.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load, score (resuming from the cache or shards), write the results and report."""
    output_format(args.output)
    options = options_from_arguments(args)  # flag mistakes show before a long load
    dataset = load_input(args.file, mapping_from_arguments(args))
    if dataset.prompt_only:
        raise ThresherError(
            f"{args.file}: the records have prompts but no responses, so there is nothing to score"
        )
    if args.learned_from:
        learned_score.refuse_mixed(args)
        return learned_score.run(args, dataset)
    settings = settings_from_arguments(args)
    signals = compute_signals(dataset.prompts, dataset.responses)  # output columns, and
    store = None if args.no_cache else ProjectStore(args.project or project_path_for(args.file))
    table = ScoreTable(len(dataset))
    cluster = None
    estimate = None
    try:
        if options is None:
            scorer = make_scorer(settings, heuristic_scores=signals.score)  # heuristic scorer
            estimate = announce_estimate(scorer, dataset, store, args)
            summary = drive(score_dataset(dataset, scorer, store), table, len(dataset), scorer)
        else:
            summary, cluster = score_with_ray(dataset, settings, options, args, store, table)
        if store is not None:  # the app, opening this file, shows which model scored it
            remember_settings(store, settings)
    finally:
        if store is not None:
            store.close()
    write_results(args.output, results_frame(dataset, table, signals))
    report = summary.to_dict() | {
        "output": str(args.output),
        "engine": "local" if options is None else "ray",
    }
    report["truncated_rows"] = [int(r) for r in table.truncated.nonzero()[0]]
    report["unscorable_rows"] = {str(r): why for r, why in sorted(table.reasons.items())}
    if settings.judge:
        report |= judge_report(dataset, table)
    if settings.ifd:
        report |= ifd_report(table)
    if estimate is not None:
        report["judge_estimate"] = estimate
    if cluster is not None:
        report["ray"] = cluster.to_dict()
    print_report(report, args.json, format_summary)
    return 0


def format_summary(report: dict) -> str:
    """The human-readable run summary."""
    lines = [
        f"Model:      {report['model']}",
        f"Scored:     {report['scored']:,} of {report['records']:,} "
        f"({report['from_cache']:,} from {'earlier runs' if 'ray' in report else 'the cache'})",
        f"Truncated:  {report['truncated']:,}",
        f"Unscorable: {report['unscorable']:,}",
        f"Speed:      {report['pairs_per_second']:,.1f} pairs/s, padding efficiency "
        f"{report['padding_efficiency']:.3f}",
        f"Written:    {report['output']}",
    ]
    if "judge_length_correlation" in report:
        lines.insert(-1, length_bias_line(report["judge_length_correlation"]))
    if "ifd_above_1" in report:
        lines.insert(
            -1,
            f"IFD > 1:    {report['ifd_above_1']:,} rows flagged ifd_above_1 (the "
            "prompt does not help; left unranked); higher IFD = harder = keep",
        )
    cluster = report.get("ray")
    if cluster is not None:
        lines[1:1] = [
            f"Ray:        {cluster['workers']} worker(s) at {cluster['address']}, "
            f"{cluster['gpus_per_worker']:g} GPU each; start-up {cluster['startup_seconds']:.1f} s",
            f"Blocks:     {cluster['blocks_scored']:,} scored, {cluster['blocks_from_shards']:,} "
            f"from shards, {cluster['blocks_from_cache']:,} from the cache "
            f"(of {cluster['blocks']:,})",
            f"Shards:     {cluster['shard_folder']}",
        ]
    return "\n".join(lines)
