"""Several scorers: a rule over their columns, and how much they agree.

The rule is checked against decisions worked out by hand, and its invariants as properties:
*all* keeps the intersection of what each condition keeps, *any* the union, and a rank average
with equal weights does not care about the scale of a scorer's scores.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import spearmanr

from core.review import DROP, KEEP, UNDECIDED, Rule
from core.review.agreement import agreement, disagreement_order, rank_gaps
from core.review.conditions import Condition, percentile_ranks, rank_average
from core.review.rule import RuleError

NAN = np.nan
REWARD = np.array([0.9, 0.2, 0.7, NAN, 0.4, 0.6], dtype=np.float32)
JUDGE = np.array([3.0, 5.0, 4.5, 4.0, NAN, 5.0], dtype=np.float32)
COLUMNS = {"r": REWARD, "j": JUDGE}


def test_all_and_any_against_a_hand_computation():
    rule = Rule(
        scorer="r",
        mode="threshold",
        min_score=0.5,
        conditions=(Condition("j", "threshold", 4.5),),
        drop_duplicates=False,
    )
    # reward >= 0.5: K D K U D K     judge >= 4.5: D K K D U K
    assert rule.decide(REWARD, columns=COLUMNS).tolist() == [DROP, DROP, KEEP, DROP, DROP, KEEP]
    anyone = rule.with_changes(combine="any")
    assert anyone.decide(REWARD, columns=COLUMNS).tolist() == [
        KEEP,
        KEEP,
        KEEP,
        UNDECIDED,
        UNDECIDED,
        KEEP,
    ]


def test_best_fraction_of_one_scorer_and_a_threshold_on_another():
    rule = Rule(
        scorer="j",
        mode="top_n",
        keep_top=2,
        conditions=(Condition("r", "threshold", 0.55),),
        drop_duplicates=False,
    )
    # best 2 by judge: rows 1 and 5 (5.0, 5.0); reward >= 0.55: rows 0, 2 and 5
    assert rule.decide(JUDGE, columns=COLUMNS).tolist() == [DROP, DROP, DROP, DROP, DROP, KEEP]
    # under any, a row one scorer drops and the other cannot judge stays undecided
    assert rule.with_changes(combine="any").decide(JUDGE, columns=COLUMNS).tolist() == [
        KEEP,
        KEEP,
        KEEP,
        UNDECIDED,
        UNDECIDED,
        KEEP,
    ]


def test_rank_average_against_a_hand_computation():
    reward = np.array([0.1, 0.5, 0.9], dtype=np.float32)  # ranks 0, .5, 1
    judge = np.array([5.0, 1.0, 3.0], dtype=np.float32)  # ranks 1, 0, .5
    columns = {"r": reward, "j": judge}
    average = rank_average(columns, (("r", 2.0), ("j", 1.0)), 3)
    np.testing.assert_allclose(average, [1 / 3, 1 / 3, 2.5 / 3], rtol=1e-6)
    rule = Rule(
        mode="top_n", keep_top=1, rank_weights=(("r", 2.0), ("j", 1.0)), drop_duplicates=False
    )
    assert rule.decide(reward, columns=columns).tolist() == [DROP, DROP, KEEP]


def test_a_rank_average_over_a_missing_scorer_decides_nothing():
    rule = Rule(mode="top_fraction", keep_fraction=0.5, rank_weights=(("r", 1.0), ("gone", 1.0)))
    assert (rule.decide(REWARD, columns=COLUMNS) == UNDECIDED).all()


def test_rules_over_several_scorers_round_trip_and_old_rules_still_load():
    rule = Rule(
        scorer="r", conditions=(Condition("j", "top_fraction", keep_fraction=0.3),), combine="any"
    )
    assert Rule.from_dict(rule.to_dict()) == rule
    averaged = Rule(mode="top_n", keep_top=5, rank_weights=(("r", 2.0), ("j", 1.0)))
    assert Rule.from_dict(averaged.to_dict()) == averaged
    old = {
        "mode": "threshold",
        "min_score": 0.4,
        "keep_top": 10,
        "keep_fraction": 0.5,
        "drop_duplicates": True,
        "drop_flags": [],
        "drop_overlap": [],
    }
    assert Rule.from_dict(old) == Rule(min_score=0.4, keep_top=10)


@pytest.mark.parametrize(
    "changes",
    [
        {"combine": "most"},
        {"rank_weights": (("r", 0.0),)},
        {"rank_weights": (("r", 1.0), ("r", 2.0))},
        {"rank_weights": (("r", 1.0),), "conditions": (Condition("j"),)},
    ],
)
def test_impossible_rules_are_refused(changes):
    with pytest.raises(RuleError):
        Rule(**changes)


def test_the_cutoff_edits_the_condition_of_the_scorer_it_shows():
    rule = Rule(scorer="r", min_score=0.5, conditions=(Condition("j", "threshold", 4.0),))
    moved = rule.with_condition("j", Condition("j", "threshold", 4.5))
    assert moved.conditions == (Condition("j", "threshold", 4.5),) and moved.min_score == 0.5
    main = rule.with_condition("r", Condition("r", "threshold", 0.8))
    assert main.min_score == 0.8 and main.conditions == rule.conditions
    added = rule.with_condition("h", Condition("", "threshold", 0.1))
    assert added.condition_for("h") == Condition("h", "threshold", 0.1)
    assert added.with_condition("h", None) == rule


def test_the_rule_reads_in_words_with_column_names():
    rule = Rule(
        scorer="r",
        min_score=0.5,
        conditions=(Condition("j", "threshold", 4.5),),
        drop_duplicates=False,
    )
    assert (
        rule.describe({"r": "reward:rm", "j": "judge:acc"})
        == "keep reward:rm ≥ 0.5 and judge:acc ≥ 4.5"
    )


# -- properties ----------------------------------------------------------------------------

_scores = arrays(
    np.float32,
    st.integers(1, 40),
    elements=st.one_of(
        st.just(np.nan), st.floats(-5, 5, width=32, allow_nan=False, allow_subnormal=False)
    ),
)
_modes = st.sampled_from(["threshold", "top_n", "top_fraction"])


@st.composite
def _two_columns(draw):
    a = draw(_scores)
    b = draw(
        arrays(
            np.float32,
            len(a),
            elements=st.one_of(
                st.just(np.nan), st.floats(-5, 5, width=32, allow_nan=False, allow_subnormal=False)
            ),
        )
    )
    return a, b


@st.composite
def _condition(draw, scorer):
    return Condition(
        scorer,
        draw(_modes),
        draw(st.floats(-5, 5)),
        draw(st.integers(0, 40)),
        draw(st.floats(0, 1)),
    )


@settings(max_examples=150, deadline=None)
@given(_two_columns(), _condition("a"), _condition("b"))
def test_all_keeps_the_intersection_and_any_the_union(columns, first, second):
    a, b = columns
    named = {"a": a, "b": b}
    rule = Rule(
        scorer="a",
        mode=first.mode,
        min_score=first.min_score,
        keep_top=first.keep_top,
        keep_fraction=first.keep_fraction,
        conditions=(second,),
        drop_duplicates=False,
    )
    keep_a = first.decide(a) == KEEP
    keep_b = second.decide(b) == KEEP
    assert np.array_equal(rule.decide(a, columns=named) == KEEP, keep_a & keep_b)
    either = rule.with_changes(combine="any").decide(a, columns=named)
    assert np.array_equal(either == KEEP, keep_a | keep_b)
    # a drop by any condition is final under all; a keep by any is final under any
    assert np.array_equal(
        rule.decide(a, columns=named) == DROP,
        (first.decide(a) == DROP) | (second.decide(b) == DROP),
    )


@settings(max_examples=150, deadline=None)
@given(_two_columns(), st.sampled_from(["arctan", "cube", "scale"]), st.integers(0, 40))
def test_equal_weight_rank_average_ignores_monotone_transforms(columns, transform, keep):
    a, b = (c.astype(np.float64) for c in columns)
    # strictly increasing, also in floating point over these values
    f = {"arctan": np.arctan, "cube": lambda x: x**3, "scale": lambda x: 8 * x}[transform]
    weights = (("a", 1.0), ("b", 1.0))
    before = rank_average({"a": a, "b": b}, weights, len(a))
    after = rank_average({"a": f(a), "b": b}, weights, len(a))
    np.testing.assert_array_equal(before, after)
    rule = Rule(mode="top_n", keep_top=keep, rank_weights=weights, drop_duplicates=False)
    assert np.array_equal(
        rule.decide(a, columns={"a": a, "b": b}), rule.decide(a, columns={"a": f(a), "b": b})
    )


@settings(max_examples=100, deadline=None)
@given(_scores)
def test_percentile_ranks_lie_in_0_1_and_follow_the_scores(scores):
    ranks = percentile_ranks(scores.astype(np.float64))
    scored = ~np.isnan(scores)
    assert np.array_equal(np.isnan(ranks), ~scored)
    values, order = ranks[scored], scores[scored]
    assert ((values >= 0) & (values <= 1)).all()
    for i in range(len(order)):
        assert ((order > order[i]) <= (values > values[i])).all()


# -- agreement -----------------------------------------------------------------------------


def test_spearman_matrix_matches_scipy_over_rows_both_scored():
    rng = np.random.default_rng(7)
    base = rng.normal(size=300)
    a = base + rng.normal(scale=0.5, size=300)
    b = np.round(base * 2) + rng.normal(scale=2, size=300)  # ties and noise
    c = -(a**3)
    a[rng.choice(300, 40, replace=False)] = np.nan
    b[rng.choice(300, 25, replace=False)] = np.nan
    d = np.tanh(a) + rng.normal(scale=0.3, size=300)  # scored on exactly a's rows
    d[np.isnan(a)] = np.nan
    found = agreement(["a", "b", "c", "d"], [a, b, c, d])
    for i, x in enumerate((a, b, c, d)):
        for j, y in enumerate((a, b, c, d)):
            both = ~(np.isnan(x) | np.isnan(y))
            expected = spearmanr(x[both], y[both]).statistic
            assert found.rho[i, j] == pytest.approx(expected, abs=1e-12)
            assert found.paired[i, j] == both.sum()
    assert found.rho[0, 2] == pytest.approx(-1.0)
    assert found.pairs()[0][:2] == ("a", "c")  # the most disagreeing pair first


def test_a_constant_scorer_has_no_correlation_rather_than_zero():
    found = agreement(["x", "y"], [np.ones(10), np.arange(10.0)])
    assert np.isnan(found.rho[0, 1]) and np.isnan(found.rho[0, 0])


def test_disagreement_queue_puts_the_widest_rank_gap_first():
    a = np.array([1.0, 2.0, 3.0, 4.0, NAN])
    b = np.array([4.0, 2.0, 3.0, 1.0, 5.0])
    # ranks (0..1) by a: 0, 1/3, 2/3, 1   by b: 1, 1/3, 2/3, 0  -> gaps 1, 0, 0, 1
    np.testing.assert_allclose(rank_gaps(a, b)[:4], [1, 0, 0, 1])
    assert disagreement_order(a, b).tolist() == [0, 3, 1, 2]
    eligible = np.array([False, True, True, True, True])
    assert disagreement_order(a, b, eligible).tolist() == [3, 1, 2]


def test_agreement_with_a_column_nothing_has_scored_yet():
    """A column with no score yet (found by the curator state machine) has no ρ, and no warning.

    Its ranks were the mean of an empty slice: a RuntimeWarning on every redraw of the
    Agreement dock, and an error where warnings are errors.
    """
    scored = np.array([0.1, 0.5, 0.3, 0.9, 0.7])
    found = agreement(["a", "b", "empty"], [scored, -scored, np.full(5, np.nan)])
    assert np.isnan(found.rho[2]).all() and (found.paired[2] == 0).all()
    assert found.rho[0, 0] == 1.0 and found.rho[0, 1] == pytest.approx(-1.0)
