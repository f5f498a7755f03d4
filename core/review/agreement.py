"""Where scorers agree and where they do not: rank correlations and the disagreement queue.

"Quality" is not one number: an accuracy judge and a helpfulness judge, or a reward model and
a length-driven heuristic, rank the same rows differently. A curator looks at how much they
agree overall (Spearman's ρ of every pair, over the rows both scored) and at the rows two of
them rank furthest apart, which is where one of them is wrong.

Plain numpy over float arrays: 100k rows and a handful of scorers take well under a second,
and the app still runs it off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def rankdata(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), as ``scipy.stats.rankdata``.

    scipy.stats is imported here, when ranks are wanted, not when the review code loads:
    importing it takes about 0.3 s of the app's and the command line's start-up.
    """
    from scipy.stats import rankdata as scipy_rankdata

    return scipy_rankdata(values)


#: Rows both scorers must have scored for a correlation to be shown.
MIN_PAIRED_ROWS = 3


@dataclass(frozen=True)
class Agreement:
    """Spearman's ρ of every pair of columns, with the rows each pair was computed over."""

    names: tuple[str, ...]
    rho: np.ndarray  # (k, k) float64; NaN where fewer than MIN_PAIRED_ROWS pairs
    paired: np.ndarray  # (k, k) int64: rows both scored

    def pairs(self) -> list[tuple[str, str, float, int]]:
        """Every pair once, most disagreeing first (for the summary under the heat map)."""
        k = len(self.names)
        found = [
            (self.names[i], self.names[j], float(self.rho[i, j]), int(self.paired[i, j]))
            for i in range(k)
            for j in range(i + 1, k)
        ]
        return sorted(found, key=lambda p: (np.nan_to_num(p[2], nan=2.0), p[0], p[1]))


def spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Spearman's ρ of ``a`` and ``b`` over rows both scored (NaN elsewhere), and that count.

    Ties get their average rank, as :func:`scipy.stats.spearmanr` does; a constant column has
    no ρ (NaN), never a made-up 0.
    """
    both = ~(np.isnan(a) | np.isnan(b))
    count = int(both.sum())
    if count < MIN_PAIRED_ROWS:
        return float("nan"), count
    ra = rankdata(a[both])
    rb = rankdata(b[both])
    ra -= ra.mean()
    rb -= rb.mean()
    denominator = float(np.sqrt((ra * ra).sum() * (rb * rb).sum()))
    if denominator == 0.0:
        return float("nan"), count
    return float((ra * rb).sum() / denominator), count


def _centred_ranks(values: np.ndarray) -> tuple[np.ndarray, float]:
    if not len(values):  # a column nothing has scored yet (a run just added, all cached NaN)
        return np.zeros(0), 0.0
    ranks = rankdata(values)
    ranks -= ranks.mean()
    return ranks, float(np.sqrt((ranks * ranks).sum()))


def agreement(names: Sequence[str], columns: Sequence[np.ndarray]) -> Agreement:
    """Spearman's ρ of every pair of ``columns`` (1 on the diagonal where a column varies).

    Each column is ranked once over its own scored rows; a pair is re-ranked only when the two
    scored different rows (ranks must be taken over the rows both scored).
    """
    k = len(columns)
    rho = np.full((k, k), np.nan)
    paired = np.zeros((k, k), dtype=np.int64)
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    scored = [~np.isnan(a) for a in arrays]
    own = [_centred_ranks(a[m]) for a, m in zip(arrays, scored, strict=True)]
    for i in range(k):
        count = int(scored[i].sum())
        paired[i, i] = count
        if count >= MIN_PAIRED_ROWS and own[i][1] > 0:
            rho[i, i] = 1.0
        for j in range(i + 1, k):
            if np.array_equal(scored[i], scored[j]):
                count = int(scored[i].sum())
                (ri, ni), (rj, nj) = own[i], own[j]
                value = (
                    float((ri * rj).sum() / (ni * nj))
                    if count >= MIN_PAIRED_ROWS and ni > 0 and nj > 0
                    else float("nan")
                )
            else:
                value, count = spearman(arrays[i], arrays[j])
            rho[i, j] = rho[j, i] = value
            paired[i, j] = paired[j, i] = count
    return Agreement(tuple(names), rho, paired)


def rank_gaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|rank by ``a`` − rank by ``b``| per row, as a fraction of the rows both scored.

    Ranks are taken over the rows both scorers scored, each in 0 (worst) … 1 (best), so a gap
    of 0.9 means one scorer puts the row near the top and the other near the bottom. NaN
    where either scorer has no score.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    both = ~(np.isnan(a) | np.isnan(b))
    gaps = np.full(len(a), np.nan)
    count = int(both.sum())
    if count < 2:
        return gaps
    ra = (rankdata(a[both]) - 1) / (count - 1)
    rb = (rankdata(b[both]) - 1) / (count - 1)
    gaps[both] = np.abs(ra - rb)
    return gaps


def disagreement_order(
    a: np.ndarray, b: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Rows both scorers scored (and ``eligible``), the largest rank gap first.

    Equal gaps keep file order, so the queue is the same every time it is built.
    """
    gaps = rank_gaps(a, b)
    mask = ~np.isnan(gaps)
    if eligible is not None:
        mask &= eligible
    rows = np.flatnonzero(mask)
    return rows[np.argsort(-gaps[rows], kind="stable")]
