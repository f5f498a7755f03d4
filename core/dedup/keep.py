"""Which rows each anchored cluster keeps, and the optional duplication budget.

The clusters themselves come from :func:`core.dedup.anchor.anchor`: the kept copy is the row
the walk kept (a curator's choice, else the best score, else the earliest row), and every other
member truly matches it. The seed's "duplication threshold" finds that a little duplication
(~25%) can help while heavy duplication hurts, so a budget can keep extra copies: up to
``budget`` × the number of unique rows, taken round-robin (every cluster's second-best copy
before any cluster's third) and best score first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dedup.anchor import Anchoring
from core.dedup.clusters import Clusters

UNIQUE, KEPT, DUPLICATE, EXTRA = range(4)
ROLE_NAMES = ("", "kept copy", "duplicate", "extra copy")


@dataclass(frozen=True)
class KeepPlan:
    """Per row: its role, and the row its cluster keeps (itself for unique and kept rows)."""

    role: np.ndarray  # int8: UNIQUE, KEPT, DUPLICATE or EXTRA
    kept: np.ndarray  # int64

    @property
    def dropped(self) -> np.ndarray:
        """Rows the rule drops as duplicates (not the kept copy, not allowed by the budget)."""
        return self.role == DUPLICATE

    @property
    def not_kept(self) -> np.ndarray:
        """Rows that are not their cluster's kept copy (duplicates and extra copies)."""
        return (self.role == DUPLICATE) | (self.role == EXTRA)


def anchored_clusters(anchoring: Anchoring) -> Clusters:
    """Each kept copy with its duplicates as one cluster, named by its lowest row."""
    n = len(anchoring)
    rows = np.arange(n, dtype=np.int64)
    kept = anchoring.kept
    lowest = rows.copy()
    np.minimum.at(lowest, kept, rows)
    size = np.bincount(kept, minlength=n).astype(np.int32)[kept]
    return Clusters(lowest[kept], size, anchoring.match.copy())


def plan_keep(
    anchoring: Anchoring, scores: np.ndarray | None = None, budget: float = 0.0
) -> KeepPlan:
    """Roles from an anchoring, with the extra copies the budget allows."""
    n = len(anchoring)
    rows = np.arange(n, dtype=np.int64)
    kept = anchoring.kept
    size = np.bincount(kept, minlength=n)[kept]
    role = np.full(n, UNIQUE, dtype=np.int8)
    role[(kept == rows) & (size > 1)] = KEPT
    role[kept != rows] = DUPLICATE

    extra = int(budget * (n - int(np.count_nonzero(role == DUPLICATE))))
    if extra > 0:
        score = (
            np.full(n, -np.inf)
            if scores is None
            else np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
        )
        # A copy's turn is its place among its cluster's copies in preference order.
        order = anchoring.order
        by_cluster = order[np.argsort(kept[order], kind="stable")]
        cluster_sorted = kept[by_cluster]
        leads = np.concatenate(([True], cluster_sorted[1:] != cluster_sorted[:-1]))
        starts = np.flatnonzero(leads)
        turn = np.empty(n, dtype=np.int64)
        turn[by_cluster] = np.arange(n) - starts[np.cumsum(leads) - 1]
        candidates = np.flatnonzero(role == DUPLICATE)
        by_turn = candidates[np.lexsort((candidates, -score[candidates], turn[candidates]))]
        role[by_turn[:extra]] = EXTRA
    return KeepPlan(role, kept.copy())
