"""Threshold calibration before applying: histogram, rows dropped per threshold, pairs at the cut.

Everything comes from the run's saved pairs (recorded down to a floor below the threshold), so
moving the cutoff here costs no new detection. The curve and the pairs at the cutoff use the
rule the table uses (anchored clusters, with the session's scores and chosen copies), so they
show what Apply will really drop; both are computed on workers.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset
from core.dedup.calibration import (
    similarity_histogram,
    thresholds_to_try,
)
from core.dedup.config import DedupConfig
from core.dedup.edges import EXACT, KINDS, SEMANTIC
from core.dedup.embedder_choice import VERIFIED
from core.dedup.result import DuplicateResult
from gui.dedup.jobs import CutoffPlanJob, DropCurveJob
from gui.widgets.diff_text import DiffText, record_text
from gui.widgets.text_widgets import plain_label

PairRole = Qt.ItemDataRole.UserRole + 1


class CalibrationDialog(QDialog):
    """Pick a near or semantic threshold with its consequences in view; Apply emits settings."""

    applied = Signal(object)  # DedupConfig

    def __init__(
        self,
        dataset: Dataset,
        result: DuplicateResult,
        settings: DedupConfig,
        parent: QWidget | None = None,
        scores: np.ndarray | None = None,
        preferred: np.ndarray | None = None,
    ) -> None:
        super().__init__(parent)
        self.scores = scores
        self.preferred = preferred
        self.setWindowTitle("Calibrate duplicate thresholds")
        self.resize(1100, 720)
        self.dataset = dataset
        self.result = result
        self.settings = settings
        self.kinds = [k for k in result.edges if k != EXACT and k in settings.kinds()]

        self.kind_combo = QComboBox(self)
        for kind in self.kinds:
            self.kind_combo.addItem(KINDS[kind], kind)
        self.threshold_spin = QDoubleSpinBox(self)
        self.threshold_spin.setDecimals(3)
        self.threshold_spin.setSingleStep(0.005)
        self.effect = plain_label("", self)
        top = QHBoxLayout()
        top.addWidget(plain_label("Kind", self))
        top.addWidget(self.kind_combo)
        top.addWidget(plain_label("Threshold", self))
        top.addWidget(self.threshold_spin)
        top.addWidget(self.effect, 1)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "similarity")
        self.plot.setLabel("left", "pairs")
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.01, brush="#7aa6d6")
        self.plot.addItem(self.bars)
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#b3261e", width=2))
        self.plot.addItem(self.line)

        self.curve_table = QTableWidget(0, 3, self)
        self.curve_table.setHorizontalHeaderLabels(["Threshold", "Clusters", "Rows dropped"])
        self.curve_table.verticalHeader().hide()
        self.curve_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.curve_table.setMinimumWidth(330)
        self.curve_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        upper = QSplitter(Qt.Orientation.Horizontal, self)
        upper.addWidget(self.plot)
        upper.addWidget(self.curve_table)
        upper.setStretchFactor(0, 3)

        self.pairs = QListWidget(self)
        self.pairs.setMaximumWidth(320)
        self.left_text = DiffText(self)
        self.right_text = DiffText(self)
        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.pairs)
        lower.addWidget(self.left_text)
        lower.addWidget(self.right_text)
        lower.setStretchFactor(1, 2)
        lower.setStretchFactor(2, 2)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self._apply)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        #: Why a verified semantic run offers no threshold under its own (see _show_kind).
        self.floor_note = plain_label("", self)
        self.floor_note.setWordWrap(True)
        layout.addWidget(self.floor_note)
        layout.addWidget(upper, 3)
        layout.addWidget(
            plain_label(
                "Copies dropped at the threshold with the lowest similarity to their kept copy "
                "(left), and the closest pairs under it that both stay:",
                self,
            )
        )
        layout.addWidget(lower, 3)
        layout.addWidget(buttons)

        self.job = DropCurveJob(self)
        self.job.point.connect(self._add_point)
        self.cutoff_job = CutoffPlanJob(self)
        self.cutoff_job.ready.connect(self._show_cutoff)
        self.kind_combo.currentIndexChanged.connect(self._show_kind)
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self.line.sigPositionChanged.connect(
            lambda: self.threshold_spin.setValue(float(self.line.value()))
        )
        self.pairs.currentItemChanged.connect(self._show_pair)
        self._curve: dict[float, int] = {}
        self._show_kind()

    @property
    def kind(self) -> int:
        """The kind being calibrated."""
        return int(self.kind_combo.currentData())

    def _show_kind(self) -> None:
        kind = self.kind
        floor = self.result.floor(kind)
        current = min(max(self.settings.threshold(kind), floor), 1.0)
        verified = kind == SEMANTIC and self.result.settings.embedder == VERIFIED
        self.floor_note.setVisible(verified)
        self.floor_note.setText(
            f"This run recorded semantic pairs from its threshold ({floor:.3f}) up: MiniLM judged "
            "only the candidates the fast embedder proposed for that threshold, so a lower one "
            "would show fewer pairs than it really drops. To see lower thresholds, find "
            "duplicates again with a lower semantic threshold."
        )
        # Bounds first, with the line's signal blocked: clamping the line to the floor used to
        # move the spin box, so the dialog opened at the floor instead of the threshold in use.
        self.line.blockSignals(True)
        self.line.setValue(current)
        self.line.setBounds((floor, 1.0))
        self.line.blockSignals(False)
        self.threshold_spin.blockSignals(True)
        self.threshold_spin.setRange(floor, 1.0)
        self.threshold_spin.setValue(current)
        self.threshold_spin.blockSignals(False)
        counts, edges = similarity_histogram(self.result, kind)
        centres = (edges[:-1] + edges[1:]) / 2
        self.bars.setOpts(x=centres, height=counts, width=(edges[1] - edges[0]) * 0.9)
        self.plot.setXRange(floor, 1.0, padding=0.02)
        self._curve = {}
        self.curve_table.setRowCount(0)
        self.job.start(
            self.result, self.settings, kind, thresholds_to_try(floor), self.scores, self.preferred
        )
        self._threshold_changed(self.threshold_spin.value())

    def _add_point(self, threshold: float, clusters: int, dropped: int) -> None:
        self._curve[round(threshold, 4)] = dropped
        row = self.curve_table.rowCount()
        self.curve_table.insertRow(row)
        for column, value in enumerate((f"{threshold:.3f}", f"{clusters:,}", f"{dropped:,}")):
            item = QTableWidgetItem(value)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.curve_table.setItem(row, column, item)

    def _threshold_changed(self, value: float) -> None:
        if abs(float(self.line.value()) - value) > 1e-6:
            self.line.blockSignals(True)
            self.line.setValue(value)
            self.line.blockSignals(False)
        self.effect.setText("Working out what this threshold drops…")
        self.cutoff_job.start(
            self.result, self.settings, self.kind, value, self.scores, self.preferred
        )

    def _show_cutoff(self, threshold: float, dropped: int, above, below) -> None:
        kind = self.kind
        similarity = self.result.edges[kind].similarity
        passing = int(np.count_nonzero(similarity >= threshold - 1e-6))
        self.effect.setText(
            f"At {threshold:.3f} the rule drops {dropped:,} rows as "
            f"duplicates; {passing:,} of {len(similarity):,} {KINDS[kind]} "
            f"pairs pass"
        )
        self.pairs.clear()
        lines = self.dataset.locations
        for pair in above:
            item = QListWidgetItem(
                f"{pair.similarity:.3f} dropped: line "
                f"{int(lines[pair.second]):,} as a copy of "
                f"{int(lines[pair.first]):,}"
            )
            item.setData(PairRole, (pair.first, pair.second))
            self.pairs.addItem(item)
        for pair in below:
            item = QListWidgetItem(
                f"{pair.similarity:.3f} both stay: lines "
                f"{int(lines[pair.first]):,} and {int(lines[pair.second]):,}"
            )
            item.setData(PairRole, (pair.first, pair.second))
            self.pairs.addItem(item)
        if self.pairs.count():
            self.pairs.setCurrentRow(0)

    def _show_pair(self, item: QListWidgetItem | None, _previous=None) -> None:
        """The two copies as the cluster view shows them: the same text, the same diff."""
        if item is None:
            return
        first, second = item.data(PairRole)
        prompts, responses = self.dataset.prompts, self.dataset.responses
        base = record_text(prompts[first], responses[first])
        self.left_text.show_text(base)
        self.right_text.show_text(record_text(prompts[second], responses[second]), base)

    def chosen_settings(self) -> DedupConfig:
        """The settings with the shown threshold for the shown kind."""
        return self.settings.with_changes(**{KINDS[self.kind]: self.threshold_spin.value()})

    def _apply(self) -> None:
        self.settings = self.chosen_settings()
        self.applied.emit(self.settings)
        self.accept()

    def done(self, result: int) -> None:  # noqa: D102
        self.job.cancel()
        self.cutoff_job.cancel()
        super().done(result)
