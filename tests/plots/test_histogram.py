"""The streaming score histogram: exact counts however the scores arrive."""

from __future__ import annotations

import numpy as np
import pytest

from core.plots.histogram import StreamingHistogram


def _recount(histogram: StreamingHistogram, scores: np.ndarray) -> np.ndarray:
    finite = scores[np.isfinite(scores)]
    counts, _ = np.histogram(finite, bins=histogram.edges)
    return counts


def test_streamed_batches_count_exactly_like_numpy_even_when_the_range_grows() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 1, 5000)
    scores[4000:] *= 8  # late batches far outside the first range
    scores[::97] = np.nan  # unscorable rows
    histogram = StreamingHistogram(len(scores))
    for start in range(0, len(scores), 256):
        rows = np.arange(start, min(start + 256, len(scores)))
        histogram.add(rows, scores[rows])
    assert histogram.total == np.isfinite(scores).sum()
    finite = scores[np.isfinite(scores)]
    assert histogram.edges[0] <= finite.min() and finite.max() < histogram.edges[-1]
    # Bins are fixed in number and each score sits in its bin.
    assert len(histogram.counts) == 60
    np.testing.assert_array_equal(histogram.counts, _recount(histogram, scores))


def test_the_kept_and_dropped_split_adds_up() -> None:
    rng = np.random.default_rng(1)
    scores = rng.normal(0, 1, 1000)
    histogram = StreamingHistogram(1000)
    histogram.add(np.arange(1000), scores)
    kept = scores > 0.3
    np.testing.assert_array_equal(histogram.split(kept) + histogram.split(~kept), histogram.counts)
    assert histogram.split(kept).sum() == kept.sum()
    codes = kept.astype(np.int8) + 1  # 1 kept, 2 dropped… any small codes
    by_code = histogram.split_codes(codes, 3)
    np.testing.assert_array_equal(by_code[:, 2], histogram.split(kept))
    np.testing.assert_array_equal(by_code[:, 1], histogram.split(~kept))
    assert by_code[:, 0].sum() == 0


def test_rescoring_a_row_moves_it_and_clear_forgets_everything() -> None:
    histogram = StreamingHistogram(3)
    histogram.add(np.array([0, 1, 2]), np.array([0.0, 0.5, 1.0]))
    histogram.add(np.array([1]), np.array([0.9]))
    assert histogram.total == 3
    assert histogram.counts[np.searchsorted(histogram.edges, 0.9, side="right") - 1] == 1
    histogram.clear()
    assert histogram.empty and histogram.total == 0


def test_bin_range_finds_the_bin_of_a_value() -> None:
    histogram = StreamingHistogram(2)
    histogram.add(np.array([0, 1]), np.array([-1.0, 1.0]))
    left, right = histogram.bin_range(0.13)
    assert left <= 0.13 < right and right - left == pytest.approx(histogram.width)
    assert histogram.bin_range(1e9) is None


def test_a_single_repeated_score_gets_a_usable_range() -> None:
    histogram = StreamingHistogram(4)
    histogram.add(np.arange(4), np.full(4, 2.5))
    assert histogram.total == 4 and histogram.width > 0
