"""Kept rows and tokens as the threshold moves, against the review rule itself."""

from __future__ import annotations

import numpy as np

from core.plots.length_sample import describe_correlation, length_view, sample_rows
from core.plots.threshold_curve import threshold_curve
from core.review.decisions import AUTO, DROP, KEEP
from core.review.rule import Rule


def test_the_curve_matches_the_rule_at_every_threshold() -> None:
    rng = np.random.default_rng(0)
    n = 500
    scores = rng.normal(0, 1, n)
    scores[::50] = np.nan
    tokens = rng.integers(5, 400, n)
    manual = np.full(n, AUTO, dtype=np.int8)
    manual[3], manual[7], manual[11] = KEEP, DROP, KEEP
    duplicate = np.zeros(n, bool)
    duplicate[20:40] = True
    curve = threshold_curve(scores, tokens, manual, Rule().forced_drops(n, None, duplicate))
    for cutoff in (-3.0, -0.5, 0.0, 0.25, 1.7, 9.0):
        rule = Rule(mode="threshold", min_score=cutoff)
        decided = rule.decide(scores, None, duplicate)
        final = np.where(manual != AUTO, manual, decided)
        kept = final == KEEP
        assert curve.at(cutoff) == (kept.sum(), tokens[kept].sum())


def test_float32_scores_at_the_cutoff_count_as_the_rule_counts_them() -> None:
    scores = np.array([0.7, 0.69, 0.71, 0.7], dtype=np.float32)  # scorers emit float32
    curve = threshold_curve(scores, np.ones(4), np.full(4, AUTO, np.int8), np.zeros(4, bool))
    kept = Rule(mode="threshold", min_score=0.7).decide(scores) == KEEP
    assert curve.at(0.7) == (kept.sum(), kept.sum()) == (3, 3)


def test_drawn_curve_is_bounded_and_keeps_its_ends() -> None:
    scores = np.linspace(0, 1, 10_000)
    curve = threshold_curve(
        scores, np.ones(10_000), np.full(10_000, AUTO, np.int8), np.zeros(10_000, bool)
    )
    cutoffs, rows, _tokens = curve.drawn(100)
    assert len(cutoffs) <= 100 and cutoffs[0] == 0 and cutoffs[-1] == 1
    assert rows[0] == 10_000 and rows[-1] == 1


def test_length_sample_is_bounded_and_sees_a_length_bias() -> None:
    n = 50_000
    sample = sample_rows(n, 2_000)
    assert len(sample) == 2_000 and np.all(np.diff(sample) > 0)
    rng = np.random.default_rng(1)
    lengths = rng.integers(1, 2000, n)
    scores = np.log(lengths) + rng.normal(0, 0.5, n)
    scores[: n // 2] = np.nan  # half still unscored
    view = length_view(sample, scores, lengths)
    assert 0 < len(view.rows) < 2_000
    assert view.correlation > 0.6
    assert "longer answers score higher" in describe_correlation(view.correlation)
    assert "not enough" in describe_correlation(float("nan"))
    assert describe_correlation(-0.004).startswith("Spearman r = +0.00: no length effect")


def test_equal_scores_are_not_read_as_too_few_rows():
    """Every row scored 1.000 (a heuristic that passes them all) says so, not "not enough yet"."""
    sample = sample_rows(2_000)
    lengths = np.random.default_rng(2).integers(1, 500, 2_000)
    view = length_view(sample, np.ones(2_000), lengths)
    assert len(view.rows) == 2_000
    assert view.describe() == "every score is 1.000, so no length effect to measure"
    assert "same length" in length_view(sample, lengths / 500.0, np.full(2_000, 7)).describe()
    assert "not enough" in length_view(sample, np.full(2_000, np.nan), lengths).describe()
