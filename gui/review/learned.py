"""The learned scorer in the app: retrains in the background as the curator decides.

Holds the one copy of the learned keep-probabilities per row (NaN where there is none: rows the
curator decided, or no scorer yet); the Review dock's label and the "least sure" queue read it.
A run starts when both kinds of manual decisions reach :data:`core.learned.model.MIN_EACH`, and
again whenever :data:`RETRAIN_EVERY` rows' manual decisions changed since the last run. Training
reads a copy of the decisions and never writes one: the keep-probability is a score, not a
decision.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.learned import storage
from core.learned.features import PairFeatures
from core.learned.model import MIN_EACH
from core.learned.progress import LearnProgress
from core.learned.queue import least_sure_rows
from core.review import AUTO
from core.review.session import ReviewSession
from core.scoring.run import ScoreUpdate
from core.scoring.scored_batch import ScoredBatch
from gui.error_hook import failure_text
from gui.review.controller import ReviewController
from gui.review.jobs import LearnedRestoreJob, LearnJob, LearnOutcome

#: Manual decisions made (or changed) since the last run that start a new one.
RETRAIN_EVERY = 20


class LearnedController(QObject):
    """Keeps the learned scorer of the open dataset current."""

    #: One line for the Review dock: what was learned and how well, or why nothing yet.
    described = Signal(str)
    #: The keep-probabilities changed (a run finished, or a project was opened).
    predictions_changed = Signal()
    #: A run stopped with this exception.
    failed = Signal(object)
    #: Progress of a run, in words (for the status bar).
    progress = Signal(str)
    #: True while a re-opened project's saved scorer is read (on a worker), False once it is in.
    restoring = Signal(bool)

    def __init__(self, review: ReviewController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.review = review
        self.job = LearnJob(self)
        self.restore_job = LearnedRestoreJob(self)
        self.session: ReviewSession | None = None
        self.probabilities = np.zeros(0, dtype=np.float32)
        self.description = ""
        self._features: PairFeatures | None = None
        self._trained_on: np.ndarray | None = None  # manual decisions the scorer learned from
        self._last_stage = ""
        review.opened.connect(self._on_opened)
        review.decided.connect(self._on_decided)
        review.decisions_changed.connect(self._on_decisions_changed)

    # -- opening -------------------------------------------------------------------------------

    def _on_opened(self, session: ReviewSession) -> None:
        self.job.cancel()
        self.session = session
        self._features = None
        self._trained_on = None
        n = len(session.dataset)
        self.probabilities = np.full(n, np.nan, dtype=np.float32)
        self._describe(self._waiting_text())
        self.predictions_changed.emit()
        # The saved scorer and its cached scores are read on a worker, applied in one step.
        self.restoring.emit(True)
        self.restore_job.start(
            session.dataset,
            session.store.path,
            lambda found: self._on_restored(session, *found),
            lambda exc: self._on_restore_failed(session, exc),
        )

    @property
    def busy_restoring(self) -> bool:
        """Whether the saved scorer of the open project is still being read."""
        return self.restore_job.running

    def _on_restored(self, session: ReviewSession, saved, cached) -> None:
        if session is not self.session:
            return
        if saved is not None and cached is not None and self.job.running is False:
            model, source = saved
            self.probabilities = np.where(session.manual == AUTO, cached, np.nan).astype(np.float32)
            self._trained_on = session.manual.copy()
            self._describe(model.describe(_source_words(source)) + " (saved)")
            self._publish(saved)
            self.predictions_changed.emit()
        self.restoring.emit(False)
        self._on_decisions_changed()  # decisions made while it was read may call for a run

    def _on_restore_failed(self, session: ReviewSession, exc: BaseException) -> None:
        """A damaged saved scorer: nothing is restored, learning starts afresh (and it is said)."""
        if session is not self.session:
            return
        self.restoring.emit(False)
        self._describe(f"The saved learned scorer could not be read: {failure_text(exc)}")
        self.failed.emit(exc)

    def _publish(self, saved=None) -> None:
        """Show the keep-probabilities as the ``learned`` score column (a score, not a decision).

        Handed to the session like a restored column, so it never becomes "the score" the rule
        reads unless the curator picks it; rows without a probability (decided by the curator,
        or nothing learned yet) stay empty.
        """
        session = self.session
        if session is None or not np.isfinite(self.probabilities).any():
            return
        scores = self.probabilities.astype(np.float32)
        n = len(scores)
        missing = np.isnan(scores)
        batch = ScoredBatch(np.arange(n, dtype=np.int64), scores, np.zeros(n, dtype=bool), missing)
        described = saved if saved is not None else storage.load_model(session.store)
        desc = (
            storage.description(*described)
            if described is not None
            else {"kind": "learned", "model": storage.MODEL_NAME}
        )
        self.review.apply_scores(
            ScoreUpdate(
                batch, n, n, cached=True, key=storage.LEARNED_KEY, description=desc, restored=True
            )
        )

    # -- when to learn -------------------------------------------------------------------------

    def _on_decided(self, rows: np.ndarray | None) -> None:
        """A decided row's old prediction is no longer shown: its decision stands.

        ``rows``: the rows whose decision changed (None: any), so a key press at 1M rows
        touches its own row, not every row.
        """
        session = self.session
        if session is None or session is not self.review.session:
            return
        if self._trained_on is not None and len(self.probabilities) == len(session.manual):
            if rows is None:
                self.probabilities[session.manual != AUTO] = np.nan
            else:
                rows = np.asarray(rows, dtype=np.int64)
                self.probabilities[rows[session.manual[rows] != AUTO]] = np.nan

    def _on_decisions_changed(self) -> None:
        session = self.session
        if session is None or session is not self.review.session:
            return
        if self.job.running or self.restore_job.running:
            return
        if self._enough() and self._new_decisions() >= (
            RETRAIN_EVERY if self._trained_on is not None else 0
        ):
            self.learn_now()
        elif self._trained_on is None:
            self._describe(self._waiting_text())

    def _enough(self) -> bool:
        keep, drop = self.session.manual_counts()  # O(1): asked after every key press
        return keep >= MIN_EACH and drop >= MIN_EACH

    def _new_decisions(self) -> int:
        if self._trained_on is None:
            return int((self.session.manual != AUTO).sum())
        return int((self.session.manual != self._trained_on).sum())

    def _waiting_text(self) -> str:
        keep, drop = self.session.manual_counts()
        return (
            f"Learns once you have {MIN_EACH} keeps and {MIN_EACH} drops of your own "
            f"(now {keep} and {drop})."
        )

    # -- running -------------------------------------------------------------------------------

    def learn_now(self, files: tuple[Path, Path] | None = None) -> bool:
        """Start a run from the manual decisions (and ``files``: kept, dropped); False if none."""
        session = self.session
        if session is None or session.dataset.prompt_only:
            return False
        if files is None and not self._enough():
            self._describe(self._waiting_text())
            return False
        extra = session.scores if np.isfinite(session.scores).any() else None
        self._describe(
            "Learning from "
            + ("the kept and dropped files and " if files else "")
            + f"{int((session.manual != AUTO).sum()):,} of your decisions…"
        )
        self.job.start(
            session.dataset,
            session.store.path,
            session.manual,
            extra,
            self._features,
            files,
            self._on_progress,
            lambda outcome: self._on_learned(session, outcome),
            lambda exc: self._on_failed(session, exc),
        )
        return True

    def cancel(self) -> None:
        """Stop a run (the previous scorer, if any, stays) and any reading of a saved one."""
        self.job.cancel()
        self.restore_job.cancel()

    def least_sure_rows(self) -> np.ndarray:
        """The undecided rows the scorer is least sure of, closest to 0.5 first."""
        if self.session is None or len(self.probabilities) != len(self.session.manual):
            return np.zeros(0, dtype=np.int64)
        return least_sure_rows(self.probabilities, self.session.manual)

    def _on_progress(self, step: LearnProgress) -> None:
        if step.stage != self._last_stage or step.done == step.total:
            self._last_stage = step.stage
            self.progress.emit(
                f"{step.stage} {step.done:,} of {step.total:,}" if step.total > 1 else step.stage
            )

    def _on_learned(self, session: ReviewSession, outcome: LearnOutcome) -> None:
        if session is not self.session:
            return
        result = outcome.result
        self._features = outcome.features
        self._trained_on = result.manual
        probabilities = np.full(len(session.dataset), np.nan, dtype=np.float32)
        probabilities[result.rows] = result.scores
        probabilities[session.manual != AUTO] = np.nan  # decided while it ran: theirs stands
        self.probabilities = probabilities
        model = result.model
        if outcome.source == "examples":
            kept, dropped = outcome.examples
            mine = model.examples - kept - dropped
            text = (
                f"learned from {kept:,} kept and {dropped:,} dropped examples and {mine:,} "
                f"of your decisions, AUC {model.auc:.2f} ± {model.auc_std:.2f}"
            )
        else:
            text = model.describe()
        self._describe(text[0].upper() + text[1:] + f"; {_share_keep(probabilities)}.")
        self._publish()
        self.predictions_changed.emit()
        self._on_decisions_changed()  # decisions made while it ran may call for another

    def _on_failed(self, session: ReviewSession, exc: BaseException) -> None:
        if session is not self.session:
            return
        if self._trained_on is None:  # try again after RETRAIN_EVERY more, not every key
            self._trained_on = session.manual.copy()
        self._describe(f"Learning stopped: {failure_text(exc)}")
        self.failed.emit(exc)

    def _describe(self, text: str) -> None:
        self.description = text
        self.described.emit(text)


def _source_words(source: str) -> str:
    return "your decisions" if source == "decisions" else "examples and decisions"


def _share_keep(probabilities: np.ndarray) -> str:
    known = probabilities[np.isfinite(probabilities)]
    if not len(known):
        return "no undecided rows to score"
    return (
        f"{len(known):,} undecided rows scored, {(known >= 0.5).mean():.0%} more likely "
        "kept than dropped"
    )
