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
