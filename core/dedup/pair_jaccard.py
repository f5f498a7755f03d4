"""Exact Jaccard similarity of many document pairs at once, on flat shingle arrays.

Verifying near-duplicate candidates one pair at a time built a Python ``frozenset`` of every
candidate's shingles and kept it: about 7 KB per document, so ~850 MB per 100k rows and several
GB at 1M, with a Python call per pair holding the GIL. Here each document's shingles are sorted
and de-duplicated in place once (a compiled loop), and a pair's similarity is a merge walk over
the two sorted runs, for a whole array of pairs in one call that releases the GIL.
"""

from __future__ import annotations

import sys

import numba
import numpy as np

from core.dedup.shingles import ShingleSets

#: numba caches compiled kernels beside their source file; a frozen app has none.
CACHE = not getattr(sys, "frozen", False)


@numba.njit(nogil=True, cache=CACHE)
def _distinct_runs(
    hashes: np.ndarray, offsets: np.ndarray, documents: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.zeros(len(documents), dtype=np.int64)
    for i in range(len(documents)):
        doc = documents[i]
        sizes[i] = offsets[doc + 1] - offsets[doc]
    starts = np.zeros(len(documents) + 1, dtype=np.int64)
    for i in range(len(documents)):
        starts[i + 1] = starts[i] + sizes[i]
    out = np.empty(starts[-1], dtype=np.uint64)
    lengths = np.zeros(len(documents), dtype=np.int64)
    for i in range(len(documents)):
        doc = documents[i]
        run = np.sort(hashes[offsets[doc] : offsets[doc + 1]])
        k = 0
        for j in range(len(run)):
            if j == 0 or run[j] != run[j - 1]:
                out[starts[i] + k] = run[j]
                k += 1
        lengths[i] = k
    return out, np.stack((starts[:-1], lengths))


@numba.njit(nogil=True, cache=CACHE)
def _pair_jaccard(
    distinct: np.ndarray, runs: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    out = np.zeros(len(a), dtype=np.float64)
    for p in range(len(a)):
        i, i_end = runs[0, a[p]], runs[0, a[p]] + runs[1, a[p]]
        j, j_end = runs[0, b[p]], runs[0, b[p]] + runs[1, b[p]]
        total = runs[1, a[p]] + runs[1, b[p]]
        if total == 0:
            continue  # two empty sets: 0, as frozenset Jaccard says
        common = 0
        while i < i_end and j < j_end:
            x, y = distinct[i], distinct[j]
            if x == y:
                common += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        out[p] = common / (total - common)
    return out


class DistinctShingles:
    """The distinct, sorted shingles of some documents, for :meth:`jaccard` of pairs."""

    def __init__(self, shingles: ShingleSets, documents: np.ndarray):
        documents = np.asarray(documents, dtype=np.int64)
        #: Position of each document in :attr:`runs` (-1: not one of ``documents``).
        self.slot = np.full(len(shingles), -1, dtype=np.int64)
        self.slot[documents] = np.arange(len(documents))
        self.distinct, self.runs = _distinct_runs(shingles.hashes, shingles.offsets, documents)

    def jaccard(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Jaccard similarity of documents ``a[i]`` and ``b[i]`` (0 when both are empty)."""
        sa, sb = self.slot[np.asarray(a, np.int64)], self.slot[np.asarray(b, np.int64)]
        if len(sa) and (sa.min() < 0 or sb.min() < 0):
            raise ValueError("a pair names a document whose shingles were not prepared")
        return _pair_jaccard(self.distinct, self.runs, sa, sb)
