"""MinHash in pieces (so the window gets the GIL between them) finds what one call found.

One rensa call over a 1M-row column held the GIL for ~10 s: the window froze. Signatures are
now made a few thousand documents at a time and candidate bands are compared with numpy.
"""

from __future__ import annotations

import numpy as np
import rensa
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dedup import minhash
from core.dedup.minhash import colliding, signatures
from core.dedup.shingles import shingle_sets

_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
_texts = st.lists(
    st.lists(st.sampled_from(_WORDS), min_size=0, max_size=14).map(" ".join),
    min_size=2,
    max_size=40,
)


def _one_call_colliding(shingles, documents, bands, rows):
    """What colliding() computed before: one rensa call and rensa's own LSH index."""
    flat, offsets = minhash._subset(shingles, documents)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        flat, offsets, bands * rows, minhash.SEED
    )
    index = rensa.RMinHashLSH(0.5, bands * rows, bands)
    return np.asarray(index.query_duplicate_flags_matrix_one_shot(matrix), dtype=bool)


@settings(max_examples=60, deadline=None)
@given(_texts, st.integers(1, 5), st.sampled_from([(4, 2), (8, 4), (16, 8)]))
def test_pieces_give_the_one_call_signatures_and_collisions(texts, chunk, shape):
    bands, rows = shape
    shingles = shingle_sets(texts)
    documents = np.flatnonzero(shingles.sizes() > 0)
    whole = _one_call_colliding(shingles, documents, bands, rows) if len(documents) > 1 else None
    flat, offsets = minhash._subset(shingles, documents)
    one_call = (
        np.asarray(
            rensa.RMinHash.digest_matrix_from_flat_token_hashes(
                flat, offsets, bands * rows, minhash.SEED
            ).to_rows(),
            dtype=np.uint32,
        ).reshape(len(documents), bands * rows)
        if len(documents)
        else np.zeros((0, bands * rows), dtype=np.uint32)
    )
    minhash.GIL_CHUNK, saved = chunk, minhash.GIL_CHUNK
    try:
        assert np.array_equal(signatures(shingles, documents, bands * rows), one_call)
        if whole is not None:
            found = colliding(shingles, documents, bands, rows)
            assert found.tolist() == whole.tolist()
    finally:
        minhash.GIL_CHUNK = saved
