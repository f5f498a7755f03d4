"""The per-row duplicate table: cluster, size, match, role, kept copy and similarity to it.

This is what the app's columns, the review rule and ``dedup -o`` show. It is rebuilt cheaply
when scores arrive (the best-scored copy may change), when a threshold or the budget moves,
or when a curator chooses another copy to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.dataset import Dataset
from core.dedup.clusters import NO_MATCH, Clusters
from core.dedup.edges import EXACT, KINDS, NEAR, SEMANTIC
from core.dedup.keep import DUPLICATE, EXTRA, KeepPlan, plan_keep
from core.dedup.normalize import field_texts
from core.dedup.result import DuplicateResult
from core.dedup.settings import DedupSettings
from core.dedup.shingles import jaccard, shingle_sets


@dataclass(frozen=True)
class DuplicateTable:
    """Duplicate columns for every row of one dataset."""

    settings: DedupSettings
    clusters: Clusters
    plan: KeepPlan
    similarity: np.ndarray   # float32; NaN for rows that are unique or kept

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
        """Each row's strongest kind of match (see :data:`core.dedup.edges.KINDS`)."""
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
        by_kind = {name: int(np.count_nonzero(not_kept & (self.match == code)))
                   for code, name in enumerate(("exact", "near", "semantic"))}
        return {"records": len(role), "clusters": self.clusters.count(),
                "duplicates": int(np.count_nonzero(not_kept)),
                "dropped": int(np.count_nonzero(role == DUPLICATE)),
                "extra_copies": int(np.count_nonzero(role == EXTRA)),
                "rows_in_clusters": int(np.count_nonzero(self.clusters.clustered)),
                "by_match": by_kind, "settings": self.settings.to_dict()}


def build_table(dataset: Dataset, result: DuplicateResult, scores: np.ndarray | None = None,
                preferred: np.ndarray | None = None,
                settings: DedupSettings | None = None) -> DuplicateTable:
    """Cluster at ``settings``' thresholds, choose kept copies and measure each copy against it."""
    settings = settings or result.settings
    clusters = result.clusters(settings)
    plan = plan_keep(clusters, scores, preferred, settings.budget)
    similarity = similarity_to_kept(dataset, result, clusters, plan, settings,
                                    np.flatnonzero(plan.not_kept))
    return DuplicateTable(settings, clusters, plan, similarity)


def with_preferred(table: DuplicateTable, dataset: Dataset, result: DuplicateResult,
                   scores: np.ndarray | None, preferred: np.ndarray) -> DuplicateTable:
    """``table`` after a curator chose which copy a cluster keeps (only changed rows measured)."""
    plan = plan_keep(table.clusters, scores, preferred, table.settings.budget)
    changed = np.flatnonzero((plan.kept != table.plan.kept) | (plan.role != table.plan.role))
    similarity = table.similarity.copy()
    similarity[changed] = np.nan
    measured = similarity_to_kept(dataset, result, table.clusters, plan, table.settings,
                                  changed[plan.not_kept[changed]])
    todo = ~np.isnan(measured)
    similarity[todo] = measured[todo]
    return replace(table, plan=plan, similarity=similarity)


def similarity_to_kept(dataset: Dataset, result: DuplicateResult, clusters: Clusters,
                       plan: KeepPlan, settings: DedupSettings, rows: np.ndarray) -> np.ndarray:
    """Each of ``rows``' similarity to its kept copy, measured the way the row matched.

    Exact: 1 when its normalised text equals the kept copy's, else the word-shingle Jaccard.
    Near: Jaccard of word shingles. Semantic: cosine of the embeddings. A row that joined its
    cluster through a chain of matches can sit below the threshold: that is worth seeing.
    """
    out = np.full(len(clusters), np.nan, dtype=np.float32)
    kept = plan.kept
    match = clusters.match
    jaccard_rows: dict[str, list[int]] = {}
    vector_index: dict[int, int] | None = None
    for row in rows.tolist():
        kind = int(match[row])
        if kind == NO_MATCH:
            continue
        partner = int(kept[row])
        if kind == EXACT and result.exact_keys is not None and (
                result.exact_keys[row] == result.exact_keys[partner]):
            out[row] = 1.0
        elif kind == SEMANTIC:
            vector_index = vector_index if vector_index is not None else result.vector_of()
            out[row] = _cosine(result, vector_index, row, partner)
        else:
            field = settings.field(NEAR if kind == NEAR else EXACT)
            jaccard_rows.setdefault(field, []).append(row)
    for field, field_rows in jaccard_rows.items():
        partners = kept[field_rows]
        involved = np.unique(np.concatenate([field_rows, partners]))
        shingles = shingle_sets(field_texts(dataset, field, involved.tolist()),
                                settings.shingle_words)
        position = {int(r): i for i, r in enumerate(involved.tolist())}
        for row, partner in zip(field_rows, partners.tolist(), strict=True):
            out[row] = jaccard(shingles.set_of(position[row]), shingles.set_of(position[partner]))
    return out


def _cosine(result: DuplicateResult, where: dict[int, int], row: int, partner: int) -> float:
    if row not in where or partner not in where:
        return float("nan")
    a = result.vectors[where[row]].astype(np.float32)
    b = result.vectors[where[partner]].astype(np.float32)
    return float(np.clip(a @ b, -1.0, 1.0))


def match_names(match: np.ndarray) -> list[str]:
    """``exact``/``near``/``semantic`` per row, empty where a row has no match."""
    return [KINDS[m] if m != NO_MATCH else "" for m in match.tolist()]
