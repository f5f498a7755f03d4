"""Pairs of unit vectors above a high cosine, on a CPU, by comparing within nearby partitions.

Why: comparing every pair of 100k vectors is 5 billion dot products, minutes on two cores,
while duplicates sit close together. So the space is cut into about sqrt(n) partitions
(spherical k-means on a sample), each vector is listed in its nearest partition, and each
vector is compared with the lists of its :data:`PROBES` nearest partitions: an inverted-file
search, as FAISS's IVF does, with every candidate's true cosine computed. About
``n * PROBES * sqrt(n)`` dot products instead of ``n * n / 2``. A pair whose two vectors sit in
partitions neither probes is missed; ``benchmarks/bench_dedup.py`` measures how many against
the exhaustive search (:func:`core.dedup.neighbours.cosine_edges`).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import torch

from core.dedup.edges import SEMANTIC, Edges
from core.dedup.progress import DedupProgress

#: Partitions each vector is compared against (its nearest ones).
PROBES = 8
#: Vectors k-means learns the partitions from, and its rounds.
KMEANS_SAMPLE = 20_000
KMEANS_ROUNDS = 8
#: Similarities held at once (queries x list members).
BLOCK_CELLS = 8_000_000
_STAGE = "semantic duplicates: comparing nearby rows"


def partitioned_edges(
    vectors: np.ndarray,
    floor: float,
    probes: int = PROBES,
    seed: int = 0,
    ask: np.ndarray | None = None,
) -> Generator[DedupProgress, None, Edges]:
    """Pairs of rows of ``vectors`` (unit length) with cosine >= ``floor``, found by partition.

    ``ask`` (a boolean mask over the rows) limits the search to pairs with at least one of
    those rows: only they probe partitions, so the cost follows their number, not all rows'.
    """
    n = len(vectors)
    if n < 2 or (ask is not None and not ask.any()):
        return Edges.empty(SEMANTIC)
    matrix = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    yield DedupProgress(_STAGE + " (partitioning)", 0, 1)
    centroids = _kmeans(matrix, max(1, round(math.sqrt(n))), seed)
    probes = min(probes, len(centroids))
    nearest = torch.cat(
        [(block @ centroids.T).topk(probes, dim=1).indices for block in matrix.split(50_000)]
    )
    home = nearest[:, 0]
    members = _lists(home, len(centroids))
    # Each (query, probed partition): queries grouped by the partition they probe.
    askers = torch.arange(n) if ask is None else torch.from_numpy(np.flatnonzero(ask))
    probed = nearest[askers].reshape(-1)
    queries = askers.repeat_interleave(probes)
    by_partition = _lists(probed, len(centroids), queries)
    firsts, seconds, sims = [], [], []
    for part in range(len(centroids)):
        if part % 16 == 0:
            yield DedupProgress(_STAGE, part, len(centroids))
        listed, asking = members[part], by_partition[part]
        if len(listed) == 0 or len(asking) == 0:
            continue
        targets = matrix[listed]
        step = max(1, BLOCK_CELLS // len(listed))
        for start in range(0, len(asking), step):
            rows = asking[start : start + step]
            similarity = matrix[rows] @ targets.T
            i, j = torch.nonzero(similarity >= floor, as_tuple=True)
            a, b = rows[i], listed[j]
            keep = a != b
            firsts.append(a[keep].numpy())
            seconds.append(b[keep].numpy())
            sims.append(similarity[i[keep], j[keep]].numpy())
    yield DedupProgress(_STAGE, len(centroids), len(centroids))
    if not firsts:
        return Edges.empty(SEMANTIC)
    return Edges.from_lists(
        SEMANTIC,
        np.concatenate(firsts),
        np.concatenate(seconds),
        np.minimum(np.concatenate(sims), 1.0),
    )


def _kmeans(matrix: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """Spherical k-means centroids (unit length) learnt on a sample of ``matrix``."""
    generator = np.random.default_rng(seed)
    sample = matrix[
        torch.from_numpy(
            generator.choice(len(matrix), min(len(matrix), KMEANS_SAMPLE), replace=False)
        )
    ]
    k = min(k, len(sample))
    centroids = sample[torch.from_numpy(generator.choice(len(sample), k, replace=False))].clone()
    for _ in range(KMEANS_ROUNDS):
        assigned = (sample @ centroids.T).argmax(dim=1)
        sums = torch.zeros_like(centroids).index_add_(0, assigned, sample)
        filled = torch.bincount(assigned, minlength=k) > 0
        centroids[filled] = torch.nn.functional.normalize(sums[filled], dim=1)
    return centroids


def _lists(keys: torch.Tensor, size: int, values: torch.Tensor | None = None) -> list[torch.Tensor]:
    """``values`` (default: positions) grouped by ``keys`` in ``0..size-1``."""
    order = torch.argsort(keys, stable=True)
    counts = torch.bincount(keys, minlength=size).tolist()
    grouped = order if values is None else values[order]
    return list(grouped.split(counts))
