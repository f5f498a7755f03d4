"""Fast candidates, MiniLM verifies: the decision is MiniLM's, on any candidates and vectors.

Texts are drawn as MiniLM vectors (a few directions plus noise, so that some pairs clear the
threshold and some do not), fast-embedder cosines for some pairs and token counts. Whatever
they are: a verified pair is a candidate, its similarity is MiniLM's cosine and at least the
threshold, every candidate that MiniLM puts at the threshold is kept, and the anchored plan
over the verified pairs drops a row only at MiniLM's threshold to its kept copy.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dedup.anchor import anchor
from core.dedup.edges import SEMANTIC, Edges
from core.dedup.verified import (
    LOOSE_THRESHOLD,
    SHORT_TOKENS,
    TIGHT_THRESHOLD,
    candidate_pairs,
    verify,
)

THRESHOLD = 0.90
FAST_COSINES = np.round(np.linspace(LOOSE_THRESHOLD, 1.0, 21), 2).tolist()


@st.composite
def proposals(draw):
    """MiniLM vectors, the fast search's pairs (cosine >= the loose threshold), token counts."""
    rows = draw(st.integers(2, 30))
    directions = draw(st.integers(1, 4))
    base = np.eye(8, dtype=np.float32)[:directions]
    which = draw(st.lists(st.integers(0, directions - 1), min_size=rows, max_size=rows))
    noise = draw(
        st.lists(
            st.lists(st.integers(-40, 40), min_size=8, max_size=8), min_size=rows, max_size=rows
        )
    )
    vectors = base[which] + np.array(noise, dtype=np.float32) / 100
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pairs = draw(
        st.lists(
            st.tuples(
                st.integers(0, rows - 1), st.integers(0, rows - 1), st.sampled_from(FAST_COSINES)
            ),
            max_size=4 * rows,
        )
    )
    pairs = [(a, b, s) for a, b, s in pairs if a != b]
    found = (
        Edges.from_lists(SEMANTIC, *zip(*pairs, strict=True)) if pairs else Edges.empty(SEMANTIC)
    )
    counts = np.array(
        draw(st.lists(st.integers(1, 3 * SHORT_TOKENS), min_size=rows, max_size=rows)),
        dtype=np.int64,
    )
    return vectors, found, counts


def _pairs(edges: Edges) -> list[tuple[int, int]]:
    return list(zip(edges.first.tolist(), edges.second.tolist(), strict=True))


@settings(max_examples=200, deadline=None)
@given(proposals())
def test_verified_pairs_are_candidates_at_minilms_threshold(proposal):
    vectors, found, counts = proposal
    candidates = candidate_pairs(found, counts)
    # Candidates are fast pairs: short ones at the loose cosine, the others at the tight one.
    assert set(_pairs(candidates)) <= set(_pairs(found))
    shorter = np.minimum(counts[candidates.first], counts[candidates.second])
    assert np.all((shorter < SHORT_TOKENS) | (candidates.similarity >= TIGHT_THRESHOLD))
    involved = np.unique(np.concatenate([candidates.first, candidates.second]))
    verified = verify(candidates, involved, vectors[involved], THRESHOLD)

    # A verified pair is a candidate, at MiniLM's own cosine, at or above MiniLM's threshold.
    assert set(_pairs(verified)) <= set(_pairs(candidates))
    minilm = np.einsum("ij,ij->i", vectors[verified.first], vectors[verified.second])
    np.testing.assert_allclose(verified.similarity, np.minimum(minilm, 1.0), atol=1e-6)
    assert np.all(verified.similarity >= np.float32(THRESHOLD))
    # And none is lost: every candidate MiniLM puts at the threshold is verified.
    judged = np.einsum("ij,ij->i", vectors[candidates.first], vectors[candidates.second])
    assert len(verified) == int(np.count_nonzero(judged >= np.float32(THRESHOLD)))

    # The anchored plan over the verified pairs: a dropped row is at MiniLM's threshold to
    # the copy it is dropped for, by MiniLM's vectors themselves.
    anchoring = anchor(len(vectors), [verified])
    rows = np.arange(len(vectors))
    for row in np.flatnonzero(anchoring.kept != rows).tolist():
        kept = int(anchoring.kept[row])
        assert float(vectors[row] @ vectors[kept]) >= THRESHOLD - 1e-6
        assert anchoring.similarity[row] >= np.float32(THRESHOLD)
