"""Score against response length on a fixed sample, coloured by the final decision.

Reward models tend to prefer long answers; the caption reads the rank correlation out in words
and the dashed line is the cutoff, so a curator sees at once whether the rule is a length cut.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from core.plots.length_sample import LengthView
from gui.widgets.plot_style import (
    DROPPED,
    KEPT,
    THRESHOLD,
    UNDECIDED,
    Log10Axis,
    captioned,
    dashed,
    plot_widget,
)


class LengthPlot(QWidget):
    """Scatter of score vs response length (≈ tokens, log scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot_widget(
            "response length (≈ tokens, log scale)",
            "score",
            self,
            axis_items={"bottom": Log10Axis("bottom")},
        )
        # One scatter per decision, each with a single brush: a brush per point made pyqtgraph
        # build 5,000 brushes in Python on every decision (90 ms a key on the GUI thread).
        self._brushes = {
            code: pg.mkBrush(pg.mkColor(colour).lighter(105))
            for code, colour in (("keep", KEPT), ("drop", DROPPED), ("other", UNDECIDED))
        }
        self.layers = {
            code: pg.ScatterPlotItem(size=4, pen=None, brush=brush)
            for code, brush in self._brushes.items()
        }
        for layer in self.layers.values():
            self.plot.addItem(layer)
        #: What each layer draws now: a decision outside the sample (nearly every one, on a
        #: large file) leaves the points as they are, and pyqtgraph is not asked to redo them
        #: (it rebuilds every point's style in Python: most of a keyboard decision's cost).
        self._drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.cutoff = pg.InfiniteLine(angle=0, movable=False, pen=dashed(THRESHOLD))
        self.cutoff.hide()
        self.plot.addItem(self.cutoff)
        self.plot.setToolTip(
            "A sample of scored rows; green kept, red dropped. The dashed "
            "line is the rule's cutoff."
        )
        self.caption = captioned(self, "Score vs response length: waiting for scores.", self.plot)

    def show_view(
        self,
        view: LengthView,
        kept: np.ndarray,
        dropped: np.ndarray,
        cutoff: float | None,
        sampled_from: int,
    ) -> None:
        """Draw the sample (``kept``/``dropped``: per-point masks aligned with ``view.rows``)."""
        if not len(view.rows):
            for code in self.layers:
                self._draw(code, np.zeros(0), np.zeros(0))
            self.caption.setText("Score vs response length: waiting for scores.")
            self.cutoff.hide()
            # Auto-range keeps the last file's axes over no points; show a neutral range and
            # let the next points fit it again.
            self.plot.getPlotItem().getViewBox().setRange(
                xRange=(0, 3), yRange=(0, 1), padding=0, disableAutoRange=False
            )
            return
        x = np.log10(np.maximum(view.lengths, 1))
        for code, mask in (("keep", kept), ("drop", dropped), ("other", ~(kept | dropped))):
            self._draw(code, x[mask], view.scores[mask])
        if cutoff is not None and np.isfinite(cutoff):
            self.cutoff.setValue(cutoff)
            self.cutoff.show()
        else:
            self.cutoff.hide()
        sample = (
            f"{len(view.rows):,} sampled rows"
            if sampled_from > len(view.rows)
            else f"{len(view.rows):,} rows"
        )
        reading = view.describe()
        self.caption.setText(f"Score vs length ({sample}). {reading[:1].upper()}{reading[1:]}.")

    def _draw(self, code: str, x: np.ndarray, y: np.ndarray) -> None:
        """Give layer ``code`` these points, unless it already shows exactly them."""
        drawn = self._drawn.get(code)
        if (
            drawn is not None
            and np.array_equal(drawn[0], x, equal_nan=True)
            and np.array_equal(drawn[1], y, equal_nan=True)
        ):
            return
        self.layers[code].setData(x=x, y=y)
        self._drawn[code] = (x, y)
