"""The Review dock: the rule, keyboard decisions, bulk actions, undo, filters, the queue, export.

Wires :class:`gui.review.panel.ReviewPanel`, :class:`gui.review.controller.ReviewController`,
the filter bar and the records table together, the way :class:`gui.scoring.dock.ScoringDock`
does for scoring; the main window only places it and forwards scores and flags to it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from core.dataset import Dataset
from core.review import AUTO, DROP, KEEP, RowFilter, Rule
from core.review.session import Summary
from core.scoring.run import last_scorer
from core.version import APP_NAME
from gui.error_hook import failure_text, log_failure, report_failure
from gui.review.column_menu import ScoreColumnMenu
from gui.review.controller import ReviewController
from gui.review.export_dialog import ExportDialog
from gui.review.jobs import ExportJob
from gui.review.learned import LearnedController
from gui.review.panel import ReviewPanel
from gui.settings import Settings
from gui.shortcuts import REVIEW_KEYS, ShortcutsDialog, key_for, portable
from gui.table.filter_bar import FilterBar
from gui.table.jobs import FilterJob
from gui.table.model import COLUMN_INDEX, COLUMNS, RecordsTableModel
from gui.table.records_view import RecordsView
from gui.undo_keys import redo_sequences
from gui.widgets.feature_dock import FeatureDock
from gui.widgets.text_widgets import plain_message

#: Bulk actions over more rows than this ask for confirmation first.
CONFIRM_ROWS = 1
#: A review key on a selection of more rows than this asks first too: Ctrl+A then D decided
#: every row of the file at once, with nothing to say it would.
CONFIRM_SELECTED_ROWS = 50
_VERBS = {KEEP: "Keep", DROP: "Drop", AUTO: "Return to automatic"}
#: The reason dialog's width: a sentence fits without scrolling.
REASON_DIALOG_WIDTH = 520


class ReviewDock(FeatureDock):
    """Everything about deciding: rule, keys, bulk actions, filters, queue and export."""

    status = Signal(str)
    notice = Signal(str)
    filter_applied = Signal(object)  # RowFilter now shown by the table

    def __init__(
        self,
        model: RecordsTableModel,
        view: RecordsView,
        filter_bar: FilterBar,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Review", "review_dock", parent)
        self.table_model = model
        self.view = view
        self.filter_bar = filter_bar
        self.settings = settings
        self.panel = ReviewPanel(self)
        self.setWidget(self.panel)
        self.controller = ReviewController(self)
        self.learned = LearnedController(self.controller, self)
        self.filter_job = FilterJob(self)
        self.export_job = ExportJob(self)
        self._filter = RowFilter()
        self._filter_mask: np.ndarray | None = None
        self._pending_position: int | None = None
        self._restoring = False  # cached scores (or the learned scorer) are still on their way
        self._restoring_scores = False
        self._restoring_learned = False
        self._refiltered = False  # the queue ends because a fresh filter arrived
        self._refreshing = False  # the filter being computed is the same one, refreshed
        self._queue: np.ndarray | None = None  # the borderline queue's rows while it is on
        self._disagreement: tuple[str, str] | None = None  # the two scorers, for that queue
        self._build_actions()
        self._wire()
        self.column_menu = ScoreColumnMenu(view, model, self.controller)
        self.set_enabled(False)

    # -- construction --------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        for key in REVIEW_KEYS:
            action = QAction(key.text, self)
            action.setShortcut(key_for(self.settings, key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.actions_by_name[key.name] = action
        self.actions_by_name["queue"].setCheckable(True)
        self.undo_action = QAction("&Undo", self, shortcut=QKeySequence.StandardKey.Undo)
        self.redo_action = QAction("&Redo", self, shortcut=QKeySequence.StandardKey.Redo)
        # Application-wide: Undo works from the cluster view and floating docks too, and
        # gui.undo_keys stops a focused text box from taking the keys for its typing.
        # Every platform binding (and Ctrl+Y wherever the platform lacks it), not just the first.
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action.setShortcuts(redo_sequences())
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.keep_shown_action = QAction("Keep All Rows Shown…", self)
        self.drop_shown_action = QAction("Drop All Rows Shown…", self)
        self.auto_shown_action = QAction("All Rows Shown Back to Automatic…", self)
        self.export_action = QAction(
            "&Export Curated Dataset…", self, shortcut=QKeySequence("Ctrl+E")
        )
        self.shortcuts_action = QAction("Review &Keys…", self)
        self.advance_action = QAction("Move to the Next Row After Deciding", self, checkable=True)
        self.advance_action.setChecked(self.settings.advance_after_deciding())
        self.learn_files_action = QAction("&Learn from Kept and Dropped Files…", self)
        self.least_sure_action = QAction(
            "Borderline Queue: &Least Sure First (Learned)", self, checkable=True
        )
        self.panel.keep_button.setDefaultAction(self.actions_by_name["keep"])
        self.panel.drop_button.setDefaultAction(self.actions_by_name["drop"])
        self.panel.auto_button.setDefaultAction(self.actions_by_name["auto"])
        self.panel.queue_button.setDefaultAction(self.actions_by_name["queue"])
        self.panel.export_button.setDefaultAction(self.export_action)
        self._refresh_tooltips()

    def _wire(self) -> None:
        named = self.actions_by_name
        named["keep"].triggered.connect(lambda: self.decide_selected(KEEP))
        named["drop"].triggered.connect(lambda: self.decide_selected(DROP))
        named["auto"].triggered.connect(lambda: self.decide_selected(AUTO))
        named["keep_reason"].triggered.connect(lambda: self.decide_selected(KEEP, ask=True))
        named["drop_reason"].triggered.connect(lambda: self.decide_selected(DROP, ask=True))
        named["next"].triggered.connect(lambda: self.move(1))
        named["previous"].triggered.connect(lambda: self.move(-1))
        named["queue"].toggled.connect(self.set_queue)
        self.learn_files_action.triggered.connect(self.learn_from_files)
        self.least_sure_action.toggled.connect(self._on_least_sure)
        self.learned.described.connect(self.panel.learned_label.setText)
        self.learned.progress.connect(self.status.emit)
        self.learned.failed.connect(self._on_learning_failed)
        self.learned.restoring.connect(self._on_learned_restoring)
        self.undo_action.triggered.connect(self.controller.undo)
        self.redo_action.triggered.connect(self.controller.redo)
        self.keep_shown_action.triggered.connect(lambda: self.decide_shown(KEEP))
        self.drop_shown_action.triggered.connect(lambda: self.decide_shown(DROP))
        self.auto_shown_action.triggered.connect(lambda: self.decide_shown(AUTO))
        self.export_action.triggered.connect(self.export)
        self.shortcuts_action.triggered.connect(self.edit_shortcuts)
        self.advance_action.toggled.connect(self.settings.set_advance_after_deciding)
        self.panel.rule_changed.connect(self.controller.set_rule)
        self.controller.rule_changed.connect(self.panel.set_rule)
        self.controller.decided.connect(self.table_model.decisions_changed)
        self.controller.rows_changed.connect(self.table_model.rows_changed)
        self.controller.decisions_changed.connect(self._show_queue_left)
        self.controller.summary_changed.connect(self._on_summary)
        self.controller.history_changed.connect(self._refresh_history)
        self.controller.failed.connect(self._show_failure)
        self.controller.busy_changed.connect(self._on_busy)
        self.filter_bar.filter_changed.connect(self.apply_filter)
        self.filter_job.done.connect(self._on_filtered)
        self.export_job.progressed.connect(lambda f: self.status.emit(f"Exporting… {f:.0%}"))
        self.export_job.finished.connect(self._on_exported)
        self.export_job.failed.connect(self._on_export_failed)
        header = self.view.horizontalHeader()
        header.sortIndicatorChanged.connect(self._on_sort_changed)

    # -- datasets ------------------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset, fallback_row: int | None = None) -> None:
        """Open ``dataset``'s review session and restore the rule, filter, sort and place.

        ``fallback_row``: where to land if the saved place's record is gone (a reload).
        """
        self.filter_job.cancel()
        # The old file's filter mask is sized to the old file's rows: leaving the queue below
        # must not apply it to the new table (the new file's saved filter comes next).
        self._filter_mask = None
        self._filter = RowFilter()  # nor re-apply the old file's filter on leaving the queue
        self.actions_by_name["queue"].setChecked(False)
        session = self.controller.open(dataset)
        self.set_enabled(session is not None)
        if session is None:
            return
        self.table_model.set_session(session)
        self.panel.set_rule(session.rule)
        self._pending_position = session.saved_position()
        if self._pending_position is None:
            self._pending_position = fallback_row
        sort = session.saved_sort()
        if sort is not None and sort[0] in COLUMN_INDEX:
            order = Qt.SortOrder.DescendingOrder if sort[1] else Qt.SortOrder.AscendingOrder
            self.view.horizontalHeader().setSortIndicator(COLUMN_INDEX[sort[0]], order)
        saved = session.saved_filter() or RowFilter()
        self.filter_bar.set_filter(saved)
        self.apply_filter(saved)
        if session.restored is not None and session.restored.anything:
            self.notice.emit(session.restored.describe())

    def set_enabled(self, enabled: bool) -> None:
        """Review actions only make sense with a dataset open (and no export running)."""
        for action in (
            *self.actions_by_name.values(),
            self.undo_action,
            self.redo_action,
            self.keep_shown_action,
            self.drop_shown_action,
            self.auto_shown_action,
            self.export_action,
        ):
            action.setEnabled(enabled)
        self.panel.setEnabled(enabled)
        if self._restoring:
            self.export_action.setEnabled(False)
        if enabled:
            self._refresh_history()

    def set_restoring(self, restoring: bool) -> None:
        """Cached scores are on their way: no export and no counts until they are in."""
        self._restoring_scores = restoring
        self._show_restoring()

    def _on_learned_restoring(self, restoring: bool) -> None:
        """The saved learned scorer is read on a worker: its column is part of an export."""
        self._restoring_learned = restoring
        self._show_restoring()

    def _show_restoring(self) -> None:
        restoring = self._restoring_scores or self._restoring_learned
        self._restoring = restoring
        self.panel.show_restoring(restoring)
        session_ready = self.controller.session is not None and not self.controller.busy
        self.export_action.setEnabled(
            not restoring and session_ready and not self.export_job.running
        )

    def shutdown(self) -> None:
        """Stop searches, let an export finish, save the place and close the project."""
        self.filter_job.cancel()
        self.learned.cancel()
        self.export_job.shutdown()
        self.controller.close()

    # -- deciding ------------------------------------------------------------------------------

    def selected_rows(self) -> np.ndarray:
        """Source rows of the selected table rows (the current row if none is selected)."""
        selection = self.view.selectionModel()
        rows = [index.row() for index in selection.selectedRows()]
        if not rows and selection.currentIndex().isValid():
            rows = [selection.currentIndex().row()]
        return np.array([self.table_model.source_row(r) for r in rows], dtype=np.int64)

    def decide_selected(self, decision: int, ask: bool = False) -> None:
        """Decide the selected rows (asking for a reason first if ``ask``)."""
        rows = self.selected_rows()
        if not len(rows):
            return
        if len(rows) > CONFIRM_SELECTED_ROWS and not self._confirm(
            decision, len(rows), f"the {len(rows):,} selected rows"
        ):
            return
        reason = ""
        if ask:
            dialog = self.reason_dialog()
            if dialog.exec() != QInputDialog.DialogCode.Accepted:
                return
            reason = dialog.textValue()
        if self.controller.busy:
            # A large change is being saved: this decision follows it rather than being lost.
            self.controller.decide_after_save(rows, decision, reason)
            self.status.emit(
                f"Saving a large change… your decision on {len(rows):,} row"
                f"{'s' if len(rows) > 1 else ''} is queued and follows it."
            )
            if len(rows) == 1 and self.advance_action.isChecked():
                self.move(1)
            return
        committed = self.controller.decide(rows, decision, reason)
        # A row that already had this decision is decided too: the curator confirmed it and
        # moves on (found by the curator state machine: K on a kept row stayed put).
        session = self.controller.session
        in_place = committed or (
            session is not None
            and not self.controller.busy
            and bool((session.manual[rows] == decision).all())
        )
        if in_place and len(rows) == 1 and self.advance_action.isChecked():
            self.move(1)

    def reason_dialog(self) -> QInputDialog:
        """The dialog asking why: wide enough for a sentence (QInputDialog's default is not)."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Reason")
        dialog.setLabelText("Why? (saved with the decision)")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        # The dialog sizes itself to its contents, so the field itself is made wide.
        dialog.findChild(QLineEdit).setMinimumWidth(REASON_DIALOG_WIDTH)
        return dialog

    def decide_shown(self, decision: int) -> None:
        """Decide every row the filter (or queue) shows, as one undoable step."""
        rows = self.table_model.visible_rows()
        if not len(rows):
            return
        verb = _VERBS[decision]
        shown = f"all {len(rows):,} rows shown ({self._filter.describe()})"
        if len(rows) > CONFIRM_ROWS and not self._confirm(decision, len(rows), shown):
            return
        self.controller.decide(rows, decision, label=f"{verb.lower()} {len(rows):,} rows shown")

    def _confirm(self, decision: int, count: int, what: str) -> bool:
        """Ask before one key or action decides ``count`` rows at once."""
        answer = plain_message(
            self,
            f"{APP_NAME}: bulk action",
            f"{_VERBS[decision]} {what}? This is one step that Undo takes back.",
            QMessageBox.Icon.Question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        ).exec()
        return answer == QMessageBox.StandardButton.Yes

    def move(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) row of the table."""
        count = self.table_model.rowCount()
        if not count:
            return
        current = self.view.currentIndex()
        row = 0 if not current.isValid() else min(max(current.row() + step, 0), count - 1)
        self._select_view_row(row)

    # -- filters and the queue -----------------------------------------------------------------

    def apply_filter(self, row_filter: RowFilter, refresh: bool = False) -> None:
        """Compute ``row_filter`` (in the background when it searches text).

        ``refresh``: the same filter again, over changed data. A new filter ends the queue; a
        refresh that arrives once a queue is walked leaves it (its mask waits for the queue's
        end), or leaving one queue for another would end the new one.
        """
        session = self.controller.session
        if session is None:
            return
        self._filter = row_filter
        self._refreshing = refresh
        if row_filter.search:
            self.status.emit(f"Searching for {row_filter.search!r}…")
        self.filter_job.start(row_filter, session.filter_inputs())

    def _on_filtered(self, row_filter: RowFilter, mask: np.ndarray) -> None:
        if self.controller.session is None:
            return
        self._filter_mask = None if not row_filter.active else mask
        self.controller.save_filter(row_filter)
        self.filter_applied.emit(row_filter)
        if self.actions_by_name["queue"].isChecked() and self._refreshing:
            return  # the queue stays; leaving it shows this mask (and refreshes it again)
        if self.actions_by_name["queue"].isChecked():
            self._refiltered = True  # this mask is the fresh one: nothing to re-apply
            try:
                self.actions_by_name["queue"].setChecked(False)  # filter changes end the queue
            finally:
                self._refiltered = False
        current = self._current_source_row()
        self.table_model.set_filter(self._filter_mask)
        if (
            current is not None
            and current == self._pending_position
            and self.table_model.view_row(current) is not None
        ):
            self._pending_position = None  # the saved place is shown: restoring is done
        self._reselect(current)
        total = len(self.controller.session.final)
        shown = total if self._filter_mask is None else int(self._filter_mask.sum())
        self.status.emit(
            f"Showing {shown:,} of {total:,} rows"
            + (f" ({row_filter.describe()})" if row_filter.active else "")
        )

    def filter_score_range(
        self, low: float | None, high: float | None, high_open: bool = False
    ) -> None:
        """Show only rows scored within ``low``–``high`` (None: open), keeping other criteria.

        ``high_open``: ``high`` itself is left out (a histogram bar's upper edge).
        """
        try:
            current = self.filter_bar.current()
        except ValueError:  # a half-typed filter: the range replaces it
            current = RowFilter()
        # The range comes from the plots, which show the rule's score: it reads that column.
        self.filter_bar.set_filter(
            replace(
                current, score_min=low, score_max=high, score_max_open=high_open, score_column=""
            ),
            emit=True,
        )

    def apply_rule(self, rule: Rule, merge_key: str | None = None) -> None:
        """Change the automatic rule from elsewhere (the plots' cutoff lines).

        Changes with the same ``merge_key`` (one drag) are one undo step.
        """
        self.panel.set_rule(rule)
        self.controller.set_rule(rule, merge_key)

    def set_queue(self, on: bool) -> None:
        """Walk the borderline queue (rows nearest the cutoff, then unresolved ones)."""
        session = self.controller.session
        if session is None:
            return
        if on and self._disagreement is not None:
            a, b = self._disagreement
            queue = session.disagreement_rows(a, b)
            self._queue = queue
            self.table_model.set_fixed_order(queue)
            self._select_view_row(0)
            names = session.column_names()
            self.status.emit(
                f"Disagreement queue: {len(queue):,} rows, those {names[a]} and "
                f"{names[b]} rank furthest apart first. Decide with the review "
                "keys; the queue moves on."
            )
            self._show_queue_left()
        elif on:
            least_sure = (
                self.learned.least_sure_rows()
                if self.least_sure_action.isChecked()
                else np.zeros(0, dtype=np.int64)
            )
            queue = least_sure if len(least_sure) else session.borderline_rows()
            self._queue = queue
            self.table_model.set_fixed_order(queue)
            self._select_view_row(0)
            cutoff = session.rule.cutoff(session.criterion_scores())
            where = f"nearest the cutoff {cutoff:.3f}" if not np.isnan(cutoff) else "undecided"
            if len(least_sure):
                where = "the learned scorer's least sure (keep-probability nearest 0.5)"
            elif self.least_sure_action.isChecked():
                where += " (nothing learned yet, so not least sure)"
            self.status.emit(
                f"Borderline queue: {len(queue):,} rows, {where} first. "
                "Decide with the review keys; the queue moves on."
            )
            self._show_queue_left()
        else:
            self._queue = None
            self._disagreement = None
            self._show_queue_left()
            current = self._current_source_row()
            self.table_model.set_filter(self._filter_mask)
            self._reselect(current)
            self.status.emit("Left the queue.")
            if self._filter.active and not self._refiltered:
                # The filter is not re-applied while the queue is walked (refresh_filter), so
                # the mask is from before it: scores, flags, duplicates and decisions may have
                # changed since. The table shows the filter as it is now (found by the soak).
                self.apply_filter(self._filter, refresh=True)

    def walk_disagreement(self, a: str, b: str) -> None:
        """Walk the rows scorers ``a`` and ``b`` (column keys) rank furthest apart.

        The same queue as the borderline one (the Queue button, the review keys, leaving it),
        only ordered by the two scorers' rank gap.
        """
        session = self.controller.session
        if session is None or a == b or a not in session.columns or b not in session.columns:
            return
        action = self.actions_by_name["queue"]
        if action.isChecked():
            action.setChecked(False)
        self._disagreement = (a, b)
        action.setChecked(True)

    def _on_least_sure(self, _on: bool) -> None:
        """Switching the borderline queue's order while it is walked rebuilds it in that order.

        The disagreement queue has its own order and is left as it is: rebuilding it read its
        two columns again, and one may have been removed since (a ColumnError the soak found).
        """
        if self._queue is not None and self._disagreement is None:
            self.set_queue(True)

    def learn_from_files(self) -> None:
        """Ask for an earlier curation's kept and dropped files and learn from them."""
        session = self.controller.session
        if session is None:
            return
        folder = str(session.dataset.path.parent)
        kept, _ = QFileDialog.getOpenFileName(self, "Learn from files: the KEPT records", folder)
        if not kept:
            return
        dropped, _ = QFileDialog.getOpenFileName(
            self, "Learn from files: the DROPPED records", str(Path(kept).parent)
        )
        if dropped:
            self.learned.learn_now((Path(kept), Path(dropped)))

    def _show_queue_left(self) -> None:
        """The queue's button counts the rows still to decide by hand (it goes down as they are)."""
        action = self.actions_by_name["queue"]
        session = self.controller.session
        if self._queue is None or session is None:
            action.setText(next(k.text for k in REVIEW_KEYS if k.name == "queue"))
            return
        left = int((session.manual[self._queue] == AUTO).sum())
        kind = "Disagreement" if self._disagreement is not None else "Borderline"
        action.setText(f"&{kind} Queue ({left:,} left)")

    # -- export --------------------------------------------------------------------------------

    def export(self) -> None:
        """Ask where to export, then export in the background."""
        session = self.controller.session
        if session is None or self.export_job.running or self._restoring:
            return
        dialog = ExportDialog(session.dataset.path, session.summary(), self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        self.set_enabled(False)
        self.status.emit("Exporting…")
        self.export_job.start(session, dialog.options(), last_scorer(session.store))

    def _on_exported(self, result) -> None:
        self.set_enabled(True)
        extra = [name for name in result.files if name != "curated"]
        message = (
            f"Exported {result.kept:,} records to {result.output}"
            + (f" (with {', '.join(extra)})" if extra else "")
            + ". Verified: "
            f"re-read, {result.kept:,} records, SHA-256 {result.output_sha256[:12]}…."
        )
        self.status.emit(message)

    def _on_export_failed(self, exc: BaseException) -> None:
        self.set_enabled(True)
        # The message says what happened to the files (a failed write replaces none of them).
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self.status.emit(f"Export failed: {first}")
        report_failure(self, "export failed", exc)

    # -- keys ----------------------------------------------------------------------------------

    def edit_shortcuts(self) -> None:
        """Let the curator rebind the review keys."""
        dialog = ShortcutsDialog(self.settings, self, self.menu_shortcuts())
        if dialog.exec() == ShortcutsDialog.DialogCode.Accepted:
            for key in REVIEW_KEYS:
                self.actions_by_name[key.name].setShortcut(key_for(self.settings, key))
            self._refresh_tooltips()

    def menu_shortcuts(self) -> dict[str, str]:
        """Keys the window's other commands use (key -> command), which review keys may not."""
        review = set(self.actions_by_name.values())
        taken = {}
        for action in self.window().findChildren(QAction):
            for sequence in action.shortcuts():
                if action not in review and not sequence.isEmpty():
                    taken[portable(sequence)] = action.text().replace("&", "").removesuffix("…")
        return taken

    def _refresh_tooltips(self) -> None:
        for action in self.actions_by_name.values():
            text = action.text().replace("&", "").removesuffix("…")
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{text} ({key})" if key else text)

    # -- helpers -------------------------------------------------------------------------------

    def _on_busy(self, busy: bool) -> None:
        self.set_enabled(not busy and self.controller.session is not None)
        if busy:  # the review keys stay live: what they decide is queued (decide_selected)
            for name in ("keep", "drop", "auto", "keep_reason", "drop_reason", "next", "previous"):
                self.actions_by_name[name].setEnabled(True)
        self.status.emit("Saving a large change…" if busy else "Saved.")

    def _on_summary(self, summary: Summary) -> None:
        self.panel.show_summary(summary)
        session = self.controller.session
        if session is not None:  # score columns come and go with runs; the rule follows
            self.panel.set_scorers(session.column_names())
            self.filter_bar.set_scorers(session.column_names())
            self.panel.show_rule_text(session.describe_rule() if session.rule.several else "")
            rule = session.rule
            self.panel.show_tie_note(
                rule.primary.tie_note(session.criterion_scores())
                if rule.uses_scores and not rule.several
                else ""
            )

    def _refresh_history(self) -> None:
        session = self.controller.session
        can_undo = session is not None and session.can_undo
        can_redo = session is not None and session.can_redo
        self.undo_action.setEnabled(can_undo and not self.export_job.running)
        self.redo_action.setEnabled(can_redo and not self.export_job.running)
        self.undo_action.setText(f"&Undo {session.undo_label()}" if can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {session.redo_label()}" if can_redo else "&Redo")

    def _on_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self.controller.save_sort(COLUMNS[column].key, order == Qt.SortOrder.DescendingOrder)

    def note_current_row(self, current: QModelIndex) -> None:
        """The table's current row changed: remember it for the next opening."""
        if current.isValid():
            self.controller.note_position(self.table_model.source_row(current.row()))

    def refresh_filter(self) -> None:
        """Scores or flags arrived: apply the current filter again (not during the queue)."""
        if self._filter.active and not self.actions_by_name["queue"].isChecked():
            self.apply_filter(self._filter, refresh=True)

    def _current_source_row(self) -> int | None:
        if self._pending_position is not None:
            return self._pending_position
        current = self.view.currentIndex()
        return self.table_model.source_row(current.row()) if current.isValid() else None

    def _reselect(self, source_row: int | None) -> None:
        view_row = None if source_row is None else self.table_model.view_row(source_row)
        self._select_view_row(0 if view_row is None else view_row)

    def _select_view_row(self, row: int) -> None:
        self.view.select_only(row)

    def _on_learning_failed(self, exc: BaseException) -> None:
        """The learned scorer stopped: the banner says so (no box: it retries by itself)."""
        self.notice.emit(
            "Learning from your decisions stopped: "
            + log_failure("Learning from your decisions stopped", exc)
        )

    def _show_failure(self, what: str, exc: BaseException) -> None:
        self.status.emit(f"{what}: {failure_text(exc)}")
        report_failure(self, what, exc)
