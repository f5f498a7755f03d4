"""Near duplicates: MinHash LSH candidates over word shingles, each verified by true Jaccard.

LSH only proposes candidates: every pair is checked with the exact Jaccard similarity of its
shingle sets, so no false positive survives. Texts that are identical after normalisation are
folded first, so a heavily copied text costs one signature, not thousands.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np
import pandas as pd

from core.dedup.edges import NEAR, Edges, concatenate, copy_edges, first_rows
from core.dedup.minhash import NUM_PERM, band_keys, buckets, colliding, lsh_bands, signatures
from core.dedup.progress import DedupProgress
from core.dedup.shingles import ShingleSets, jaccard, shingle_sets

SHINGLE_WORDS = 5
#: Buckets up to this size are verified pair by pair; in a larger one (a template shared by
#: hundreds of rows) each member is checked against the first member and its WINDOW
#: predecessors, which keeps the work linear while still chaining the whole bucket together.
FULL_BUCKET = 48
WINDOW = 32
_STAGE_SHINGLES = "near duplicates: shingling"
_STAGE_SIGNATURES = "near duplicates: MinHash signatures"
_STAGE_VERIFY = "near duplicates: verifying candidates"


def near_edges(
    texts: Sequence[str], floor: float, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM
) -> Generator[DedupProgress, None, Edges]:
    """Pairs of ``texts`` (already normalised) with Jaccard similarity of at least ``floor``."""
    total = len(texts)
    yield DedupProgress(_STAGE_SHINGLES, 0, total)
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    representatives = first_rows(codes, len(uniques))
    identical = copy_edges(NEAR, codes)
    shingles = shingle_sets(list(uniques), shingle_words)
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
    seen: set[tuple[int, int]] = set()
    sets: dict[int, frozenset[int]] = {}
    first: list[int] = []
    second: list[int] = []
    similarity: list[float] = []

    def shingle_set(doc: int) -> frozenset[int]:
        cached = sets.get(doc)
        if cached is None:
            cached = sets[doc] = shingles.set_of(doc)
        return cached

    def check(a: int, b: int) -> None:
        if (a, b) in seen:
            return
        seen.add((a, b))
        sim = jaccard(shingle_set(a), shingle_set(b))
        if sim >= floor:
            first.append(a)
            second.append(b)
            similarity.append(sim)

    for band, key in enumerate(band_keys(signature, bands, rows)):
        yield DedupProgress(_STAGE_VERIFY, band, bands)
        for bucket in buckets(key, documents):
            members = sorted(bucket.tolist())
            if len(members) <= FULL_BUCKET:
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        check(a, b)
            else:
                for i, b in enumerate(members[1:], start=1):
                    check(members[0], b)
                    for a in members[max(1, i - WINDOW) : i]:
                        check(a, b)
    yield DedupProgress(_STAGE_VERIFY, bands, bands)
    return Edges.from_lists(NEAR, first, second, similarity)
