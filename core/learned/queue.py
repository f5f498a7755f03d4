"""The "least sure" queue: undecided rows whose keep-probability is closest to one half.

Active learning by uncertainty sampling: the rows the classifier cannot tell apart are the ones
whose decision teaches it the most, so a curator's next twenty decisions are best spent there.
"""

from __future__ import annotations

import numpy as np

from core.review.decisions import AUTO


def least_sure_rows(probabilities: np.ndarray, manual: np.ndarray) -> np.ndarray:
    """Rows with no manual decision and a keep-probability, closest to 0.5 first."""
    rows = np.flatnonzero((manual == AUTO) & np.isfinite(probabilities))
    return rows[np.argsort(np.abs(probabilities[rows] - 0.5), kind="stable")]
