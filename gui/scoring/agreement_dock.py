"""The Agreement dock: how far the scorers agree, where two of them part, and a queue of those rows.

Three views over the session's score columns: Spearman's ρ of every pair as a small heat map
(numbers in the cells), the scores of two chosen scorers against each other coloured by the
final decision (an image, see :mod:`core.plots.scatter_density`), and a button that walks the
rows those two rank furthest apart in the Review dock's queue. The numbers are computed in
core, on a worker (:class:`AgreementJob`), at most every :data:`REFRESH_MS` while visible; a
curator's key decisions (which change the scatter's colours, never ρ) recompute once the keys
pause, and the heat map is redrawn only when its numbers changed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.plots.scatter_density import ScatterImage, scatter_density
from core.review import ReviewSession
from core.review.agreement import Agreement, agreement, rank_gaps
from core.review.decisions import DROP, KEEP, UNDECIDED
from gui.jobs import LatestJob
from gui.widgets.feature_dock import FeatureDock
from gui.widgets.plot_style import DROPPED, KEPT, plot_widget
from gui.widgets.plot_style import UNDECIDED as UNDECIDED_COLOUR
from gui.widgets.text_widgets import plain_label

#: Scores arriving in a stream re-compute the views at most this often.
REFRESH_MS = 600
_COLOURS = np.zeros((max(KEEP, DROP, UNDECIDED) + 1, 3), dtype=np.uint8)
for _code, _hex in ((KEEP, KEPT), (DROP, DROPPED), (UNDECIDED, UNDECIDED_COLOUR)):
    _colour = QColor(_hex)
    _COLOURS[_code] = (_colour.red(), _colour.green(), _colour.blue())


def compute(names, columns, x: int, y: int, final: np.ndarray):
    """Everything the dock shows, on a worker: ρ matrix, scatter image, disagreement count."""
    found = agreement(names, columns)
    image = None
    wide = 0
    if len(columns) >= 2 and x != y:
        image = scatter_density(columns[x], columns[y], final, _COLOURS)
        gaps = rank_gaps(columns[x], columns[y])
        wide = int(np.count_nonzero(gaps >= 0.5))
    return found, image, wide


class AgreementJob(LatestJob):
    """Computes the dock's numbers off the GUI thread; the newest request wins."""

    done = Signal(object)

    def start(self, names, columns, x, y, final) -> None:
        """Compute from copies of the session's arrays."""
        self._launch(compute, names, columns, x, y, final, returned=self.done.emit)


def _rho_colour(rho: float) -> tuple[int, int, int]:
    """Blue for agreement, red for disagreement, white at zero; grey where ρ is unknown."""
    if np.isnan(rho):
        return (220, 220, 220)
    strength = min(1.0, abs(rho))
    target = (33, 102, 172) if rho > 0 else (178, 24, 43)
    return tuple(round(255 + (t - 255) * strength) for t in target)


