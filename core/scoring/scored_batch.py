"""One batch of scoring results: plain arrays, no torch.

It lives apart from the batch loop (:mod:`core.scoring.engine`, which needs torch) so that
reading cached scores from a project, as ``export`` and the app's start do, never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ScoredBatch:
    """Results for some rows (dataset row numbers), in no particular order."""

    rows: np.ndarray
    scores: np.ndarray  # float32, NaN where unscorable
    truncated: np.ndarray  # bool
    unscorable: np.ndarray  # bool
    reasons: dict[int, str] = field(default_factory=dict)  # row -> why it is unscorable
    real_tokens: int = 0
    computed_tokens: int = 0
    lengths: np.ndarray | None = None  # tokens per row, where the rows were run as one batch
    entropy: np.ndarray | None = None  # a judge's rating entropy (nats), NaN where unscorable
    #: A scorer's own per-row columns (IFD: the ratio, both losses, the IFD > 1 flag).
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    texts: dict[int, str] | None = None  # row -> an endpoint judge's raw answer (text mode)
