"""IFD's part of a run summary (no torch: the command line's report and the app's status)."""

from __future__ import annotations

import numpy as np

#: The per-row flag column (kept in step with :data:`core.scoring.ifd.ABOVE_1`).
ABOVE_1 = "ifd_above_1"


def ifd_report(table) -> dict:
    """How many rows were flagged IFD > 1, and the IFD quartiles of the ranked rows."""
    above = table.extra.get(ABOVE_1, np.zeros(0, dtype=bool))
    ranked = table.scores[np.isfinite(table.scores)]
    quartiles = (
        None
        if not len(ranked)
        else [round(float(q), 4) for q in np.quantile(ranked, [0.25, 0.5, 0.75])]
    )
    return {
        ABOVE_1: int(above.sum()),
        "ifd_quartiles": quartiles,
        "score_direction": "higher IFD = harder to predict from the prompt = keep the top",
    }
