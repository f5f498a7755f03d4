"""Curate headless: load, score (resuming from the cache), apply the rule and export.

Manual decisions made in the app are kept: they are read from the dataset's project, and the
rule given here is saved there, so the app shows exactly what this command exported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.dedup_command import add_dedup_arguments, chosen_kinds
from cli.dedup_command import drive as drive_dedup
from cli.dedup_command import settings_from_arguments as dedup_settings
from cli.export_args import add_export_arguments, options_from_arguments, report
from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.rule_args import (
    add_rule_arguments,
    keep_top_changes,
    rule_over_scorers,
    several_scorers,
)
from cli.scorer_args import (
    add_scorer_arguments,
    announce_estimate,
    drive,
    scorer_named,
    settings_from_arguments,
)
from core.dedup.apply import restore_duplicates, session_scores
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.dedup.storage import preferred_rows, save_result
from core.errors import ThresherError
from core.export import export_session
from core.export.run import check_outputs
from core.judge.report import judge_report
from core.overlap.config import LEVELS as OVERLAP_LEVELS
from core.overlap.reliance import check_overlap_rule
from core.overlap.storage import restore_overlap
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession, Rule
from core.review.rule import RuleError
from core.review.score_columns import check_named_columns, columns_summary, fill_cached_columns
from core.scoring import HEURISTIC, ScoreTable, make_scorer, score_dataset
from core.scoring.heuristics import DEFECTS_NOT_QUALITY, FLAG_NAMES, compute_signals
from core.scoring.run import HEURISTIC_SCORER, last_scorer


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="dataset file (JSONL, JSON, CSV, TSV, Parquet; .gz)")
    rule = parser.add_argument_group(
        "rule", "which rows are kept (default: the project's saved rule, else score >= 0.5)"
    )
    criterion = rule.add_mutually_exclusive_group()
    criterion.add_argument("--min-score", type=float, metavar="X", help="keep score >= X")
    criterion.add_argument(
        "--keep-top",
        metavar="N|FRACTION",
        help="keep the N best rows, or the best FRACTION (e.g. 0.2 or 20%%)",
    )
    criterion.add_argument(
        "--keep-all", action="store_true", help="keep every row not dropped by the options below"
    )
    add_rule_arguments(rule, criterion)
    rule.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="do not drop duplicates that are not their cluster's kept copy",
    )
    rule.add_argument(
        "--drop-flags",
        metavar="FLAG,…",
        help=f"drop rows with any of these heuristic flags: {', '.join(FLAG_NAMES)}",
    )
    rule.add_argument(
        "--drop-overlap",
        metavar="LEVEL,…",
        help="drop rows the project's last overlap check (main.py overlap) found "
        f"at any of these levels: {', '.join(OVERLAP_LEVELS)}",
    )
    parser.add_argument(
        "--dedup",
        metavar="KIND,…",
        help="find duplicates first: exact, near, semantic (comma-separated; "
        "without it the project's last duplicate run is used, if any)",
    )
    add_dedup_arguments(parser, device=False)
    add_scorer_arguments(parser)
    add_export_arguments(parser)
    add_mapping_arguments(parser)


def rule_from_arguments(args: argparse.Namespace, saved: Rule) -> Rule:
    """The saved rule with the flags' changes applied."""
    changes: dict = {}
    if args.min_score is not None:
        changes.update(mode="threshold", min_score=args.min_score)
    elif args.keep_top is not None:
        changes.update(keep_top_changes(args.keep_top))
    elif getattr(args, "keep_fraction", None) is not None:
        if not 0.0 < args.keep_fraction <= 1.0:
            raise ThresherError(
                f"--keep-fraction {args.keep_fraction}: give a fraction between 0 and 1"
            )
        changes.update(mode="top_fraction", keep_fraction=args.keep_fraction)
    elif args.keep_all:
        changes["mode"] = "all"
    if changes:  # a one-score criterion reads "the score": the scorer run now
        changes.update(scorer="", conditions=(), rank_weights=())
    if args.keep_duplicates:
        changes["drop_duplicates"] = False
    if args.drop_flags is not None:
        changes["drop_flags"] = tuple(f.strip() for f in args.drop_flags.split(",") if f.strip())
    if getattr(args, "drop_overlap", None) is not None:
        changes["drop_overlap"] = tuple(
            f.strip() for f in args.drop_overlap.split(",") if f.strip()
        )
    try:
        return saved.with_changes(**changes)
    except RuleError as exc:
        raise ThresherError(f"invalid rule: {exc}") from exc


def _rule_for_named_scorer(args: argparse.Namespace, rule: Rule) -> Rule:
    """The rule reading the scorer the command line names, not the project's saved one.

    A saved rule over one named column (Review › Scorer in the app) keeps its criterion but reads
    the scorer run now; a saved rule over several scorers cannot say which one the named scorer
    replaces, so it is refused rather than guessed.
    """
    if rule.several and rule.uses_scores:
        raise ThresherError(
            f"{args.file}: the project's saved rule reads several scorers "
            f"({rule.describe()}); to use the scorer given here, say what to keep with "
            "--min-score, --keep-top or --keep-fraction"
        )
    return rule.with_changes(scorer="") if rule.scorer else rule


