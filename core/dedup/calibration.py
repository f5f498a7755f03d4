"""Threshold calibration: what each threshold would drop, and the pairs around the cutoff.

Curators should see a threshold's consequences before applying it: the similarity histogram of
the pairs found, how many rows each threshold would remove, and real pairs just above and just
below the cutoff (the ones a small change would flip).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from core.dedup.clusters import cluster_rows
from core.dedup.edges import KINDS
from core.dedup.result import DuplicateResult
from core.dedup.settings import DedupSettings


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


def drop_curve(result: DuplicateResult, settings: DedupSettings, kind: int,
               thresholds: np.ndarray) -> Generator[tuple[float, int, int], None, None]:
    """Yield ``(threshold, clusters, rows dropped)`` for each threshold of ``kind``.

    The other kinds stay as ``settings`` has them; one copy per cluster is kept.
    """
    name = KINDS[kind]
    for threshold in thresholds.tolist():
        trial = settings.with_changes(**{name: float(threshold)})
        clusters = cluster_rows(result.rows, result.thresholded(trial))
        clustered = int(np.count_nonzero(clusters.clustered))
        count = clusters.count()
        yield float(threshold), count, clustered - count


def similarity_histogram(result: DuplicateResult, kind: int, bins: int = 50
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges of the similarities of ``kind``'s pairs (floor to 1)."""
    similarity = result.edges[kind].similarity
    return np.histogram(similarity, bins=bins, range=(result.floor(kind), 1.0))


def pairs_at_cutoff(result: DuplicateResult, kind: int, threshold: float, count: int = 4
                    ) -> tuple[list[CutoffPair], list[CutoffPair]]:
    """The ``count`` pairs just at or above ``threshold`` and the ``count`` just below it."""
    edges = result.edges[kind]
    order = np.argsort(edges.similarity, kind="stable")
    similarity = edges.similarity[order]
    cut = int(np.searchsorted(similarity, np.float32(threshold) - np.float32(1e-6)))

    def pick(indices: np.ndarray) -> list[CutoffPair]:
        return [CutoffPair(int(edges.first[order[i]]), int(edges.second[order[i]]),
                           float(similarity[i])) for i in indices.tolist()]

    above = pick(np.arange(cut, min(cut + count, len(order))))
    below = pick(np.arange(max(cut - count, 0), cut)[::-1])
    return above, below
