"""Text sort keys built in pieces are the keys built at once, whatever the piece size."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import core.text_order as text_order
from core.text_order import KEY_CHARS, text_sort_keys


@given(texts=st.lists(st.text(max_size=40), max_size=60), piece=st.integers(1, 70))
def test_keys_in_pieces_are_the_keys_at_once(texts, piece):
    expected = np.array([t[:KEY_CHARS].casefold() for t in texts], dtype=f"U{KEY_CHARS}")
    original = text_order.KEY_PIECE
    text_order.KEY_PIECE = piece
    try:
        keys = text_sort_keys(texts)
    finally:
        text_order.KEY_PIECE = original
    assert keys.dtype == expected.dtype
    np.testing.assert_array_equal(keys, expected)
