"""The per-row duplicate table: cluster, size, match, role, kept copy and similarity to it.

This is what the app's columns, the review rule and ``dedup -o`` show. It is re-planned from
the run's edges (milliseconds to a second, never a new detection) whenever the kept copy can
move: scores arriving, a threshold or the budget changing, a curator choosing another copy, a
saved run opened again. Every re-plan keeps the anchoring guarantee of
:mod:`core.dedup.anchor`: each dropped row matches its own kept copy at or above the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dataset import Dataset
from core.dedup.anchor import anchor
from core.dedup.clusters import NO_MATCH, Clusters
from core.dedup.config import DedupConfig
from core.dedup.edges import KINDS
from core.dedup.keep import DUPLICATE, EXTRA, KeepPlan, anchored_clusters, plan_keep
from core.dedup.result import DuplicateResult


@dataclass(frozen=True)
class DuplicateTable:
    """Duplicate columns for every row of one dataset."""

    settings: DedupConfig
    clusters: Clusters
    plan: KeepPlan
    similarity: np.ndarray  # float32: a copy's similarity to its kept copy; NaN otherwise
    notes: tuple[str, ...] = ()  # what the run noticed (shared boilerplate, truncation)

    @property
    def cluster(self) -> np.ndarray:
        """Each row's cluster: the lowest row in it (the row itself when unique)."""
        return self.clusters.cluster

    @property
    def size(self) -> np.ndarray:
        """How many rows each row's cluster has."""
        return self.clusters.size

    @property
    def match(self) -> np.ndarray:
        """How each row matched its kept copy (see :data:`core.dedup.edges.KINDS`)."""
        return self.clusters.match

    @property
    def role(self) -> np.ndarray:
        """UNIQUE, KEPT, DUPLICATE or EXTRA per row (see :mod:`core.dedup.keep`)."""
        return self.plan.role

    @property
    def kept(self) -> np.ndarray:
        """The row each row's cluster keeps."""
        return self.plan.kept

    @property
    def dropped(self) -> np.ndarray:
        """Rows the review rule drops as duplicates."""
        return self.plan.dropped

    def summary(self) -> dict:
        """Counts for the status bar, the panel and ``--json``."""
        role = self.plan.role
        not_kept = self.plan.not_kept
        by_kind = {
            name: int(np.count_nonzero(not_kept & (self.match == code)))
            for code, name in enumerate(("exact", "near", "semantic"))
        }
        dropped = self.plan.dropped
        lowest = {
            KINDS[code]: round(float(np.min(self.similarity[dropped & (self.match == code)])), 4)
            for code in range(len(KINDS))
            if np.any(dropped & (self.match == code))
        }
        return {
            "records": len(role),
            "clusters": self.clusters.count(),
            "duplicates": int(np.count_nonzero(not_kept)),
            "dropped": int(np.count_nonzero(role == DUPLICATE)),
            "extra_copies": int(np.count_nonzero(role == EXTRA)),
            "rows_in_clusters": int(np.count_nonzero(self.clusters.clustered)),
            "lowest_similarity": lowest,
            "by_match": by_kind,
            "notes": list(self.notes),
            "settings": self.settings.to_dict(),
        }


def build_table(
    dataset: Dataset,
    result: DuplicateResult,
    scores: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
    settings: DedupConfig | None = None,
) -> DuplicateTable:
    """Anchor clusters at ``settings``' thresholds on the preferred kept copies.

    ``dataset`` must be the one ``result`` was found in (same rows).
    """
    settings = settings or result.settings
    if result.rows != len(dataset):
        raise ValueError(f"the duplicate run has {result.rows} rows, the dataset {len(dataset)}")
    anchoring = anchor(result.rows, result.thresholded(settings), scores, preferred)
    plan = plan_keep(anchoring, scores, settings.budget)
    return DuplicateTable(
        settings, anchored_clusters(anchoring), plan, anchoring.similarity, tuple(result.notes())
    )


def match_names(match: np.ndarray) -> list[str]:
    """``exact``/``near``/``semantic`` per row, empty where a row has no match."""
    return [KINDS[m] if m != NO_MATCH else "" for m in match.tolist()]
