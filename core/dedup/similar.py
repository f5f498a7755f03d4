"""Find similar: the rows nearest to one row by the last semantic run's embeddings.

A curator who meets one odd record wants its neighbours, whether or not they pass the
duplicate threshold. The run keeps every row's embedding (float16), so this is one matrix-
vector product, with no model loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dedup.result import DuplicateResult
from core.errors import ThresherError


class NoEmbeddingsError(ThresherError):
    """The run has no embedding for the row (no semantic run, or one from an older version)."""


@dataclass(frozen=True)
class Neighbour:
    """A row and its cosine similarity to the row asked about."""

    row: int
    similarity: float


def find_similar(result: DuplicateResult, row: int, count: int = 10) -> list[Neighbour]:
    """The ``count`` rows most similar to ``row`` (itself excluded), most similar first."""
    if len(result.vector_rows) != result.rows:
        raise NoEmbeddingsError(
            "Find similar needs the embeddings of a semantic duplicate run over every row"
            + (
                " (this run, saved by an older version, kept only matched rows)"
                if len(result.vector_rows)
                else ""
            )
            + ": tick Semantic and find duplicates again"
        )
    where = np.flatnonzero(result.vector_rows == row)
    vectors = result.vectors
    query = vectors[where[0]].astype(np.float32)
    similarity = np.clip(vectors.astype(np.float32) @ query, -1.0, 1.0)
    similarity[result.vector_rows == row] = -np.inf
    count = min(count, int(np.isfinite(similarity).sum()))
    if count <= 0:
        return []
    top = np.argpartition(-similarity, count - 1)[:count]
    top = top[np.lexsort((result.vector_rows[top], -similarity[top]))]
    return [Neighbour(int(result.vector_rows[i]), float(similarity[i])) for i in top.tolist()]
