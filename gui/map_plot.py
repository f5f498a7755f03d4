"""The map drawing: a million points as a few numpy-backed scatter items, lasso and box, hover.

Points are grouped by colour, one :class:`pyqtgraph.ScatterPlotItem` per colour fed plain numpy
arrays (pxMode, one brush per item): no per-point Python object is ever made. Past
:data:`DECIMATE_ABOVE` points, panning and zooming draw a fixed random share of each colour (a
random sample keeps the density's shape) and the full set comes back once the view rests.
Hover and click find the nearest point with a k-d tree built off the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

#: Above this many points, moving the view draws a sample.
DECIMATE_ABOVE = 150_000
#: About this many points are drawn while the view moves.
MOVING_POINTS = 100_000
#: The full set is drawn again once the view has not moved for this long.
SETTLE_MS = 250
#: A lasso is simplified to at most this many corners (the filter tests each edge).
LASSO_CORNERS = 64
#: Hover and click pick the nearest point within this many pixels.
PICK_PIXELS = 7
POINT_SIZE = 4


class MapViewBox(pg.ViewBox):
    """A view box that, in lasso or box mode, draws a selection instead of panning."""

    region_drawn = Signal(object)    # (corners, 2) float64 in map coordinates

    def __init__(self) -> None:
        super().__init__()
        self.mode = "pan"            # "pan", "lasso" or "box"
        self._trail: list[tuple[float, float]] = []
        self.outline = pg.PlotCurveItem(pen=pg.mkPen("#1d4f91", width=2,
                                                     style=Qt.PenStyle.DashLine))
        self.outline.setZValue(20)
        self.addItem(self.outline, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: D102
        if self.mode == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        here = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._trail = [(start.x(), start.y())]
        self._trail.append((here.x(), here.y()))
        polygon = self.polygon()
        closed = np.vstack([polygon, polygon[:1]]) if len(polygon) else polygon
        self.outline.setData(closed[:, 0], closed[:, 1]) if len(closed) else None
        if ev.isFinish():
            self.outline.setData([], [])
            if len(polygon) >= 3 and _area(polygon) > 0:
                self.region_drawn.emit(polygon)

    def polygon(self) -> np.ndarray:
        """The selection being drawn: the lasso's trail, or the box's four corners."""
        if len(self._trail) < 2:
            return np.zeros((0, 2))
        if self.mode == "box":
            (x0, y0), (x1, y1) = self._trail[0], self._trail[-1]
            return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], dtype=np.float64)
        trail = np.array(self._trail, dtype=np.float64)
        step = max(1, int(np.ceil(len(trail) / LASSO_CORNERS)))
        return trail[::step]


def _area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


class MapPlot(pg.PlotWidget):
    """Draws the map; reports the hovered and clicked rows and drawn regions."""

    hovered = Signal(int)            # row, or -1 when the pointer is over no point
    clicked = Signal(int)            # row
    region_drawn = Signal(object)    # polygon

    def __init__(self, parent: QWidget | None = None) -> None:
        self.box = MapViewBox()
        super().__init__(parent, viewBox=self.box, background="w")
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        self.setMinimumSize(200, 150)
        self.xy = np.zeros((0, 2), np.float32)
        self.tree = None
        self.items: list[pg.ScatterPlotItem] = []
        self._full: list[tuple[np.ndarray, np.ndarray]] = []
        self._thin: list[tuple[np.ndarray, np.ndarray]] = []
        self.label_items: list[pg.TextItem] = []
        self.selection = pg.PlotCurveItem(pen=pg.mkPen("#b3261e", width=2,
                                                       style=Qt.PenStyle.DashLine))
        self.selection.setZValue(15)
        self.box.addItem(self.selection, ignoreBounds=True)
        self.moving = False
        self.decimate_above = DECIMATE_ABOVE
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self.box.sigRangeChanged.connect(self._range_changed)
        self.box.region_drawn.connect(self.region_drawn)
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)
        self._hovered = -1

    # -- data ----------------------------------------------------------------------------------

    def set_points(self, xy: np.ndarray, codes: np.ndarray, colours: list[str],
                   tree=None) -> None:
        """Draw ``xy`` coloured by ``codes`` (indices into ``colours``); ``tree`` picks points."""
        new_points = xy is not self.xy
        self.xy, self.tree = xy, tree
        self.set_colours(codes, colours)
        if new_points and len(xy):
            self.box.autoRange(padding=0.03)

    def set_colours(self, codes: np.ndarray, colours: list[str]) -> None:
        """Re-group the points by colour (one scatter item per colour)."""
        for item in self.items:
            self.removeItem(item)
        self.items, self._full, self._thin = [], [], []
        n = len(self.xy)
        if n == 0:
            return
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(colours) + 1))
        keep_share = min(1.0, MOVING_POINTS / n)
        thin_mask = np.random.default_rng(0).random(n) < keep_share
        for code, colour in enumerate(colours):
            rows = order[bounds[code]:bounds[code + 1]]
            if not len(rows):
                continue
            full = (self.xy[rows, 0], self.xy[rows, 1])
            thin_rows = rows[thin_mask[rows]]
            item = pg.ScatterPlotItem(pxMode=True, size=POINT_SIZE, pen=None,
                                      brush=pg.mkBrush(colour), antialias=False)
            item.setData(x=full[0], y=full[1])
            self.addItem(item)
            self.items.append(item)
            self._full.append(full)
            self._thin.append((self.xy[thin_rows, 0], self.xy[thin_rows, 1]))
        self.moving = False

    def set_labels(self, labels: list[str], positions: np.ndarray) -> None:
        """Draw topic names (plain text) at ``positions``."""
        for item in self.label_items:
            self.removeItem(item)
        self.label_items = []
        for text, (x, y) in zip(labels, positions, strict=True):
            item = pg.TextItem(text=text, color="#202020", anchor=(0.5, 0.5),
                               fill=pg.mkBrush(255, 255, 255, 200))
            item.setZValue(30)
            item.setPos(float(x), float(y))
            self.addItem(item, ignoreBounds=True)
            self.label_items.append(item)

    def show_selection(self, polygon: np.ndarray | None) -> None:
        """Outline the region the table is filtered to (or nothing)."""
        if polygon is None or not len(polygon):
            self.selection.setData([], [])
            return
        closed = np.vstack([polygon, polygon[:1]])
        self.selection.setData(closed[:, 0], closed[:, 1])

    # -- moving: draw a sample, then everything once the view rests ---------------------------

    def _range_changed(self, *_args) -> None:
        if len(self.xy) <= self.decimate_above:
            return
        if not self.moving:
            self.moving = True
            for item, (x, y) in zip(self.items, self._thin, strict=True):
                item.setData(x=x, y=y)
        self._settle.start()

    def _settled(self) -> None:
        if not self.moving:
            return
        self.moving = False
        for item, (x, y) in zip(self.items, self._full, strict=True):
            item.setData(x=x, y=y)

    # -- picking -------------------------------------------------------------------------------

    def row_at(self, scene_pos: QPointF) -> int:
        """The row drawn nearest ``scene_pos`` within :data:`PICK_PIXELS`, or -1."""
        if self.tree is None or not self.box.sceneBoundingRect().contains(scene_pos):
            return -1
        here = self.box.mapSceneToView(scene_pos)
        pixel_w, pixel_h = self.box.viewPixelSize()
        # Pick in pixel units: the axes are scaled independently.
        scale = np.array([pixel_w, pixel_h], np.float64)
        candidates = self.tree.query_ball_point((here.x(), here.y()),
                                                r=PICK_PIXELS * float(scale.max()))
        if not candidates:
            return -1
        rows = np.asarray(candidates)
        offsets = (self.xy[rows] - (here.x(), here.y())) / scale
        return int(rows[np.argmin((offsets ** 2).sum(axis=1))])

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        row = self.row_at(scene_pos)
        if row != self._hovered:
            self._hovered = row
            self.hovered.emit(row)

    def _mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        row = self.row_at(event.scenePos())
        if row >= 0:
            self.clicked.emit(row)
