"""Shared look of the app's plots: colours, labelled axes, a log-size axis and number formats.

All plots use a white background with dark axes so they read well in the default light theme,
and every axis is labelled with what it measures.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.widgets.text_widgets import plain_label

KEPT = "#2e7d32"
DROPPED = "#c62828"
UNDECIDED = "#9e9e9e"
THRESHOLD = "#1d4f91"
RANGE_FILL = (29, 79, 145, 40)
AXIS = "#333333"


def plot_widget(
    x_label: str,
    y_label: str,
    parent: QWidget | None = None,
    axis_items: dict | None = None,
    view_box: pg.ViewBox | None = None,
) -> pg.PlotWidget:
    """A white plot with labelled axes, no mouse pan or zoom (the plots are instruments)."""
    widget = pg.PlotWidget(parent, background="w", axisItems=axis_items, viewBox=view_box)
    item = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(AXIS))
        axis.setTextPen(pg.mkPen(AXIS))
        axis.enableAutoSIPrefix(False)  # "noise (x0.001)" reads worse than 0.1, 0.2
    item.setLabel("bottom", x_label, color=AXIS)
    item.setLabel("left", y_label, color=AXIS)
    item.setMenuEnabled(False)
    item.hideButtons()
    widget.setMouseEnabled(x=False, y=False)
    widget.setMinimumSize(140, 150)  # small windows shrink the plots, not the other way round
    return widget


def captioned(owner: QWidget, text: str, plot: pg.PlotWidget) -> QLabel:
    """Lay out a caption above ``plot`` in ``owner`` and return the caption.

    The caption is plain text and wraps, so a long caption never widens the window.
    """
    caption = plain_label(text, owner)
    caption.setWordWrap(True)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(caption)
    layout.addWidget(plot, 1)
    return caption


def cutoff_line(label: str | None = None) -> pg.InfiniteLine:
    """The rule's draggable cutoff line, hidden until the rule has a cutoff."""
    options = (
        {}
        if label is None
        else {
            "label": label,
            "labelOpts": {"position": 0.92, "color": THRESHOLD, "fill": (255, 255, 255, 200)},
        }
    )
    line = pg.InfiniteLine(
        angle=90,
        movable=True,
        pen=pg.mkPen(THRESHOLD, width=2),
        hoverPen=pg.mkPen(THRESHOLD, width=4),
        **options,
    )
    line.setToolTip("The automatic rule's cutoff: drag it to change the rule")
    line.hide()
    return line


def dashed(colour: str, width: float = 1.5):
    """A dashed pen (reference lines and secondary curves)."""
    return pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine)


def short_count(value: float) -> str:
    """1234 → "1.2k", 2_500_000 → "2.5M"."""
    value = float(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            text = f"{value / limit:.1f}".removesuffix(".0")
            return text + suffix
    return f"{value:.0f}"


class Log10Axis(pg.AxisItem):
    """An axis whose data are log10 values, labelled with the values themselves (100, 1k, 10k).

    Images (the simulator's heat map) cannot use pyqtgraph's log mode, so the plots place
    everything at log10(size) and this axis labels it.
    """

    def tickValues(self, minVal, maxVal, size):  # noqa: D102
        low, high = math.floor(minVal), math.ceil(maxVal)
        majors = [float(v) for v in range(low, high + 1) if minVal <= v <= maxVal]
        minors = [
            math.log10(m) + v
            for v in range(low, high + 1)
            for m in (2, 5)
            if minVal <= math.log10(m) + v <= maxVal
        ]
        return [(1.0, majors), (0.3, minors)]

    def tickStrings(self, values, scale, spacing):  # noqa: D102
        return [short_count(10**v) for v in values]


class CountAxis(pg.AxisItem):
    """An axis of counts labelled 200k, 1.5M instead of a scale factor."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: D102
        return [short_count(v) if spacing >= 1 or v == 0 else f"{v:g}" for v in values]
