"""Near-duplicate verification over arrays finds exactly the pairs the per-pair loop found.

The old loop (kept here as the reference) checked every pair sharing a band bucket with a
Python ``frozenset`` Jaccard; the compiled version must give the same pairs and similarities,
buckets of every size included (large ones are checked against the first member and a window).
"""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import core.dedup.near as near
from core.dedup.minhash import band_keys, buckets, lsh_bands, signatures
from core.dedup.pair_jaccard import DistinctShingles
from core.dedup.shingles import ShingleSets, shingle_sets


def _reference_pairs(signature, documents, shingles, floor, bands, rows):
    def as_set(doc):
        return frozenset(
            shingles.hashes[shingles.offsets[doc] : shingles.offsets[doc + 1]].tolist()
        )

    def jaccard(a, b):
        return len(a & b) / len(a | b) if a or b else 0.0

    seen, found = set(), {}
    for key in band_keys(signature, bands, rows):
        for bucket in buckets(key, documents):
            members = sorted(bucket.tolist())
            if len(members) <= near.FULL_BUCKET:
                pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
            else:
                pairs = []
                for i, b in enumerate(members[1:], start=1):
                    pairs.append((members[0], b))
                    pairs += [(a, b) for a in members[max(1, i - near.WINDOW) : i]]
            for a, b in pairs:
                if (a, b) not in seen:
                    seen.add((a, b))
                    sim = jaccard(as_set(a), as_set(b))
                    if sim >= floor:
                        found[(a, b)] = sim
    return found


WORDS = st.sampled_from(["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "x", "é"])


@given(
    base=st.lists(st.lists(WORDS, min_size=0, max_size=14), min_size=1, max_size=8),
    copies=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3)), max_size=70),
    floor=st.sampled_from([0.3, 0.5, 0.8]),
)
@example(
    base=[["the", "cat", "sat", "on", "a", "mat"]],
    copies=[(0, i % 5 // 4) for i in range(120)],
    floor=0.5,
)
@settings(max_examples=60, deadline=None)
def test_array_verification_equals_the_per_pair_loop(base, copies, floor):
    # Many light edits of a few texts: buckets small and large (over FULL_BUCKET members).
    texts = [" ".join(words) for words in base]
    for pick, edit in copies:
        words = base[pick % len(base)]
        texts.append(" ".join(words[: len(words) - edit] + ["mat"] * edit))
    shingles = shingle_sets(texts)
    bands, rows = lsh_bands(floor, 64)
    documents = np.flatnonzero(shingles.sizes() > 0)
    signature = signatures(shingles, documents, bands * rows)
    expected = _reference_pairs(signature, documents, shingles, floor, bands, rows)
    generator = near._verified_pairs(signature, documents, shingles, floor, bands, rows)
    try:
        while True:
            next(generator)
    except StopIteration as done:
        edges = done.value
    got = {
        (int(a), int(b)): float(s)
        for a, b, s in zip(edges.first, edges.second, edges.similarity, strict=True)
    }
    assert got.keys() == expected.keys()
    for pair, sim in expected.items():
        assert got[pair] == np.float32(sim)


def test_a_pair_of_unprepared_documents_is_refused():
    shingles = ShingleSets(np.array([1, 2, 2, 3], np.uint64), np.array([0, 2, 4, 4]))
    distinct = DistinctShingles(shingles, np.array([0, 1]))
    assert distinct.jaccard(np.array([0, 0]), np.array([1, 0])).tolist() == [1 / 3, 1.0]
    try:
        distinct.jaccard(np.array([0]), np.array([2]))
    except ValueError as exc:
        assert "not prepared" in str(exc)
    else:
        raise AssertionError("an unprepared document was measured")
