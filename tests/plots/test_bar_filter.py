"""A click on a histogram bar shows exactly that bar's rows: the filter and the bins agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.plots.histogram import StreamingHistogram
from core.review.filters import FilterInputs, RowFilter


def _inputs(scores: np.ndarray) -> FilterInputs:
    n = len(scores)
    zeros = np.zeros(n, dtype=np.int8)
    flags = np.zeros(n, dtype=bool)
    return FilterInputs(
        scores=scores,
        final=zeros,
        manual=zeros,
        duplicate=flags,
        flag_mask=np.zeros(n, dtype=np.int64),
        truncated=flags,
        unscorable=flags,
        prompts=[""] * n,
        responses=[""] * n,
    )


def bar_filter(histogram: StreamingHistogram, index: int) -> RowFilter:
    """The filter the app applies for a click in the middle of bar ``index``."""
    middle = float(histogram.edges[index] + histogram.width / 2)
    assert histogram.bin_of(middle) == index
    low, high = histogram.bin_range(middle)
    return RowFilter(score_min=low, score_max=high, score_max_open=index < histogram.bins - 1)


SCORES = arrays(
    np.float32,
    st.integers(1, 300),
    elements=st.one_of(
        st.floats(-3, 3, width=32), st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0])
    ),
)


@settings(max_examples=200, deadline=None)
@given(scores=SCORES)
def test_every_bar_filters_to_exactly_its_own_count(scores):
    histogram = StreamingHistogram(len(scores))
    histogram.add(np.arange(len(scores)), scores)
    inputs = _inputs(scores)
    shown = [
        int(bar_filter(histogram, i).structural_mask(inputs).sum()) for i in range(histogram.bins)
    ]
    assert shown == histogram.counts.tolist()


def test_a_score_on_an_edge_is_in_the_upper_bar_only():
    scores = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], dtype=np.float32)
    histogram = StreamingHistogram(len(scores))
    histogram.add(np.arange(len(scores)), scores)
    inputs = _inputs(scores)
    edge = histogram.bin_of(0.5)
    assert bar_filter(histogram, edge).structural_mask(inputs).sum() == 1
    below = bar_filter(histogram, edge - 1).structural_mask(inputs)
    assert not below[5]


def test_describe_says_the_upper_edge_is_left_out():
    assert (
        RowFilter(score_min=0.2, score_max=0.3, score_max_open=True).describe()
        == "score 0.2–under 0.3"
    )
