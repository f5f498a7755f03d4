"""Word shingles as 64-bit hashes, built for whole columns at numpy speed.

A per-document Python loop that joins five words into a string and hashes it costs more than
the MinHash itself, so shingles are combined from word hashes (:mod:`core.dedup.words`) with
vectorised splitmix64 arithmetic, a block of documents at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.dedup.words import word_hashes

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class ShingleSets:
    """Shingle hashes, flat: document ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``.

    A repeated shingle appears more than once (MinHash does not care; :meth:`set_of` removes
    repeats), which saves sorting tens of millions of hashes.
    """

    hashes: np.ndarray  # uint64
    offsets: np.ndarray  # int64, len(documents) + 1

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def sizes(self) -> np.ndarray:
        """How many shingles each document has, repeats included (0 for a text with no words)."""
        return np.diff(self.offsets)

    def set_of(self, row: int) -> frozenset[int]:
        """The distinct shingle hashes of one document."""
        return frozenset(self.hashes[self.offsets[row] : self.offsets[row + 1]].tolist())


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a fast, well-mixed bijection on 64-bit integers."""
    with np.errstate(over="ignore"):
        x = (x + _GOLDEN).astype(np.uint64)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingle_sets(texts: Sequence[str] | np.ndarray, size: int = 5) -> ShingleSets:
    """Hash the ``size``-word shingles of every text (compared after :func:`words.fold`).

    A text with fewer than ``size`` words (but at least one) is one shingle of all its words,
    so short prompts still match their copies; a text without words has no shingles.
    """
    hashes: list[np.ndarray] = []
    per_text: list[np.ndarray] = []
    for word_hash, counts in word_hashes(texts):
        block, n_shingles = _block_shingles(splitmix64(word_hash), counts, size)
        hashes.append(block)
        per_text.append(n_shingles)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if per_text:
        np.cumsum(np.concatenate(per_text), out=offsets[1:])
    flat = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    return ShingleSets(flat, offsets)


def _block_shingles(
    ids: np.ndarray, counts: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of one block of texts (``ids``: mixed word hashes, ``counts`` per text)."""
    weights = splitmix64(np.arange(1, size + 1, dtype=np.uint64)) | np.uint64(1)
    ends = np.cumsum(counts)
    starts = ends - counts
    long_text = counts >= size
    n_shingles = np.where(long_text, counts - size + 1, np.minimum(counts, 1))

    with np.errstate(over="ignore"):
        # Every window of `size` consecutive words; keep those inside one text.
        windows = max(len(ids) - size + 1, 0)
        combined = np.zeros(windows, dtype=np.uint64)
        for k in range(size):
            combined += ids[k : k + windows] * weights[k]
        owner = np.repeat(np.arange(len(counts)), counts)[:windows]
        inside = np.arange(windows) + size <= ends[owner]
        full = combined[inside]

        # A short text's one shingle: its words, weighted the same way.
        short_starts = starts[~long_text & (counts > 0)]
        short_counts = counts[~long_text & (counts > 0)]
        short = np.zeros(len(short_starts), dtype=np.uint64)
        for k in range(size - 1):
            present = k < short_counts
            short[present] += ids[short_starts[present] + k] * weights[k]

    out = np.empty(int(n_shingles.sum()), dtype=np.uint64)
    from_long = np.repeat(long_text, n_shingles)
    out[from_long] = full
    out[~from_long] = short
    return splitmix64(out), n_shingles


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """True Jaccard similarity of two shingle sets (0 when both are empty)."""
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)
