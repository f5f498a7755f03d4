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
#: Documents per call into rensa. A call holds the GIL from start to end (a 1M-row column was
#: one call of ~10 s: the window froze for all of it); pieces of this size take ~50 ms each,
#: and between them the GUI thread gets the GIL back.
GIL_CHUNK = 4_096


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

    The signatures are made in pieces (see :data:`GIL_CHUNK`) and kept only as one 64-bit key
    per band (never the whole signature matrix); documents sharing a key in any band collide.
    Equal bands always give equal keys, so no colliding document is missed; a rare 64-bit key
    collision only adds a candidate, and every candidate is verified by its true Jaccard.
    """
    if len(documents) < 2:
        return np.zeros(len(documents), dtype=bool)
    keys = np.empty((bands, len(documents)), dtype=np.uint64)
    for start, signature in _signature_pieces(shingles, documents, bands * rows, seed):
        for band, key in enumerate(band_keys(signature, bands, rows)):
            keys[band, start : start + len(signature)] = key
    found = np.zeros(len(documents), dtype=bool)
    for key in keys:
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        same = ranked[1:] == ranked[:-1]
        found[order[1:][same]] = True
        found[order[:-1][same]] = True
    return found


def signatures(
    shingles: ShingleSets, documents: np.ndarray, num_perm: int, seed: int = SEED
) -> np.ndarray:
    """The MinHash signatures of ``documents``, a ``(len(documents), num_perm)`` uint32 matrix."""
    if not len(documents):
        return np.zeros((0, num_perm), dtype=np.uint32)
    out = np.empty((len(documents), num_perm), dtype=np.uint32)
    for start, piece in _signature_pieces(shingles, documents, num_perm, seed):
        out[start : start + len(piece)] = piece
    return out


def _signature_pieces(
    shingles: ShingleSets, documents: np.ndarray, num_perm: int, seed: int
) -> Iterator[tuple[int, np.ndarray]]:
    """``(first position, signatures)`` of :data:`GIL_CHUNK` documents at a time, in order.

    A document's signature depends on its own shingles only, so pieces give the same rows as
    one call over all documents.
    """
    flat, offsets = _subset(shingles, documents)
    for start in range(0, len(documents), GIL_CHUNK):
        end = min(start + GIL_CHUNK, len(documents))
        low, high = int(offsets[start]), int(offsets[end])
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            flat[low:high], offsets[start : end + 1] - offsets[start], num_perm, seed
        )
        piece = np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(end - start, num_perm)
        yield start, piece


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