class AgreementDock(FeatureDock):
    """Heat map of pairwise ρ, a two-scorer scatter and the disagreement queue's button."""

    disagreement_requested = Signal(str, str)  # the two scorers' column keys

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Agreement", "agreement_dock", parent)
        self.session: ReviewSession | None = None
        self.keys: list[str] = []
        self.result: Agreement | None = None
        self.image: ScatterImage | None = None
        self.job = AgreementJob(self)
        self.job.done.connect(self._on_done)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self._start)

        self.heat = plot_widget("", "", self)
        self.heat.getPlotItem().invertY(True)
        self.heat.getPlotItem().getViewBox().setAspectLocked(True)
        self.heat_image = pg.ImageItem(axisOrder="row-major")
        self.heat.addItem(self.heat_image)
        self._cell_labels: list[pg.TextItem] = []
        self._heat_drawn: tuple | None = None  # the names and ρ the heat map shows now
        self.scatter = plot_widget("x", "y", self)
        self.scatter_image = pg.ImageItem(axisOrder="row-major")
        self.scatter.addItem(self.scatter_image)
        self.x_combo = QComboBox(self)
        self.y_combo = QComboBox(self)
        self.queue_button = QPushButton("Walk Disagreement Queue", self)
        self.queue_button.setToolTip(
            "Review the rows these two scorers rank furthest apart, "
            "widest gap first, with the review keys"
        )
        self.caption = plain_label(
            "Score the dataset with two or more scorers to compare them.", self
        )
        self.caption.setWordWrap(True)

        right = QWidget(self)
        column = QVBoxLayout(right)
        pick = QHBoxLayout()
        pick.addWidget(plain_label("x", right))
        pick.addWidget(self.x_combo, 1)
        pick.addWidget(plain_label("y", right))
        pick.addWidget(self.y_combo, 1)
        column.addLayout(pick)
        column.addWidget(self.scatter, 1)
        column.addWidget(self.queue_button)
        left = QWidget(self)
        heat_column = QVBoxLayout(left)
        heat_column.addWidget(plain_label("Spearman ρ between scorers", left))
        heat_column.addWidget(self.heat, 1)
        heat_column.addWidget(self.caption)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([380, 460])
        self.setWidget(splitter)

        self.x_combo.currentIndexChanged.connect(self.data_changed)
        self.y_combo.currentIndexChanged.connect(self.data_changed)
        self.queue_button.clicked.connect(self._ask_queue)
        self.visibilityChanged.connect(lambda visible: visible and self.data_changed())

    # -- inputs --------------------------------------------------------------------------------

    def set_session(self, session: ReviewSession | None) -> None:
        """A dataset was opened (or closed)."""
        self.job.cancel()
        self.session = session
        self.result = None
        self.data_changed()

    def data_changed(self, *_args) -> None:
        """Scores or decisions changed: recompute soon (only while the dock is shown)."""
        if not self._timer.isActive():
            self._timer.start()

    def on_decided(self, rows: np.ndarray | None = None) -> None:
        """Decisions changed: of ``rows`` only (a curator's keys), or of any row (None).

        A key decision only recolours the scatter, so it waits until the keys pause
        (:data:`REFRESH_MS` after the last one) instead of recomputing every few keys.
        """
        if rows is None:
            self.data_changed()
        else:
            self._timer.start()  # restarted by every key

    def shutdown(self) -> None:
        """Stop the timer and drop a computation still running."""
        self._timer.stop()
        self.job.cancel()

    def chosen(self) -> tuple[str | None, str | None]:
        """The column keys on the scatter's x and y axes."""
        return self.x_combo.currentData(), self.y_combo.currentData()

    def choose(self, x: str, y: str) -> None:
        """Put scorers ``x`` and ``y`` (column keys) on the scatter's axes."""
        for combo, key in ((self.x_combo, x), (self.y_combo, y)):
            index = combo.findData(key)
            if index >= 0:
                combo.setCurrentIndex(index)

    # -- computing -----------------------------------------------------------------------------

    def _refresh_choices(self) -> None:
        session = self.session
        names = session.column_names() if session is not None else {}
        keys = list(names)
        if keys == self.keys and all(
            self.x_combo.itemText(i) == names[k] for i, k in enumerate(keys)
        ):
            return
        x, y = self.chosen()
        self.keys = keys
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            for key in keys:
                combo.addItem(names[key], key)
            combo.blockSignals(False)
        default_y = keys[1] if len(keys) > 1 else None
        self.x_combo.setCurrentIndex(
            max(0, self.x_combo.findData(x if x in keys else (keys[0] if keys else None)))
        )
        self.y_combo.setCurrentIndex(max(0, self.y_combo.findData(y if y in keys else default_y)))

    def _start(self) -> None:
        if not self.isVisible() or self.session is None:
            return
        self._refresh_choices()
        session = self.session
        columns = [session.columns[k].scores.copy() for k in self.keys]
        names = [session.columns[k].name for k in self.keys]
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        self.job.start(names, columns, x, y, session.final.copy())

    def _on_done(self, found) -> None:
        result, image, wide = found
        self.result, self.image = result, image
        self._draw_heat(result)
        self._draw_scatter(image)
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        self.queue_button.setEnabled(image is not None)
        if image is None:
            self.caption.setText(
                "Score the dataset with two or more scorers to compare them "
                "(each scoring run keeps its own column)."
            )
            return
        rho = result.rho[x, y]
        text = "no ρ (too few rows or a constant score)" if np.isnan(rho) else f"ρ = {rho:+.2f}"
        self.caption.setText(
            f"{result.names[x]} vs {result.names[y]}: {text} over {result.paired[x, y]:,} rows "
            f"both scored; {wide:,} rows are ranked at least half the file apart. Green kept, "
            "red dropped, grey undecided."
        )

    def _draw_heat(self, result: Agreement) -> None:
        drawn = (tuple(result.names), result.rho.tobytes())
        if drawn == self._heat_drawn:
            return  # same numbers (a decision changed only the scatter's colours)
        self._heat_drawn = drawn
        k = len(result.names)
        for label in self._cell_labels:
            self.heat.removeItem(label)
        self._cell_labels = []
        if not k:
            self.heat_image.clear()
            return
        cells = np.zeros((k, k, 4), dtype=np.uint8)
        for i in range(k):
            for j in range(k):
                cells[i, j, :3] = _rho_colour(result.rho[i, j])
                cells[i, j, 3] = 255
                value = result.rho[i, j]
                label = pg.TextItem(
                    "–" if np.isnan(value) else f"{value:+.2f}", color="#111111", anchor=(0.5, 0.5)
                )
                label.setPos(j + 0.5, i + 0.5)
                self.heat.addItem(label)
                self._cell_labels.append(label)
        self.heat_image.setImage(cells, autoLevels=False, levels=(0, 255))
        self.heat_image.setRect(QRectF(0, 0, k, k))
        ticks = [[(i + 0.5, _short(name)) for i, name in enumerate(result.names)]]
        self.heat.getPlotItem().getAxis("bottom").setTicks(ticks)
        self.heat.getPlotItem().getAxis("left").setTicks(ticks)
        self.heat.getPlotItem().setRange(xRange=(0, k), yRange=(0, k), padding=0.02)

    def _draw_scatter(self, image: ScatterImage | None) -> None:
        item = self.scatter.getPlotItem()
        if image is None:
            self.scatter_image.clear()
            return
        self.scatter_image.setImage(image.rgba, autoLevels=False, levels=(0, 255))
        (x0, x1), (y0, y1) = image.x_range, image.y_range
        self.scatter_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        item.setLabel("bottom", self.x_combo.currentText())
        item.setLabel("left", self.y_combo.currentText())
        item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _ask_queue(self) -> None:
        x, y = self.chosen()
        if x and y and x != y:
            self.disagreement_requested.emit(x, y)


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
