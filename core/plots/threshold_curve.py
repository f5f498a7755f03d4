"""Kept records and kept tokens as a function of the score threshold.

The curve answers "what would I keep if the cutoff were t?" with everything else as it is:
rows a curator kept stay kept, rows a curator dropped or the rule drops for other reasons
(duplicates, flags) stay dropped, and every other scored row is kept when its score is at
least t. At the current threshold it therefore equals the summary's kept counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.review.decisions import AUTO, KEEP

#: Points drawn per curve (the exact curve is a step per scored row).
CURVE_POINTS = 1_500


@dataclass(frozen=True)
class ThresholdCurve:
    """Kept rows and tokens for cutoffs at the scores (ascending)."""

    cutoffs: np.ndarray  # ascending distinct-or-not scores of the rows the cutoff decides
    rows: np.ndarray  # kept rows at each cutoff
    tokens: np.ndarray  # kept tokens at each cutoff
    fixed_rows: int  # kept whatever the cutoff (curator keeps)
    fixed_tokens: int
    scored: int = 0  # rows with a score at all (a file of prompts alone has none)

    def at(self, cutoff: float) -> tuple[int, int]:
        """Kept (rows, tokens) at ``cutoff``."""
        # Compared in the scores' own dtype, as the rule compares them: a float32 score of 0.7
        # is below the float64 0.7 but equal to float32(0.7), and the rule keeps it.
        typed = np.asarray(cutoff, dtype=self.cutoffs.dtype)
        first = int(np.searchsorted(self.cutoffs, typed, side="left"))
        if first >= len(self.cutoffs):
            return self.fixed_rows, self.fixed_tokens
        return int(self.rows[first]), int(self.tokens[first])

    def drawn(self, points: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At most ``points`` (cutoff, rows, tokens) samples, ends included, for drawing."""
        if len(self.cutoffs) <= points:
            return self.cutoffs, self.rows, self.tokens
        pick = np.unique(np.linspace(0, len(self.cutoffs) - 1, points).round().astype(np.int64))
        return self.cutoffs[pick], self.rows[pick], self.tokens[pick]


def threshold_curve(
    scores: np.ndarray, tokens: np.ndarray, manual: np.ndarray, forced_drop: np.ndarray
) -> ThresholdCurve:
    """The curve for the current decisions (``forced_drop``: the rule's non-score drops)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    fixed = manual == KEEP
    decided_by_cutoff = (manual == AUTO) & ~forced_drop & np.isfinite(scores)
    rows = np.flatnonzero(decided_by_cutoff)
    order = np.argsort(scores[rows], kind="stable")
    cutoffs = scores[rows][order]
    # Keeping every row from position i on: suffix sums.
    above_rows = np.arange(len(rows), 0, -1, dtype=np.int64)
    above_tokens = np.cumsum(tokens[rows][order][::-1])[::-1]
    fixed_rows = int(np.count_nonzero(fixed))
    fixed_tokens = int(tokens[fixed].sum())
    return ThresholdCurve(
        cutoffs,
        above_rows + fixed_rows,
        above_tokens + fixed_tokens,
        fixed_rows,
        fixed_tokens,
        int(np.count_nonzero(np.isfinite(scores))),
    )
