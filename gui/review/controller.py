"""The app's side of a review session: it opens the project, forwards decisions, keeps view state.

Every decision goes through :class:`core.review.ReviewSession`, which commits it before
returning; only then does this controller tell the table and the summary, so nothing is shown
as decided that is not on disk. The current row is saved shortly after it changes (a burst of
arrow keys is one write), and the store is backed up every half hour while decisions change.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.dataset import Dataset
from core.errors import ThresherError
from core.project import ProjectStore, project_path_for
from core.project.backup import Backup, back_up, due, restore_backup
from core.review import ReviewSession, RowFilter, Rule
from core.review.history import KeptCopyChange, RuleChange
from core.review.score_columns import HEURISTIC_KEY
from core.scoring import ScoreUpdate
from core.scoring.heuristics import HeuristicSignals
from gui.review.jobs import CommitJob

POSITION_SAVE_DELAY_MS = 800
BACKUP_CHECK_MS = 5 * 60 * 1000
#: Changes of this many rows or more are committed on a worker thread (100k rows: ~0.6 s).
BACKGROUND_ROWS = 5_000
#: Closing waits this long for a bulk commit: it finishes, it is never cut half-done.
CLOSE_WAIT_MS = 60_000
#: What a failed store action means for the curator.
NOT_SAVED = "Could not save to the project file; the change was not made"


class ReviewController(QObject):
    """Owns the open dataset's :class:`ReviewSession` on the GUI thread."""

    opened = Signal(object)  # ReviewSession
    decisions_changed = Signal()
    #: Just before ``decisions_changed``: the source rows whose decision changed (an int64
    #: array), or None when any row's may have (the rule, scores, duplicates). The table
    #: repaints only those rows: a key press at 1M rows must not repaint every visible cell.
    decided = Signal(object)
    rows_changed = Signal(str)  # "scores" or "flags": the session's per-row data changed
    summary_changed = Signal(object)  # Summary
    history_changed = Signal()
    rule_changed = Signal(object)  # Rule: set by undo/redo (the panel and plots follow)
    kept_copies_changed = Signal(object)  # bool mask of rows chosen as their cluster's copy
    #: What could not be done (one phrase, e.g. :data:`NOT_SAVED`) and the exception why.
    failed = Signal(str, object)
    busy_changed = Signal(bool)  # a large change is being committed in the background

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: ReviewSession | None = None
        self._store: ProjectStore | None = None
        self._pending_position: int | None = None
        self._position_timer = QTimer(self, singleShot=True, interval=POSITION_SAVE_DELAY_MS)
        self._position_timer.timeout.connect(self.flush_position)
        self._backup_timer = QTimer(self, interval=BACKUP_CHECK_MS)
        self._backup_timer.timeout.connect(self._periodic_backup)
        self._last_backup: datetime | None = None
        self._changed_since_backup = False
        self._commit_job = CommitJob(self)
        self._deferred: list = []

    @property
    def busy(self) -> bool:
        """Whether a large change is being committed (the store belongs to the worker)."""
        return self._commit_job.running

    # -- opening and closing -------------------------------------------------------------------

    def open(self, dataset: Dataset) -> ReviewSession | None:
        """Open ``dataset``'s project (restoring earlier work); None if the project fails."""
        self.close()
        try:
            self._store = ProjectStore(project_path_for(dataset.path), handed_over=True)
            self.session = ReviewSession(dataset, self._store)
        except ThresherError as exc:
            self._store = None
            self.session = None
            self.failed.emit("Decisions cannot be saved for this dataset", exc)
            return None
        self._last_backup = datetime.now()
        self._changed_since_backup = False
        self._backup_timer.start()
        self.opened.emit(self.session)
        self._changed()
        return self.session

    def close(self) -> None:
        """Save the position and close the project (decisions are already on disk)."""
        if self._commit_job.running:
            # This controller's own commit finishes, never half-done; other jobs are not ours.
            finished = self._commit_job.wait(CLOSE_WAIT_MS)
            self._commit_job.cancel()  # its queued report would arrive after closing
            if finished:
                self._run_deferred()
        self.flush_position()
        self._backup_timer.stop()
        if self._store is not None:
            self._store.close()
        self._store = None
        self.session = None

    def restore_backup(self, backup: Backup) -> bool:
        """Replace the project with ``backup`` (the present is backed up first), then close it.

        True when restored: the caller reopens the dataset, so everything shown comes from the
        restored file. The undo history ends here (it described the replaced state).
        """
        if self._store is None or self.busy:
            return False
        self.flush_position()
        store = self._store
        try:
            restore_backup(store, backup.path)
        except (ThresherError, OSError, sqlite3.Error) as exc:
            self.failed.emit("Could not restore the backup", exc)
            return False
        self.close()
        return True

    # -- inputs --------------------------------------------------------------------------------

    def apply_scores(self, update: ScoreUpdate) -> None:
        """Take a streamed batch of scores; automatic decisions follow."""
        if self.session is not None and len(update.batch.rows):
            batch = update.batch
            self.session.set_scores(
                batch.rows,
                batch.scores,
                batch.truncated,
                batch.unscorable,
                key=update.key or None,
                description=update.description,
                last_run=not update.restored,
            )
            self.rows_changed.emit("scores")
            self._changed()

    def clear_scores(self) -> None:
        """A new scoring run's model is loaded.

        Each scorer has its own column, so nothing is cleared: the run's batches fill its
        column (made the default one) and the other scorers' columns stay.
        """

    def column_action(self, action: str, key: str, value=None) -> bool:
        """Rename, hide/show or remove a score column; False (and a message) when refused."""
        if self.session is None:
            return False
        try:
            if action == "rename":
                self.session.rename_column(key, str(value))
            elif action == "hidden":
                self.session.set_column_hidden(key, bool(value))
            elif action == "remove":
                self.session.remove_column(key, forget_cache=bool(value))
            else:
                raise ValueError(f"unknown column action {action!r}")
        except ThresherError as exc:
            self.failed.emit("Could not change the column", exc)
            return False
        self.rows_changed.emit("scores")
        self._changed()
        return True

    def apply_flags(self, start: int, signals: HeuristicSignals) -> None:
        """Take heuristic flags for rows ``start …``."""
        if self.session is not None:
            self.session.set_flags(
                slice(start, start + len(signals.score)), signals.flag_mask(), signals.score
            )
            self.rows_changed.emit("flags")
            # The heuristic scores fill the heuristic column, which the rule may read.
            if self.session.rule.drop_flags or HEURISTIC_KEY in self.session.columns:
                self._changed()

    def apply_duplicates(self, dropped: np.ndarray) -> None:
        """Take the rows that are duplicates and not kept (by their cluster or the budget)."""
        if self.session is not None and len(dropped) == len(self.session.dataset):
            self.session.set_duplicates(dropped)
            self._changed()

    def apply_overlap(self, level_bits: np.ndarray) -> None:
        """Take the overlap levels each row matched (the rule may drop them per level)."""
        if self.session is not None and len(level_bits) == len(self.session.dataset):
            self.session.set_overlap(level_bits)
            self._changed()

    def set_rule(self, rule: Rule, merge_key: str | None = None) -> None:
        """Change the automatic rule (saved at once; one undo step per ``merge_key`` gesture).

        While a large change is being saved the rule editor is disabled, but the histogram's
        cutoff can still be dragged: that change follows the save (as a decision made then
        does), never dropped while the editor and plots show it.
        """
        if self.session is None:
            return
        if self.busy:
            self._deferred.append(lambda: self.set_rule(rule, merge_key))
            return
        session = self.session
        before = session.rule
        self._guard(lambda: session.set_rule(rule, merge_key))
        if session.rule != before:
            self._changed()
        if session.rule != rule:  # not saved: the editor shows the rule in force again
            self.rule_changed.emit(session.rule)

    def keep_copy(self, row: int, members: np.ndarray) -> bool:
        """Make ``row`` the kept copy of its duplicate cluster (saved at once, undoable)."""
        if self.session is None or self.busy:
            return False
        session = self.session
        if self._guard(lambda: session.choose_kept(row, members)) is None:
            return False
        self.kept_copies_changed.emit(session.preferred.copy())
        self._changed()
        return True

    # -- decisions -----------------------------------------------------------------------------

    def decide(self, rows, decision: int, reason: str = "", label: str = "") -> bool:
        """Decide ``rows``; True once the change is committed and shown.

        A large change is committed on a worker thread (False is returned; the table updates
        when it is on disk, and the review actions wait until then).
        """
        if self.session is None or len(rows) == 0 or self.busy:
            return False
        if len(rows) >= BACKGROUND_ROWS:
            session = self.session
            self._in_background(lambda: session.decide(rows, decision, reason, label))
            return False
        change = self._guard(lambda: self.session.decide(rows, decision, reason, label))
        if change is None:
            return False
        self._changed_since_backup = True
        self._changed(change.rows)
        return True

    def decide_after_save(self, rows, decision: int, reason: str = "") -> None:
        """Queue a decision made while a large change is being saved: it follows that save.

        It joins the same deferred queue as every other store action, so it is committed
        when the save ends (or when the project closes after it), never dropped.
        """
        session = self.session
        if session is not None:
            self._deferred.append(lambda: session.decide(rows, decision, reason))

    def undo(self) -> None:
        """Undo the last change."""
        if self.session is not None:
            self._replay(self.session.next_undo(), self.session.undo)

    def redo(self) -> None:
        """Redo the last undone change."""
        if self.session is not None:
            self._replay(self.session.next_redo(), self.session.redo)

    def _replay(self, change, step) -> None:
        """Run an undo or redo ``step``; a large ``change`` is committed in the background."""
        if change is None or self.busy:
            return
        if len(change.rows) >= BACKGROUND_ROWS:
            self._in_background(step)
        elif self._guard(step) is not None:
            rows = None
            if isinstance(change, RuleChange):
                self.rule_changed.emit(self.session.rule)
            elif isinstance(change, KeptCopyChange):
                self.kept_copies_changed.emit(self.session.preferred.copy())
            else:  # a decision: only its rows changed
                rows = change.rows
            self._changed(rows)

    def _in_background(self, commit) -> None:
        """Run ``commit`` (backup + one transaction) on a worker thread."""
        self._commit_job.start(commit, self._on_background_done, self._on_background_failed)
        self.busy_changed.emit(True)

    def _on_background_done(self, _result=None) -> None:
        self._changed_since_backup = True
        self.busy_changed.emit(False)
        self._run_deferred()
        if self.session is not None:
            self._changed()

    def _on_background_failed(self, exc: Exception) -> None:
        self.busy_changed.emit(False)
        self.failed.emit(NOT_SAVED, exc)
        self._run_deferred()

    def _run_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        for action in deferred:
            self._guard(action)

    # -- view state ----------------------------------------------------------------------------

    def note_position(self, row: int) -> None:
        """The current row changed; it is saved after a short pause."""
        self._pending_position = row
        self._position_timer.start()

    def forget_position(self) -> None:
        """Drop a noted row that is not the curator's place (a stand-in while opening)."""
        self._position_timer.stop()
        self._pending_position = None

    def flush_position(self) -> None:
        """Save the pending current row now."""
        self._position_timer.stop()
        session, row = self.session, self._pending_position
        if session is not None and row is not None:
            self._guard(lambda: session.save_position(row))
        self._pending_position = None

    def save_filter(self, row_filter: RowFilter) -> None:
        """Remember the filter for the next opening."""
        session = self.session
        if session is not None:
            self._guard(lambda: session.save_filter(row_filter))

    def save_sort(self, column: str, descending: bool) -> None:
        """Remember the sort for the next opening."""
        session = self.session
        if session is not None:
            self._guard(lambda: session.save_sort(column, descending))

    # -- helpers -------------------------------------------------------------------------------

    def _changed(self, rows: np.ndarray | None = None) -> None:
        """Tell the views; ``rows``: the only rows whose decision changed (None: any)."""
        self.decided.emit(rows)
        self.decisions_changed.emit()
        self.summary_changed.emit(self.session.summary())
        self.history_changed.emit()

    def _guard(self, action):
        """Run a store action; a failure (disk full, file gone) is reported, never raised.

        While a worker owns the store, the action waits until it is done.
        """
        if self.busy:
            self._deferred.append(action)
            return None
        try:
            return action()
        except (ThresherError, OSError, sqlite3.Error) as exc:
            self.failed.emit(NOT_SAVED, exc)
            return None

    def _periodic_backup(self) -> None:
        now = datetime.now()
        ready = self._store is not None and not self.busy and self._changed_since_backup
        if ready and due(self._last_backup, now):
            self._guard(lambda: back_up(self._store, "periodic"))
            self._last_backup = now
            self._changed_since_backup = False
