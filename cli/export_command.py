"""Export a dataset's current decisions (made in the app or by ``curate``) as curated JSONL."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.export_args import add_export_arguments, options_from_arguments, report
from cli.input_file import load_input
from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from core.dedup.apply import restore_duplicates
from core.errors import ThresherError
from core.export import export_session
from core.export.run import check_outputs
from core.overlap.storage import restore_overlap
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession
from core.review.score_columns import fill_cached_columns
from core.scoring.heuristics import compute_signals
from core.scoring.run import last_scorer


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="the dataset file the project belongs to")
    add_export_arguments(parser)
    add_mapping_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load the dataset, restore its project's scores and decisions, and export."""
    options = options_from_arguments(args)
    project = Path(args.project) if args.project else project_path_for(args.file)
    check_outputs(options, Path(args.file), project)  # before anything is written
    if not project.exists():
        raise ThresherError(
            f"{args.file}: no project file ({project}); open the dataset in "
            "the app or run 'main.py curate' first"
        )
    dataset = load_input(args.file, mapping_from_arguments(args))
    with ProjectStore(project) as store:
        session = open_session(dataset, store)
        result = export_session(session, options, last_scorer(store))
        report(result, {"rule": session.describe_rule(), **_restored(session)}, args.json)
    return 0


def open_session(dataset, store: ProjectStore) -> ReviewSession:
    """A session showing what the app shows for this dataset.

    That is the project's decisions and rule, its cached scores (or the heuristic scores,
    recomputed, when the heuristics scored it), the heuristic flags and its last duplicate
    run (with the curator's choices of kept copies), and its last overlap check.
    """
    session = ReviewSession(dataset, store)
    signals = compute_signals(dataset.prompts, dataset.responses)
    # The heuristic column (when the project has one) is filled from the signals.
    session.set_flags(slice(None), signals.flag_mask(), signals.score)
    fill_cached_columns(session)
    restore_duplicates(session)
    restore_overlap(session)
    return session


def _restored(session: ReviewSession) -> dict:
    restored = session.restored
    return {"orphaned_decisions": restored.orphaned if restored else 0}
