"""The nearest line a reload lands on when the curator's record is gone."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.review.place import nearest_row


@given(st.lists(st.integers(1, 10_000), unique=True, max_size=60), st.integers(-5, 10_010))
def test_the_row_found_is_at_the_nearest_location(lines, location):
    locations = np.array(sorted(lines), dtype=np.int64)
    row = nearest_row(locations, location)
    if not lines:
        assert row is None
        return
    distances = np.abs(locations - location)
    assert distances[row] == distances.min()
    if location in lines:
        assert locations[row] == location


def test_a_deleted_line_is_replaced_by_the_record_that_moved_up():
    # Line 5 was deleted and the file re-read: lines are numbered afresh, so 5 is the next one.
    assert nearest_row(np.array([1, 2, 3, 4, 6, 7]), 5) == 4  # a tie: the later row
    assert nearest_row(np.array([1, 2, 3]), 9) == 2
