"""A learning run: labelled examples in, a fitted scorer and its keep-probabilities out.

Plain generators (the house style for long work): the app runs them on a worker, the command
line in a loop, tests directly; cancelling is closing the generator. Labels are the curator's
manual decisions only: keep = positive, drop = negative. The rule's automatic decisions are
never labels (the scorer would only learn the rule back), and rows a curator decided are never
given a prediction that could stand in for their decision.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np

from core.dataset import Dataset
from core.errors import ThresherError
from core.learned.features import PairFeatures, concat, pair_features, with_extra_score
from core.learned.model import LearnedModel, fit
from core.learned.progress import LearnProgress
from core.learned.vectors import embed_pairs
from core.review.decisions import AUTO, DROP, KEEP


@dataclass(frozen=True)
class LearnResult:
    """A fitted scorer and its keep-probability for ``rows`` of the dataset."""

    model: LearnedModel
    rows: np.ndarray
    scores: np.ndarray
    #: The manual decisions it learned from (a copy: the app counts new ones against it).
    manual: np.ndarray
    seconds: float


def manual_labels(manual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with a manual keep or drop, and their labels (True = keep)."""
    rows = np.flatnonzero((manual == KEEP) | (manual == DROP))
    return rows, manual[rows] == KEEP


def dataset_features(
    dataset: Dataset, embedder_name: str, reuse=None, embedder=None, device: str = "auto"
) -> Generator[LearnProgress, None, tuple[PairFeatures, object]]:
    """Features of every row of ``dataset`` (the slow part: embeddings), and the embedder."""
    prompt, response, embedder = yield from embed_pairs(
        dataset.prompts, dataset.responses, embedder_name, embedder, reuse, device
    )
    yield LearnProgress("learning: measuring lengths and flags", 0, 1)
    return pair_features(dataset.prompts, dataset.responses, prompt, response), embedder


def examples_features(
    prompts: Sequence[str],
    responses: Sequence[str],
    embedder_name: str,
    embedder=None,
    device: str = "auto",
) -> Generator[LearnProgress, None, tuple[PairFeatures, object]]:
    """Features of labelled example pairs from other files."""
    prompt, response, embedder = yield from embed_pairs(
        prompts, responses, embedder_name, embedder, None, device
    )
    return pair_features(prompts, responses, prompt, response), embedder


def learn(
    features: PairFeatures,
    manual: np.ndarray,
    embedder_name: str,
    extra_score: np.ndarray | None = None,
    examples: PairFeatures | None = None,
    example_labels: np.ndarray | None = None,
) -> Generator[LearnProgress, None, LearnResult]:
    """Fit on the manual decisions (plus ``examples``) and predict every undecided row.

    ``features`` cover every row of the dataset; ``manual`` is its manual decisions (read, never
    written); ``extra_score`` another scorer's per-row scores, used as a feature only when every
    training example can have it (so never together with ``examples`` from other files).
    """
    started = time.perf_counter()
    manual = np.array(manual, copy=True)
    rows, labels = manual_labels(manual)
    yield LearnProgress("learning: cross-validating", 0, 1)
    if examples is None or not len(examples):
        features = with_extra_score(features, extra_score, rows)
        train, y, source = features.take(rows), labels, "decisions"
    else:
        if example_labels is None or len(example_labels) != len(examples):
            raise ValueError("each example needs a label")
        train = concat([examples, features.take(rows)])
        y = np.concatenate([np.asarray(example_labels, dtype=bool), labels])
        source = "examples"
    model = fit(train, y, embedder_name, source)
    yield LearnProgress("learning: scoring the undecided rows", 0, 1)
    undecided = np.flatnonzero(manual == AUTO)
    scores = model.predict(features)[undecided]  # no 100k-row copy of the features
    return LearnResult(model, undecided, scores, manual, time.perf_counter() - started)


def check_examples(kept: Dataset, dropped: Dataset) -> None:
    """One-line refusals for example files that cannot teach anything."""
    for dataset in (kept, dropped):
        if len(dataset) == 0:
            raise ThresherError(f"{dataset.path}: no records to learn from")
        if dataset.prompt_only:
            raise ThresherError(
                f"{dataset.path}: the records have prompts but no responses, "
                "so they cannot show what a kept or dropped answer looks like"
            )
    if (kept.source_sha256 and kept.source_sha256 == dropped.source_sha256) or (
        len(kept) == len(dropped)
        and np.array_equal(np.sort(kept.fingerprints), np.sort(dropped.fingerprints))
    ):
        raise ThresherError(
            f"{kept.path} and {dropped.path} hold the same records: the kept "
            "and the dropped examples must differ"
        )
