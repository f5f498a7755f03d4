"""Pairs of unit vectors with cosine similarity above a floor: exact, or approximate when large.

Up to :data:`EXACT_LIMIT` vectors, every pair is compared, a block of rows at a time (a matrix
product, on the GPU when there is one): nothing is missed. Past it, the all-pairs cost grows
with the square of the size, so an HNSW index (usearch) finds each vector's nearest neighbours
instead; pairs it misses are the price of finishing at all.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import torch

from core.dedup.edges import SEMANTIC, Edges
from core.dedup.progress import DedupProgress

EXACT_LIMIT = 200_000
#: Neighbours asked of the approximate index per vector.
APPROXIMATE_NEIGHBOURS = 32
#: Similarities held at once by the exact search (a block of rows against all rows).
BLOCK_CELLS = 16_000_000
_STAGE = "semantic duplicates: comparing"


def cosine_edges(
    vectors: np.ndarray,
    floor: float,
    device: torch.device | None = None,
    exact_limit: int = EXACT_LIMIT,
) -> Generator[DedupProgress, None, Edges]:
    """Every pair of rows of ``vectors`` (unit length) with cosine similarity >= ``floor``."""
    if len(vectors) < 2:
        return Edges.empty(SEMANTIC)
    if len(vectors) <= exact_limit:
        return (yield from _exact(vectors, floor, device or torch.device("cpu")))
    return (yield from _approximate(vectors, floor))


def _exact(
    vectors: np.ndarray, floor: float, device: torch.device
) -> Generator[DedupProgress, None, Edges]:
    n = len(vectors)
    matrix = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(device)
    block = max(16, BLOCK_CELLS // n)
    firsts, seconds, sims = [], [], []
    for start in range(0, n, block):
        yield DedupProgress(_STAGE, start, n)
        stop = min(start + block, n)
        # Only columns after the block's first row: each pair is seen once, from its lower row.
        similarity = matrix[start:stop] @ matrix[start:].T
        rows, cols = torch.nonzero(similarity >= floor, as_tuple=True)
        cols_global = cols + start
        keep = cols_global > rows + start
        rows, cols_global = rows[keep], cols_global[keep]
        firsts.append((rows + start).cpu().numpy())
        seconds.append(cols_global.cpu().numpy())
        sims.append(similarity[rows, cols_global - start].float().cpu().numpy())
    yield DedupProgress(_STAGE, n, n)
    return Edges(
        SEMANTIC,
        np.concatenate(firsts).astype(np.int64),
        np.concatenate(seconds).astype(np.int64),
        np.minimum(np.concatenate(sims), 1.0).astype(np.float32),
    )


def _approximate(vectors: np.ndarray, floor: float) -> Generator[DedupProgress, None, Edges]:
    from usearch.index import Index

    n, dims = vectors.shape
    index = Index(ndim=dims, metric="cos", dtype="f32")
    keys = np.arange(n, dtype=np.uint64)
    chunk = 50_000
    for start in range(0, n, chunk):
        yield DedupProgress(_STAGE + " (building the index)", start, n)
        index.add(keys[start : start + chunk], vectors[start : start + chunk])
    firsts, seconds, sims = [], [], []
    for start in range(0, n, chunk):
        yield DedupProgress(_STAGE + " (searching)", start, n)
        found = index.search(vectors[start : start + chunk], APPROXIMATE_NEIGHBOURS)
        neighbour = found.keys.astype(np.int64)
        similarity = 1.0 - found.distances.astype(np.float32)
        row = np.repeat(np.arange(start, start + len(neighbour)), neighbour.shape[1])
        neighbour, similarity = neighbour.ravel(), similarity.ravel()
        keep = (similarity >= floor) & (neighbour != row) & (neighbour >= 0) & (neighbour < n)
        firsts.append(row[keep])
        seconds.append(neighbour[keep])
        sims.append(similarity[keep])
    yield DedupProgress(_STAGE, n, n)
    return Edges.from_lists(
        SEMANTIC,
        np.concatenate(firsts),
        np.concatenate(seconds),
        np.minimum(np.concatenate(sims), 1.0),
    )
