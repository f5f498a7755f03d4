"""The Simulator dock: the quality-vs-quantity model with the curator's own data on its axes.

Slider moves are coalesced (at most one redraw per :data:`REDRAW_MS`); the model itself is a
few NumPy expressions, so nothing here blocks. Placing the dataset fits a mixture to the scores,
which runs on a worker, debounced while scores stream or decisions change, and only while the
dock is visible.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

from core.review import ReviewSession
from core.review.decisions import KEEP
from core.simulator.model import Point, estimate
from core.simulator.presets import PRESETS
from core.simulator.your_data import YourData
from gui.error_hook import log_failure
from gui.simulator.jobs import PlaceJob
from gui.simulator.panel import SimulatorPanel, SimulatorReadout
from gui.simulator.plots import SimulatorPlots
from gui.widgets.feature_dock import FeatureDock

REDRAW_MS = 30
PANEL_WIDTH = 410
PLACE_DELAY_MS = 700


class SimulatorDock(FeatureDock):
    """Sliders and readout on the left, the plane and two slices on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Simulator", "simulator_dock", parent)
        self.panel = SimulatorPanel(self)
        self.plots = SimulatorPlots(self)
        self.readout = SimulatorReadout(self)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.readout)
        right_layout.addWidget(self.plots, 1)
        scroller = QScrollArea(self)
        scroller.setWidget(self.panel)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setMinimumWidth(200)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(scroller)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([PANEL_WIDTH, 3 * PANEL_WIDTH])
        self.setWidget(splitter)
        self.session: ReviewSession | None = None
        self.cluster: np.ndarray | None = None
        self.your_data: YourData | None = None
        #: Names the scorer of the session's scores (set by the window; None: not known).
        self.scorer_of: Callable[[], str | None] | None = None
        self.redraws = 0
        self._point = PRESETS["alpagasus"].point
        self._noisy: np.ndarray | None = None  # noise probabilities of the current scores
        self._place_dirty = False
        self._followed = False  # moved to the curated set once per dataset
        self._redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._place_timer = QTimer(self, singleShot=True, interval=PLACE_DELAY_MS)
        self._place_timer.timeout.connect(self._place)
        self.job = PlaceJob(self)
        self.job.done.connect(self._on_placed)
        self.job.failed.connect(self._on_place_failed)
        self.panel.point_changed.connect(self.set_point)
        self.panel.preset_chosen.connect(self._jump_to)
        self.visibilityChanged.connect(self._on_visibility)
        self.panel.set_point(self._point)
        self._redraw()

    def shutdown(self) -> None:
        """Stop timers and drop a placement still running (the window is closing)."""
        self._redraw_timer.stop()
        self._place_timer.stop()
        self.job.cancel()

    # -- the model -----------------------------------------------------------------------------

    @property
    def point(self) -> Point:
        """The point the sliders show."""
        return self._point

    def set_point(self, point: Point) -> None:
        """Show ``point``; the plots follow within :data:`REDRAW_MS`."""
        self._point = point
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw(self) -> None:
        self.redraws += 1
        result = estimate(self._point)
        self.readout.show_estimate(self._point, result)
        self.plots.show_point(self._point)

    def _jump_to(self, key: str) -> None:
        data = self.your_data
        placed = None if data is None else {"raw": data.raw, "curated": data.curated}[key]
        if placed is not None and placed.point is not None:
            self.panel.set_point(placed.point, emit=True)

    # -- your data -----------------------------------------------------------------------------

    def set_session(self, session: ReviewSession | None) -> None:
        """A dataset was opened: its points are placed again from scratch."""
        self.job.cancel()
        self.session = session
        self.cluster = None
        self.your_data = None
        self._noisy = None
        self._followed = False
        self.panel.show_your_data(None)
        self.plots.show_your_data(None)
        self.data_changed()

    def on_scores_changed(self, *_args) -> None:
        """Scores arrived or were cleared: the noise estimate is fitted again."""
        self._noisy = None
        self.data_changed()

    def set_duplicates(self, table) -> None:
        """A duplicate table was built: ρ comes from its clusters."""
        self.cluster = None if table is None else table.cluster
        self.data_changed()

    def data_changed(self, *_args) -> None:
        """Decisions changed: place the sets again once things settle."""
        self._place_dirty = True
        if self.isVisible():
            self._place_timer.start()

    def _on_visibility(self, visible: bool) -> None:
        if visible and self._place_dirty:
            self._place_timer.start()

    def _place(self) -> None:
        session = self.session
        if session is None or not self.isVisible():
            return
        self._place_dirty = False
        self.job.start(
            session.scores.copy(),
            session.final == KEEP,
            self.cluster,
            self._noisy,
            self.scorer_of() if self.scorer_of is not None else None,
        )

    def _on_place_failed(self, exc: BaseException) -> None:
        """Placing failed: the panel's "Your data" line says why, and the log has it."""
        reason = log_failure("Could not place your data", exc)
        self.panel.your_data.setText(f"Could not place your data: {reason}")

    def _on_placed(self, data: YourData) -> None:
        self.your_data = data
        self._noisy = data.noisy
        self.panel.show_your_data(data)
        self.plots.show_your_data(data)
        if not self._followed and data.curated.point is not None:
            self._followed = True
            self.panel.set_point(data.curated.point, emit=True)
