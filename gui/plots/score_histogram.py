"""The live score histogram: kept and dropped stacked, the rule's threshold, a range to filter.

- The vertical line *is* the automatic rule's cutoff: dragging it emits the new cutoff while
  it moves (throttled by :class:`gui.plots.dock.PlotsDock`) and once more on release.
- A click on the plot selects that bin's score range; dragging across the plot selects a range;
  a double click clears it. The range is the table's score filter.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from core.plots.histogram import StreamingHistogram
from gui.widgets.plot_style import (
    DROPPED,
    KEPT,
    RANGE_FILL,
    THRESHOLD,
    UNDECIDED,
    CountAxis,
    captioned,
    cutoff_line,
    dashed,
    plot_widget,
)


class RangeViewBox(pg.ViewBox):
    """A view box that turns clicks and drags into a score-range selection."""

    clicked = Signal(float)
    range_dragged = Signal(float, float, bool)  # low, high, finished
    cleared = Signal()

    def mouseClickEvent(self, ev) -> None:  # noqa: D102
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        if ev.double():
            self.cleared.emit()
        else:
            self.clicked.emit(float(self.mapToView(ev.pos()).x()))

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: D102
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        start = float(self.mapToView(ev.buttonDownPos()).x())
        here = float(self.mapToView(ev.pos()).x())
        self.range_dragged.emit(min(start, here), max(start, here), ev.isFinish())


class ScoreHistogramPlot(QWidget):
    """Stacked kept/dropped/undecided bars with the threshold line and the filter range."""

    threshold_moved = Signal(float, bool)  # cutoff, finished (released)
    range_selected = Signal(object, object, bool)  # low, high (None: open), high excluded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_box = RangeViewBox()
        self.plot = plot_widget(
            "score (higher is better)",
            "records",
            self,
            axis_items={"left": CountAxis("left")},
            view_box=self.view_box,
        )
        self.bars = {
            name: pg.BarGraphItem(
                x0=[], x1=[], y0=[], height=[], brush=colour, pen=pg.mkPen("w", width=0.5)
            )
            for name, colour in (("kept", KEPT), ("dropped", DROPPED), ("undecided", UNDECIDED))
        }
        for bar in self.bars.values():
            self.plot.addItem(bar)
        self.region = pg.LinearRegionItem(
            brush=pg.mkBrush(*RANGE_FILL), movable=False, pen=dashed(THRESHOLD, 1)
        )
        self.region.setZValue(-10)
        self.region.hide()
        self.plot.addItem(self.region)
        self.line = cutoff_line("cutoff {value:.3f}")
        self.plot.addItem(self.line)
        self.plot.setToolTip(
            "Click a bar to show its rows; drag across to show a score range; "
            "double-click to show all rows again"
        )
        self.caption = captioned(self, "Scores appear here as they arrive.", self.plot)
        self._histogram: StreamingHistogram | None = None
        self._dragging_range = False

        self.line.sigDragged.connect(lambda line: self.threshold_moved.emit(line.value(), False))
        self.line.sigPositionChangeFinished.connect(
            lambda line: self.threshold_moved.emit(line.value(), True)
        )
        self.view_box.clicked.connect(self._on_click)
        self.view_box.range_dragged.connect(self._on_drag)
        self.view_box.cleared.connect(lambda: self.range_selected.emit(None, None, False))

    # -- drawing -------------------------------------------------------------------------------

    @property
    def histogram(self):
        """The counts drawn now (None before the first draw)."""
        return self._histogram

    def show_counts(
        self,
        histogram: StreamingHistogram,
        kept: np.ndarray,
        dropped: np.ndarray,
        caption: str,
        cutoff: float | None = None,
    ) -> None:
        """Draw the bars (``kept`` and ``dropped``: per-bin counts of the histogram's bins)."""
        self._histogram = histogram
        self.caption.setText(caption)
        if histogram.empty:
            for bar in self.bars.values():
                bar.setOpts(x0=[], x1=[], y0=[], height=[])
            # Not the last file's axes: empty bars under its counts would read as its scores.
            self.plot.setXRange(0, 1, padding=0.03)
            self.plot.setYRange(0, 1, padding=0)
            return
        edges = histogram.edges
        left, right = edges[:-1], edges[1:]
        other = np.maximum(histogram.counts - kept - dropped, 0)
        self.bars["kept"].setOpts(x0=left, x1=right, y0=np.zeros_like(kept), height=kept)
        self.bars["dropped"].setOpts(x0=left, x1=right, y0=kept, height=dropped)
        self.bars["undecided"].setOpts(x0=left, x1=right, y0=kept + dropped, height=other)
        self.plot.setXRange(*self.x_range(cutoff), padding=0.03)
        # Headroom above the tallest bar for the legend and the cutoff label.
        self.plot.setYRange(0, max(1, int(histogram.counts.max())) * 1.3, padding=0)

    def x_range(self, cutoff: float | None = None) -> tuple[float, float]:
        """The scores worth showing: the occupied bins, widened to include the cutoff."""
        histogram = self._histogram
        if histogram is None or histogram.empty or not histogram.total:
            return (0.0, 1.0)
        occupied = np.flatnonzero(histogram.counts)
        edges = histogram.edges
        low, high = float(edges[occupied[0]]), float(edges[occupied[-1] + 1])
        if cutoff is not None and np.isfinite(cutoff):
            low, high = min(low, cutoff), max(high, cutoff)
        return low, high

    def show_threshold(self, cutoff: float | None) -> None:
        """Place the cutoff line (hidden when the rule has no score cutoff)."""
        if cutoff is None or not np.isfinite(cutoff):
            self.line.hide()
            return
        self.line.show()
        if not self.line.moving:
            self.line.setValue(cutoff)

    def show_range(self, low: float | None, high: float | None) -> None:
        """Shade the table's score filter (either end may be open)."""
        if self._dragging_range:
            return
        if low is None and high is None:
            self.region.hide()
            return
        left, right = self.plot.getPlotItem().vb.viewRange()[0]
        self.region.setRegion((left if low is None else low, right if high is None else high))
        self.region.show()

    # -- interaction ---------------------------------------------------------------------------

    def _on_click(self, x: float) -> None:
        if self._histogram is None:
            return
        index = self._histogram.bin_of(x)
        if index is not None:
            bounds = self._histogram.bin_range(x)
            self.region.setRegion(bounds)
            self.region.show()
            # One bar's rows: its upper edge belongs to the next bar (the last bar has none).
            self.range_selected.emit(*bounds, index < self._histogram.bins - 1)

    def _on_drag(self, low: float, high: float, finished: bool) -> None:
        self._dragging_range = not finished
        self.region.setRegion((low, high))
        self.region.show()
        if finished and high > low:
            self.range_selected.emit(low, high, False)
