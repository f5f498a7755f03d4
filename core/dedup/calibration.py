"""Threshold calibration: what each threshold would drop, and the pairs around the cutoff.

Curators should see a threshold's consequences before applying it: the similarity histogram of
the pairs found, how many rows each threshold would remove, and real pairs just above and just
below the cutoff (the ones a small change would flip). Both use the rule the product applies
(:mod:`core.dedup.anchor`, with the session's scores and chosen copies), so the numbers here are
what Apply will really drop.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from core.dedup.anchor import anchor
from core.dedup.config import DedupConfig
from core.dedup.edges import KINDS
from core.dedup.keep import DUPLICATE, anchored_clusters, plan_keep
from core.dedup.result import DuplicateResult


@dataclass(frozen=True)
class CutoffPair:
    """Two rows and their similarity."""

    first: int
    second: int
    similarity: float


def thresholds_to_try(floor: float, step: float = 0.025) -> np.ndarray:
    """Thresholds from the run's floor up to 1, in ``step``s (the floor and 1 included)."""
    grid = np.arange(np.ceil(floor / step) * step, 1.0 + 1e-9, step)
    return np.unique(np.round(np.concatenate(([floor], grid, [1.0])), 4))


def plan_at(
    result: DuplicateResult,
    settings: DedupConfig,
    scores: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
):
    """The anchoring and keep plan ``settings`` would give (what the table would show)."""
    anchoring = anchor(result.rows, result.thresholded(settings), scores, preferred)
    return anchoring, plan_keep(anchoring, scores, settings.budget)


def drop_curve(
    result: DuplicateResult,
    settings: DedupConfig,
    kind: int,
    thresholds: np.ndarray,
    scores: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
) -> Generator[tuple[float, int, int], None, None]:
    """Yield ``(threshold, clusters, rows dropped)`` for each threshold of ``kind``.

    The other kinds and the budget stay as ``settings`` has them; clusters are anchored on
    the copies ``scores`` and ``preferred`` make kept, exactly as the table would be.
    """
    name = KINDS[kind]
    for threshold in thresholds.tolist():
        trial = settings.with_changes(**{name: float(threshold)})
        anchoring, plan = plan_at(result, trial, scores, preferred)
        clusters = anchored_clusters(anchoring)
        yield float(threshold), clusters.count(), int(np.count_nonzero(plan.role == DUPLICATE))


def similarity_histogram(
    result: DuplicateResult, kind: int, bins: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges of the similarities of ``kind``'s pairs (floor to 1)."""
    similarity = result.edges[kind].similarity
    return np.histogram(similarity, bins=bins, range=(result.floor(kind), 1.0))


def pairs_at_cutoff(
    result: DuplicateResult,
    settings: DedupConfig,
    kind: int,
    threshold: float,
    count: int = 4,
    scores: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
) -> tuple[list[CutoffPair], list[CutoffPair]]:
    """The pairs a small move of ``kind``'s threshold would flip, under the anchored rule.

    Above: ``count`` rows dropped as ``kind`` duplicates at ``threshold`` with the lowest
    similarity to their kept copy (``first`` is the kept copy). Below: the ``count`` most
    similar pairs under the threshold whose two rows both stay (neither is anyone's
    duplicate): lowering the threshold past them drops one of the two.
    """
    trial = settings.with_changes(**{KINDS[kind]: float(threshold)})
    anchoring, plan = plan_at(result, trial, scores, preferred)
    dropped = np.flatnonzero(plan.not_kept & (anchoring.match == kind))
    by_similarity = dropped[np.lexsort((dropped, anchoring.similarity[dropped]))]
    above = [
        CutoffPair(int(anchoring.kept[r]), int(r), float(anchoring.similarity[r]))
        for r in by_similarity[:count].tolist()
    ]

    edges = result.edges[kind]
    standing = ~plan.not_kept
    under = (
        (edges.similarity < np.float32(threshold) - np.float32(1e-6))
        & standing[edges.first]
        & standing[edges.second]
    )
    candidates = np.flatnonzero(under)
    nearest = candidates[np.lexsort((candidates, -edges.similarity[candidates]))][:count]
    below = [
        CutoffPair(int(edges.first[i]), int(edges.second[i]), float(edges.similarity[i]))
        for i in nearest.tolist()
    ]
    return above, below
