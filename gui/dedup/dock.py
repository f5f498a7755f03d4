"""The Duplicates dock: runs detection in the background and keeps the table's columns current.

The kept copy of each cluster depends on scores, the budget and the curator's choices, so the
per-row table is rebuilt (on a worker) whenever one of them changes; the rows it drops go to
the review rule through :attr:`DedupDock.duplicates_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from core.dataset import Dataset
from core.dedup.config import DedupConfig
from core.dedup.outcome import DuplicateTable
from core.dedup.progress import DedupProgress
from core.dedup.result import DuplicateResult
from gui.dedup.calibration_dialog import CalibrationDialog
from gui.dedup.cluster_dialog import ClusterDialog
from gui.dedup.jobs import DetectJob, RestoreJob, SimilarJob, TableJob
from gui.dedup.panel import DedupPanel
from gui.dedup.similar_dialog import SimilarDialog
from gui.error_hook import log_failure
from gui.table.model import RecordsTableModel
from gui.widgets.feature_dock import FeatureDock


class DedupDock(FeatureDock):
    """Duplicate detection, calibration, the cluster view and the duplicate columns."""

    duplicates_changed = Signal(object)  # bool mask of rows the rule drops as duplicates
    table_built = Signal(object)  # DuplicateTable (clusters, roles, kept copies)
    status = Signal(str)
    #: The curator picked ``row`` as the kept copy of its cluster ``members``; the review
    #: controller saves it as an undoable step and answers with :meth:`set_preferred`.
    keep_requested = Signal(int, object)

    def __init__(
        self,
        model: RecordsTableModel,
        current_row: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Duplicates", "dedup_dock", parent)
        self.table_model = model
        self.current_row = current_row
        self.panel = DedupPanel(self)
        self.setWidget(self.panel)
        self.detect = DetectJob(self)
        self.restore = RestoreJob(self)
        self.builder = TableJob(self)
        self.similar = SimilarJob(self)
        self.similar_dialog: SimilarDialog | None = None
        self.dataset: Dataset | None = None
        self.project: Path | None = None
        self.result: DuplicateResult | None = None
        self.table: DuplicateTable | None = None
        self.preferred = np.zeros(0, dtype=bool)
        self.cluster_dialog: ClusterDialog | None = None
        self._cluster_row: int | None = None
        # Streamed or restored scores: rebuild once they pause, not on every batch.
        self._scores_settled = QTimer(self, singleShot=True, interval=1000)
        self._scores_settled.timeout.connect(self.on_scores_changed)
        self._wire()

    def _wire(self) -> None:
        self.panel.run_requested.connect(self.start)
        self.panel.cancel_requested.connect(self.detect.cancel)
        self.panel.budget_changed.connect(self._budget_changed)
        self.panel.calibrate_requested.connect(self.calibrate)
        self.panel.cluster_requested.connect(self.show_cluster)
        self.panel.similar_requested.connect(self.find_similar)
        self.similar.found.connect(self._show_similar)
        self.similar.failed.connect(
            lambda exc: self.status.emit(log_failure("Finding similar rows failed", exc))
        )
        self.detect.progressed.connect(self._on_progress)
        self.detect.done.connect(self._on_detected)
        self.detect.failed.connect(self._on_failed)
        self.detect.cancelled.connect(self._on_cancelled)
        self.restore.restored.connect(self._on_restored)
        self.restore.failed.connect(self._on_failed)
        self.builder.built.connect(self._on_built)
        self.builder.failed.connect(self._on_failed)

    # -- dataset -------------------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset | None, project: Path | None) -> None:
        """Show ``dataset`` (restoring its project's last run) or nothing."""
        for job in (self.detect, self.restore, self.builder, self.similar):
            job.cancel()
        self.panel.set_running(False)
        self.panel.set_has_dataset(dataset is not None)
        self.dataset, self.project = dataset, project
        self.result, self.table = None, None
        self.preferred = np.zeros(0 if dataset is None else len(dataset), dtype=bool)
        self.table_model.set_duplicates(None)
        self.panel.show_summary(None)
        if self.cluster_dialog is not None:
            self.cluster_dialog.close()
            self.cluster_dialog = None
        if self.similar_dialog is not None:
            self.similar_dialog.close()
            self.similar_dialog = None
        if dataset is not None and project is not None:
            self.restore.start(dataset, project)

    def start(self, settings: DedupConfig) -> None:
        """Look for duplicates with ``settings`` in the background."""
        if self.dataset is None or self.project is None:
            return
        self.panel.set_running(True)
        self.status.emit(f"Looking for duplicates: {settings.describe()}…")
        self.detect.start(self.dataset, settings, self.project)

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        for job in (self.detect, self.restore, self.builder, self.similar):
            job.cancel()

    def _on_progress(self, progress: DedupProgress) -> None:
        self.panel.show_progress(progress)
        if progress.notice:
            self.status.emit(progress.notice)

    # -- results -------------------------------------------------------------------------------

    def _on_detected(self, result: DuplicateResult) -> None:
        self.panel.set_running(False)
        self.result = result
        self.status.emit(
            f"Duplicate search done in {result.seconds:.1f} s ({result.settings.describe()})."
        )
        self.rebuild(result.settings, save=False)

    def _on_restored(self, result: DuplicateResult | None, preferred: np.ndarray) -> None:
        self.preferred = preferred
        if result is None:
            return
        self.result = result
        self.panel.show_settings(result.settings)
        self.rebuild(result.settings, save=False)

    def _on_cancelled(self) -> None:
        self.panel.set_running(False)
        self.status.emit("Duplicate search cancelled; the previous results are unchanged.")

    def _on_failed(self, exc: Exception) -> None:
        self.panel.set_running(False)
        reason = log_failure("Duplicate search failed", exc)
        self.panel.show_summary(
            self.table.summary() if self.table else None, f"Duplicate search failed: {reason}"
        )
        self.status.emit(f"Duplicate search failed: {reason}")

    def rebuild(self, settings: DedupConfig | None = None, save: bool = True) -> None:
        """Rebuild the per-row table (kept copies follow scores, budget and choices)."""
        if self.result is None or self.dataset is None:
            return
        settings = settings or (self.table.settings if self.table else self.result.settings)
        self.builder.start(
            self.dataset,
            self.result,
            self._scores(),
            self.preferred,
            settings,
            self.project if save else None,
        )

    def on_scores_arrived(self, _update=None) -> None:
        """A batch of scores arrived; the table is rebuilt once they settle."""
        if self.result is not None:
            self._scores_settled.start()

    def on_scores_changed(self, *_args) -> None:
        """Scores finished or were restored: the best-scored copies may have changed."""
        self.rebuild(save=False)

    def _scores(self) -> np.ndarray | None:
        scores = self.table_model.scores
        return scores.copy() if len(scores) and np.isfinite(scores).any() else None

    def _on_built(self, table: DuplicateTable) -> None:
        self.table = table
        self.table_model.set_duplicates(table)
        self.duplicates_changed.emit(table.dropped)
        self.table_built.emit(table)
        self.panel.show_summary(table.summary())
        if (
            self.cluster_dialog is not None
            and self.cluster_dialog.isVisible()
            and self._cluster_row is not None
        ):
            self.cluster_dialog.show_cluster(table, self._cluster_row, self.table_model.scores)

    def _budget_changed(self, budget: float) -> None:
        if self.table is not None:
            self.rebuild(self.table.settings.with_changes(budget=budget))

    # -- calibration and clusters --------------------------------------------------------------

    def calibrate(self) -> None:
        """Open the calibration dialog for the current run."""
        if self.result is None or self.dataset is None or self.table is None:
            return
        if not [k for k in self.result.edges if k != 0]:
            self.status.emit(
                "Calibration needs a near or semantic run: exact matches have no threshold."
            )
            return
        dialog = CalibrationDialog(
            self.dataset,
            self.result,
            self.table.settings,
            self,
            self._scores(),
            self.preferred.copy(),
        )
        dialog.applied.connect(self._apply_settings)
        dialog.open()

    def _apply_settings(self, settings: DedupConfig) -> None:
        self.panel.show_settings(settings)
        self.rebuild(settings)

    def show_cluster(self) -> None:
        """Show every copy of the current row's cluster."""
        row = self.current_row()
        if self.table is None or self.dataset is None or row is None:
            return
        if self.table.size[row] <= 1:
            self.status.emit("The current row has no duplicates.")
            return
        if self.cluster_dialog is None:
            self.cluster_dialog = ClusterDialog(self.dataset, self)
            self.cluster_dialog.keep_requested.connect(self.keep_copy)
        self._cluster_row = row
        self.cluster_dialog.show_cluster(self.table, row, self.table_model.scores)
        self.cluster_dialog.show()
        self.cluster_dialog.raise_()
        self.cluster_dialog.activateWindow()  # K now means "keep this copy", not "keep row"

    def find_similar(self) -> None:
        """Show the rows nearest to the current row by the last semantic run's embeddings."""
        row = self.current_row()
        if self.dataset is None or row is None:
            return
        if self.result is None:
            self.status.emit(
                "Find similar needs a semantic duplicate run: tick Semantic and find duplicates."
            )
            return
        self.similar.start(self.result, row)

    def _show_similar(self, row: int, neighbours) -> None:
        if self.dataset is None:
            return
        if self.similar_dialog is None:
            self.similar_dialog = SimilarDialog(self.dataset, self)
        settings = self.table.settings if self.table is not None else None
        self.similar_dialog.show_neighbours(
            row, neighbours, self.table, settings.semantic if settings else None
        )
        self.similar_dialog.show()
        self.similar_dialog.raise_()

    def keep_copy(self, row: int) -> None:
        """Ask for ``row`` to become its cluster's kept copy (saved and undone by the review)."""
        if self.table is None or self.dataset is None:
            return
        members = self.table.clusters.members(int(self.table.cluster[row]))
        self.keep_requested.emit(row, members)
        if self.preferred[row]:
            self.status.emit(
                f"Line {int(self.dataset.locations[row]):,} is now the kept copy "
                f"of its cluster of {len(members):,}."
            )

    def set_preferred(self, preferred: np.ndarray) -> None:
        """The copies chosen by the curator changed (a choice, its undo or redo): rebuild."""
        if self.dataset is None or len(preferred) != len(self.dataset):
            return
        self.preferred = preferred
        self.rebuild(save=False)
