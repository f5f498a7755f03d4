"""The judge's part of a run summary: how much it favours long answers, and how sure it was.

Judges favour long answers (the longer answer wins about 68% of GPT-4's pairwise verdicts in
MT-Bench), so every judge run reports Spearman's ρ between rating and response length. Torch-free:
the command line and the app show it for local and server judges alike.
"""

from __future__ import annotations

import numpy as np

#: Fewer rated rows than this give no length correlation (it would be noise).
MIN_ROWS_FOR_CORRELATION = 10


def length_correlation(scores: np.ndarray, response_chars: np.ndarray) -> float | None:
    """Spearman's ρ between rating and response length over rated rows (judges favour length).

    None when fewer than :data:`MIN_ROWS_FOR_CORRELATION` rows were rated or either side is
    constant (ρ is undefined then, and a made-up 0 would read as "no bias").
    """
    from scipy.stats import spearmanr

    rated = np.isfinite(scores)
    if rated.sum() < MIN_ROWS_FOR_CORRELATION:
        return None
    x, y = scores[rated], response_chars[rated]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(spearmanr(x, y).statistic)


def judge_report(dataset, table) -> dict:
    """The judge's part of a run summary: length bias and how sure it was."""
    entropy = table.entropy if table.entropy is not None else np.array([], dtype=np.float32)
    rated = np.isfinite(entropy)
    return {
        "judge_length_correlation": length_correlation(table.scores, dataset.response_chars),
        "judge_mean_entropy": round(float(entropy[rated].mean()), 4) if rated.any() else None,
    }


def length_bias_line(rho: float | None) -> str:
    """The summary line for the judge's length correlation."""
    return "Length bias: " + (
        "too few ratings to tell"
        if rho is None
        else f"Spearman ρ = {rho:+.2f} between rating and response length"
    )
