"""The map drawing: a million points rasterised with numpy, lasso and box, hover and click.

Why not one ``ScatterPlotItem``: measured here, its ``setData`` walks every point in Python
(style keys, atlas lookups): 5.5 s for 200,000 points, a stall on every recolour. Instead the
points are splatted into an RGBA image the size of the view (one vectorised scatter, then a
dilation to :data:`POINT_SIZE` pixels) shown by an ``ImageItem`` placed in map coordinates.
While the view pans or zooms the image simply moves with it (one image per frame, whatever the
number of points) and it is re-rendered once the view rests for :data:`RENDER_MS`. Hover and
click find the nearest point with a k-d tree built off the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

#: The points are re-rendered once the view has rested this long; while it moves, the last
#: image moves with it (a pan shows it shifted, a zoom scaled).
RENDER_MS = 120
#: A lasso is simplified to at most this many corners (the filter tests each edge).
LASSO_CORNERS = 64
#: Hover and click pick the nearest point within this many pixels.
PICK_PIXELS = 7
#: Points are squares of this many pixels (odd).
POINT_SIZE = 3


class MapViewBox(pg.ViewBox):
    """A view box that, in lasso or box mode, draws a selection instead of panning."""

    region_drawn = Signal(object)  # (corners, 2) float64 in map coordinates

    def __init__(self) -> None:
        super().__init__()
        self.mode = "pan"  # "pan", "lasso" or "box"
        self._trail: list[tuple[float, float]] = []
        self.outline = pg.PlotCurveItem(
            pen=pg.mkPen("#1d4f91", width=2, style=Qt.PenStyle.DashLine)
        )
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
        if len(closed):
            self.outline.setData(closed[:, 0], closed[:, 1])
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

    hovered = Signal(int)  # row, or -1 when the pointer is over no point
    clicked = Signal(int)  # row
    region_drawn = Signal(object)  # polygon

    def __init__(self, parent: QWidget | None = None) -> None:
        self.box = MapViewBox()
        super().__init__(parent, viewBox=self.box, background="w")
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        self.box.disableAutoRange()
        self.setMinimumSize(200, 150)
        self.xy = np.zeros((0, 2), np.float32)
        self.codes = np.zeros(0, np.int64)
        self.xy_drawn = self.xy
        self.rgba = np.zeros((0, 4), np.uint8)
        self.tree = None
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image, ignoreBounds=True)
        self.label_items: list[pg.TextItem] = []
        self.selection = pg.PlotCurveItem(
            pen=pg.mkPen("#b3261e", width=2, style=Qt.PenStyle.DashLine)
        )
        self.selection.setZValue(15)
        self.box.addItem(self.selection, ignoreBounds=True)
        self.renders = 0  # rasterisations so far (tests, the benchmark)
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_MS)
        self._render_timer.timeout.connect(self.rasterise)
        self.box.sigRangeChanged.connect(self._range_changed)
        self.box.sigResized.connect(self._range_changed)
        self.box.region_drawn.connect(self.region_drawn)
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)
        self._hovered = -1

    # -- data ----------------------------------------------------------------------------------

    def set_points(self, xy: np.ndarray, codes: np.ndarray, colours: list[str], tree=None) -> None:
        """Draw ``xy`` coloured by ``codes`` (indices into ``colours``); ``tree`` picks points."""
        new_points = xy is not self.xy
        self.xy, self.tree = xy, tree
        if new_points and len(xy):
            low = xy.min(axis=0).astype(np.float64)
            span = np.maximum(xy.max(axis=0).astype(np.float64) - low, 1e-6)
            self.box.setRange(
                xRange=(float(low[0]), float(low[0] + span[0])),
                yRange=(float(low[1]), float(low[1] + span[1])),
                padding=0.03,
            )
        self.set_colours(codes, colours)

    def set_colours(self, codes: np.ndarray, colours: list[str]) -> None:
        """Colour point ``i`` with ``colours[codes[i]]``; later codes are drawn on top."""
        order = np.argsort(codes, kind="stable")
        self.xy_drawn = self.xy[order] if len(self.xy) else self.xy
        self.codes = codes[order].astype(np.int64) if len(codes) else np.zeros(0, np.int64)
        self.rgba = np.array([QColor(c).getRgb() for c in colours], np.uint8).reshape(-1, 4)
        self.rasterise()

    def rasterise(self) -> None:
        """Rasterise the points inside the view into the image (vectorised, O(points))."""
        self._render_timer.stop()
        self.renders += 1
        rect = self.box.viewRect()
        width, height = max(1, int(self.box.width())), max(1, int(self.box.height()))
        # One uint32 per pixel (RGBA bytes): one 4-byte write per point, 0 = nothing drawn.
        canvas = np.zeros((height, width), np.uint32)
        if len(self.xy_drawn) and rect.width() > 0 and rect.height() > 0:
            x, y = self.xy_drawn[:, 0], self.xy_drawn[:, 1]
            col = ((x - rect.left()) * (width / rect.width())).astype(np.int32)
            row = ((y - rect.top()) * (height / rect.height())).astype(np.int32)
            inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
            colours = np.ascontiguousarray(self.rgba).view(np.uint32).ravel()
            # Fancy assignment keeps the last write: later (higher) codes end on top.
            canvas.reshape(-1)[row[inside].astype(np.int64) * width + col[inside]] = colours[
                self.codes[inside]
            ]
            canvas = _dilate(canvas, POINT_SIZE // 2)
        canvas = canvas.view(np.uint8).reshape(height, width, 4)
        self.image.setImage(canvas, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(rect))

    def _range_changed(self, *_args) -> None:
        """The view moved: the image moves with it; re-render once the view rests."""
        if len(self.xy):
            self._render_timer.start()

    def set_labels(self, labels: list[str], positions: np.ndarray) -> None:
        """Draw topic names (plain text) at ``positions``."""
        for item in self.label_items:
            self.removeItem(item)
        self.label_items = []
        for text, (x, y) in zip(labels, positions, strict=True):
            item = pg.TextItem(
                text=text, color="#202020", anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 200)
            )
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

    # -- picking -------------------------------------------------------------------------------

    def row_at(self, scene_pos: QPointF) -> int:
        """The row drawn nearest ``scene_pos`` within :data:`PICK_PIXELS`, or -1."""
        if self.tree is None or not self.box.sceneBoundingRect().contains(scene_pos):
            return -1
        here = self.box.mapSceneToView(scene_pos)
        pixel_w, pixel_h = self.box.viewPixelSize()
        # Pick in pixel units: the axes are scaled independently.
        scale = np.array([pixel_w, pixel_h], np.float64)
        candidates = self.tree.query_ball_point(
            (here.x(), here.y()), r=PICK_PIXELS * float(scale.max())
        )
        if not candidates:
            return -1
        rows = np.asarray(candidates)
        offsets = (self.xy[rows] - (here.x(), here.y())) / scale
        return int(rows[np.argmin((offsets**2).sum(axis=1))])

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


def _dilate(canvas: np.ndarray, radius: int) -> np.ndarray:
    """Grow every drawn pixel into a square of side ``2 * radius + 1`` (drawn pixels win)."""
    if radius <= 0:
        return canvas
    out = canvas.copy()
    height, width = canvas.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx == 0 and dy == 0:
                continue
            target = out[max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)]
            source = canvas[max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)]
            np.copyto(target, source, where=target == 0)
    return out
