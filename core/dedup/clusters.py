"""Clusters of duplicates as per-row columns, and connected components of the match graph.

The clusters the product shows are anchored on their kept copy (:mod:`core.dedup.anchor`,
:func:`core.dedup.keep.anchored_clusters`). Connected components (:func:`cluster_rows`) only
answer "does this row match anything at all?" (which rows' embeddings a run keeps), and serve
as the old chaining baseline in the benchmark: they are never used to drop a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dedup.edges import KINDS, Edges

NO_MATCH = -1


@dataclass(frozen=True)
class Clusters:
    """Per row: its cluster (the lowest row in it), the cluster's size, and how it matched.

    A row with no duplicate is its own cluster of size 1 with ``match`` :data:`NO_MATCH`.
    For anchored clusters ``match`` is the kind of a duplicate's match to its kept copy (for
    the kept copy, the strongest among its duplicates'); for :func:`cluster_rows` it is the
    strongest kind (exact, then near, then semantic) among the row's edges.
    """

    cluster: np.ndarray  # int64
    size: np.ndarray  # int32
    match: np.ndarray  # int8: index into KINDS, or NO_MATCH

    def __len__(self) -> int:
        return len(self.cluster)

    @property
    def clustered(self) -> np.ndarray:
        """Rows that have at least one duplicate."""
        return self.size > 1

    def count(self) -> int:
        """How many clusters have two or more rows."""
        return int(np.count_nonzero(self.clustered & (self.cluster == np.arange(len(self)))))

    def members(self, cluster: int) -> np.ndarray:
        """The rows of one cluster, in file order."""
        return np.flatnonzero(self.cluster == cluster)


def cluster_rows(rows: int, edges: list[Edges]) -> Clusters:
    """Group ``rows`` rows into connected components of ``edges`` (already thresholded)."""
    # Imported here: scipy.sparse would add half a second to the app's start-up.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    first = np.concatenate([e.first for e in edges]) if edges else np.zeros(0, np.int64)
    second = np.concatenate([e.second for e in edges]) if edges else np.zeros(0, np.int64)
    graph = coo_matrix((np.ones(len(first), dtype=np.int8), (first, second)), shape=(rows, rows))
    _, labels = connected_components(graph, directed=False)
    lowest = np.full(labels.max(initial=-1) + 1, rows, dtype=np.int64)
    np.minimum.at(lowest, labels, np.arange(rows, dtype=np.int64))
    cluster = lowest[labels] if rows else np.zeros(0, np.int64)
    size = np.bincount(labels, minlength=len(lowest))[labels].astype(np.int32)

    match = np.full(rows, len(KINDS), dtype=np.int8)
    for e in edges:
        kind = np.int8(e.kind)
        np.minimum.at(match, e.first, kind)
        np.minimum.at(match, e.second, kind)
    match[match == len(KINDS)] = NO_MATCH
    return Clusters(cluster, size, match)
