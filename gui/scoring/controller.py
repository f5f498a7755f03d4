"""Reward scoring on a dedicated QThread that keeps the model loaded between runs.

The worker-object pattern (house style): :class:`ScoringWorker` is a plain QObject moved to its
own ``QThread``; the GUI thread asks it to run through a queued signal and hears back through
its signals. The work itself is :func:`core.scoring.score_dataset`, a plain generator. Cancel is
a ``threading.Event`` the worker checks between batches (a queued slot could not run while the
worker is busy), so a cancel takes effect within one batch. Each run has its own event: a run
started right after a cancel never clears the cancelled one's (which would let that run go on to
its end, ahead of the new one). Results carry a generation number and stale ones are dropped; a
cancelled run counts as running until the worker says it stopped, so Score, the dock and the
curator state machine all see the thread busy until it is free. ``QThread.terminate()`` is
never used: closing the app cancels, then quits and waits for the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.dataset import Dataset
from core.long_lived import importing_long_lived
from core.project import ProjectStore
from core.review.score_columns import restore_columns
from core.scoring import ScoreConfig, ScoreSummary, ScoreUpdate, make_scorer, score_dataset
from core.scoring.heuristics import warm_up_kernels
from core.scoring.run import (
    last_settings,
    remember_settings,
    restore_scores,
)
from core.transformers_import import load_module, load_transformers

if TYPE_CHECKING:  # torch loads on the scoring thread when a model is first needed
    from core.scoring.reward_model import RewardModel

log = logging.getLogger(__name__)
#: What a failure stopped, as the curator reads it (``ScoringController.failed``'s first value).
SCORING_STOPPED = "Scoring stopped"
RESTORE_FAILED = "Restoring cached scores failed"


class ScoringWorker(QObject):
    """Lives on the scoring thread; runs one job at a time and keeps the last model loaded."""

    status = Signal(int, str)  # generation, what it is doing
    ready = Signal(int)  # generation: the scorer is found and loaded
    updated = Signal(int, object)  # generation, ScoreUpdate
    finished = Signal(int, object)  # generation, ScoreSummary
    failed = Signal(int, str, object)  # generation, what stopped, the exception
    cancelled = Signal(int)  # generation
    restored = Signal(int, object, object)  # generation, ScoreConfig | None, [ScoreUpdate]

    def __init__(self) -> None:
        super().__init__()
        #: The newest run's cancel event (what closing the app sets); each run checks its own.
        self.cancel_event = threading.Event()
        self._model: RewardModel | None = None

    @Slot(int, object, object, object, object, object)
    def score(
        self,
        generation: int,
        dataset: Dataset,
        settings: ScoreConfig,
        project: Path | None,
        heuristic_scores,
        cancel: threading.Event,
    ) -> None:
        """Score ``dataset`` with ``settings``, caching in the ``project`` store.

        ``cancel``: this run's own event, set when the curator cancels it.
        """
        store = None
        try:
            self.status.emit(
                generation,
                "Scoring with the heuristics…"
                if settings.heuristic
                else "Connecting to the judge server…"
                if settings.judge_endpoint
                else "Loading the model…",
            )
            scorer = make_scorer(settings, self._model, heuristic_scores)
            if hasattr(scorer, "model"):  # a model scorer or local judge: keep it loaded
                self._model = scorer.model
            if hasattr(scorer, "connect"):  # a judge server: a wrong URL fails here,
                scorer.connect()  # before the old scores are replaced
            if cancel.is_set():
                self.cancelled.emit(generation)
                return
            self.ready.emit(generation)
            store = ProjectStore(project) if project is not None else None
            if store is not None:
                remember_settings(store, settings)
            if hasattr(scorer, "cancel_event"):  # an endpoint judge waiting on a server
                scorer.cancel_event = cancel
            run = score_dataset(dataset, scorer, store)
            live = getattr(scorer, "requests_per_second", None)  # an endpoint judge
            self.status.emit(generation, "Scoring…")
            while True:
                if cancel.is_set():
                    run.close()
                    self.cancelled.emit(generation)
                    return
                try:
                    update = next(run)
                except StopIteration as stop:
                    if cancel.is_set():  # stopped early by the cancel
                        self.cancelled.emit(generation)
                    else:
                        self.finished.emit(generation, stop.value)
                    return
                self.updated.emit(generation, update)
                if live is not None and not update.cached:
                    self.status.emit(
                        generation, f"Asking the judge server… {live():.1f} requests/s"
                    )
        except Exception as exc:  # the app must outlive any scoring failure; the dock logs it
            self.failed.emit(generation, SCORING_STOPPED, exc)
        finally:
            if store is not None:
                store.close()

    @Slot(int, object, object)
    def restore(self, generation: int, dataset: Dataset, project: Path) -> None:
        """Read the last run's settings and cached scores for a freshly opened dataset."""
        try:
            with ProjectStore(project) as store:
                columns, _, _ = restore_columns(store, 0)
                self.restored.emit(
                    generation,
                    last_settings(store),
                    restore_scores(dataset, store, [c.key for c in columns]),
                )
        except Exception as exc:  # the app must outlive a damaged cache; the curator hears of it
            self.failed.emit(generation, RESTORE_FAILED, exc)

    @Slot()
    def warm_up(self) -> None:
        """Import the model libraries now, while the curator is still opening a file.

        Importing transformers and torch's compiler stack takes seconds of mostly Python work;
        done at the first Score click it would hold the GIL in long stretches mid-session.
        The heuristic flags' compiled kernels come first, since every open needs them: loading
        them from numba's cache takes under a second, compiling them (a new install, and every
        launch of the frozen app, which has no cache) several, mostly holding the GIL. Done
        on the flags worker as a file opens, that froze the window (``bench_session.py --watch``).
        """
        # The half million objects these imports make are kept out of full collections, and
        # none runs while they are made: each walked them all, up to ~290 ms of every thread
        # frozen (core.long_lived).
        with importing_long_lived():
            try:
                warm_up_kernels()
            except Exception:  # numba broken: the flags job reports it when a file opens
                log.exception("could not prepare the heuristic flags' kernels")
            try:  # through the lock: a map or dedup worker may be importing transformers too
                load_transformers(
                    "AutoModelForSequenceClassification",
                    "AutoTokenizer",
                    "modeling_utils",
                    "AutoModel",
                )
                # The length plot's correlation needs scipy.stats, whose first import the GUI
                # thread paid for while drawing (1.6 s frozen at 100k rows, caught by
                # benchmarks/bench_session.py --watch); imported here it is loaded by then.
                load_module("scipy.stats")
            except Exception:  # a broken install is reported properly when scoring starts
                log.exception("could not import transformers ahead of scoring")

    @Slot()
    def release_model(self) -> None:
        """Drop the resident model (on shutdown)."""
        if self._model is not None:
            self._model.release()
            self._model = None


