"""The duplicates panel: which detectors, on which text, at which thresholds; run and results.

It only collects settings and shows state; :class:`gui.dedup.dock.DedupDock` runs the work.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.dedup.config import (
    DEFAULT_NEAR,
    SWEET_SPOT_BUDGET,
    DedupConfig,
    DedupSettingsError,
)
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from core.dedup.normalize import FIELDS
from core.dedup.progress import DedupProgress
from gui.widgets.progress import ProgressCancel
from gui.widgets.text_widgets import plain_label

#: The embedder combo: (label, settings name, tooltip). :data:`OTHER` is "another model",
#: named in the line edit beside it.
OTHER = ""
EMBEDDERS = (
    (
        "Fast candidates, MiniLM verifies",
        VERIFIED,
        "The fast model proposes pairs generously; MiniLM embeds only the rows in them and "
        "decides each pair at its own 0.90: MiniLM's judgement (nothing dropped below its 0.90), "
        "at a fraction of its time on a CPU; how long depends on how many rows have a candidate",
    ),
    (
        "Fast (static, distilled from MiniLM)",
        FAST,
        "A static model distilled from the bundled MiniLM: 100k prompts in seconds on a CPU. "
        "Built once on first use (about 30 s, with progress), then cached in your data folder. "
        "Weaker than MiniLM on short chat prompts (it misses rewordings of a few words) and it "
        "pairs different questions on a shared template",
    ),
    (
        "MiniLM (all-MiniLM-L6-v2, bundled)",
        BUNDLED,
        "The transformer itself: the reference, but about 100 rows/s on two CPU cores; "
        "fine on a GPU",
    ),
    (
        "Other model…",
        OTHER,
        "A sentence-embedding model folder, or a Hugging Face id already downloaded",
    ),
)


def _threshold_spin(value: float, tooltip: str, parent: QWidget) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(0.5, 1.0)
    spin.setSingleStep(0.01)
    spin.setDecimals(2)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    return spin


def _field_combo(default: str, parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for field in FIELDS:
        combo.addItem(field, field)
    combo.setCurrentIndex(FIELDS.index(default))
    combo.setToolTip("Compare the prompt, the response, or both together")
    return combo


class DedupPanel(QWidget):
    """Detector choices, budget, Find/Cancel with progress, and what the run found."""

    run_requested = Signal(object)  # DedupConfig
    cancel_requested = Signal()
    budget_changed = Signal(float)
    calibrate_requested = Signal()
    cluster_requested = Signal()
    similar_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._has_dataset = False  # Find duplicates waits for a dataset
        self.exact_check = QCheckBox("Exact", self)
        self.exact_check.setChecked(True)
        self.exact_check.setToolTip(
            "Identical after normalising Unicode, case, spacing and repeated punctuation"
        )
        self.near_check = QCheckBox("Near", self)
        self.near_check.setChecked(True)
        self.near_check.setToolTip(
            "MinHash LSH over 5-word shingles; every pair verified with its true Jaccard similarity"
        )
        self.semantic_check = QCheckBox("Semantic", self)
        self.semantic_check.setToolTip(
            "Sentence embeddings (cosine), on the embedder chosen below; a GPU is used when present"
        )
        self.near_spin = _threshold_spin(
            DEFAULT_NEAR, "Jaccard similarity for a near duplicate", self
        )
        self.semantic_spin = _threshold_spin(
            default_threshold(VERIFIED),
            "Cosine similarity for "
            "a semantic duplicate; each embedder has its own "
            "scale, so choosing one sets its calibrated "
            "default",
            self,
        )
        self.exact_on = _field_combo("pair", self)
        self.near_on = _field_combo("pair", self)
        self.semantic_on = _field_combo("prompt", self)

        grid = QGridLayout()
        grid.addWidget(plain_label("Kind", self), 0, 0)
        grid.addWidget(plain_label("Threshold", self), 0, 1)
        grid.addWidget(plain_label("On", self), 0, 2)
        grid.addWidget(self.exact_check, 1, 0)
        grid.addWidget(plain_label("identical", self), 1, 1)
        grid.addWidget(self.exact_on, 1, 2)
        grid.addWidget(self.near_check, 2, 0)
        grid.addWidget(self.near_spin, 2, 1)
        grid.addWidget(self.near_on, 2, 2)
        grid.addWidget(self.semantic_check, 3, 0)
        grid.addWidget(self.semantic_spin, 3, 1)
        grid.addWidget(self.semantic_on, 3, 2)

        self.embedder_combo = QComboBox(self)
        for index, (label, name, tooltip) in enumerate(EMBEDDERS):
            self.embedder_combo.addItem(label, name)
            self.embedder_combo.setItemData(index, tooltip, Qt.ItemDataRole.ToolTipRole)
        self.embedder_combo.setToolTip("Sentence embedder for semantic duplicates")
        self.embedder_edit = QLineEdit(self)
        self.embedder_edit.setPlaceholderText("model folder or downloaded hub id")
        self.embedder_edit.setToolTip(
            "Sentence-embedding model for semantic duplicates: a "
            "model folder, or a Hugging Face id already downloaded"
        )
        self.embedder_button = QPushButton("Folder…", self)
        embedder_row = QHBoxLayout()
        embedder_row.addWidget(plain_label("Embedder", self))
        embedder_row.addWidget(self.embedder_combo)
        embedder_row.addStretch(1)
        other_row = QHBoxLayout()  # shown for "Other model…" only
        other_row.addWidget(self.embedder_edit, 1)
        other_row.addWidget(self.embedder_button)

        self.strip_check = QCheckBox("Compare without shared boilerplate", self)
        self.strip_check.setToolTip(
            "Near and semantic matching ignore a prefix or suffix most rows share (a system "
            "prompt, a tool description) and passages repeated across rows (one context "
            "behind several questions). Exact matching always compares the whole text"
        )

        self.budget_spin = QDoubleSpinBox(self)
        self.budget_spin.setRange(0.0, 100.0)
        self.budget_spin.setDecimals(0)
        self.budget_spin.setSingleStep(5.0)
        self.budget_spin.setSuffix(" %")
        self.budget_spin.setToolTip(
            "Duplication budget: keep extra copies (best scores first, "
            "one per cluster at a time) up to this share of the unique "
            "rows. The seed's sweet spot is about 25%; 0 keeps one copy"
        )
        self.sweet_spot_button = QPushButton(f"Try {SWEET_SPOT_BUDGET:.0%}", self)
        budget_row = QHBoxLayout()
        budget_row.addWidget(plain_label("Duplication budget", self))
        budget_row.addWidget(self.budget_spin)
        budget_row.addWidget(self.sweet_spot_button)
        budget_row.addStretch(1)

        self.run_button = QPushButton("Find duplicates", self)
        self.progress_cancel = ProgressCancel(self)  # hidden between runs
        self.progress = self.progress_cancel.bar
        self.cancel_button = self.progress_cancel.cancel_button
        self.stage = plain_label("", self)
        self.stage.setWordWrap(True)
        self.notice = plain_label("", self)
        self.notice.setWordWrap(True)
        self.notice.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.progress_cancel, 1)

        self.summary = plain_label("No duplicate search yet.", self)
        self.summary.setWordWrap(True)
        self.notes = plain_label("", self)
        self.notes.setWordWrap(True)
        self.notes.hide()
        self.strip_button = QPushButton("Find again without the boilerplate", self)
        self.strip_button.setToolTip("Tick 'Compare without shared boilerplate' and run again")
        self.strip_button.hide()
        self.calibrate_button = QPushButton("Calibrate thresholds…", self)
        self.calibrate_button.setToolTip(
            "See how many rows each threshold would drop, the "
            "similarity histogram and pairs at the cutoff"
        )
        self.cluster_button = QPushButton("Show cluster…", self)
        self.cluster_button.setToolTip("All copies of the current row side by side (C)")
        self.similar_button = QPushButton("Find similar…", self)
        self.similar_button.setToolTip(
            "The rows nearest to the current row by the last semantic run's embeddings (S)"
        )
        self.calibrate_button.setEnabled(False)
        self.cluster_button.setEnabled(False)
        self.similar_button.setEnabled(False)
        tools = QHBoxLayout()
        tools.addWidget(self.calibrate_button)
        tools.addWidget(self.cluster_button)
        tools.addWidget(self.similar_button)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(embedder_row)
        layout.addLayout(other_row)
        layout.addWidget(self.strip_check)
        layout.addLayout(budget_row)
        layout.addLayout(buttons)
        layout.addWidget(self.stage)
        layout.addWidget(self.notice)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addWidget(self.strip_button)
        layout.addLayout(tools)
        layout.addStretch(1)
        self._wire()
        self._sync_enabled()

    def _wire(self) -> None:
        self.run_button.clicked.connect(self._request_run)
        self.progress_cancel.cancel_requested.connect(self.cancel_requested)
        self.calibrate_button.clicked.connect(self.calibrate_requested)
        self.cluster_button.clicked.connect(self.cluster_requested)
        self.similar_button.clicked.connect(self.similar_requested)
        self.embedder_button.clicked.connect(self._browse_embedder)
        self.strip_button.clicked.connect(self._run_without_boilerplate)
        self.embedder_combo.currentIndexChanged.connect(self._embedder_chosen)
        self.sweet_spot_button.clicked.connect(
            lambda: self.budget_spin.setValue(SWEET_SPOT_BUDGET * 100)
        )
        self.budget_spin.valueChanged.connect(lambda v: self.budget_changed.emit(v / 100))
        for check in (self.exact_check, self.near_check, self.semantic_check):
            check.toggled.connect(self._sync_enabled)

    def _sync_enabled(self) -> None:
        self.near_spin.setEnabled(self.near_check.isChecked())
        self.near_on.setEnabled(self.near_check.isChecked())
        self.exact_on.setEnabled(self.exact_check.isChecked())
        semantic = self.semantic_check.isChecked()
        for widget in (self.semantic_spin, self.semantic_on, self.embedder_combo):
            widget.setEnabled(semantic)
        other = self.embedder_combo.currentData() == OTHER
        for widget in (self.embedder_edit, self.embedder_button):
            widget.setEnabled(semantic and other)
            widget.setVisible(other)
        any_kind = any(
            c.isChecked() for c in (self.exact_check, self.near_check, self.semantic_check)
        )
        self.run_button.setEnabled(
            any_kind and self._has_dataset and not self.progress_cancel.running
        )

    def set_has_dataset(self, has_dataset: bool) -> None:
        """Find duplicates is offered only with a dataset open."""
        self._has_dataset = has_dataset
        self._sync_enabled()

    def _embedder_chosen(self) -> None:
        """A new embedder brings its own calibrated threshold (their scales differ)."""
        name = self.embedder_combo.currentData()
        self.semantic_spin.setValue(
            default_threshold(name if name != OTHER else self.embedder_edit.text().strip())
        )
        self._sync_enabled()

    def _embedder_name(self) -> str:
        """The chosen embedder as the settings name it (``fast``, ``bundled`` or a model)."""
        name = self.embedder_combo.currentData()
        if name != OTHER:
            return name
        if not self.embedder_edit.text().strip() and self.semantic_check.isChecked():
            raise DedupSettingsError(
                "name the other embedder: a model folder or a downloaded Hugging Face id"
            )
        return self.embedder_edit.text().strip() or VERIFIED

    def _browse_embedder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Sentence-embedding model folder")
        if folder:
            self.embedder_edit.setText(folder)

    def settings(self) -> DedupConfig:
        """The settings the widgets show (raises DedupSettingsError when inconsistent)."""
        return DedupConfig(
            exact=self.exact_check.isChecked(),
            near=self.near_spin.value() if self.near_check.isChecked() else None,
            semantic=self.semantic_spin.value() if self.semantic_check.isChecked() else None,
            exact_on=self.exact_on.currentData(),
            near_on=self.near_on.currentData(),
            semantic_on=self.semantic_on.currentData(),
            embedder=self._embedder_name(),
            budget=self.budget_spin.value() / 100,
            strip_boilerplate=self.strip_check.isChecked(),
        )

    def show_settings(self, settings: DedupConfig) -> None:
        """Show a saved run's settings (without emitting changes)."""
        widgets = (
            self.exact_check,
            self.near_check,
            self.semantic_check,
            self.near_spin,
            self.semantic_spin,
            self.budget_spin,
            self.strip_check,
            self.embedder_combo,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.exact_check.setChecked(settings.exact)
        self.near_check.setChecked(settings.near is not None)
        self.semantic_check.setChecked(settings.semantic is not None)
        if settings.near is not None:
            self.near_spin.setValue(settings.near)
        if settings.semantic is not None:
            self.semantic_spin.setValue(settings.semantic)
        for combo, field in (
            (self.exact_on, settings.exact_on),
            (self.near_on, settings.near_on),
            (self.semantic_on, settings.semantic_on),
        ):
            combo.setCurrentIndex(FIELDS.index(field))
        named = self.embedder_combo.findData(settings.embedder)
        self.embedder_combo.setCurrentIndex(
            named if named >= 0 else self.embedder_combo.findData(OTHER)
        )
        self.embedder_edit.setText("" if named >= 0 else settings.embedder)
        self.budget_spin.setValue(settings.budget * 100)
        self.strip_check.setChecked(settings.strip_boilerplate)
        for widget in widgets:
            widget.blockSignals(False)
        self._sync_enabled()

    def _run_without_boilerplate(self) -> None:
        self.strip_check.setChecked(True)
        self._request_run()

    def _request_run(self) -> None:
        try:
            settings = self.settings()
        except DedupSettingsError as exc:
            self.stage.setText(str(exc))
            return
        self.run_requested.emit(settings)

    def set_running(self, running: bool) -> None:
        """Show the progress and Cancel while a run goes, hide them after it."""
        if running:
            self.notice.hide()
            self.progress_cancel.start()
        else:
            self.progress_cancel.finish()
            self.stage.setText("")
        self._sync_enabled()

    def show_progress(self, progress: DedupProgress) -> None:
        """A run's stage and how far it is; a notice stays in view until the next run."""
        if progress.notice:
            self.notice.setText(progress.notice)
            self.notice.show()
        self.progress_cancel.set_fraction(progress.fraction)
        self.stage.setText(
            f"{progress.stage}: {progress.done:,} of {progress.total:,}"
            if progress.total > 1
            else progress.stage
        )

    def show_summary(self, summary: dict | None, note: str = "") -> None:
        """What the current table says (None: no run)."""
        self.calibrate_button.setEnabled(summary is not None)
        self.cluster_button.setEnabled(summary is not None)
        self.similar_button.setEnabled(
            summary is not None and summary["settings"].get("semantic") is not None
        )
        notes = (summary or {}).get("notes", [])
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.strip_button.setVisible(any(n.endswith("compare without it.") for n in notes))
        if summary is None:
            self.summary.setText(note or "No duplicate search yet.")
            return
        kinds = ", ".join(f"{n:,} {k}" for k, n in summary["by_match"].items() if n)
        text = (
            f"{summary['clusters']:,} clusters · {summary['duplicates']:,} duplicates"
            + (f" ({kinds})" if kinds else "")
            + f" · the rule drops {summary['dropped']:,}"
        )
        if summary["extra_copies"]:
            text += f" · the budget keeps {summary['extra_copies']:,} extra copies"
        self.summary.setText(text + (f"\n{note}" if note else ""))
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft)
