"""unique_sorted gives exactly what np.unique gives, for the arrays the app passes it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.unique import factorize_rows, factorize_texts, unique_sorted


@given(arrays(np.int64, st.integers(0, 300), elements=st.integers(-(2**62), 2**62)))
def test_integer_keys_match_numpy(values):
    np.testing.assert_array_equal(unique_sorted(values), np.unique(values))


@given(arrays(np.int64, st.integers(0, 300), elements=st.integers(0, 5)))
def test_many_repeats_match_numpy(values):
    np.testing.assert_array_equal(unique_sorted(values), np.unique(values))


@given(
    arrays(
        np.float32,
        st.integers(0, 300),
        elements=st.one_of(st.floats(-2, 2, width=32), st.just(np.nan), st.just(np.inf)),
    )
)
def test_scores_with_nan_match_numpy(values):
    """NaN collapses to one NaN at the end, as np.unique does."""
    np.testing.assert_array_equal(unique_sorted(values), np.unique(values))


def test_the_input_is_left_as_it_was():
    values = np.array([3, 1, 2, 1], dtype=np.int64)
    unique_sorted(values)
    np.testing.assert_array_equal(values, [3, 1, 2, 1])


@given(st.lists(st.sampled_from(["", "a", "A", "a ", "é", "e\u0301", "😀", "x" * 50]) | st.text()))
def test_text_codes_match_pandas(texts):
    """Codes by first appearance and the distinct texts, as pandas' factorize gives them."""
    codes, uniques = factorize_texts(texts)
    expected_codes, expected_uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert uniques == list(expected_uniques)
    assert [uniques[c] for c in codes] == texts


@given(st.lists(st.sampled_from(["", "a", "b", "ab", "ba", "abc", "é", "x" * 50]) | st.text()))
def test_text_codes_are_exact_when_different_texts_share_a_hash(texts):
    """Texts are grouped by hash; two texts with one hash must still get two codes."""
    codes, uniques = factorize_texts(texts, hash_text=len)  # every same-length pair collides
    expected_codes, expected_uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert uniques == list(expected_uniques)


@given(
    st.lists(st.sampled_from(["", "a", "b", "ab", "ba", "é", "x" * 50]) | st.text()),
    st.booleans(),
)
def test_first_rows_of_an_object_array_match_pandas(texts, colliding):
    """The codes and each distinct text's first row, from a NumPy object array of the texts."""
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    codes, first = factorize_rows(array, hash_text=len if colliding else hash)
    expected_codes, expected_uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(array[first]) == list(expected_uniques)
    assert [texts.index(text) for text in expected_uniques] == first.tolist()


def test_text_codes_of_a_large_input_in_many_pieces():
    """More texts than one hashing piece, with repeats across pieces."""
    from core.unique import HASH_PIECE

    texts = [f"text {i % 3001}" for i in range(3 * HASH_PIECE + 7)]
    codes, uniques = factorize_texts(texts)
    expected_codes, expected_uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert uniques == list(expected_uniques)
