"""``score FILE --learned-from KEPT DROPPED``: score a file with what an earlier curation kept.

The kept and the dropped exports of an earlier run (any format Thresher reads, through the
normal loader) are labelled examples, matched to nothing by position; manual decisions in
FILE's project are added. The keep-probability is written as ``score``; ``--json`` reports the
cross-validated AUC on the training examples and the counts.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import orjson
from tqdm.auto import tqdm

from cli.input_file import load_input
from core.dedup.embedder_choice import BUNDLED, FAST
from core.dedup.storage import load_result
from core.errors import ThresherError
from core.learned import storage
from core.learned.train import check_examples, dataset_features, examples_features, learn
from core.learned.vectors import reusable_vectors
from core.project import ProjectStore, project_path_for
from core.review.decisions import AUTO, decision_keys
from core.scoring import ScoreTable
from core.scoring.heuristics import compute_signals
from core.scoring.output import results_frame, write_results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--learned-from KEPT DROPPED`` and the embedder it uses."""
    group = parser.add_argument_group("learned scorer: learn what to keep from an earlier curation")
    group.add_argument(
        "--learned-from",
        nargs=2,
        metavar=("KEPT", "DROPPED"),
        help="score with a classifier trained on these kept and dropped files "
        "(plus the manual decisions in FILE's project) instead of --model",
    )
    group.add_argument(
        "--learned-embedder",
        choices=(FAST, BUNDLED),
        default=FAST,
        help="sentence embedder of the learned scorer (default: fast)",
    )


def _drive(generator, desc: str):
    """Run a learning generator with a progress bar on stderr; return its value."""
    with tqdm(total=1, file=sys.stderr, disable=None, desc=desc) as bar:
        while True:
            try:
                step = next(generator)
            except StopIteration as done:
                return done.value
            bar.set_description(step.stage)
            bar.total = max(step.total, 1)
            bar.n = step.done
            bar.refresh()


def run(args: argparse.Namespace, dataset) -> int:
    """Learn from the example files and FILE's decisions, score FILE, write and report."""
    kept_path, dropped_path = args.learned_from
    kept, dropped = load_input(kept_path), load_input(dropped_path)
    check_examples(kept, dropped)
    store = None if args.no_cache else ProjectStore(args.project or project_path_for(args.file))
    try:
        manual = np.zeros(len(dataset), dtype=np.int8)
        reuse = {}
        if store is not None:
            decided = store.decisions()
            for row, key in enumerate(decision_keys(dataset.fingerprints, dataset.occurrences)):
                if key in decided:
                    manual[row] = decided[key][0]
            reuse = reusable_vectors(load_result(store, dataset), args.learned_embedder)
        features, embedder = _drive(
            dataset_features(dataset, args.learned_embedder, reuse), "learning: embedding FILE"
        )
        prompts = list(kept.prompts) + list(dropped.prompts)
        responses = list(kept.responses) + list(dropped.responses)
        labels = np.r_[np.ones(len(kept), bool), np.zeros(len(dropped), bool)]
        examples, _ = _drive(
            examples_features(prompts, responses, args.learned_embedder, embedder),
            "learning: embedding examples",
        )
        result = _drive(
            learn(
                features, manual, args.learned_embedder, examples=examples, example_labels=labels
            ),
            "learning",
        )
        everything = result.model.predict(features)
        if store is not None:
            storage.save(store, dataset, result.model, "examples", result.rows, result.scores)
    finally:
        if store is not None:
            store.close()
    table = ScoreTable(len(dataset))
    table.scores[:] = everything
    write_results(
        args.output,
        results_frame(dataset, table, compute_signals(dataset.prompts, dataset.responses)),
    )
    model = result.model
    report = {
        "model": storage.MODEL_NAME,
        "embedder": args.learned_embedder,
        "records": len(dataset),
        "output": str(args.output),
        "kept_examples": len(kept),
        "dropped_examples": len(dropped),
        "manual_keep": int(model.keep - len(kept)),
        "manual_drop": int(model.drop - len(dropped)),
        "cross_validated_auc": round(model.auc, 4),
        "cross_validated_auc_std": round(model.auc_std, 4),
        "undecided_rows": int((manual == AUTO).sum()),
        "mean_keep_probability": round(float(everything.mean()), 4),
        "seconds": round(result.seconds, 3),
    }
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print(
            "\n".join(
                [
                    f"Learned:    from {len(kept):,} kept and {len(dropped):,} dropped examples"
                    f" and {report['manual_keep'] + report['manual_drop']:,} of your decisions",
                    f"AUC:        {model.auc:.2f} ± {model.auc_std:.2f} (5-fold cross-validated on "
                    "the examples)",
                    f"Scored:     {len(dataset):,} rows, mean keep-probability "
                    f"{report['mean_keep_probability']:.2f}",
                    f"Written:    {args.output}",
                ]
            )
        )
    return 0


def refuse_mixed(args: argparse.Namespace) -> None:
    """--learned-from replaces the model; flags that only a model reads are refused."""
    if args.judge is not None:
        raise ThresherError("--learned-from and --judge are two different scorers: give one")