def dedup_kinds(args: argparse.Namespace) -> set[str] | None:
    """The kinds ``--dedup`` and the kind flags ask for; None when no new run is wanted."""
    kinds = chosen_kinds(args)
    if args.dedup is not None:
        listed = {k.strip() for k in args.dedup.split(",") if k.strip()}
        unknown = listed - {"exact", "near", "semantic"}
        if unknown or not listed:
            raise ThresherError(f"--dedup {args.dedup}: choose from exact, near, semantic")
        kinds |= listed
    return kinds or None


def _apply_duplicates(args: argparse.Namespace, session: ReviewSession) -> dict:
    """Run (or restore) duplicate detection and hand the non-kept copies to the rule."""
    kinds = dedup_kinds(args)
    if kinds is None:
        table = restore_duplicates(session)
    else:
        result = drive_dedup(find_duplicates(session.dataset, dedup_settings(args, kinds)))
        save_result(session.store, result)
        table = build_table(
            session.dataset,
            result,
            session_scores(session),
            preferred_rows(session.store, session.dataset),
        )
        session.set_duplicates(table.dropped)
    if table is None:
        return {}
    summary = table.summary()
    return {
        "duplicates": {
            k: summary[k] for k in ("clusters", "duplicates", "dropped", "extra_copies", "settings")
        }
    }


def run(args: argparse.Namespace) -> int:
    """Load, score, decide and export; prints a summary."""
    options = options_from_arguments(args)
    dataset = load_input(args.file, mapping_from_arguments(args))
    project = Path(args.project) if args.project else project_path_for(args.file)
    check_outputs(options, Path(args.file), project)  # before anything is written
    with ProjectStore(project) as store:
        session = ReviewSession(dataset, store)
        saved = session.rule
        rule = rule_from_arguments(args, saved)
        if several_scorers(args):
            rule = rule_over_scorers(args, rule, session)
        elif scorer_named(args):
            rule = _rule_for_named_scorer(args, rule)
        if scorer_named(args) and not rule.uses_scores and args.model != HEURISTIC:
            # A model nobody reads would be ignored without a word (and a missing one never
            # noticed): say so instead of exiting 0 as if it had been used. The heuristics are
            # the exception: every run computes them for the flags anyway.
            raise ThresherError(
                f"{args.file}: the rule ({rule.describe()}) reads no score, so the scorer given "
                "would not be used; drop --model/--judge/--ifd or say what to keep with "
                "--min-score, --keep-top or --keep-fraction"
            )
        signals = compute_signals(dataset.prompts, dataset.responses)
        session.set_flags(slice(None), signals.flag_mask(), signals.score)
        fill_cached_columns(session)
        # Every refusal comes before the rule is saved: a refused run leaves the project as it was.
        check_overlap_rule(args.file, rule.drop_overlap, restore_overlap(session))
        scoring: dict[str, Any] = {}
        if rule.uses_scores and dataset.prompt_only:
            raise ThresherError(
                f"{args.file}: the records have no responses, so they "
                "cannot be scored; use --keep-all"
            )
        if rule.uses_scores and (rule.several or rule.scorer):
            # A rule over named scorers reads their columns; it runs no scorer itself.
            check_named_columns(args.file, session, rule)
            scoring = {"scorers": columns_summary(session)}
        elif rule.uses_scores:
            settings = settings_from_arguments(args)
            scorer = make_scorer(settings, heuristic_scores=signals.score)
            estimate = announce_estimate(scorer, dataset, store, args)
            table = ScoreTable(len(dataset))
            summary = drive(score_dataset(dataset, scorer, store), table, len(dataset), scorer)
            session.set_scores(
                slice(None),
                table.scores,
                table.truncated,
                table.unscorable,
                key=scorer.key if scorer.cacheable else HEURISTIC_SCORER,
                description=scorer.description,
                last_run=True,
            )
            scoring = {"scoring": summary.to_dict()}
            if settings.judge:  # how much the judge favours long answers
                scoring["scoring"] |= judge_report(dataset, table)
            if estimate is not None:
                scoring["scoring"]["judge_estimate"] = estimate
            if summary.scorer.get("model") == HEURISTIC:
                scoring["note"] = DEFECTS_NOT_QUALITY
        duplicates = _apply_duplicates(args, session)
        if rule.drop_duplicates and not duplicates:
            # The rule reads "drop duplicates", but nothing has looked for copies in this file
            # (as in the app before Find duplicates): say so rather than let the report and the
            # manifest suggest the copies were dropped.
            note = (
                f"the rule drops duplicates, but {args.file} has no duplicate run, so no copies "
                "were looked for; add --exact/--near (or --dedup exact,near) to look"
            )
            print(f"warning: {note}", file=sys.stderr)
            duplicates = {"duplicates": {"note": note}}
        session.set_rule(rule)
        try:
            result = export_session(session, options, last_scorer(store) if scoring else None)
        except BaseException:
            session.set_rule(saved)  # a failed export leaves the saved rule as it was
            raise
        orphaned = session.restored.orphaned if session.restored else 0
        report(
            result,
            {
                "rule": session.describe_rule(),
                "orphaned_decisions": orphaned,
                **duplicates,
                **scoring,
            },
            args.json,
        )
    return 0
