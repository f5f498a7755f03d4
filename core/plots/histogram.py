"""A score histogram that fills in as scores stream: fixed bins, incremental counts.

Reward-model scores have no fixed range, so the bins start on the first batch's range and
*double* when a score falls outside: every new bin is exactly two old ones, so the counts stay
exact and nothing is re-binned from the scores. Each row's bin is kept too (one int16 per row),
so the kept/dropped split of any decision array is a single ``bincount``, cheap enough for
every redraw.
"""

from __future__ import annotations

import math

import numpy as np

#: Bins across the range (even, so that doubling merges pairs).
BINS = 60
NO_BIN = -1


class StreamingHistogram:
    """Counts of scores per bin for ``rows`` rows, added a batch at a time."""

    def __init__(self, rows: int, bins: int = BINS) -> None:
        if bins < 2 or bins % 2:
            raise ValueError("the bin count must be even and at least 2")
        self.bins = bins
        self.start = math.nan  # left edge of bin 0
        self.width = math.nan
        self.counts = np.zeros(bins, dtype=np.int64)
        self.row_bin = np.full(rows, NO_BIN, dtype=np.int16)

    @property
    def empty(self) -> bool:
        """Whether no score has arrived."""
        return math.isnan(self.start)

    @property
    def edges(self) -> np.ndarray:
        """The bins' ``bins + 1`` edges (empty before the first score)."""
        if self.empty:
            return np.zeros(0)
        return self.start + self.width * np.arange(self.bins + 1)

    @property
    def total(self) -> int:
        """Scores counted."""
        return int(self.counts.sum())

    def add(self, rows: np.ndarray, scores: np.ndarray) -> None:
        """Count ``scores`` of ``rows`` (NaN scores are left out; a row scored again moves)."""
        rows = np.asarray(rows, dtype=np.int64)
        scores = np.asarray(scores, dtype=float)
        finite = np.isfinite(scores)
        rows, scores = rows[finite], scores[finite]
        self.remove(rows)
        if not len(rows):
            return
        low, high = float(scores.min()), float(scores.max())
        if self.empty:
            self._first_range(low, high)
        while low < self.start:
            self._double(grow_left=True)
        while high >= self.start + self.width * self.bins:
            self._double(grow_left=False)
        # Compared with the edges themselves, so a row is in bin i exactly when
        # edges[i] <= score < edges[i + 1]: the range filter a click on a bar applies.
        index = np.clip(np.searchsorted(self.edges, scores, side="right") - 1, 0, self.bins - 1)
        self.row_bin[rows] = index
        self.counts += np.bincount(index, minlength=self.bins)

    def remove(self, rows: np.ndarray) -> None:
        """Forget the scores of ``rows`` (before they are scored again)."""
        old = self.row_bin[rows]
        counted = old != NO_BIN
        if counted.any():
            self.counts -= np.bincount(old[counted], minlength=self.bins)
            self.row_bin[np.asarray(rows)[counted]] = NO_BIN

    def clear(self) -> None:
        """Back to no scores (a different scorer)."""
        self.start = self.width = math.nan
        self.counts[:] = 0
        self.row_bin[:] = NO_BIN

    def split(self, mask: np.ndarray) -> np.ndarray:
        """Counts per bin of the rows in ``mask`` (e.g. the finally kept rows)."""
        index = self.row_bin[mask]
        return np.bincount(index[index != NO_BIN], minlength=self.bins)

    def split_codes(self, codes: np.ndarray, kinds: int) -> np.ndarray:
        """Counts per bin and code: ``result[bin, code]`` for per-row codes in 0 … kinds-1.

        One ``bincount`` over every row, whatever the number of codes (e.g. the final decision
        undecided/keep/drop), so a redraw costs one pass over 1M rows, not one per colour.
        """
        flat = (self.row_bin.astype(np.int64) + 1) * kinds + codes
        counts = np.bincount(flat, minlength=(self.bins + 1) * kinds)
        return counts.reshape(self.bins + 1, kinds)[1:]  # row 0 is NO_BIN: unscored rows

    def bin_of(self, value: float) -> int | None:
        """The bin holding ``value`` (left edge included, right edge excluded), or None."""
        if self.empty:
            return None
        index = int(np.searchsorted(self.edges, value, side="right")) - 1
        return index if 0 <= index < self.bins else None

    def bin_range(self, value: float) -> tuple[float, float] | None:
        """The edges of the bin holding ``value``, or None outside the histogram."""
        index = self.bin_of(value)
        if index is None:
            return None
        edges = self.edges
        return float(edges[index]), float(edges[index + 1])

    def _first_range(self, low: float, high: float) -> None:
        span = high - low
        if span <= 0:
            span = max(abs(low), 1.0) * 0.1
        # A round width a little wider than the batch, so early batches rarely force doubling.
        raw = span * 1.5 / self.bins
        magnitude = 10 ** math.floor(math.log10(raw))
        self.width = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
        middle = (low + high) / 2
        self.start = math.floor((middle - self.width * self.bins / 2) / self.width) * self.width

    def _double(self, grow_left: bool) -> None:
        """Twice as wide bins, each the sum of two old ones; the range grows on one side."""
        shift = self.bins if grow_left else 0  # old bins now sit in the right half
        counts = np.zeros(self.bins, dtype=np.int64)
        np.add.at(counts, (np.arange(self.bins) + shift) // 2, self.counts)
        self.counts = counts
        counted = self.row_bin != NO_BIN
        self.row_bin[counted] = (self.row_bin[counted] + shift) // 2
        if grow_left:
            self.start -= self.width * self.bins
        self.width *= 2
