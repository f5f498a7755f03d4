"""Texts in object arrays: the same texts, in order, however the pieces fall."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import core.text_arrays
from core.text_arrays import release, take_texts, texts_array

TEXTS = st.lists(st.sampled_from(["", "a", "ab", "é", "😀", "x" * 40]) | st.text(), max_size=30)


@given(st.lists(TEXTS | TEXTS.map(tuple), max_size=4), st.integers(1, 8))
def test_parts_end_to_end_in_order(parts, piece):
    with mock.patch.object(core.text_arrays, "PIECE", piece):
        array = texts_array(*parts)
    assert array.dtype == object and array.ndim == 1
    assert array.tolist() == [text for part in parts for text in part]


@given(TEXTS, st.data(), st.integers(1, 8), st.booleans())
def test_taken_rows_are_those_rows(texts, data, piece, from_array):
    rows = np.array(
        data.draw(st.lists(st.integers(0, max(len(texts) - 1, 0)), max_size=40 if texts else 0)),
        dtype=np.int64,
    )
    with mock.patch.object(core.text_arrays, "PIECE", piece):
        taken = take_texts(texts_array(texts) if from_array else tuple(texts), rows)
    assert taken.dtype == object
    assert taken.tolist() == [texts[row] for row in rows.tolist()]


@given(TEXTS, st.integers(1, 8))
def test_a_released_array_holds_nothing(texts, piece):
    array = texts_array(texts)
    with mock.patch.object(core.text_arrays, "PIECE", piece):
        release(array)
    assert len(array) == len(texts) and all(item is None for item in array)