class ScoringController(QObject):
    """The GUI-thread side: starts, cancels and reports scoring runs."""

    started = Signal()
    status = Signal(str)
    ready = Signal()  # the model is loaded: the run's results replace the old
    updated = Signal(object)  # ScoreUpdate
    progressed = Signal(int, int, float, float)  # done, total, pairs/s, eta seconds (-1: ?)
    finished = Signal(object)  # ScoreSummary
    failed = Signal(str, object)  # what stopped (SCORING_STOPPED, RESTORE_FAILED), the exception
    cancelled = Signal()
    restored = Signal(object, object)  # ScoreConfig | None, [ScoreUpdate] (one per column)

    _score_requested = Signal(int, object, object, object, object, object)
    _restore_requested = Signal(int, object, object)
    _release_requested = Signal()
    _warm_up_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("thresher-scoring")
        self._worker = ScoringWorker()
        self._worker.moveToThread(self._thread)
        self._score_requested.connect(self._worker.score)
        self._restore_requested.connect(self._worker.restore)
        self._release_requested.connect(self._worker.release_model)
        self._warm_up_requested.connect(self._worker.warm_up)
        self._worker.status.connect(self._on_status)
        self._worker.ready.connect(self._on_ready)
        self._worker.updated.connect(self._on_updated)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.restored.connect(self._on_restored)
        self._thread.start()
        # Should the window be destroyed without closing, stop the thread first: deleting a
        # running QThread aborts the process. The closure holds the thread and worker alive.
        thread, worker = self._thread, self._worker

        def stop_thread() -> None:
            worker.cancel_event.set()
            if shiboken6.isValid(thread):  # already gone at interpreter exit
                thread.quit()
                thread.wait()

        self.destroyed.connect(stop_thread)
        app = QCoreApplication.instance()
        if app is not None:  # a last line of defence; the window's closeEvent normally does it
            app.aboutToQuit.connect(self.shutdown)
        self._generation = 0
        self._running = False
        self._started_at = 0.0
        self._computed = 0
        self._shut_down = False

    def warm_up(self) -> None:
        """Import the model libraries on the scoring thread (the window calls this once shown).

        Not at construction: the import holds the GIL in long stretches and would delay the
        window's first paint by seconds.
        """
        self._warm_up_requested.emit()

    @property
    def running(self) -> bool:
        """Whether a scoring run is in progress (a cancelled one: until it has stopped)."""
        return self._running

    @property
    def stopped(self) -> bool:
        """Whether the scoring thread has finished (after :meth:`shutdown`)."""
        return self._thread.isFinished()

    def start(
        self, dataset: Dataset, settings: ScoreConfig, project: Path | None, heuristic_scores=None
    ) -> None:
        """Score ``dataset``; a run in progress is cancelled first and its results ignored.

        ``heuristic_scores``: the dataset's heuristic scores if already computed (numpy array).
        """
        self.cancel(quiet=True)
        cancel = self._worker.cancel_event = threading.Event()
        self._generation += 1
        self._running = True
        self._started_at = time.perf_counter()
        self._computed = 0
        self.started.emit()
        self._score_requested.emit(
            self._generation, dataset, settings, project, heuristic_scores, cancel
        )

    def restore(self, dataset: Dataset, project: Path) -> None:
        """Restore the last run's cached scores for a freshly opened dataset."""
        self.cancel(quiet=True)
        self._generation += 1
        self._restore_requested.emit(self._generation, dataset, project)

    def cancel(self, quiet: bool = False) -> None:
        """Stop the run in progress after its current batch.

        ``quiet``: something else takes over (a new run, another file): the run's reports are
        ignored from now on. Otherwise it is running until the worker says it stopped
        (:attr:`cancelled`), which may be a batch later.
        """
        if not self._running:
            return
        self._worker.cancel_event.set()
        if quiet:
            self._running = False
            self._generation += 1
        else:
            self.status.emit("Cancelling after the current batch…")

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel, free the model and stop the thread; True when it stopped in time."""
        if self._shut_down:
            return True
        self._shut_down = True
        self._worker.cancel_event.set()
        self._generation += 1
        self._release_requested.emit()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    # -- worker reports (GUI thread) -----------------------------------------------------------

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _on_status(self, generation: int, text: str) -> None:
        if self._current(generation):
            self.status.emit(text)

    def _on_ready(self, generation: int) -> None:
        if self._current(generation):
            self.ready.emit()

    def _on_updated(self, generation: int, update: ScoreUpdate) -> None:
        if not self._current(generation):
            return
        if update.cached:
            self._started_at = time.perf_counter()
        else:
            self._computed += len(update.batch.rows)
        elapsed = time.perf_counter() - self._started_at
        rate = self._computed / elapsed if self._computed and elapsed > 0 else 0.0
        eta = (update.total - update.done) / rate if rate else -1.0
        self.updated.emit(update)
        self.progressed.emit(update.done, update.total, rate, eta)

    def _on_finished(self, generation: int, summary: ScoreSummary) -> None:
        if self._current(generation):
            self._running = False
            self.finished.emit(summary)

    def _on_failed(self, generation: int, what: str, exc: BaseException) -> None:
        if self._current(generation):
            self._running = False
            self.failed.emit(what, exc)

    def _on_cancelled(self, generation: int) -> None:
        if self._current(generation):
            self._running = False
            self.cancelled.emit()

    def _on_restored(self, generation: int, settings, update) -> None:
        if self._current(generation):
            self.restored.emit(settings, update)
