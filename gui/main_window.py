"""The main window: a composition root that builds the widgets, wires them and persists state.

It holds no dataset logic: loading runs in :class:`gui.load_job.LoadJob`, rows come from
:class:`gui.table_model.RecordsTableModel`, and everything shown about a record is plain text.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset, LoadProgress
from core.errors import LoadError
from core.loading.peek import peek_fields
from core.schemas import ColumnMapping
from core.version import APP_NAME
from gui import settings as keys
from gui.detail_pane import DetailPane
from gui.load_job import LoadJob
from gui.load_report import LoadReportDialog, summary_text
from gui.mapping_dialog import ColumnMappingDialog
from gui.records_view import RecordsView
from gui.scoring_dock import ScoringDock
from gui.settings import Settings
from gui.table_model import RecordsTableModel
from gui.text_widgets import plain_label, plain_message

FILE_FILTER = ("Datasets (*.jsonl *.ndjson *.json *.csv *.tsv *.parquet *.pq *.gz);;"
               "All files (*)")
_NO_SCHEMA = "no known schema fits"


class MainWindow(QMainWindow):
    """Thresher's main window."""

    dataset_loaded = Signal(object)  # Dataset
    load_failed = Signal(str)  # message

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.settings = Settings()
        self.dataset: Dataset | None = None
        self.job = LoadJob(self)
        self.model = RecordsTableModel(self)
        self._build_widgets()
        self._build_menus()
        self._wire()
        self._restore_state()

    # -- construction --------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.banner = QFrame(self)
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            "#banner { background: #fff4d6; border: 1px solid #e7c86e; border-radius: 4px; }")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 4, 8, 4)
        self.banner_text = plain_label("", self.banner)
        self.banner_text.setWordWrap(True)
        self.report_button = QPushButton("Show load report", self.banner)
        banner_layout.addWidget(self.banner_text, 1)
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
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.status_text = plain_label("Open a dataset: File > Open, or drop a file here.", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.hide()
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)

        self.scoring = ScoringDock(self.model, self.settings, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scoring)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        self.open_mapped_action = QAction("Open with &Column Mapping…", self)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.report_action = QAction("Load &Report…", self, enabled=False)
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_mapped_action)
        file_menu.addSeparator()
        file_menu.addAction(self.report_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu(self.settings.recent_files())

    def _wire(self) -> None:
        self.open_action.triggered.connect(self.choose_file)
        self.open_mapped_action.triggered.connect(self.choose_file_with_mapping)
        self.report_action.triggered.connect(self.show_load_report)
        self.report_button.clicked.connect(self.show_load_report)
        self.quit_action.triggered.connect(self.close)
        self.cancel_button.clicked.connect(self.job.cancel)
        self.job.progressed.connect(self._on_load_progress)
        self.job.loaded.connect(self._on_loaded)
        self.job.failed.connect(self._on_load_failed)
        self.job.cancelled.connect(self._on_load_cancelled)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    # -- opening files -------------------------------------------------------------------------

    def open_path(self, path: str | Path, mapping: ColumnMapping | None = None) -> None:
        """Start loading ``path`` in the background."""
        path = Path(path)
        self._mapping_tried = mapping
        self.status_text.setText(f"Loading {path.name}…")
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.job.start(path, mapping)

    def choose_file(self) -> None:
        """Ask for a file and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", self.settings.last_open_dir(),
                                              FILE_FILTER)
        if path:
            self.open_path(path)

    def choose_file_with_mapping(self) -> None:
        """Ask for a file, then for its column mapping, and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset with a column mapping",
                                              self.settings.last_open_dir(), FILE_FILTER)
        if path:
            self.ask_mapping_and_open(Path(path))

    def ask_mapping_and_open(self, path: Path, reason: str = "") -> None:
        """Show the column-mapping dialog for ``path`` and open it with the choice."""
        try:
            fields = peek_fields(path)
        except LoadError as exc:
            self._show_error(str(exc))
            return
        if not fields:
            self._show_error(f"{path}: no fields found to map.")
            return
        dialog = ColumnMappingDialog(path.name, fields, reason, self)
        if dialog.exec() == ColumnMappingDialog.DialogCode.Accepted:
            self.open_path(path, dialog.mapping())

    def show_load_report(self) -> None:
        """Show the current dataset's load report."""
        if self.dataset is not None:
            LoadReportDialog(self.dataset, self).exec()

    # -- load results --------------------------------------------------------------------------

    def _on_load_progress(self, progress: LoadProgress) -> None:
        self.progress.setValue(int(progress.fraction * 1000))
        self.status_text.setText(f"Loading… {progress.records:,} records"
                                 + (f", {progress.bad:,} unusable" if progress.bad else ""))

    def _on_loaded(self, dataset: Dataset) -> None:
        self._end_progress()
        self.dataset = dataset
        self.model.set_dataset(dataset)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.detail.clear()
        self.setWindowTitle(f"{dataset.path.name} — {APP_NAME}")
        self.status_text.setText(summary_text(dataset).replace("\n", "  "))
        self.report_action.setEnabled(True)
        self._rebuild_recent_menu(self.settings.add_recent_file(dataset.path))
        self._update_banner(dataset)
        if len(dataset):
            self.table.selectRow(0)
        self.scoring.set_dataset(dataset)
        self.dataset_loaded.emit(dataset)

    def _on_load_failed(self, path: Path, exc: Exception) -> None:
        self._end_progress()
        message = str(exc) if isinstance(exc, LoadError) else (
            f"{path}: unexpected error while loading ({type(exc).__name__}: {exc})")
        self.status_text.setText(f"Could not open {Path(path).name}.")
        self.load_failed.emit(message)
        if isinstance(exc, LoadError) and _NO_SCHEMA in exc.reason and self._mapping_tried is None:
            self.ask_mapping_and_open(Path(path), exc.reason)
        else:
            self._show_error(message)

    def _on_load_cancelled(self, path: Path) -> None:
        self._end_progress()
        self.status_text.setText(f"Loading {Path(path).name} was cancelled.")

    def _end_progress(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _update_banner(self, dataset: Dataset) -> None:
        problems = []
        if dataset.prompt_only:
            problems.append("This file has prompts but no responses: it can be browsed, "
                            "but not scored.")
        if dataset.bad_lines:
            first = dataset.bad_lines[0]
            problems.append(f"{len(dataset.bad_lines):,} {dataset.location_kind}s could not be "
                            f"used (first: {dataset.location_kind} {first.line}, "
                            f"{first.reason}).")
        self.banner_text.setText(" ".join(problems))
        self.report_button.setVisible(bool(dataset.bad_lines))
        self.banner.setVisible(bool(problems))

    def _show_error(self, message: str) -> None:
        plain_message(self, f"{APP_NAME}: cannot open the file", message,
                      QMessageBox.Icon.Warning).exec()

    # -- selection -----------------------------------------------------------------------------

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.dataset is None or not current.isValid():
            self.detail.clear()
            return
        row = self.model.source_row(current.row())
        unit = self.dataset.location_kind
        title = f"{unit.capitalize()} {int(self.dataset.locations[row])}"
        self.detail.show_turns(self.dataset.conversation(row), title)

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
            self.resize(1560, 860)
        state = self.settings.bytes_value(keys.KEY_STATE)
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.bytes_value(keys.KEY_SPLITTER)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([780, 400])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: D102
        self.job.cancel(quiet=True)
        self.scoring.shutdown()
        self.settings.set_value(keys.KEY_STATE, self.saveState())
        self.settings.set_value(keys.KEY_GEOMETRY, self.saveGeometry())
        self.settings.set_value(keys.KEY_SPLITTER, self.splitter.saveState())
        self.settings.sync()
        super().closeEvent(event)
