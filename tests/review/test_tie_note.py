"""A best-N cutoff inside a tie: the note says so exactly when a threshold would keep more."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.review.conditions import Condition

scores_st = st.lists(
    st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.just(float("nan"))), min_size=1, max_size=40
)


@given(scores_st, st.integers(min_value=0, max_value=45))
def test_the_tie_note_appears_exactly_when_the_cutoff_splits_a_tie(values, keep):
    scores = np.array(values, dtype=np.float32)
    condition = Condition(mode="top_n", keep_top=keep)
    kept = condition.top_rows(scores)
    note = condition.tie_note(scores)
    cutoff = condition.cutoff(scores)
    at_or_above = int((scores >= cutoff).sum()) if np.isfinite(cutoff) else len(kept)
    assert len(kept) == min(keep, int(np.isfinite(scores).sum()))
    assert bool(note) == (at_or_above > len(kept))
    if note:  # the earliest of the tied rows are the ones kept
        tied = np.flatnonzero(scores == cutoff)
        taken = len(kept) - int((scores > cutoff).sum())
        assert set(tied[:taken]) <= set(kept.tolist()) and not set(tied[taken:]) & set(kept)
        assert note.startswith(f"{len(tied):,} rows score exactly")
