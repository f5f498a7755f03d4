"""Near overlap: MinHash LSH candidates, each verified by the true Jaccard of its shingles.

This is the near-duplicate detector's machinery (word shingles, rensa signatures, banding).

Rows and reference records are shingled together and given MinHash signatures (rensa); each
band's keys of the rows are looked up in the sorted keys of the reference with
``searchsorted``, so only pairs that cross from a row to a reference record are candidates.
Every candidate is checked with its exact Jaccard: no false positive survives.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import numpy as np

from core.dedup.minhash import NUM_PERM, band_keys, lsh_bands, signatures
from core.dedup.progress import DedupProgress
from core.dedup.shingles import jaccard, shingle_sets
from core.unique import factorize_texts

#: Candidates per row and band taken from one bucket (a template shared by many records).
MAX_CANDIDATES = 32
_STAGE_SIGNATURES = "near: MinHash signatures"
_STAGE_VERIFY = "near: verifying candidates"


def near_matches(
    texts: Sequence[str],
    ref_texts: Sequence[str],
    threshold: float,
    shingle_words: int = 5,
    num_perm: int = NUM_PERM,
) -> Generator[DedupProgress, None, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows of ``texts`` (normalised) with Jaccard >= ``threshold`` to a reference record.

    Returns the rows, their most similar reference row, and the similarity.
    """
    yield DedupProgress(_STAGE_SIGNATURES, 0, 1)
    codes, uniques = factorize_texts(texts)
    ref_codes, ref_uniques = factorize_texts(ref_texts)
    first_ref = np.full(len(ref_uniques), -1, dtype=np.int64)
    first_ref[ref_codes[::-1]] = np.arange(len(ref_codes))[::-1]
    n_ref = len(ref_uniques)
    shingles = shingle_sets([*ref_uniques, *uniques], shingle_words)
    has_words = np.flatnonzero(shingles.sizes() > 0)
    bands, rows = lsh_bands(threshold, num_perm)
    signature = signatures(shingles, has_words, bands * rows)
    is_ref = has_words < n_ref
    ref_docs, docs = has_words[is_ref], has_words[~is_ref]
    candidates: set[tuple[int, int]] = set()
    for band, key in enumerate(band_keys(signature, bands, rows)):
        yield DedupProgress(_STAGE_VERIFY, band, bands)
        ref_key, key = key[is_ref], key[~is_ref]
        order = np.argsort(ref_key, kind="stable")
        sorted_key = ref_key[order]
        low = np.searchsorted(sorted_key, key, side="left")
        high = np.minimum(np.searchsorted(sorted_key, key, side="right"), low + MAX_CANDIDATES)
        for i in np.flatnonzero(high > low).tolist():
            for j in order[low[i] : high[i]].tolist():
                candidates.add((int(docs[i]), int(ref_docs[j])))
    best: dict[int, tuple[float, int]] = {}
    sets: dict[int, frozenset[int]] = {}

    def shingle_set(doc: int) -> frozenset[int]:
        if doc not in sets:
            sets[doc] = shingles.set_of(doc)
        return sets[doc]

    for doc, ref in sorted(candidates):
        similarity = jaccard(shingle_set(doc), shingle_set(ref))
        if similarity >= threshold and similarity > best.get(doc, (-1.0, 0))[0]:
            best[doc] = (similarity, ref)
    yield DedupProgress(_STAGE_VERIFY, bands, bands)
    unique_match = np.full(len(uniques), -1, dtype=np.int64)
    unique_similarity = np.zeros(len(uniques), dtype=np.float32)
    for doc, (similarity, ref) in best.items():
        unique_match[doc - n_ref] = first_ref[ref]
        unique_similarity[doc - n_ref] = similarity
    matched = np.flatnonzero(unique_match[codes] >= 0)
    return matched, unique_match[codes[matched]], unique_similarity[codes[matched]]
