"""The Overlap dock's widgets: references, levels, run and cancel, results, and the rule.

Pure presentation: it collects settings and shows state; :class:`gui.overlap.dock.OverlapDock`
runs the work. Reference paths and counts are shown as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.dedup.config import DEFAULT_NEAR
from core.dedup.progress import DedupProgress
from core.overlap.config import (
    DEFAULT_MIN_WORDS,
    DEFAULT_NGRAM,
    DEFAULT_SEMANTIC,
    FIELDS,
    LEVELS,
    OverlapConfig,
    OverlapSettingsError,
)
from core.overlap.result import OverlapResult
from gui.widgets.progress import ProgressCancel
from gui.widgets.text_widgets import plain_label

STALE_PREFIX = "the last overlap check is stale: "

FILE_FILTER = "Datasets (*.jsonl *.ndjson *.json *.csv *.tsv *.parquet *.pq *.gz);;All files (*)"
LEVEL_TITLES = {"exact": "Exact", "ngram": "13-gram", "near": "Near", "semantic": "Semantic"}


def _spin(value: float, low: float, tooltip: str, parent: QWidget) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent, decimals=2, minimum=low, maximum=1.0, singleStep=0.01)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    return spin


class OverlapPanel(QWidget):
    """Reference list, level choices, Check/Cancel with progress, counts, and drop choices."""

    run_requested = Signal(object, object)  # list[str] paths, OverlapConfig
    cancel_requested = Signal()
    drop_changed = Signal(object)  # tuple of levels the rule drops

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        # First in the dock: the counts, flags and drop rule below depend on it.
        self.stale = plain_label("", self)
        self.stale.setWordWrap(True)
        self.stale.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.stale.hide()
        layout.addWidget(self.stale)

        refs_box = QGroupBox("Reference files (evaluation sets, earlier training data)", self)
        refs_layout = QVBoxLayout(refs_box)
        self.references = QListWidget(refs_box)
        self.references.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.references.setMaximumHeight(90)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…", refs_box)
        self.remove_button = QPushButton("Remove", refs_box)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        refs_layout.addWidget(self.references)
        refs_layout.addLayout(buttons)
        layout.addWidget(refs_box)

        levels_box = QGroupBox("Levels", self)
        form = QFormLayout(levels_box)
        self.exact = QCheckBox("Exact (same text after normalising)", levels_box, checked=True)
        self.ngram = QCheckBox("Word n-grams (any shared run of N words)", levels_box, checked=True)
        self.ngram_words = QSpinBox(levels_box, minimum=5, maximum=50, value=DEFAULT_NGRAM)
        self.ngram_words.setToolTip("N: 13 is the GPT-3 and lm-eval-harness standard")
        self.near = QCheckBox("Near (MinHash Jaccard ≥)", levels_box, checked=True)
        self.near_threshold = _spin(
            DEFAULT_NEAR, 0.5, "Word-shingle Jaccard similarity", levels_box
        )
        self.semantic = QCheckBox("Semantic, rephrasings (cosine ≥)", levels_box)
        self.semantic_threshold = _spin(
            DEFAULT_SEMANTIC, 0.5, "Cosine of all-MiniLM-L6-v2 sentence embeddings", levels_box
        )
        self.field = QComboBox(levels_box)
        for field in FIELDS:
            self.field.addItem(field, field)
        self.field.setToolTip(
            "Which text of each record to compare (an evaluation set usually has prompts only)"
        )
        form.addRow(self.exact)
        form.addRow(self.ngram, self.ngram_words)
        form.addRow(self.near, self.near_threshold)
        form.addRow(self.semantic, self.semantic_threshold)
        form.addRow(plain_label("Compare"), self.field)
        layout.addWidget(levels_box)

        run_row = QHBoxLayout()
        self.run_button = QPushButton("Check overlap", self)
        self.progress_cancel = ProgressCancel(self)  # hidden between checks
        self.progress = self.progress_cancel.bar
        self.cancel_button = self.progress_cancel.cancel_button
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.progress_cancel, 1)
        layout.addLayout(run_row)
        self.stage = plain_label("", self)
        self.stage.setWordWrap(True)
        layout.addWidget(self.stage)

        self.counts = QTableWidget(0, 1 + len(LEVELS), self)
        self.counts.setHorizontalHeaderLabels(["Reference"] + [LEVEL_TITLES[x] for x in LEVELS])
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.setMinimumHeight(84)
        self.counts.setMaximumHeight(130)
        self.counts.setToolTip(
            "Rows of the open file that overlap each reference, per level "
            "(a row can count at several levels)"
        )
        layout.addWidget(self.counts)

        drop_box = QGroupBox("Rule: drop rows that overlap at", self)
        drop_layout = QHBoxLayout(drop_box)
        self.drop_boxes = {}
        for level in LEVELS:
            box = QCheckBox(LEVEL_TITLES[level], drop_box)
            self.drop_boxes[level] = box
            drop_layout.addWidget(box)
            box.toggled.connect(self._drop_toggled)
        layout.addWidget(drop_box)
        layout.addStretch(1)
        self._updating = False

        self.add_button.clicked.connect(self._add_references)
        self.remove_button.clicked.connect(self._remove_selected)
        self.run_button.clicked.connect(self._request_run)
        self.progress_cancel.cancel_requested.connect(self.cancel_requested)

    # -- settings ------------------------------------------------------------------------------

    def paths(self) -> list[str]:
        """The reference paths, in order."""
        return [self.references.item(i).text() for i in range(self.references.count())]

    def set_paths(self, paths: list[str]) -> None:
        """Show ``paths`` as the references."""
        self.references.clear()
        self.references.addItems(paths)

    def add_paths(self, paths: list[str]) -> None:
        """Add references that are not listed yet."""
        listed = set(self.paths())
        self.references.addItems([p for p in paths if p not in listed])

    def settings(self) -> OverlapConfig:
        """The settings the widgets show (raises OverlapSettingsError if inconsistent)."""
        field = self.field.currentData()
        return OverlapConfig(
            exact=self.exact.isChecked(),
            ngram=self.ngram.isChecked(),
            near=self.near_threshold.value() if self.near.isChecked() else None,
            semantic=self.semantic_threshold.value() if self.semantic.isChecked() else None,
            exact_on=field,
            ngram_on=field,
            near_on=field,
            semantic_on=field,
            ngram_words=self.ngram_words.value(),
            min_words=min(DEFAULT_MIN_WORDS, self.ngram_words.value()),
        )

    def show_settings(self, settings: OverlapConfig) -> None:
        """Show a saved check's settings."""
        self.exact.setChecked(settings.exact)
        self.ngram.setChecked(settings.ngram)
        self.ngram_words.setValue(settings.ngram_words)
        self.near.setChecked(settings.near is not None)
        if settings.near is not None:
            self.near_threshold.setValue(settings.near)
        self.semantic.setChecked(settings.semantic is not None)
        if settings.semantic is not None:
            self.semantic_threshold.setValue(settings.semantic)
        self.field.setCurrentIndex(max(0, self.field.findData(settings.ngram_on)))

    def set_drop_levels(self, levels: tuple[str, ...]) -> None:
        """Show which levels the rule drops, without emitting :attr:`drop_changed`."""
        self._updating = True
        try:
            for level, box in self.drop_boxes.items():
                box.setChecked(level in levels)
        finally:
            self._updating = False

    def drop_levels(self) -> tuple[str, ...]:
        """The levels checked for dropping."""
        return tuple(level for level in LEVELS if self.drop_boxes[level].isChecked())

    # -- state ---------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        """Switch between the Check and Cancel states."""
        self.run_button.setEnabled(not running)
        if running:
            self.progress_cancel.start()
        else:
            self.progress_cancel.finish()

    def show_progress(self, progress: DedupProgress) -> None:
        """Show a stage and how far it is."""
        self.progress_cancel.set_fraction(progress.fraction)
        self.stage.setText(progress.stage)

    def show_result(self, result: OverlapResult | None, message: str = "") -> None:
        """Fill the per-reference counts (None clears them)."""
        self.counts.setRowCount(0)
        if result is None:
            self.stage.setText(message)
            return
        rows = result.counts()
        self.counts.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = QTableWidgetItem(result.references[r].name)
            name.setToolTip(f"{row['path']}\nSHA-256 {row['sha256']}")
            self.counts.setItem(r, 0, name)
            for c, level in enumerate(LEVELS, start=1):
                count = row["rows"].get(level)
                self.counts.setItem(r, c, QTableWidgetItem("—" if count is None else f"{count:,}"))
        summary = result.summary()
        self.stage.setText(
            message
            or "\n".join(
                (
                    f"{summary['overlapping']:,} of {summary['records']:,} rows overlap "
                    f"({result.settings.describe()}); checked in {result.seconds:.1f} s.",
                    *(f"Note: {note}." for note in result.notes),
                )
            )
        )

    def show_stale(self, reason: str | None) -> None:
        """Say the shown check is stale (a reference changed or vanished), or clear it."""
        self.stale.setText(
            f"Stale check: {reason[len(STALE_PREFIX) :]}"
            if reason and reason.startswith(STALE_PREFIX)
            else (reason or "")
        )
        self.stale.setVisible(bool(reason))
        self.stale.setToolTip(
            "The counts, flags and the drop rule below are about the "
            "reference files as they were when checked. Check again to cover "
            "their current version."
            if reason
            else ""
        )

    # -- slots ---------------------------------------------------------------------------------

    def _add_references(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add reference files", "", FILE_FILTER)
        self.add_paths(paths)

    def _remove_selected(self) -> None:
        for item in self.references.selectedItems():
            self.references.takeItem(self.references.row(item))

    def _request_run(self) -> None:
        if not self.paths():
            self.stage.setText(
                "Add a reference file first (an evaluation set, or data you already have)."
            )
            return
        try:
            settings = self.settings()
        except OverlapSettingsError as exc:
            self.stage.setText(str(exc))
            return
        self.run_requested.emit(self.paths(), settings)

    def _drop_toggled(self) -> None:
        if not self._updating:
            self.drop_changed.emit(self.drop_levels())
