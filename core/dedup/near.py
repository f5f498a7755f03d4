"""Near duplicates: MinHash LSH candidates over word shingles, each verified by true Jaccard.

LSH only proposes candidates: every pair is checked with the exact Jaccard similarity of its
shingle sets, so no false positive survives. Texts that are identical after normalisation are
folded first, so a heavily copied text costs one signature, not thousands.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from functools import cache

import numpy as np

from core.dedup.edges import NEAR, Edges, concatenate, copy_edges
from core.dedup.minhash import NUM_PERM, band_keys, colliding, lsh_bands, signatures
from core.dedup.pair_jaccard import DistinctShingles
from core.dedup.progress import DedupProgress
from core.dedup.shingles import ShingleSets, shingle_sets
from core.text_arrays import take_texts
from core.unique import factorize_rows, unique_sorted

SHINGLE_WORDS = 5
#: Buckets up to this size are verified pair by pair; in a larger one (a template shared by
#: hundreds of rows) each member is checked against the first member and its WINDOW
#: predecessors, which keeps the work linear while still chaining the whole bucket together.
FULL_BUCKET = 48
WINDOW = 32
_STAGE_SHINGLES = "near duplicates: shingling"
_STAGE_SIGNATURES = "near duplicates: MinHash signatures"
_STAGE_CANDIDATES = "near duplicates: gathering candidate pairs"
_STAGE_VERIFY = "near duplicates: verifying candidates"
#: Candidate pairs measured per call (and per progress report).
VERIFY_PAIRS = 1 << 20


def near_edges(
    texts: Sequence[str], floor: float, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM
) -> Generator[DedupProgress, None, Edges]:
    """Pairs of ``texts`` (already normalised) with Jaccard similarity of at least ``floor``."""
    total = len(texts)
    yield DedupProgress(_STAGE_SHINGLES, 0, total)
    # The distinct texts in an object array, not a list: full collections do not walk it.
    codes, representatives = factorize_rows(texts)  # each distinct text's first row
    identical = copy_edges(NEAR, codes)
    shingles = shingle_sets(take_texts(texts, representatives), shingle_words)
    yield DedupProgress(_STAGE_SIGNATURES, 0, total)
    bands, rows = lsh_bands(floor, num_perm)
    has_words = np.flatnonzero(shingles.sizes() > 0)
    candidates = has_words[colliding(shingles, has_words, bands, rows)]
    signature = signatures(shingles, candidates, bands * rows)
    found = yield from _verified_pairs(signature, candidates, shingles, floor, bands, rows)
    return concatenate(NEAR, [identical, found.mapped(representatives)])


def _verified_pairs(
    signature: np.ndarray,
    documents: np.ndarray,
    shingles: ShingleSets,
    floor: float,
    bands: int,
    rows: int,
) -> Generator[DedupProgress, None, Edges]:
    """Check every pair that shares a band bucket by its true Jaccard similarity, once.

    Pairs are gathered per band as arrays and measured together by a compiled merge walk over
    sorted shingles (:mod:`core.dedup.pair_jaccard`): no Python set per document is kept, and
    no Python call is made per pair.
    """
    width = np.int64(len(shingles))
    proposed: list[np.ndarray] = []
    for band, key in enumerate(band_keys(signature, bands, rows)):
        yield DedupProgress(_STAGE_CANDIDATES, band, bands)
        a, b = _band_pairs(key, documents)
        proposed.append(unique_sorted(a * width + b))
    # One sort over every band's pairs: merging band by band re-sorted the growing set each time.
    pair_keys = unique_sorted(np.concatenate(proposed)) if proposed else np.zeros(0, np.int64)
    del proposed
    distinct = DistinctShingles(shingles, documents)
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    similarity: list[np.ndarray] = []
    for start in range(0, len(pair_keys), VERIFY_PAIRS):
        yield DedupProgress(_STAGE_VERIFY, start, len(pair_keys))
        chunk = pair_keys[start : start + VERIFY_PAIRS]
        a, b = chunk // width, chunk % width
        sim = distinct.jaccard(a, b)
        close = sim >= floor
        first.append(a[close])
        second.append(b[close])
        similarity.append(sim[close])
    yield DedupProgress(_STAGE_VERIFY, len(pair_keys), len(pair_keys))
    if not first:
        return Edges.from_lists(NEAR, [], [], [])
    return Edges.from_lists(
        NEAR, np.concatenate(first), np.concatenate(second), np.concatenate(similarity)
    )


@cache
def _all_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(size, 1)


def _band_pairs(key: np.ndarray, documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair one band proposes: :func:`_bucket_pairs` of each bucket, as two arrays.

    Nearly every bucket has two or three members, so buckets of one size are done together
    (a Python call per bucket cost more than checking it); only the few large ones one by one.
    """
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    members = documents[order]  # ascending within a bucket: the sort is stable
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    for size in np.unique(sizes[sizes > 1]).tolist():
        first = starts[sizes == size]
        if size <= FULL_BUCKET:
            i, j = _all_pairs(size)
            lo.append(members[first[:, None] + i].ravel())
            hi.append(members[first[:, None] + j].ravel())
        else:
            for start in first.tolist():
                a, b = _bucket_pairs(members[start : start + size])
                lo.append(a)
                hi.append(b)
    if not lo:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(lo).astype(np.int64), np.concatenate(hi).astype(np.int64)


def _bucket_pairs(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (lower, higher document) checked in one bucket of sorted ``members``.

    Every pair of a bucket up to :data:`FULL_BUCKET`; in a larger one each member against the
    first and its :data:`WINDOW` predecessors.
    """
    size = len(members)
    if size <= FULL_BUCKET:
        i, j = _all_pairs(size)
        return members[i], members[j]
    later = np.arange(1, size)
    lo = [np.zeros(size - 1, dtype=np.int64)]
    hi = [later]
    for back in range(1, WINDOW + 1):
        behind = later[later - back >= 1]
        lo.append(behind - back)
        hi.append(behind)
    i, j = np.concatenate(lo), np.concatenate(hi)
    return members[i], members[j]
