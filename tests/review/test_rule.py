"""The automatic rule decides rows the way its settings read."""

from __future__ import annotations

import numpy as np
import pytest

from core.review import DROP, KEEP, UNDECIDED, Rule
from core.review.rule import RuleError

SCORES = np.array([0.9, 0.2, np.nan, 0.5, 0.5, 0.7], dtype=np.float32)


def test_threshold_keeps_at_or_above_and_leaves_unscored_undecided():
    decided = Rule(mode="threshold", min_score=0.5).decide(SCORES)
    assert decided.tolist() == [KEEP, DROP, UNDECIDED, KEEP, KEEP, KEEP]


def test_top_n_breaks_ties_by_file_order():
    decided = Rule(mode="top_n", keep_top=3).decide(SCORES)
    assert decided.tolist() == [KEEP, DROP, UNDECIDED, KEEP, DROP, KEEP]
    assert Rule(mode="top_n", keep_top=3).cutoff(SCORES) == pytest.approx(0.5)


def test_top_fraction_counts_all_rows():
    decided = Rule(mode="top_fraction", keep_fraction=0.5).decide(SCORES)
    assert (decided == KEEP).sum() == 3


def test_duplicates_and_chosen_flags_are_dropped_even_when_unscored():
    duplicate = np.array([False, False, True, True, False, False])
    flags = np.array([0, 0, 0, 0, 0, 0b10], dtype=np.uint8)  # row 5: refusal
    rule = Rule(mode="all", drop_flags=("refusal",))
    assert rule.decide(SCORES, flags, duplicate).tolist() == [KEEP, KEEP, DROP, DROP, KEEP, DROP]
    kept_dups = rule.with_changes(drop_duplicates=False).decide(SCORES, flags, duplicate)
    assert kept_dups.tolist()[2:4] == [KEEP, KEEP]


def test_round_trips_through_its_saved_form():
    rule = Rule(mode="top_fraction", keep_fraction=0.2, drop_flags=("empty", "echo"))
    assert Rule.from_dict(rule.to_dict()) == rule
    assert "best 20%" in rule.describe() and "empty, echo" in rule.describe()


@pytest.mark.parametrize(
    "changes",
    [
        {"mode": "median"},
        {"keep_fraction": 1.5},
        {"drop_flags": ("rude",)},
        {"min_score": float("nan")},
    ],
)
def test_bad_settings_are_refused_with_a_reason(changes):
    with pytest.raises(RuleError):
        Rule(**changes)
