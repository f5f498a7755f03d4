"""Score against response length on a fixed sample, and how strongly they go together.

Reward models tend to favour long answers (Singhal et al. 2023, "A Long Way to Go:
Investigating Length Correlations in RLHF"), so a curator should see whether the threshold is
really a length cut. The sample is a fixed, seeded subset of rows: as scores stream in, its
points fill in without the plot ever holding more than :data:`SAMPLE_POINTS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_POINTS = 5_000
SAMPLE_SEED = 7
#: Fewer points than this give no useful correlation.
MIN_POINTS = 10


def sample_rows(rows: int, points: int = SAMPLE_POINTS, seed: int = SAMPLE_SEED) -> np.ndarray:
    """The rows drawn (all of them for small datasets), in file order."""
    if rows <= points:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, size=points, replace=False))


@dataclass(frozen=True)
class LengthView:
    """The sampled, scored rows with their lengths and the rank correlation."""

    rows: np.ndarray
    lengths: np.ndarray
    scores: np.ndarray
    correlation: float  # Spearman's rank correlation; NaN with too few points or no spread

    def describe(self) -> str:
        """The caption's reading: the correlation, or why there is none to read.

        Every score equal (a heuristic that passes every row) is not "too few rows": saying so
        would send the curator waiting for scores that have all arrived.
        """
        if len(self.rows) < MIN_POINTS:
            return "not enough scored rows yet"
        if np.ptp(self.scores) == 0:
            return f"every score is {float(self.scores[0]):.3f}, so no length effect to measure"
        if np.ptp(self.lengths) == 0:
            return "every answer has the same length, so no length effect to measure"
        return describe_correlation(self.correlation)


def length_view(sample: np.ndarray, scores: np.ndarray, lengths: np.ndarray) -> LengthView:
    """The sample's scored rows, their lengths and Spearman's correlation between the two."""
    scored = sample[np.isfinite(scores[sample])]
    x, y = lengths[scored], scores[scored]
    correlation = float("nan")
    if len(scored) >= MIN_POINTS and np.ptp(x) > 0 and np.ptp(y) > 0:
        from scipy.stats import spearmanr  # here: scipy.stats costs ~1 s at start-up

        correlation = float(spearmanr(x, y).statistic)
    return LengthView(scored, x, y, correlation)


def describe_correlation(correlation: float) -> str:
    """A plain-words reading of the correlation for the plot's caption."""
    if np.isnan(correlation):
        return "not enough scored rows yet"
    strength = abs(correlation)
    word = (
        "no"
        if strength < 0.1
        else "a weak"
        if strength < 0.3
        else "a moderate"
        if strength < 0.5
        else "a strong"
    )
    direction = (
        ""
        if strength < 0.1
        else (
            " longer answers score higher" if correlation > 0 else " shorter answers score higher"
        )
    )
    shown = round(correlation, 2) + 0.0  # -0.004 reads "+0.00", not "-0.00"
    return f"Spearman r = {shown:+.2f}: {word} length effect" + (
        f",{direction}" if direction else ""
    )
