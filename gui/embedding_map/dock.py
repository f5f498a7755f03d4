"""The Map dock: every record as a point, coloured by what a curator is deciding about.

The map is made by :func:`core.embedding_map.run.compute_map` on a worker (the PCA preview is
drawn first, PaCMAP replaces it), saved in the project and restored when the file is opened
again. A lasso, a box or a topic becomes part of the table's filter (through the filter bar, so
it is combined with the other criteria and saved like them); the Review menu's bulk actions then
decide exactly the rows selected, as one undoable step.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.dedup.normalize import FIELDS
from core.dedup.outcome import DuplicateTable
from core.embedding_map import MapConfig, MapResult
from core.embedding_map.progress import MapProgress
from core.review import ReviewSession, RowFilter
from core.review.decisions import AUTO, DROP, KEEP, UNDECIDED
from gui.embedding_map.jobs import MapJob
from gui.error_hook import log_failure
from gui.table.filter_bar import FilterBar
from gui.table.model import RecordsTableModel
from gui.table.records_view import RecordsView
from gui.widgets.feature_dock import FeatureDock
from gui.widgets.progress import ProgressCancel
from gui.widgets.text_widgets import plain_label

GREY = "#b8b8b8"
#: Categorical colours (Tableau 10 and its light half), for topics and duplicate clusters.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#86bcb6",
    "#a0cbe8",
    "#ffbe7d",
    "#8cd17d",
    "#f1ce63",
    "#d4a6c8",
    "#fabfd2",
    "#d7b5a6",
    "#499894",
    "#79706e",
    "#bab0ac",
    "#d37295",
    "#b6992d",
    "#e9a33b",
    "#8f6d9f",
]
#: Viridis in ten steps, for scores.
SCORE_COLOURS = [
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
]
COLOUR_BY = (
    ("Topic", "topic"),
    ("Score", "score"),
    ("Decision", "decision"),
    ("Decided by", "decided_by"),
    ("Duplicate cluster", "duplicates"),
    ("Overlap with references", "overlap"),
)
#: Colour-by values naming one scorer's column: this prefix and the column's key.
SCORER_PREFIX = "score:"
#: Decisions and scores change often; the colours follow at most this often.
RECOLOUR_MS = 300


class MapDock(FeatureDock):
    """The embedding map of the open dataset."""

    status = Signal(str)
    map_changed = Signal()  # the session has a new map: map filters must be re-read

    def __init__(
        self,
        model: RecordsTableModel,
        view: RecordsView,
        filter_bar: FilterBar,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Map", "map_dock", parent)
        self.table_model, self.view, self.filter_bar = model, view, filter_bar
        self.session: ReviewSession | None = None
        self.result: MapResult | None = None
        self.duplicates: DuplicateTable | None = None
        self.job = MapJob(self)
        self._asked = False  # a map was restored or requested for this dataset
        self._recolour = QTimer(self, singleShot=True, interval=RECOLOUR_MS)
        self._recolour.timeout.connect(self.recolour)
        self._build()
        self._wire()
        self.set_session(None)

    def _build(self) -> None:
        from gui.embedding_map.plot import MapPlot

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.on_combo = self._combo(
            [(f"Map {f}s" if f != "pair" else "Map pairs", f) for f in FIELDS],
            "Which text is embedded",
        )
        self.method_combo = self._combo([("PaCMAP", "pacmap"), ("PCA (fast)", "pca")], "Projection")
        self.make_button = QPushButton("Make map", body)
        self.colour_combo = self._combo(
            [(f"Colour: {t}", v) for t, v in COLOUR_BY], "What the colours show"
        )
        self.modes = QButtonGroup(self)
        self.mode_buttons = {}
        for text, mode, tip in (
            ("Pan", "pan", "Drag to move, wheel to zoom"),
            ("Lasso", "lasso", "Draw around points to filter the table"),
            ("Box", "box", "Drag a rectangle to filter the table"),
        ):
            button = QToolButton(body, text=text, checkable=True, toolTip=tip)
            self.modes.addButton(button)
            self.mode_buttons[mode] = button
        self.mode_buttons["pan"].setChecked(True)
        self.topic_combo = self._combo([("Any topic", -1)], "Filter the table to one topic")
        self.topic_combo.setMinimumContentsLength(18)
        # Last in the row and hidden between runs, so showing it moves no other control.
        self.progress_cancel = ProgressCancel(body, bar_width=160)
        self.progress = self.progress_cancel.bar
        self.cancel_button = self.progress_cancel.cancel_button
        for widget in (
            self.on_combo,
            self.method_combo,
            self.make_button,
            self.colour_combo,
            *self.mode_buttons.values(),
            self.topic_combo,
            self.progress_cancel,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.plot = MapPlot(body)
        self.hover_text = plain_label("", body)
        self.hover_text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.hover_text)
        self.setWidget(body)

    def _combo(self, items, tooltip: str) -> QComboBox:
        combo = QComboBox(self)
        for text, value in items:
            combo.addItem(text, value)
        combo.setToolTip(tooltip)
        return combo

    def _wire(self) -> None:
        self.make_button.clicked.connect(self.make_map)
        self.progress_cancel.cancel_requested.connect(self.cancel)
        self.colour_combo.currentIndexChanged.connect(self.recolour)
        self.modes.buttonToggled.connect(self._mode_changed)
        self.topic_combo.activated.connect(self._topic_chosen)
        self.job.progressed.connect(self._on_progress)
        self.job.done.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self.plot.region_drawn.connect(self.select_region)
        self.plot.hovered.connect(self._on_hovered)
        self.plot.clicked.connect(self.select_row)
        self.visibilityChanged.connect(self._maybe_start)

    # -- dataset and map -----------------------------------------------------------------------

    def set_session(self, session: ReviewSession | None) -> None:
        """Show ``session``'s dataset: its saved map if any, else one made when first shown."""
        self.job.cancel()
        self.session, self.result, self.duplicates = session, None, None
        self._asked = False
        self._end_progress()
        self.plot.set_points(np.zeros((0, 2), np.float32), np.zeros(0, np.int64), [])
        self.plot.set_labels([], np.zeros((0, 2)))
        self._fill_topics()
        self.make_button.setEnabled(session is not None)
        if session is not None:
            self.hover_text.setText("Reading the saved map…")
            self.job.restore(session.dataset, session.store.path)

    def make_map(self) -> None:
        """Make the map with the chosen text and projection (in the background)."""
        if self.session is None:
            return
        self._asked = True
        settings = MapConfig(on=self.on_combo.currentData(), method=self.method_combo.currentData())
        self.progress_cancel.start()
        self.make_button.setEnabled(False)
        self.hover_text.setText(f"Making the map ({settings.describe()})…")
        self.status.emit(f"Making the map: {settings.describe()}…")
        self.job.compute(self.session.dataset, settings, self.session.store.path)

    def cancel(self) -> None:
        """Stop making the map; the map shown (if any) stays."""
        was_running = self.job.running
        self.job.cancel()
        self._end_progress()
        if was_running:
            self.status.emit("Map cancelled.")
            self.hover_text.setText("Map cancelled.")

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        self.job.cancel()
        self._recolour.stop()

    def _maybe_start(self, visible: bool) -> None:
        if (
            visible
            and self.session is not None
            and self.result is None
            and not self._asked
            and not self.job.running
        ):
            self.make_map()

    def _on_progress(self, progress: MapProgress) -> None:
        self.progress_cancel.set_fraction(progress.fraction)
        self.hover_text.setText(
            f"{progress.stage[5:].capitalize()}: {progress.done:,} of {progress.total:,}"
            if progress.total > 1
            else progress.stage[5:].capitalize() + "…"
        )
        if progress.preview is not None:
            self._show(progress.preview, None)

    def _on_done(self, found) -> None:
        self._end_progress()
        if found is None:
            self.hover_text.setText("No map yet: it is made when this tab is first shown.")
            # isVisible() is true behind another tab too: only a tab the curator sees starts
            # the work (embedding every row and PaCMAP take minutes of CPU on a big file).
            if self.isVisible() and not self.visibleRegion().isEmpty() and not self._asked:
                self.make_map()
            return
        self._asked = True
        result, tree = found
        self._show(result, tree)
        self._select(self.on_combo, result.settings.on)
        self._select(self.method_combo, result.settings.method)
        self.hover_text.setText(
            f"{result.rows:,} rows, {len(result.labels)} topics "
            f"({result.settings.describe()}, {result.seconds:.0f} s). "
            "Lasso or box: filter the table to a region."
        )
        self.status.emit(f"Map ready: {result.rows:,} rows, {len(result.labels)} topics.")

    def _on_failed(self, exc: Exception) -> None:
        self._end_progress()
        reason = log_failure("Map failed", exc)
        self.hover_text.setText(f"Map failed: {reason}")
        self.status.emit(f"Map failed: {reason}")

    def _end_progress(self) -> None:
        self.progress_cancel.finish()
        self.make_button.setEnabled(self.session is not None)

    def _show(self, result: MapResult, tree) -> None:
        self.result = result
        codes, colours = self.colours()
        self.plot.set_points(result.xy, codes, colours, tree)
        self._fill_topics()
        self._draw_labels()
        if self.session is not None and result.labels:  # a preview has no topics yet
            self.session.set_map(result.xy, result.topics, result.settings.key())
            self.map_changed.emit()

    def _draw_labels(self) -> None:
        result = self.result
        if result is None or not result.labels:
            self.plot.set_labels([], np.zeros((0, 2)))
            return
        positions = np.array(
            [
                np.median(result.xy[result.topics == t], axis=0)
                if (result.topics == t).any()
                else (np.nan, np.nan)
                for t in range(len(result.labels))
            ]
        )
        shown = ~np.isnan(positions[:, 0])
        self.plot.set_labels(
            [label for label, s in zip(result.labels, shown, strict=True) if s], positions[shown]
        )

    def _fill_topics(self) -> None:
        self.topic_combo.clear()
        self.topic_combo.addItem("Any topic", -1)
        if self.result is not None and self.result.labels:
            counts = np.bincount(self.result.topics, minlength=len(self.result.labels))
            for topic, label in enumerate(self.result.labels):
                self.topic_combo.addItem(f"{label} ({counts[topic]:,})", topic)

    @staticmethod
    def _select(combo: QComboBox, value) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))

    # -- colours -------------------------------------------------------------------------------

    def data_changed(self, *_args) -> None:
        """Decisions, scores or duplicates changed: recolour soon (coalesced)."""
        self._offer_scorers()
        if self.colour_combo.currentData() != "topic":
            self._recolour.start()

    def _offer_scorers(self) -> None:
        """One "Colour: score of …" entry per score column, when there are several."""
        session = self.session
        names = session.column_names() if session is not None else {}
        wanted = (
            [(f"Colour: score of {name}", SCORER_PREFIX + key) for key, name in names.items()]
            if len(names) > 1
            else []
        )
        combo = self.colour_combo
        have = [
            (combo.itemText(i), combo.itemData(i))
            for i in range(combo.count())
            if str(combo.itemData(i)).startswith(SCORER_PREFIX)
        ]
        if have == wanted:
            return
        current = combo.currentData()
        combo.blockSignals(True)
        for i in reversed(range(combo.count())):
            if str(combo.itemData(i)).startswith(SCORER_PREFIX):
                combo.removeItem(i)
        for text, value in wanted:
            combo.addItem(text, value)
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)
        if index < 0:
            self.recolour()

    def set_duplicates(self, table: DuplicateTable | None) -> None:
        """Take the duplicate clusters (for colouring by cluster)."""
        self.duplicates = table
        self.data_changed()

    def recolour(self) -> None:
        """Colour the points by the chosen property."""
        if self.result is None:
            return
        codes, colours = self.colours()
        self.plot.set_colours(codes, colours)

    def colours(self) -> tuple[np.ndarray, list[str]]:
        """Per-row colour codes and the colours they index, for the chosen property."""
        n = self.result.rows if self.result is not None else 0
        mode = self.colour_combo.currentData()
        session = self.session
        if mode == "topic" and self.result is not None and self.result.labels:
            return self.result.topics % len(PALETTE), PALETTE
        if mode == "overlap" and session is not None and len(session.overlap) == n:
            return (session.overlap != 0).astype(np.int64), [GREY, "#e15759"]
        scorer = str(mode)[len(SCORER_PREFIX) :] if str(mode).startswith(SCORER_PREFIX) else None
        if scorer is not None and session is not None and scorer in session.columns:
            mode = "score"
        if mode == "score" and session is not None:
            scores = session.column(scorer).scores if scorer is not None else session.scores
            finite = np.isfinite(scores)
            codes = np.full(n, len(SCORE_COLOURS), np.int64)
            if finite.any():
                low, high = np.nanmin(scores), np.nanmax(scores)
                scaled = (
                    (scores[finite] - low) / (high - low)
                    if high > low
                    else np.zeros(int(finite.sum()))
                )
                codes[finite] = np.clip(
                    (scaled * len(SCORE_COLOURS)).astype(np.int64), 0, len(SCORE_COLOURS) - 1
                )
            return codes, [*SCORE_COLOURS, GREY]
        if mode == "decision" and session is not None:
            lookup = np.zeros(max(KEEP, DROP, UNDECIDED) + 1, np.int64)
            lookup[KEEP], lookup[DROP], lookup[UNDECIDED] = 1, 2, 0
            return lookup[session.final], [GREY, "#59a14f", "#e15759"]
        if mode == "decided_by" and session is not None:
            return (session.manual != AUTO).astype(np.int64), [GREY, "#4e79a7"]
        if mode == "duplicates" and self.duplicates is not None and len(self.duplicates.size) == n:
            clustered = self.duplicates.size > 1
            codes = np.zeros(n, np.int64)
            codes[clustered] = 1 + self.duplicates.cluster[clustered] % (len(PALETTE) - 1)
            return codes, [GREY, *PALETTE[:-1]]
        return np.zeros(n, np.int64), [PALETTE[0]]

    # -- selecting -----------------------------------------------------------------------------

    def _mode_changed(self, _button, _checked) -> None:
        for mode, button in self.mode_buttons.items():
            if button.isChecked():
                self.plot.box.mode = mode

    def select_region(self, polygon: np.ndarray) -> None:
        """Filter the table to the rows inside ``polygon`` (map coordinates)."""
        if self.result is None or not self.result.labels:
            self.status.emit("The map is still being made: select once it is ready.")
            return
        region = tuple((float(x), float(y)) for x, y in polygon)
        current = self.filter_bar.current_map_selection()
        self.filter_bar.set_map_selection(region, current.map_topics, self.result.settings.key())

    def _topic_chosen(self, _index: int) -> None:
        if self.result is None:
            return
        topic = self.topic_combo.currentData()
        current = self.filter_bar.current_map_selection()
        self.filter_bar.set_map_selection(
            current.map_region, () if topic < 0 else (topic,), self.result.settings.key()
        )

    def show_filter(self, row_filter: RowFilter) -> None:
        """Outline the table filter's map region, and show its topic."""
        matches = self.result is not None and row_filter.map_key == self.result.settings.key()
        self.plot.show_selection(
            np.array(row_filter.map_region) if matches and row_filter.map_region else None
        )
        topic = row_filter.map_topics[0] if matches and row_filter.map_topics else -1
        self._select(self.topic_combo, topic)

    def select_row(self, row: int) -> None:
        """Make ``row`` the table's current row (saying so if the filter hides it)."""
        view_row = self.table_model.view_row(row)
        if view_row is None:
            self.status.emit("That row is hidden by the table's filter.")
            return
        self.view.select_only(view_row)

    def _on_hovered(self, row: int) -> None:
        if row < 0 or self.session is None:
            QToolTip.hideText()
            return
        dataset = self.session.dataset
        first = dataset.prompts[row].strip().splitlines()
        line = (first[0] if first else "")[:160]
        topic = ""
        if self.result is not None and self.result.labels:
            topic = f"  [{self.result.labels[int(self.result.topics[row])]}]"
        text = f"{dataset.location_kind.capitalize()} {int(dataset.locations[row])}: {line}"
        self.hover_text.setText(text + topic)
        # Dataset text is untrusted: escaped, and marked as rich text only to be shown plainly.
        from PySide6.QtGui import QCursor

        QToolTip.showText(QCursor.pos(), "<qt>" + html.escape(line) + "</qt>", self.plot)
