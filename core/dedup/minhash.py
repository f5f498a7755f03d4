"""MinHash signatures (rensa, in Rust) and LSH banding (numpy) for near-duplicate candidates.

Why rensa: it computes a whole column's signatures from one flat buffer of shingle hashes in
native code, about 20x faster than datasketch here (``benchmarks/bench_dedup.py``). Its LSH
index answers queries one ``RMinHash`` object at a time, so banding is done here instead, on
the signature matrix with numpy: one sort per band finds every bucket at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import rensa

from core.dedup.shingles import ShingleSets, splitmix64

NUM_PERM = 128
SEED = 1729


@lru_cache(maxsize=64)
def lsh_bands(
    threshold: float, num_perm: int = NUM_PERM, false_negative_weight: float = 0.8
) -> tuple[int, int]:
    """The (bands, rows per band) that best separate pairs above and below ``threshold``.

    Signatures are ``bands * rows`` long (at most ``num_perm``): rensa's index splits a
    signature into equal contiguous bands, and banding here must match it exactly.

    Minimises the weighted area of missed pairs above the threshold and of candidates below
    it. Candidates are verified with their true Jaccard, so a false candidate costs only time
    while a missed pair is lost: misses weigh more.
    """
    s = np.linspace(0.0, 1.0, 401)
    below, above = s <= threshold, s >= threshold
    best, best_cost = (1, num_perm), np.inf
    for rows in range(1, num_perm + 1):
        for bands in range(1, num_perm // rows + 1):
            p = 1.0 - (1.0 - s**rows) ** bands
            false_pos = float(np.trapezoid(p[below], s[below]))
            false_neg = float(np.trapezoid(1.0 - p[above], s[above]))
            cost = (1 - false_negative_weight) * false_pos + false_negative_weight * false_neg
            if cost < best_cost:
                best, best_cost = (bands, rows), cost
    return best


def _subset(shingles: ShingleSets, documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flat hashes and row offsets of ``documents`` only."""
    sizes = shingles.sizes()
    if len(documents) == np.count_nonzero(sizes):  # every document that has shingles
        offsets = np.zeros(len(documents) + 1, dtype=np.uint64)
        np.cumsum(sizes[documents], out=offsets[1:])
        return shingles.hashes, offsets
    chosen = np.zeros(len(shingles), dtype=bool)
    chosen[documents] = True
    flat = shingles.hashes[np.repeat(chosen, sizes)]
    offsets = np.zeros(len(documents) + 1, dtype=np.uint64)
    np.cumsum(sizes[documents], out=offsets[1:])
    return flat, offsets


def colliding(
    shingles: ShingleSets, documents: np.ndarray, bands: int, rows: int, seed: int = SEED
) -> np.ndarray:
    """Which of ``documents`` share at least one LSH band with another of them.

    Computed entirely inside rensa (signatures and band hashes), which is far cheaper than
    bringing every signature into numpy; only the colliding documents go on to banding here.
    """
    if len(documents) < 2:
        return np.zeros(len(documents), dtype=bool)
    flat, offsets = _subset(shingles, documents)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, bands * rows, seed)
    index = rensa.RMinHashLSH(0.5, bands * rows, bands)
    return np.asarray(index.query_duplicate_flags_matrix_one_shot(matrix), dtype=bool)


def signatures(
    shingles: ShingleSets, documents: np.ndarray, num_perm: int, seed: int = SEED
) -> np.ndarray:
    """The MinHash signatures of ``documents``, a ``(len(documents), num_perm)`` uint32 matrix."""
    if not len(documents):
        return np.zeros((0, num_perm), dtype=np.uint32)
    flat, offsets = _subset(shingles, documents)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, seed)
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(documents), num_perm)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> Iterator[np.ndarray]:
    """One 64-bit key per document and band; documents sharing a key are candidates."""
    for band in range(bands):
        key = np.full(len(signature), band, dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            key = splitmix64(key ^ signature[:, column].astype(np.uint64))
        yield key


def buckets(key: np.ndarray, documents: np.ndarray) -> Iterator[np.ndarray]:
    """Groups of two or more ``documents`` that share ``key`` (each group in document order)."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_key[1:] != sorted_key[:-1])))
    sizes = np.diff(np.append(starts, len(key)))
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        yield documents[order[start : start + size]]
