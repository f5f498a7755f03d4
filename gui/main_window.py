"""The main window: a composition root that builds the widgets, wires them and persists state.

It holds no dataset logic: loading runs in :class:`gui.loading.jobs.LoadJob`, rows come from
:class:`gui.table.model.RecordsTableModel`, and everything shown about a record is plain text.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset, LoadProgress
from core.errors import LoadError
from core.loading.freshness import SourceChanged
from core.loading.peek import peek_fields
from core.project.backup import Backup, describe, list_backups
from core.review.decisions import NAMES
from core.review.place import nearest_row
from core.schemas import ColumnMapping
from core.version import APP_NAME
from gui import settings as keys
from gui.dedup.dock import DedupDock
from gui.embedding_map.dock import MapDock
from gui.error_hook import failure_text, log_failure, report_failure
from gui.jobs import LatestJob
from gui.loading.jobs import LoadJob
from gui.loading.load_report import LoadReportDialog, summary_text
from gui.loading.mapping_dialog import ColumnMappingDialog
from gui.loading.source_watch import SourceWatcher
from gui.overlap.dock import OverlapDock
from gui.plots.dock import PlotsDock
from gui.project.backup_dialog import BackupDialog
from gui.review.dock import ReviewDock
from gui.scoring.agreement_dock import AgreementDock
from gui.scoring.dock import ScoringDock
from gui.settings import Settings
from gui.simulator.dock import SimulatorDock
from gui.table.detail_pane import DetailPane
from gui.table.filter_bar import FilterBar
from gui.table.model import RecordsTableModel
from gui.table.records_view import RecordsView
from gui.undo_keys import ReviewUndoKeys
from gui.widgets.dock_fit import fit_dock
from gui.widgets.progress import ProgressCancel
from gui.widgets.text_widgets import plain_label

FILE_FILTER = "Datasets (*.jsonl *.ndjson *.json *.csv *.tsv *.parquet *.pq *.gz);;All files (*)"
_NO_SCHEMA = "no known schema fits"
#: The bottom docks' (plots, simulator) height on first run, before the curator resizes them.
PLOTS_HEIGHT = 360
#: Closing waits at most this long, in all, for cancelled background jobs to stop.
JOBS_CLOSE_WAIT_S = 3.0
#: The right-hand docks' (review, scoring, duplicates) width on first run.
RIGHT_DOCKS_WIDTH = 420
#: The window's size on first run, on a screen with room for it (see ``first_run_size``).
FIRST_RUN_SIZE = QSize(1560, 860)
log = logging.getLogger(__name__)


def first_run_size(available: QSize) -> QSize:
    """The window's size on first run: roomy, but never larger than the screen's free area."""
    return QSize(
        min(FIRST_RUN_SIZE.width(), available.width()),
        min(FIRST_RUN_SIZE.height(), available.height()),
    )


class MainWindow(QMainWindow):
    """Thresher's main window."""

    dataset_loaded = Signal(object)  # Dataset
    load_failed = Signal(object)  # the exception (a LoadError names the file and line)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.settings = Settings()
        self.dataset: Dataset | None = None
        self._detail_shown: tuple[int, str] | None = None
        self._restored_from = ""  # the backup being reopened from, for the notice
        self._reload_line: int | None = None  # a reload's place, if its record is gone
        self.job = LoadJob(self)
        self.model = RecordsTableModel(self)
        self.source_watch = SourceWatcher(self)
        self._build_widgets()
        self._build_menus()
        self._wire()
        self._restore_state()

    # -- construction --------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.banner = QFrame(self)
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            "#banner { background: #fff4d6; border: 1px solid #e7c86e; border-radius: 4px; }"
        )
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 4, 8, 4)
        self.banner_text = plain_label("", self.banner)
        self.banner_text.setWordWrap(True)
        self.notice_text = plain_label("", self.banner)
        self.notice_text.setWordWrap(True)
        self.notice_text.setStyleSheet("color: #1d4f91;")
        self.report_button = QPushButton("Show load report", self.banner)
        self.reload_button = QPushButton("Reload", self.banner)
        self.reload_button.setToolTip("Read the file again; your decisions follow their records")
        self.reload_button.hide()
        texts = QVBoxLayout()
        texts.addWidget(self.notice_text)
        texts.addWidget(self.banner_text)
        banner_layout.addLayout(texts, 1)
        banner_layout.addWidget(self.reload_button)
        banner_layout.addWidget(self.report_button)
        self.banner.hide()

        self.table = RecordsView(self)
        self.table.setModel(self.model)
        self.table.apply_default_widths()
        self.detail = DetailPane(self)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        self.filter_bar = FilterBar(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.status_text = plain_label("Open a dataset: File > Open, or drop a file here.", self)
        self.progress = ProgressCancel(self, bar_width=220)
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.progress)

        self.review = ReviewDock(self.model, self.table, self.filter_bar, self.settings, self)
        self.scoring = ScoringDock(self.model, self.settings, self)
        self.dedup = DedupDock(self.model, self.current_source_row, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scoring)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dedup)
        self.tabifyDockWidget(self.scoring, self.dedup)
        self.overlap = OverlapDock(self.model, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.overlap)
        self.tabifyDockWidget(self.dedup, self.overlap)
        self.scoring.raise_()
        # The right-hand docks run the full height; the plots sit under the table only.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.plots = PlotsDock(self)
        self.simulator = SimulatorDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.plots)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.simulator)
        self.map = MapDock(self.model, self.table, self.filter_bar, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.map)
        self.agreement = AgreementDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.agreement)
        self.docks = (
            self.review,
            self.scoring,
            self.dedup,
            self.overlap,
            self.plots,
            self.simulator,
            self.map,
            self.agreement,
        )
        for dock in self.docks:  # usable at 1280 x 720: contents scroll, docks close
            fit_dock(dock)
        # A long status message must not set the window's minimum width.
        self.status_text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # Plots and Simulator are tabbed on first show (see showEvent): tabbing docks in the
        # bottom area lays the window out at once, which would clamp a restored geometry to
        # the minimum size before the window is on a screen.

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        self.open_mapped_action = QAction("Open with &Column Mapping…", self)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.report_action = QAction("Load &Report…", self, enabled=False)
        self.restore_action = QAction("Restore from &Backup…", self, enabled=False)
        self.restore_action.setToolTip("Go back to an earlier state of this dataset's decisions")
        self.quit_action = QAction("&Quit", self)
        # Some platforms (and Linux desktops without a theme) bind no key to Quit: Ctrl+Q then.
        self.quit_action.setShortcuts(
            QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")]
        )
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_mapped_action)
        file_menu.addSeparator()
        file_menu.addAction(self.review.export_action)
        file_menu.addAction(self.report_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.review.undo_action)
        edit_menu.addAction(self.review.redo_action)
        review_menu = self.menuBar().addMenu("&Review")
        named = self.review.actions_by_name
        for name in ("keep", "drop", "auto", "keep_reason", "drop_reason"):
            review_menu.addAction(named[name])
        review_menu.addSeparator()
        for name in ("next", "previous", "queue"):
            review_menu.addAction(named[name])
        review_menu.addSeparator()
        review_menu.addAction(self.review.keep_shown_action)
        review_menu.addAction(self.review.drop_shown_action)
        review_menu.addAction(self.review.auto_shown_action)
        review_menu.addSeparator()
        self.cluster_action = QAction("Show Duplicate &Cluster", self, shortcut="C")
        self.cluster_action.setToolTip("Every copy of the current row side by side")
        self.addAction(self.cluster_action)
        review_menu.addAction(self.cluster_action)
        self.similar_action = QAction("Find &Similar Rows", self, shortcut="S")
        self.similar_action.setToolTip(
            "The rows nearest to the current row by the last semantic run's embeddings"
        )
        self.addAction(self.similar_action)
        review_menu.addAction(self.similar_action)
        review_menu.addSeparator()
        review_menu.addAction(self.review.least_sure_action)
        review_menu.addAction(self.review.learn_files_action)
        review_menu.addSeparator()
        review_menu.addAction(self.review.advance_action)
        review_menu.addAction(self.review.shortcuts_action)
        self.view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks:  # a closed dock comes back from here
            self.view_menu.addAction(dock.toggleViewAction())
        self._rebuild_recent_menu(self.settings.recent_files())

    def _wire(self) -> None:
        self.open_action.triggered.connect(self.choose_file)
        self.open_mapped_action.triggered.connect(self.choose_file_with_mapping)
        self.report_action.triggered.connect(self.show_load_report)
        self.restore_action.triggered.connect(self.choose_backup)
        self.report_button.clicked.connect(self.show_load_report)
        self.reload_button.clicked.connect(self.reload)
        self.source_watch.changed.connect(self._on_source_changed)
        self.quit_action.triggered.connect(self.close)
        self.progress.cancel_requested.connect(self.job.cancel)
        self.job.progressed.connect(self._on_load_progress)
        self.job.loaded.connect(self._on_loaded)
        self.job.failed.connect(self._on_load_failed)
        self.job.cancelled.connect(self._on_load_cancelled)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.scoring.scores_arrived.connect(self.review.controller.apply_scores)
        self.scoring.scores_cleared.connect(self.review.controller.clear_scores)
        self.scoring.flags_computed.connect(self.review.controller.apply_flags)
        # A filter on scores or flags is applied again once they have arrived.
        self.scoring.flags_done.connect(self.review.refresh_filter)
        self.scoring.scoring_finished.connect(self.review.refresh_filter)
        self.scoring.scores_arrived.connect(self._on_scores_arrived)
        self.scoring.restoring.connect(self.review.set_restoring)
        self.review.status.connect(self.status_text.setText)
        self.cluster_action.triggered.connect(self.dedup.show_cluster)
        self.similar_action.triggered.connect(self.dedup.find_similar)
        self.dedup.status.connect(self.status_text.setText)
        self.dedup.duplicates_changed.connect(self.review.controller.apply_duplicates)
        self.dedup.keep_requested.connect(self.review.controller.keep_copy)
        self.review.controller.kept_copies_changed.connect(self.dedup.set_preferred)
        self.dedup.duplicates_changed.connect(lambda _mask: self.review.refresh_filter())
        self.scoring.scoring_finished.connect(self.dedup.on_scores_changed)
        self.scoring.scores_arrived.connect(self.dedup.on_scores_arrived)
        self.filter_bar.invalid.connect(self._on_filter_invalid)
        self._wire_overlap()
        self._wire_plots()
        self._wire_map()
        self._wire_agreement()
        for job in self.findChildren(LatestJob):
            job.error.connect(partial(self._on_job_error, job))
        self.review.controller.decisions_changed.connect(self._refresh_detail)
        self.review.notice.connect(self._show_notice)
        app = QGuiApplication.instance()
        if app is not None:
            # The undo keys undo review steps even with the focus in a text box.
            self.undo_keys = ReviewUndoKeys(self)
            self.undo_keys.follow_focus(app)
            # Logout/shutdown: everything is already saved; only the place is flushed, and
            # nothing asks the user anything.
            app.commitDataRequest.connect(lambda _manager: self.review.controller.flush_position())

    def _wire_overlap(self) -> None:
        self.overlap.status.connect(self.status_text.setText)
        self.overlap.overlap_changed.connect(self.review.controller.apply_overlap)
        self.overlap.overlap_changed.connect(lambda _bits: self.review.refresh_filter())
        self.overlap.overlap_changed.connect(lambda _bits: self._refresh_detail(force=True))
        self.overlap.drop_levels_changed.connect(self._drop_overlap_levels)
        self.review.controller.decisions_changed.connect(self._show_overlap_rule)

    def _drop_overlap_levels(self, levels: tuple[str, ...]) -> None:
        session = self.review.controller.session
        if session is not None:
            self.review.apply_rule(session.rule.with_changes(drop_overlap=levels))

    def _show_overlap_rule(self) -> None:
        session = self.review.controller.session
        if session is not None:
            self.overlap.set_drop_levels(session.rule.drop_overlap)

    def _wire_plots(self) -> None:
        controller = self.review.controller
        controller.decided.connect(self.plots.on_decided)
        controller.rows_changed.connect(self.plots.scores_changed)
        self.scoring.scores_arrived.connect(self.plots.on_scores_arrived)
        self.scoring.scores_cleared.connect(self.plots.on_scores_cleared)
        self.review.filter_applied.connect(self.plots.show_filter)
        self.plots.rule_requested.connect(self.review.apply_rule)
        self.plots.score_range_requested.connect(self.review.filter_score_range)
        controller.decisions_changed.connect(self.simulator.data_changed)
        self.scoring.scores_arrived.connect(self.simulator.on_scores_changed)
        self.scoring.scores_cleared.connect(self.simulator.on_scores_changed)
        self.simulator.scorer_of = lambda: self.scoring.scored_by
        self.dedup.table_built.connect(self.simulator.set_duplicates)

    def _wire_agreement(self) -> None:
        self.review.controller.decided.connect(self.agreement.on_decided)
        self.review.controller.rows_changed.connect(self.agreement.data_changed)
        self.agreement.disagreement_requested.connect(self.review.walk_disagreement)

    def _wire_map(self) -> None:
        self.review.controller.decisions_changed.connect(self.map.data_changed)
        self.scoring.scores_arrived.connect(self.map.data_changed)
        self.scoring.scores_cleared.connect(self.map.data_changed)
        self.dedup.table_built.connect(self.map.set_duplicates)
        self.review.filter_applied.connect(self.map.show_filter)
        self.map.map_changed.connect(self.review.refresh_filter)
        self.map.status.connect(self.status_text.setText)

    # -- opening files -------------------------------------------------------------------------

    def open_path(self, path: str | Path, mapping: ColumnMapping | None = None) -> None:
        """Start loading ``path`` in the background."""
        path = Path(path)
        self._mapping_tried = mapping
        self.status_text.setText(f"Loading {path.name}…")
        self.progress.start()
        self.job.start(path, mapping)

    def choose_file(self) -> None:
        """Ask for a file and open it."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open dataset", self.settings.last_open_dir(), FILE_FILTER
        )
        if path:
            self.open_path(path)

    def choose_file_with_mapping(self) -> None:
        """Ask for a file, then for its column mapping, and open it."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open dataset with a column mapping", self.settings.last_open_dir(), FILE_FILTER
        )
        if path:
            self.ask_mapping_and_open(Path(path))

    def ask_mapping_and_open(self, path: Path, reason: str = "") -> None:
        """Show the column-mapping dialog for ``path`` and open it with the choice."""
        try:
            fields = peek_fields(path)
            if not fields:
                raise LoadError(path, "no fields found to map")
        except LoadError as exc:
            self._show_error(exc)
            return
        dialog = ColumnMappingDialog(path.name, fields, reason, self)
        if dialog.exec() == ColumnMappingDialog.DialogCode.Accepted:
            self.open_path(path, dialog.mapping())

    def show_load_report(self) -> None:
        """Show the current dataset's load report."""
        if self.dataset is not None:
            LoadReportDialog(self.dataset, self).exec()

    def choose_backup(self) -> None:
        """List the open project's backups by time and reason; restore the one chosen."""
        session = self.review.controller.session
        if session is None:
            return
        backups = list_backups(session.store.path)
        if not backups:
            self.status_text.setText(
                "No backups of this dataset's decisions yet: one is taken "
                "before every bulk action and every half hour."
            )
            return
        dialog = BackupDialog(backups, self)
        if dialog.exec() == BackupDialog.DialogCode.Accepted and dialog.chosen() is not None:
            self.restore_backup(dialog.chosen())

    def restore_backup(self, backup: Backup) -> None:
        """Restore ``backup`` (backing up the present first) and reopen the dataset from it."""
        if self.dataset is None:
            return
        path, mapping = self.dataset.path, self._mapping_tried
        # Background work on the project stops first: nothing writes while it is replaced.
        self.scoring.controller.cancel(quiet=True)
        self.dedup.shutdown()
        if self.review.controller.restore_backup(backup):
            self._restored_from = describe(backup)
            # Until the restored state is read back, no count is shown: the old ones are not
            # the backup's, and the reopened session's read "Kept 0" until its scores are in.
            self.review.set_restoring(True)
            self.open_path(path, mapping)

    # -- load results --------------------------------------------------------------------------

    def _on_load_progress(self, progress: LoadProgress) -> None:
        self.progress.set_fraction(progress.fraction)
        self.status_text.setText(
            f"Loading… {progress.records:,} records"
            + (f", {progress.bad:,} unusable" if progress.bad else "")
        )

    def _on_loaded(self, dataset: Dataset) -> None:
        self._end_progress()
        # The old file's place is saved before its rows go; the first row selected below only
        # stands in until the new session's saved place is found (never saved as the place).
        self.review.controller.flush_position()
        self.dataset = dataset
        self.model.set_dataset(dataset)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.detail.clear()
        self._detail_shown = None
        self.setWindowTitle(f"{dataset.path.name} — {APP_NAME}")
        self.status_text.setText(summary_text(dataset).replace("\n", "  "))
        self.report_action.setEnabled(True)
        self.restore_action.setEnabled(True)
        self._rebuild_recent_menu(self.settings.add_recent_file(dataset.path))
        self.notice_text.setText("")
        self.reload_button.hide()
        self.source_watch.watch(dataset)
        self._update_banner(dataset)
        if len(dataset):
            self.table.select_only(0)
        self.review.controller.forget_position()
        line, self._reload_line = self._reload_line, None
        self.review.set_dataset(
            dataset, None if line is None else nearest_row(dataset.locations, line)
        )
        if self._restored_from:  # the backup held nothing to describe
            self._show_notice("")
        self.plots.set_session(self.review.controller.session)
        self.simulator.set_session(self.review.controller.session)
        self.map.set_session(self.review.controller.session)
        self.agreement.set_session(self.review.controller.session)
        self.scoring.set_dataset(dataset)
        session = self.review.controller.session
        self.dedup.set_dataset(dataset, session.store.path if session is not None else None)
        self.overlap.set_dataset(dataset, session.store.path if session is not None else None)
        # The first row was drawn while the old file's session and overlap check still stood:
        # now that every per-file view holds the new file, draw it again from them.
        self._refresh_detail(force=True)
        self.dataset_loaded.emit(dataset)

    def _on_load_failed(self, path: Path, exc: Exception) -> None:
        self._end_progress()
        self.status_text.setText(f"Could not open {Path(path).name}.")
        self._end_restore_without_session()
        self.load_failed.emit(exc)
        if isinstance(exc, LoadError) and _NO_SCHEMA in exc.reason and self._mapping_tried is None:
            log_failure(f"Could not open {path}", exc)  # the mapping dialog says why
            self.ask_mapping_and_open(Path(path), exc.reason)
        else:
            # A LoadError names the file itself; anything else is a bug met while reading it.
            self._show_error(exc, "" if isinstance(exc, LoadError) else f"While opening {path}.")

    def _on_load_cancelled(self, path: Path) -> None:
        self._end_progress()
        self._end_restore_without_session()
        self.status_text.setText(f"Loading {Path(path).name} was cancelled.")

    def _end_restore_without_session(self) -> None:
        """A reopening after a restore failed: no session, so no counts (not the old ones)."""
        if self.review.controller.session is None:
            self.review.panel.clear_summary()
            self.review.set_restoring(False)

    def _end_progress(self) -> None:
        self.progress.finish()

    def _update_banner(self, dataset: Dataset) -> None:
        problems = []
        if dataset.prompt_only:
            problems.append(
                "This file has prompts but no responses: it can be browsed, but not scored."
            )
        if dataset.bad_lines:
            first = dataset.bad_lines[0]
            problems.append(
                f"{len(dataset.bad_lines):,} {dataset.location_kind}s could not be "
                f"used (first: {dataset.location_kind} {first.line}, "
                f"{first.reason})."
            )
        self.banner_text.setText(" ".join(problems))
        self.banner_text.setVisible(bool(problems))
        self.report_button.setVisible(bool(dataset.bad_lines))
        self.banner.setVisible(bool(problems) or bool(self.notice_text.text()))

    def _on_scores_arrived(self, update) -> None:
        if update.cached:  # restored from the project: a saved score filter applies
            self.review.refresh_filter()

    def _on_source_changed(self, change: str) -> None:
        """The open file changed on disk: say so and offer to read it again."""
        self._show_notice(
            change + ". The table shows the copy read when it was opened; "
            "Reload reads the file again (your decisions follow their records). "
            "Exports are refused until then."
        )
        self.reload_button.show()
        self.status_text.setText(log_failure("The open file changed", SourceChanged(change)))

    def _on_filter_invalid(self, exc: BaseException) -> None:
        """A filter that cannot be applied: said in the status bar, and logged."""
        self.status_text.setText(f"Filter not applied: {log_failure('Filter not applied', exc)}")

    def reload(self) -> None:
        """Read the open file again (it changed on disk)."""
        if self.dataset is not None:
            row = self.current_source_row()
            self._reload_line = None if row is None else int(self.dataset.locations[row])
            self.open_path(self.dataset.path, self._mapping_tried)

    def _show_notice(self, text: str) -> None:
        """Say what re-opening the dataset restored (decisions, rule, filters, place)."""
        if self._restored_from:
            text = (
                f"Restored the backup of {self._restored_from} (what you had is backed up "
                f'as "before restore"). {text}'
            )
            self._restored_from = ""
        self.notice_text.setText(text)
        self.notice_text.setVisible(bool(text))
        self.banner.setVisible(bool(text) or bool(self.banner_text.text()))

    def _on_job_error(self, job: LatestJob, exc: BaseException) -> None:
        """A background job failed and nobody else took it: say so and log it, never silently."""
        self.status_text.setText(f"{job.what_failed}: {failure_text(exc)}")
        report_failure(self, job.what_failed, exc, "Your decisions on disk are unaffected.")

    def _show_error(self, exc: BaseException, note: str = "") -> None:
        """A file that cannot be opened: logged, and said in a box the curator answers."""
        report_failure(self, "cannot open the file", exc, note, modal=True)

    # -- selection -----------------------------------------------------------------------------

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.dataset is None or not current.isValid():
            self.detail.clear()
            self._detail_shown = None
            return
        self.review.note_current_row(current)
        self._show_detail(self.model.source_row(current.row()))
        self.scoring.show_prompt_for_row(self.model.source_row(current.row()))

    def current_source_row(self) -> int | None:
        """The dataset row of the table's current row, or None."""
        current = self.table.currentIndex()
        if self.dataset is None or not current.isValid():
            return None
        return self.model.source_row(current.row())

    def _show_detail(self, row: int) -> None:
        unit = self.dataset.location_kind
        title = f"{unit.capitalize()} {int(self.dataset.locations[row])}"
        session = self.review.controller.session
        if session is not None:
            decision = NAMES[int(session.final[row])]
            title += f"  ·  {decision} ({session.decided_by(row)}"
            reason = session.reasons.get(row)
            title += f": {reason})" if reason else ")"
        if (row, title) == self._detail_shown:
            return  # streamed scores re-decide rows; re-rendering a long record is costly
        self._detail_shown = (row, title)
        self.detail.show_turns(self.dataset.conversation(row), title)
        overlap = self.overlap.detail_for(row)
        if overlap is not None:
            self.detail.show_overlap(overlap)

    def _refresh_detail(self, force: bool = False) -> None:
        """A decision changed: the detail pane's heading shows the current row's decision.

        ``force`` redraws even an unchanged heading (a new overlap check changed the rest).
        """
        if force:
            self._detail_shown = None
        current = self.table.currentIndex()
        if self.dataset is not None and current.isValid():
            self._show_detail(self.model.source_row(current.row()))

    # -- recent files, drag and drop, persistence ----------------------------------------------

    def _rebuild_recent_menu(self, files: list[str]) -> None:
        self.recent_menu.clear()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(files))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: D102
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: D102
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def _restore_state(self) -> None:
        geometry = self.settings.bytes_value(keys.KEY_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(first_run_size(self.screen().availableGeometry().size()))
        self._dock_state = self.settings.bytes_value(keys.KEY_STATE)
        self._docks_arranged = False
        self._painted = False
        splitter = self.settings.bytes_value(keys.KEY_SPLITTER)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([780, 400])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: D102
        super().paintEvent(event)
        if not self._painted:  # torch and transformers load only once the window is up
            self._painted = True
            QTimer.singleShot(0, self.scoring.controller.warm_up)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: D102
        super().showEvent(event)
        if self._docks_arranged:
            return
        self._docks_arranged = True
        self.tabifyDockWidget(self.plots, self.simulator)
        self.tabifyDockWidget(self.plots, self.map)
        self.tabifyDockWidget(self.plots, self.agreement)
        self.plots.raise_()
        if self._dock_state is None or not self.restoreState(self._dock_state):
            # First run: give the plots a useful height once the window is laid out.
            QTimer.singleShot(0, self._first_run_dock_sizes)

    def _first_run_dock_sizes(self) -> None:
        """Useful dock sizes that leave the table room on a small screen (1280 x 720)."""
        self.resizeDocks(
            [self.plots], [min(PLOTS_HEIGHT, int(self.height() * 0.4))], Qt.Orientation.Vertical
        )
        self.resizeDocks(
            [self.review],
            [min(RIGHT_DOCKS_WIDTH, int(self.width() * 0.32))],
            Qt.Orientation.Horizontal,
        )

    def _wait_for_jobs(self, budget_s: float = JOBS_CLOSE_WAIT_S) -> None:
        """Give each cancelled job's own worker a moment to stop before the window goes.

        Each job waits for its own worker only (never the process-wide ``await_workers``, which
        would quit every worker, an export's included); the whole wait is bounded.
        """
        deadline = time.monotonic() + budget_s
        for job in self.findChildren(LatestJob):
            if not job.wait(int(max(0.0, deadline - time.monotonic()) * 1000)):
                log.warning("%s was still running when the window closed", type(job).__name__)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: D102
        self.job.cancel(quiet=True)
        self.source_watch.stop()
        self.scoring.shutdown()
        self.dedup.shutdown()
        self.overlap.shutdown()
        self.plots.shutdown()
        self.simulator.shutdown()
        self.map.shutdown()
        self.agreement.shutdown()
        self.review.shutdown()
        self._wait_for_jobs()
        if self._docks_arranged:  # a window never shown keeps the saved arrangement
            self.settings.set_value(keys.KEY_STATE, self.saveState())
        self.settings.set_value(keys.KEY_GEOMETRY, self.saveGeometry())
        self.settings.set_value(keys.KEY_SPLITTER, self.splitter.saveState())
        self.settings.sync()
        super().closeEvent(event)
