"""Map selections as table filters: lasso polygons, topics, saving, and the map they belong to."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.review import RowFilter
from core.review.filters import FilterInputs, inside_polygon

coordinate = st.floats(-50, 50, allow_nan=False, width=32)


def _inputs(xy, topics=None, key="k"):
    n = len(xy)
    zeros = np.zeros(n, bool)
    return FilterInputs(
        np.full(n, np.nan, np.float32),
        np.zeros(n, np.int8),
        np.zeros(n, np.int8),
        zeros,
        np.zeros(n, np.uint8),
        zeros,
        zeros,
        [""] * n,
        [""] * n,
        map_xy=xy,
        map_topics=topics,
        map_key=key,
    )


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=200),
    corners=st.tuples(coordinate, coordinate, coordinate, coordinate),
)
def test_a_box_selects_exactly_the_points_inside_it(points, corners):
    x0, x1 = sorted(corners[:2])
    y0, y1 = sorted(corners[2:])
    xy = np.array(points, np.float32)
    on_edge = np.isin(xy[:, 0], [x0, x1]) | np.isin(xy[:, 1], [y0, y1])
    assume(not on_edge.any())
    box = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float64)
    expected = (xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1)
    assert np.array_equal(inside_polygon(xy, box), expected)


def test_a_concave_lasso_leaves_out_its_notch():
    # A U shape: the point in the notch is outside, points in both arms are inside.
    u = ((0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3))
    xy = np.array([[0.5, 2.0], [2.5, 2.0], [1.5, 2.0], [1.5, 0.5], [4, 1]], np.float32)
    mask = RowFilter(map_region=u, map_key="k").mask(_inputs(xy))
    assert mask.tolist() == [True, True, False, True, False]


def test_map_filters_match_nothing_without_their_map_and_round_trip():
    xy = np.array([[0, 0], [5, 5]], np.float32)
    region = ((-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0))
    row_filter = RowFilter(map_region=region, map_topics=(2,), map_key="k", decisions=("keep",))
    assert RowFilter.from_dict(row_filter.to_dict()) == row_filter
    assert "map selection" in row_filter.describe()
    topics = np.array([2, 2], np.int32)
    only_region = RowFilter(map_region=region, map_key="k")
    assert only_region.mask(_inputs(xy, topics)).tolist() == [True, False]
    assert only_region.mask(_inputs(xy, topics, key="other")).tolist() == [False, False]
    assert RowFilter(map_topics=(2,), map_key="k").mask(_inputs(xy, topics)).all()
