"""The Plots dock: live score histogram, score vs length, and kept records/tokens by threshold.

Scores stream into a :class:`core.plots.histogram.StreamingHistogram` as they arrive (counts
are incremental); redraws are coalesced to at most :data:`MAX_REDRAWS_PER_SECOND`, and only
while the dock is visible. The threshold curve needs a sort, so it is computed on a worker.
Dragging a cutoff line asks the Review dock to change the rule (throttled while dragging);
clicking or dragging on the histogram asks it to filter the table to a score range.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QWidget

from core.plots.histogram import StreamingHistogram
from core.plots.length_sample import length_view, sample_rows
from core.review import ReviewSession, RowFilter, Rule
from core.review.decisions import DROP, KEEP, UNDECIDED
from core.scoring import ScoreUpdate
from gui.plots.jobs import ThresholdCurveJob
from gui.plots.length_plot import LengthPlot
from gui.plots.score_histogram import ScoreHistogramPlot
from gui.plots.threshold_plot import UNSCORED, WAITING, ThresholdCurvePlot
from gui.widgets.feature_dock import FeatureDock

#: At most this many frames a second, however fast scores stream or keys are pressed: each frame
#: splits every row's decision and redraws three plots (at 25 a second, a curator pressing keys
#: at 1M rows spent most of each decision on frames nobody could follow).
MAX_REDRAWS_PER_SECOND = 5
DECISION_CODES = max(KEEP, DROP, UNDECIDED) + 1
#: While a cutoff line is dragged, the rule follows at most this often.
DRAG_RULE_MS = 80
#: The threshold curve (a sort of every score) is recomputed at most this often.
CURVE_MS = 300
#: A curator's own decisions (keys, undo of a key) redraw the plots once the keys have paused
#: this long: each frame is O(rows) plus three repaints on the GUI thread, which a curator
#: pressing keys at 1M rows felt as a stall every few keys while no one could follow the frames.
SETTLE_MS = 400
#: Decimals the rule's minimum score keeps (the Review dock's spin box shows three).
CUTOFF_DECIMALS = 3


class PlotsDock(FeatureDock):
    """Three live plots of the open dataset's scores and decisions."""

    rule_requested = Signal(object, object)  # Rule, merge key (one per drag: one undo)
    score_range_requested = Signal(object, object, bool)  # low, high (None: open), high out

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Plots", "plots_dock", parent)
        self.histogram_plot = ScoreHistogramPlot(self)
        self.length_plot = LengthPlot(self)
        self.threshold_plot = ThresholdCurvePlot(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (self.histogram_plot, self.length_plot, self.threshold_plot):
            splitter.addWidget(widget)
        splitter.setSizes([460, 360, 360])  # the histogram is the one worked with most
        self.setWidget(splitter)
        self.session: ReviewSession | None = None
        self.histogram: StreamingHistogram | None = None
        self.sample = np.zeros(0, dtype=np.int64)
        self.redraws = 0  # drawn frames (tests check the throttle)
        self._dirty = False
        self._curve_dirty = False
        self._pending_cutoff: float | None = None
        self._drags = 0
        self._drag_key: str | None = None
        self._shown: str | None = None  # which scores the plots show (see _shown_key)
        #: The score-vs-length sample and its correlation, and the scores it was made from:
        #: it depends on scores only, so a decision (a key press) redraws without recomputing
        #: it (a Spearman correlation per frame was ~15 ms of each frame while keys were pressed).
        self._length: tuple[tuple, object] | None = None
        self._scores_seen = 0  # bumped whenever any score may have changed
        self._redraw_timer = QTimer(self, singleShot=True, interval=1000 // MAX_REDRAWS_PER_SECOND)
        self._redraw_timer.timeout.connect(self._redraw)
        self._drag_timer = QTimer(self, singleShot=True, interval=DRAG_RULE_MS)
        self._drag_timer.timeout.connect(self._apply_cutoff)
        self._curve_timer = QTimer(self, singleShot=True, interval=CURVE_MS)
        self._curve_timer.timeout.connect(self._start_curve)
        self._settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle_timer.timeout.connect(self.decisions_changed)
        self.curve_job = ThresholdCurveJob(self)
        self.curve_job.done.connect(self._on_curve)
        self.histogram_plot.threshold_moved.connect(self._threshold_moved)
        self.threshold_plot.threshold_moved.connect(self._threshold_moved)
        self.histogram_plot.range_selected.connect(self.score_range_requested)
        self.visibilityChanged.connect(lambda visible: visible and self._schedule())

    def shutdown(self) -> None:
        """Stop timers and drop a curve still being computed (the window is closing)."""
        for timer in (self._redraw_timer, self._drag_timer, self._curve_timer, self._settle_timer):
            timer.stop()
        self.curve_job.cancel()

    # -- inputs --------------------------------------------------------------------------------

    def set_session(self, session: ReviewSession | None) -> None:
        """A dataset was opened (or closed): start from its current scores and decisions."""
        self.curve_job.cancel()
        self.session = session
        self._scores_seen += 1
        self.threshold_plot.clear(
            UNSCORED if session is not None and session.dataset.prompt_only else WAITING
        )
        if session is None:
            self.histogram = None
            self.sample = np.zeros(0, dtype=np.int64)
        else:
            self._rebuild()
            self.sample = sample_rows(len(session.scores))
        self._curve_dirty = True
        self._schedule()

    def _shown_key(self) -> str | None:
        """What the plots show: the column the rule's main criterion reads, or its rank average.

        Dragging the cutoff edits that criterion, so the line always belongs to the scores drawn.
        """
        session = self.session
        if session is None:
            return None
        return "rank average" if session.rule.rank_weights else session.score_key

    def _rebuild(self) -> None:
        """Count the shown scores afresh (the rule now reads another column)."""
        session = self.session
        scores = session.criterion_scores()
        self.histogram = StreamingHistogram(len(scores))
        self.histogram.add(np.arange(len(scores)), scores)
        self._shown = self._shown_key()

    def scores_changed(self, *_args) -> None:
        """Some scores changed (a column, flags with heuristic scores): redraw from them."""
        self._scores_seen += 1
        self._schedule()

    def on_scores_arrived(self, update: ScoreUpdate) -> None:
        """Count a streamed (or restored) batch of scores, if it is the column shown."""
        self._scores_seen += 1
        if self.histogram is None or not len(update.batch.rows):
            return
        restored_shown = update.restored and (not update.key or update.key == self._shown)
        if self._shown_key() != self._shown or self._shown == "rank average" or restored_shown:
            self._rebuild()  # a restored shown column: count what the session now holds, once
        elif update.key and update.key != self._shown:
            return  # another scorer's column
        else:
            self.histogram.add(update.batch.rows, update.batch.scores)
        self._curve_dirty = True
        self._schedule()

    def on_scores_cleared(self) -> None:
        """A new scoring run's model is loaded: count the session's shown column afresh.

        The session clears no column (each scorer has its own), so neither does the histogram:
        a run of another scorer must not blank the plots of the column the rule reads.
        """
        self._scores_seen += 1
        if self.session is not None:
            self._rebuild()
            self._curve_dirty = True
            self._schedule()

    def on_decided(self, rows: np.ndarray | None = None) -> None:
        """Decisions changed: ``rows`` only (a curator's keys), or any row (None).

        Decisions of a few rows wait until the keys pause (:data:`SETTLE_MS`), then redraw
        once; anything else (the rule, a bulk change, flags, duplicates) redraws as before.
        """
        if rows is None:
            self._settle_timer.stop()
            self.decisions_changed()
        else:
            self._settle_timer.start()  # restarted by every key: one redraw when they stop

    def decisions_changed(self) -> None:
        """The rule, a decision, duplicates or flags changed."""
        if self.session is not None and self._shown_key() != self._shown:
            self._rebuild()
        self._curve_dirty = True
        self._schedule()

    def show_filter(self, row_filter: RowFilter) -> None:
        """Shade the table's score range on the histogram."""
        self.histogram_plot.show_range(row_filter.score_min, row_filter.score_max)

    # -- drawing -------------------------------------------------------------------------------

    def _schedule(self) -> None:
        self._dirty = True
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw(self) -> None:
        if not self._dirty or not self.isVisible():
            return  # drawn when the dock is shown again
        self._dirty = False
        self.redraws += 1
        session, histogram = self.session, self.histogram
        if session is None or histogram is None:
            self.histogram_plot.show_counts(
                StreamingHistogram(0),
                np.zeros(0),
                np.zeros(0),
                "Open a dataset and score it to see its scores.",
            )
            return
        final = session.final
        by_decision = histogram.split_codes(final, DECISION_CODES)
        kept, dropped = by_decision[:, KEEP], by_decision[:, DROP]
        shown = session.criterion_scores()
        cutoff = session.rule.cutoff(shown) if session.rule.uses_scores else None
        scored = histogram.total
        caption = (
            f"{scored:,} of {len(final):,} records scored · "
            f"{int(kept.sum()):,} kept (green) · {int(dropped.sum()):,} dropped (red)"
        )
        if not session.rule.uses_scores:
            caption += " · the rule keeps all rows (no cutoff)"
        elif session.rule.several or len(session.columns) > 1:
            name = self._shown if session.rule.rank_weights else session.column().name
            caption = f"{name}: {caption}"
        if not scored:
            caption = (
                "This file has no responses, so there is nothing to score."
                if session.dataset.prompt_only
                else "No scores yet: score the dataset in the Scoring dock."
            )
        self.histogram_plot.show_counts(histogram, kept, dropped, caption, cutoff)
        self.histogram_plot.show_threshold(cutoff if scored else None)  # no line over no bars
        view = self._length_view(shown)
        self.length_plot.show_view(
            view, final[view.rows] == KEEP, final[view.rows] == DROP, cutoff, len(final)
        )
        self.threshold_plot.show_threshold(cutoff, self._rule_kept())
        if self._curve_dirty and not self._curve_timer.isActive():
            self._curve_timer.start()

    def _length_view(self, shown: np.ndarray):
        """The score-vs-length sample of ``shown``, made again only when scores changed."""
        session = self.session
        key = (id(session), self._scores_seen, self._shown, session.rule.rank_weights)
        if self._length is None or self._length[0] != key:
            self._length = (key, length_view(self.sample, shown, session.dataset.response_tokens))
        return self._length[1]

    def _start_curve(self) -> None:
        session = self.session
        if session is None:
            return
        self._curve_dirty = False
        forced = session.rule.forced_drops(
            len(session.scores), session.flag_mask, session.duplicate
        )
        self.curve_job.start(
            session.criterion_scores().copy(), session.dataset, session.manual.copy(), forced
        )

    def _on_curve(self, curve) -> None:
        session = self.session
        cutoff = (
            session.rule.cutoff(session.criterion_scores())
            if session is not None and session.rule.uses_scores
            else None
        )
        self.threshold_plot.show_curve(curve, self.histogram_plot.x_range(cutoff))
        self.threshold_plot.show_threshold(cutoff, self._rule_kept())

    def _rule_kept(self) -> tuple[int, int, str] | None:
        """What a best-N or best-fraction rule keeps (the summary's count), with its tie note.

        The curve counts every row at or above a cutoff; such a rule keeps exactly N, breaking
        a tie at the cutoff by file order, so the caption takes the summary's count instead.
        """
        session = self.session
        if session is None or not session.rule.uses_scores or session.rule.several:
            return None
        primary = session.rule.primary
        if primary.mode not in ("top_n", "top_fraction"):
            return None
        summary = session.summary()
        return summary.kept, summary.kept_tokens, primary.tie_note(session.criterion_scores())

    # -- the cutoff lines ----------------------------------------------------------------------

    def _threshold_moved(self, cutoff: float, finished: bool) -> None:
        self._pending_cutoff = cutoff
        if self._drag_key is None:  # a new gesture: its rule changes are one undo step
            self._drags += 1
            self._drag_key = f"cutoff-drag-{self._drags}"
        if finished:
            self._drag_timer.stop()
            self._apply_cutoff()
            self._drag_key = None
        elif not self._drag_timer.isActive():
            self._drag_timer.start()

    def _apply_cutoff(self) -> None:
        session, cutoff = self.session, self._pending_cutoff
        if session is None or cutoff is None:
            return
        rule = rule_for_cutoff(session.rule, session.criterion_scores(), cutoff)
        if rule is not None and rule != session.rule:
            self.rule_requested.emit(rule, self._drag_key)


def rule_for_cutoff(rule: Rule, scores: np.ndarray, cutoff: float) -> Rule | None:
    """The rule with its score criterion moved to ``cutoff`` (None for a keep-all rule).

    A threshold rule takes the cutoff itself; a best-N or best-fraction rule keeps as many rows
    as score at least ``cutoff``, so the line means the same thing whatever the mode.
    """
    if rule.mode == "threshold":
        return rule.with_changes(min_score=round(float(cutoff), CUTOFF_DECIMALS))
    if rule.mode not in ("top_n", "top_fraction"):
        return None
    above = int(np.count_nonzero(scores >= cutoff))
    if rule.mode == "top_n":
        return rule.with_changes(keep_top=above)
    # The Review dock shows the fraction as a percentage with one decimal.
    return rule.with_changes(keep_fraction=round(above / max(1, len(scores)), 3))
