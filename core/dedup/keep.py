"""Which copy each cluster keeps, and the optional duplication budget.

The best-scored member is kept (the earliest when nothing is scored, or on a tie); a copy the
curator chose overrides that. The seed's "duplication threshold" finds that a little
duplication (~25%) can help while heavy duplication hurts, so a budget can keep extra copies:
up to ``budget`` × the number of unique rows, taken round-robin (every cluster's second-best
copy before any cluster's third) and best score first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dedup.clusters import Clusters

UNIQUE, KEPT, DUPLICATE, EXTRA = range(4)
ROLE_NAMES = ("", "kept copy", "duplicate", "extra copy")


@dataclass(frozen=True)
class KeepPlan:
    """Per row: its role, and the row its cluster keeps (itself for unique and kept rows)."""

    role: np.ndarray      # int8: UNIQUE, KEPT, DUPLICATE or EXTRA
    kept: np.ndarray      # int64

    @property
    def dropped(self) -> np.ndarray:
        """Rows the rule drops as duplicates (not the kept copy, not allowed by the budget)."""
        return self.role == DUPLICATE

    @property
    def not_kept(self) -> np.ndarray:
        """Rows that are not their cluster's kept copy (duplicates and extra copies)."""
        return (self.role == DUPLICATE) | (self.role == EXTRA)


def plan_keep(clusters: Clusters, scores: np.ndarray | None = None,
              preferred: np.ndarray | None = None, budget: float = 0.0) -> KeepPlan:
    """Choose each cluster's kept copy and which extra copies the budget allows."""
    n = len(clusters)
    score = np.full(n, -np.inf) if scores is None else np.where(
        np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
    chosen = np.zeros(n, dtype=bool) if preferred is None else np.asarray(preferred, dtype=bool)
    rows = np.arange(n, dtype=np.int64)
    # Within a cluster: a curator's choice first, then the best score, then the earliest row.
    order = np.lexsort((rows, -score, ~chosen, clusters.cluster))
    ordered_cluster = clusters.cluster[order]
    leads = np.concatenate(([True], ordered_cluster[1:] != ordered_cluster[:-1]))
    group_start = np.flatnonzero(leads)
    group_of = np.cumsum(leads) - 1
    rank = np.arange(n) - group_start[group_of]

    kept = np.empty(n, dtype=np.int64)
    kept[order] = order[group_start[group_of]]
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = rank

    role = np.full(n, UNIQUE, dtype=np.int8)
    clustered = clusters.size > 1
    role[clustered & (rank_of == 0)] = KEPT
    role[clustered & (rank_of > 0)] = DUPLICATE

    extra = int(budget * (n - int(np.count_nonzero(role == DUPLICATE))))
    if extra > 0:
        candidates = np.flatnonzero(role == DUPLICATE)
        by_turn = candidates[np.lexsort((candidates, -score[candidates], rank_of[candidates]))]
        role[by_turn[:extra]] = EXTRA
    return KeepPlan(role, kept)
