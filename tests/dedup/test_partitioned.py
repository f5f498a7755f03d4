"""The partitioned (inverted-file) search: never a wrong pair, and close pairs are all found."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dedup.neighbours import cosine_edges
from core.dedup.partitioned import partitioned_edges
from core.generators import run_to_end


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def _pairs(edges) -> dict[tuple[int, int], float]:
    return {
        (a, b): s
        for a, b, s in zip(
            edges.first.tolist(), edges.second.tolist(), edges.similarity.tolist(), strict=True
        )
    }


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 300),
    dims=st.integers(2, 24),
    floor=st.floats(0.3, 0.99),
    copies=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_pair_found_is_a_true_pair_with_its_true_similarity(n, dims, floor, copies, seed):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, dims))
    near = base[rng.integers(0, n, copies)] + 0.05 * rng.standard_normal((copies, dims))
    vectors = _unit(np.vstack([base, near]))
    exact = _pairs(run_to_end(cosine_edges(vectors, floor)))
    found = _pairs(run_to_end(partitioned_edges(vectors, floor, seed=seed)))
    assert all(a < b for a, b in found)
    for pair, similarity in found.items():
        assert pair in exact
        assert abs(similarity - exact[pair]) < 1e-4


def test_close_copies_among_many_vectors_are_all_found():
    rng = np.random.default_rng(0)
    base = _unit(rng.standard_normal((4000, 64)))
    sources = rng.choice(len(base), 300, replace=False)
    copies = _unit(base[sources] + 0.02 * rng.standard_normal((300, 64)))
    vectors = np.vstack([base, copies])
    found = _pairs(run_to_end(partitioned_edges(vectors, 0.9)))
    planted = {(int(s), len(base) + i) for i, s in enumerate(sources)}
    assert planted <= set(found)
    exact = _pairs(run_to_end(cosine_edges(vectors, 0.9)))
    assert set(found) == set(exact)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 300),
    dims=st.integers(2, 24),
    floor=st.floats(0.3, 0.99),
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0.0, 1.0),
)
def test_a_search_asked_by_some_rows_finds_only_their_true_pairs(n, dims, floor, seed, share):
    rng = np.random.default_rng(seed)
    vectors = _unit(rng.standard_normal((n, dims)))
    ask = rng.random(n) < share
    every = _pairs(run_to_end(partitioned_edges(vectors, floor, seed=seed)))
    asked = _pairs(run_to_end(partitioned_edges(vectors, floor, seed=seed, ask=ask)))
    # The same probes, fewer rows asking: a subset of the full search, each with an asking row.
    assert set(asked) <= set(every)
    assert all(ask[a] or ask[b] for a, b in asked)
    for pair, similarity in asked.items():
        assert abs(similarity - every[pair]) < 1e-6


def test_close_copies_of_the_asking_rows_are_all_found():
    rng = np.random.default_rng(1)
    base = _unit(rng.standard_normal((4000, 64)))
    sources = rng.choice(len(base), 300, replace=False)
    copies = _unit(base[sources] + 0.02 * rng.standard_normal((300, 64)))
    vectors = np.vstack([base, copies])
    ask = np.zeros(len(vectors), dtype=bool)
    ask[sources[:150]] = True  # half the originals ask; the other half's copies must not appear
    found = set(_pairs(run_to_end(partitioned_edges(vectors, 0.9, ask=ask))))
    planted = {(int(s), len(base) + i) for i, s in enumerate(sources)}
    assert {pair for pair in planted if ask[pair[0]]} <= found
    assert not {pair for pair in planted if not ask[pair[0]]} & found
