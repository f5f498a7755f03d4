"""Kept records and kept tokens as a function of the score threshold, the current one marked.

Records use the left axis and tokens the right one, so a curator sees both budgets at once; the
marker line is draggable like the histogram's and moves the same rule.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from core.plots.threshold_curve import ThresholdCurve
from gui.widgets.plot_style import (
    AXIS,
    KEPT,
    CountAxis,
    captioned,
    cutoff_line,
    dashed,
    plot_widget,
    short_count,
)

TOKENS = "#6a1b9a"
WAITING = "Kept records and tokens by threshold: waiting for scores."
UNSCORED = "Kept records and tokens by threshold: this file has no responses, so no scores."
UNDECIDED = "Kept records and tokens by threshold: no scored row is left for a cutoff to decide."


class ThresholdCurvePlot(QWidget):
    """Two curves against the cutoff and a draggable marker at the rule's cutoff."""

    threshold_moved = Signal(float, bool)  # cutoff, finished

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rule_kept: tuple[int, int, str] | None = None
        self.plot = plot_widget(
            "score threshold",
            "kept records",
            self,
            axis_items={"left": CountAxis("left"), "right": CountAxis("right")},
        )
        item = self.plot.getPlotItem()
        item.getAxis("left").setTextPen(pg.mkPen(KEPT))
        self.rows_curve = pg.PlotCurveItem(pen=pg.mkPen(KEPT, width=2), stepMode=None)
        self.plot.addItem(self.rows_curve)
        # Tokens on a second view box sharing the x axis, labelled on the right.
        self.token_view = pg.ViewBox()
        self.token_view.setMouseEnabled(x=False, y=False)
        item.showAxis("right")
        item.scene().addItem(self.token_view)
        right = item.getAxis("right")
        right.linkToView(self.token_view)
        right.setLabel("kept tokens (≈)", color=TOKENS)
        right.setPen(pg.mkPen(AXIS))
        right.setTextPen(pg.mkPen(TOKENS))
        self.token_view.setXLink(item.vb)
        self.tokens_curve = pg.PlotCurveItem(pen=dashed(TOKENS, 2))
        self.token_view.addItem(self.tokens_curve)
        item.vb.sigResized.connect(self._sync_views)
        self.line = cutoff_line()
        self.plot.addItem(self.line)
        self.caption = captioned(self, WAITING, self.plot)
        self._unscored = WAITING
        self.curve: ThresholdCurve | None = None
        self.line.sigDragged.connect(lambda line: self._moved(line.value(), False))
        self.line.sigPositionChangeFinished.connect(lambda line: self._moved(line.value(), True))

    def _sync_views(self) -> None:
        self.token_view.setGeometry(self.plot.getPlotItem().vb.sceneBoundingRect())
        self.token_view.linkedViewChanged(self.plot.getPlotItem().vb, self.token_view.XAxis)

    def clear(self, unscored: str = WAITING) -> None:
        """Another file (or none): nothing of the last one's curve, cutoff or counts is left.

        ``unscored``: what the caption says while no row has a score: waiting for them, or
        (:data:`UNSCORED`) that the file can have none.
        """
        self._unscored = unscored
        self.curve = None
        self._rule_kept = None
        self._draw_empty()
        self.line.hide()
        self.caption.setText(WAITING)

    def _draw_empty(self) -> None:
        self.rows_curve.setData([], [])
        self.tokens_curve.setData([], [])
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(0, 1, padding=0)
        self.token_view.setYRange(0, 1, padding=0)
        self._sync_views()

    def show_curve(self, curve: ThresholdCurve, x_range: tuple[float, float] | None) -> None:
        """Draw ``curve``; ``x_range`` matches the histogram's score range."""
        self.curve = curve
        cutoffs, rows, tokens = curve.drawn()
        if not len(cutoffs):  # no row is decided by a cutoff: no scores, or all decided else
            self._draw_empty()
            return
        self.rows_curve.setData(cutoffs, rows)
        self.tokens_curve.setData(cutoffs, tokens)
        if x_range is not None:
            self.plot.setXRange(*x_range, padding=0.02)
        self.plot.setYRange(0, max(1, int(rows.max())) * 1.05, padding=0)
        self.token_view.setYRange(0, max(1, int(tokens.max())) * 1.05, padding=0)
        self._sync_views()

    def show_threshold(
        self, cutoff: float | None, kept: tuple[int, int, str] | None = None
    ) -> None:
        """Mark the rule's cutoff and say what it keeps.

        ``kept``: the rule's own (rows, tokens, tie note) when the curve cannot say it: a best-N
        cutoff inside a tie keeps N rows, not every row at or above the cutoff score.
        """
        self._rule_kept = kept
        if cutoff is None or not np.isfinite(cutoff) or self.curve is None:
            self.line.hide()
            if self.curve is not None:
                self.caption.setText(
                    "Kept records and tokens by threshold (the rule has no score cutoff)."
                )
            return
        self.line.setVisible(bool(self.curve.scored))  # no line over a plot with no scores
        if not self.line.moving:
            self.line.setValue(cutoff)
        self._describe(cutoff)

    def _moved(self, cutoff: float, finished: bool) -> None:
        self._rule_kept = None  # a dragged line describes the threshold under it
        self._describe(cutoff)
        self.threshold_moved.emit(cutoff, finished)

    def _describe(self, cutoff: float) -> None:
        if self.curve is None:
            return
        if not len(self.curve.cutoffs):  # nothing for a cutoff to decide: say why
            self.caption.setText(UNDECIDED if self.curve.scored else self._unscored)
            return
        note = ""
        if self._rule_kept is not None:
            rows, tokens, note = self._rule_kept
        else:
            rows, tokens = self.curve.at(cutoff)
        self.caption.setText(
            f"At cutoff {cutoff:.3f}: {rows:,} records kept, ≈{short_count(tokens)} tokens."
            + (f" {note}." if note else "")
        )
