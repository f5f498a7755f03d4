"""The hashed n-gram matcher agrees with the plain definition on any small corpus."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.generators import run_to_end
from core.overlap.ngrams import build_index, match

WORDS = ["a", "b", "c", "d", "e", "The", "B"]
N, MIN_WORDS = 4, 2


def grams(text: str) -> list[tuple[str, ...]]:
    """The plain definition: case-folded words, every window of N (or the whole short text)."""
    words = re.findall(r"\w+", text.casefold())
    if MIN_WORDS <= len(words) < N:
        return [tuple(words)]
    return [tuple(words[i : i + N]) for i in range(len(words) - N + 1)]


def plain(texts: list[str], refs: list[str]) -> dict[int, tuple[float, int, set[int]]]:
    """Row -> (best coverage, shared windows at it, reference rows achieving it).

    Coverage is the share of the record's distinct n-grams among the row's windows, capped
    at 1 (a row repeating a phrase has more windows than the record has n-grams).
    """
    ref_sets = [set(grams(r)) for r in refs]
    out = {}
    for row, text in enumerate(texts):
        words = re.findall(r"\w+", text.casefold())
        own = [
            tuple(words[i : i + k])
            for k in {N, *range(MIN_WORDS, N)}
            for i in range(len(words) - k + 1)
        ]
        scored = []
        for ref, ref_set in enumerate(ref_sets):
            shared = sum(gram in ref_set for gram in own)  # windows, repeats included
            if shared:
                scored.append((min(shared / len(ref_set), 1.0), shared, ref))
        if scored:
            best = max(s[:2] for s in scored)
            out[row] = (best[0], best[1], {s[2] for s in scored if s[:2] == best})
    return out


sentence = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(sentence, min_size=1, max_size=8),
    refs=st.lists(sentence, min_size=1, max_size=6),
)
def test_matches_agree_with_plain_ngram_sets(texts, refs):
    index = run_to_end(build_index(refs, N, MIN_WORDS))
    found = run_to_end(match(texts, index))
    expected = plain(texts, refs)
    assert sorted(found.rows.tolist()) == sorted(expected)
    for row, ref, shared, coverage in zip(
        found.rows.tolist(),
        found.ref_rows.tolist(),
        found.shared.tolist(),
        found.coverage.tolist(),
        strict=True,
    ):
        best_coverage, best_shared, best_refs = expected[row]
        assert ref in best_refs
        assert shared == best_shared
        assert abs(coverage - best_coverage) < 1e-6


@settings(max_examples=100, deadline=None)
@given(
    prefix=sentence,
    copied=st.lists(st.sampled_from(WORDS), min_size=N, max_size=15),
    suffix=sentence,
)
def test_a_copied_passage_is_one_span_of_at_least_its_length(prefix, copied, suffix):
    passage = " ".join(copied)
    index = run_to_end(build_index([passage], N, MIN_WORDS))
    found = run_to_end(match([f"{prefix} {passage} {suffix}"], index))
    assert found.rows.tolist() == [0]
    assert found.span[0] >= len(copied)
