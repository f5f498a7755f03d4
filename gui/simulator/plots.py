"""The simulator's plots: the (size, noise) plane with its Pareto curve, and two slices.

- The plane: estimated performance as a heat map over log size and noise, the iso-performance
  (Pareto) curve through the current point, faint reference curves, the presets and the
  curator's own data.
- Performance against size at the current noise (and at zero noise, for reference).
- Performance against duplication at the current size and noise, with the sweet spot.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from core.simulator.model import Point, iso_noise, performance, sweet_spot
from core.simulator.presets import PRESETS
from core.simulator.your_data import YourData
from gui.widgets.plot_style import AXIS, KEPT, THRESHOLD, Log10Axis, dashed, plot_widget

GRID_SIZES = 160
GRID_NOISES = 120
NOISE_AXIS = (0.0, 0.9)
#: The plane's visible noise range starts a little below 0 so that clean presets are seen.
NOISE_VIEW = (-0.03, 0.9)
REFERENCE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
CURRENT = "#000000"
YOUR_DATA_STYLE = {"raw": ("s", "#ef6c00"), "curated": ("star", KEPT), "baseline": ("t", "#757575")}
YOUR_DATA_LABELS = {"raw": "raw", "curated": "curated", "baseline": "random"}
#: Label anchors: raw above-left, random below-right, curated above-right, so that raw and
#: random (often at nearly the same place) stay readable.
YOUR_DATA_ANCHORS = {"raw": (1.1, 1.0), "curated": (-0.15, 1.1), "baseline": (-0.15, -0.1)}


def _log_sizes(count: int) -> np.ndarray:
    return np.linspace(2.0, 7.0, count)


class SimulatorPlots(QWidget):
    """Three plots redrawn from one :class:`Point` (and the curator's data when placed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.plane = plot_widget(
            "dataset size D (rows, log scale)",
            "noise η",
            self,
            axis_items={"bottom": Log10Axis("bottom")},
        )
        plane = self.plane.getPlotItem()
        self.heat = pg.ImageItem(axisOrder="col-major")
        colors = pg.colormap.get("viridis")
        self.heat.setLookupTable(colors.getLookupTable(nPts=256))
        self.heat.setLevels((0.0, 1.0))
        self.heat.setRect(QRectF(2.0, NOISE_AXIS[0], 5.0, NOISE_AXIS[1] - NOISE_AXIS[0]))
        plane.addItem(self.heat)
        self.colour_bar = pg.ColorBarItem(
            values=(0, 1), colorMap=colors, label="performance", interactive=False, width=10
        )
        self.colour_bar.setImageItem(self.heat, insert_in=plane)
        self.references = [
            pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 90, width=1)) for _ in REFERENCE_LEVELS
        ]
        self.reference_labels = [
            pg.TextItem(f"{level:.1f}", color=(255, 255, 255, 170), anchor=(1, 1))
            for level in REFERENCE_LEVELS
        ]
        for curve, label in zip(self.references, self.reference_labels, strict=True):
            plane.addItem(curve)
            plane.addItem(label)
        self.iso = pg.PlotCurveItem(pen=pg.mkPen("w", width=3))
        plane.addItem(self.iso)
        self.preset_points = pg.ScatterPlotItem(
            size=9, symbol="d", pen=pg.mkPen("k"), brush=pg.mkBrush("#ffd54f")
        )
        plane.addItem(self.preset_points)
        self.preset_labels = []
        for preset in PRESETS.values():
            label = pg.TextItem(
                preset.label, color="w", anchor=(-0.1, 0.5), fill=pg.mkBrush(0, 0, 0, 110)
            )
            label.setPos(math.log10(preset.point.size), preset.point.noise)
            plane.addItem(label)
            self.preset_labels.append(label)
        self.preset_points.setData(
            x=[math.log10(p.point.size) for p in PRESETS.values()],
            y=[p.point.noise for p in PRESETS.values()],
        )
        self.your_points = {}
        self.your_labels = {}
        for key, (symbol, colour) in YOUR_DATA_STYLE.items():
            points = pg.ScatterPlotItem(
                size=14, symbol=symbol, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(colour)
            )
            label = pg.TextItem(
                YOUR_DATA_LABELS[key],
                color="w",
                anchor=YOUR_DATA_ANCHORS[key],
                fill=pg.mkBrush(0, 0, 0, 110),
            )
            plane.addItem(points)
            plane.addItem(label)
            label.hide()
            self.your_points[key] = points
            self.your_labels[key] = label
        self.current = pg.ScatterPlotItem(
            size=13, symbol="o", pen=pg.mkPen("w", width=2), brush=pg.mkBrush(CURRENT)
        )
        plane.addItem(self.current)
        plane.setXRange(2, 7, padding=0)
        plane.setYRange(*NOISE_VIEW, padding=0)
        self.plane.setToolTip(
            "Estimated performance over size and noise at the current "
            "duplication. White line: every (D, η) with the current "
            "performance (the Pareto curve); faint lines: 0.5 … 0.9."
        )

        self.by_size = plot_widget(
            "size D (rows, log scale)",
            "performance",
            self,
            axis_items={"bottom": Log10Axis("bottom")},
        )
        self.size_curve = pg.PlotCurveItem(pen=pg.mkPen(THRESHOLD, width=2.5))
        self.clean_curve = pg.PlotCurveItem(pen=dashed(AXIS))
        self.size_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(CURRENT))
        legend = self.by_size.getPlotItem().addLegend(offset=(-6, -6))
        for item, name in ((self.size_curve, "current noise"), (self.clean_curve, "no noise")):
            self.by_size.addItem(item)
            legend.addItem(item, name)
        self.by_size.addItem(self.size_marker)
        self.by_size.setXRange(2, 7, padding=0.01)
        self.by_size.setYRange(0, 1.02, padding=0)

        self.by_dup = plot_widget("duplication ρ", "performance", self)
        self.dup_curve = pg.PlotCurveItem(pen=pg.mkPen(THRESHOLD, width=2.5))
        self.dup_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(CURRENT))
        self.sweet = pg.InfiniteLine(
            sweet_spot(),
            angle=90,
            movable=False,
            pen=pg.mkPen(KEPT, style=Qt.PenStyle.DotLine),
            label=f"sweet spot {sweet_spot():.0%}",
            labelOpts={"position": 0.12, "color": KEPT},
        )
        for item in (self.dup_curve, self.sweet, self.dup_marker):
            self.by_dup.addItem(item)
        self.by_dup.setXRange(0, 1, padding=0.01)

        layout.addWidget(self.plane, 6)
        layout.addWidget(self.by_size, 3)
        layout.addWidget(self.by_dup, 3)
        self._grid_key: tuple | None = None

    def show_point(self, point: Point) -> None:
        """Redraw everything for ``point``."""
        self._draw_heat(point.duplication, point.copies)
        level = float(performance(point.size, point.noise, point.duplication, point.copies))
        sizes = _log_sizes(GRID_SIZES)
        noise = iso_noise(level, 10**sizes, point.duplication, point.copies)
        shown = np.isfinite(noise) & (noise <= NOISE_AXIS[1])
        self.iso.setData(sizes[shown], noise[shown], connect="finite")
        self.current.setData(x=[math.log10(point.size)], y=[point.noise])

        curve = performance(10**sizes, point.noise, point.duplication, point.copies)
        clean = performance(10**sizes, 0.0, point.duplication, point.copies)
        self.size_curve.setData(sizes, curve)
        self.clean_curve.setData(sizes, clean)
        self.size_marker.setData(x=[math.log10(point.size)], y=[level])

        rho = np.linspace(0, 1, 201)
        by_dup = performance(point.size, point.noise, rho, point.copies)
        self.dup_curve.setData(rho, by_dup)
        self.dup_marker.setData(x=[point.duplication], y=[level])
        self.by_dup.setYRange(0, max(0.05, float(by_dup.max())) * 1.1, padding=0)

    def _draw_heat(self, duplication: float, copies: float) -> None:
        """The heat map and reference curves depend only on ρ and k: redrawn when they move."""
        key = (round(duplication, 4), round(copies, 3))
        if key == self._grid_key:
            return
        self._grid_key = key
        sizes = 10 ** _log_sizes(GRID_SIZES)
        noises = np.linspace(*NOISE_AXIS, GRID_NOISES)
        grid = performance(sizes[:, None], noises[None, :], duplication, copies)
        self.heat.setImage(grid, autoLevels=False)
        self.heat.setRect(QRectF(2.0, NOISE_AXIS[0], 5.0, NOISE_AXIS[1] - NOISE_AXIS[0]))
        log_sizes = _log_sizes(GRID_SIZES)
        for level, curve, label in zip(
            REFERENCE_LEVELS, self.references, self.reference_labels, strict=True
        ):
            noise = iso_noise(level, sizes, duplication, copies)
            shown = np.isfinite(noise) & (noise <= NOISE_AXIS[1])
            curve.setData(log_sizes[shown], noise[shown])
            if shown.any():
                label.setPos(log_sizes[shown][-1], noise[shown][-1])
                label.show()
            else:
                label.hide()

    def show_your_data(self, data: YourData | None) -> None:
        """Place (or hide) the raw, curated and random points."""
        sets = (
            {}
            if data is None
            else {"raw": data.raw, "curated": data.curated, "baseline": data.baseline}
        )
        for key, points in self.your_points.items():
            placed = sets.get(key)
            label = self.your_labels[key]
            if placed is None or placed.point is None:
                points.setData([], [])
                label.hide()
                continue
            x, y = math.log10(placed.point.size), placed.point.noise
            points.setData(x=[x], y=[y])
            label.setPos(x, y)
            label.show()
