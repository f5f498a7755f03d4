"""Background work for the plots: the threshold curve (rows and tokens kept per cutoff)."""

from __future__ import annotations

from PySide6.QtCore import Signal

from core.plots.threshold_curve import threshold_curve
from gui.jobs import LatestJob


class ThresholdCurveJob(LatestJob):
    """Computes the threshold curve on a worker; the newest request wins."""

    done = Signal(object)  # ThresholdCurve

    def start(self, scores, dataset, manual, forced) -> None:
        """Compute the curve from copies of the session's arrays (tokens on the worker too)."""
        self._launch(_curve_with_tokens, scores, dataset, manual, forced, returned=self.done.emit)


def _curve_with_tokens(scores, dataset, manual, forced):
    """The threshold curve; the per-row token counts are summed here, off the GUI thread."""
    return threshold_curve(scores, dataset.prompt_tokens + dataset.response_tokens, manual, forced)
