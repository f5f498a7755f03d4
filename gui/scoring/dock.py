"""The Scoring dock: wires the panel, the scoring thread, downloads and the table together.

Keeps the main window a composition root: it hands this dock each loaded dataset and calls
:meth:`ScoringDock.shutdown` when closing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from core.dataset import Dataset
from core.judge.preview import judge_preview
from core.judge.report import judge_report
from core.project import project_path_for
from core.scoring import DEFAULT_MODEL, HEURISTIC, ScoreConfig, ScoreSummary, ScoreTable
from core.scoring.model_files import model_available
from gui.error_hook import failure_text, log_failure, report_failure
from gui.scoring.controller import ScoringController
from gui.scoring.jobs import HeuristicsJob
from gui.scoring.model_download import ModelDownload
from gui.scoring.panel import HEURISTIC_NOTE, NO_MODEL_NOTE, ScoringPanel, judge_lines
from gui.settings import Settings
from gui.table.model import RecordsTableModel
from gui.widgets.feature_dock import FeatureDock


class ScoringDock(FeatureDock):
    """Everything about scores: choosing a scorer, running it, streaming results into the table."""

    scoring_finished = Signal(object)  # ScoreSummary
    scoring_failed = Signal(object)  # the exception (already shown and logged)
    scores_arrived = Signal(object)  # ScoreUpdate: streamed or restored from the cache
    scores_cleared = Signal()  # a run's model is loaded: its scores replace the old
    restoring = Signal(bool)  # cached scores of a freshly opened file are on the way
    flags_computed = Signal(int, object)  # first row, HeuristicSignals
    flags_done = Signal()

    def __init__(
        self, model: RecordsTableModel, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__("Scoring", "scoring_dock", parent)
        self.table_model = model
        self.settings = settings
        self.dataset: Dataset | None = None
        self.panel = ScoringPanel(settings.recent_models(), self)
        self.setWidget(self.panel)
        self.controller = ScoringController(self)
        self.download = ModelDownload(self)
        self.heuristics = HeuristicsJob(self)
        self._score_after_flags = False
        # The heuristic scores are recomputed, not cached: while the opening's own run makes
        # them, the summary says "restoring…" (its counts would read "Kept 0").
        self._restoring_by_run = False
        self._preview_row: int | None = None
        self._heuristic_scores = np.zeros(0, dtype=np.float32)
        self._heuristic_rows = 0
        #: Who produced the scores the table holds ("heuristic", a model id); None: no scores.
        self.scored_by: str | None = None
        self._run_scorer: str | None = None
        #: The judge's entropies and answers for the open dataset (held here only).
        self.judge_details = ScoreTable(0)
        self._choose_default_model()
        self._wire()

    def _wire(self) -> None:
        self.panel.score_requested.connect(self.start_scoring)
        self.panel.cancel_requested.connect(self.controller.cancel)
        self.panel.download_requested.connect(self._start_download)
        self.panel.download_cancel_requested.connect(self._cancel_download)
        self.panel.model_combo.currentTextChanged.connect(self._update_note)
        self.panel.judge_changed.connect(self._refresh_prompt_preview)
        self.controller.started.connect(lambda: self.panel.set_running(True))
        self.controller.status.connect(self.panel.show_status)
        self.controller.ready.connect(self._on_ready)
        self.controller.ready.connect(self.scores_cleared)
        self.controller.ready.connect(self._clear_judge_details)
        self.controller.updated.connect(self.scores_arrived)
        self.controller.updated.connect(self._keep_judge_details)
        self.controller.progressed.connect(self.panel.show_progress)
        self.controller.finished.connect(self._on_finished)
        self.controller.failed.connect(self._on_failed)
        self.controller.cancelled.connect(self._on_cancelled)
        self.controller.restored.connect(self._on_restored)
        self.heuristics.computed.connect(self.flags_computed)
        self.heuristics.computed.connect(self._keep_heuristic_scores)
        self.heuristics.done.connect(self._on_flags_done)
        self.heuristics.done.connect(self.flags_done)
        self.heuristics.error.connect(lambda _message: self._end_restoring())
        self.download.progressed.connect(self.panel.show_download_progress)
        self.download.succeeded.connect(self._on_downloaded)
        self.download.failed.connect(self._on_download_failed)

    def _choose_default_model(self) -> None:
        self._default_available = model_available(DEFAULT_MODEL)
        self.panel.select_model(DEFAULT_MODEL if self._default_available else HEURISTIC)
        self._update_note()

    def _update_note(self) -> None:
        """While the heuristic score is chosen, say what it can tell (and why, without a model)."""
        heuristic = self.panel.model_value() == HEURISTIC
        note = NO_MODEL_NOTE if not self._default_available else HEURISTIC_NOTE
        self.panel.show_note(note if heuristic else "")

    # -- datasets and runs ---------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset) -> None:
        """A dataset was opened: compute its flags and restore its cached scores."""
        self.controller.cancel(quiet=True)
        self.panel.set_can_score(not dataset.prompt_only)
        self.panel.set_running(False)
        self.panel.clear_progress()
        self.dataset = dataset
        self.judge_details = ScoreTable(len(dataset))
        self._score_after_flags = False
        self._restoring_by_run = False
        self._heuristic_scores = np.full(len(dataset), np.nan, dtype=np.float32)
        self._heuristic_rows = 0
        self.scored_by = None
        self.heuristics.start(dataset)
        if dataset.prompt_only:
            self.restoring.emit(False)  # nothing to restore (a previous file's restore ended)
            self.panel.show_status("This file has no responses, so there is nothing to score.")
            return
        self.panel.show_status("")
        self.restoring.emit(True)
        self.show_prompt_for_row(0)
        self.controller.restore(dataset, project_path_for(dataset.path))

    def start_scoring(self, settings: ScoreConfig) -> None:
        """Score the open dataset with ``settings`` (cached rows come back at once)."""
        self._end_restoring()  # the curator's own run: its counts stream live
        self._start(settings)

    def _start(self, settings: ScoreConfig) -> None:
        if self.dataset is None or self.dataset.prompt_only:
            self._end_restoring()
            return
        if not settings.heuristic and not settings.judge_endpoint:
            self.panel.set_models(self.settings.add_recent_model(settings.model))
        # Nothing is cleared yet: the old scores stay until the model is found and loaded
        # (controller.ready), so a run that cannot start changes nothing.
        known = settings.heuristic and self._heuristic_rows == len(self.dataset)
        self._run_scorer = scorer_name(settings)
        self.controller.start(
            self.dataset,
            settings,
            project_path_for(self.dataset.path),
            self._heuristic_scores if known else None,
        )

    def show_prompt_for_row(self, row: int | None) -> None:
        """Show what the chosen judge would read for dataset row ``row`` (the current row)."""
        self._preview_row = row
        self._refresh_prompt_preview()

    def _refresh_prompt_preview(self) -> None:
        settings = self.panel.settings()
        if not settings.judge:
            return
        row = self._preview_row
        if self.dataset is None or not len(self.dataset) or self.dataset.prompt_only:
            self.panel.show_prompt_preview("Open a dataset to see the judge's prompt.")
            return
        self.panel.show_prompt_preview(
            judge_preview(
                settings, self.dataset, row if row is not None and row < len(self.dataset) else 0
            )
        )

    def shutdown(self) -> None:
        """Stop every background job before the window closes."""
        self.heuristics.cancel()
        self.download.cancel()
        self.controller.shutdown()

    # -- reports -------------------------------------------------------------------------------

    def _on_ready(self, *_args) -> None:
        """The run's scorer is loaded: its scores replace the table's from now on."""
        self.scored_by = self._run_scorer

    def _on_restored(self, settings: ScoreConfig | None, updates) -> None:
        if settings is not None:
            self.panel.set_settings(settings)
            if updates:
                self.scored_by = scorer_name(settings)
        for update in updates:  # one per score column, the last-run scorer's last
            self._keep_judge_details(update)
            self.scores_arrived.emit(update)  # into the session, then the counts are true
        update = updates[-1] if updates else None
        if update is None and self.panel.model_value() == HEURISTIC:
            # The heuristic score is quick and needs no model: show it straight away, once the
            # flags are done (two CPU-bound Python threads at once starve the GUI thread). Until
            # that run is done the summary stays "restoring…".
            self._restoring_by_run = True
            if self.heuristics.running:
                self._score_after_flags = True
            else:
                self._start(self.panel.settings())
            return
        self.restoring.emit(False)
        if update is not None:
            self.panel.show_progress(update.done, update.total, 0.0, -1.0)
            columns = f" in {len(updates)} score columns" if len(updates) > 1 else ""
            judge = (
                judge_lines(judge_report(self.dataset, self.judge_details))
                if update.batch.entropy is not None
                else ""
            )
            self.panel.show_status(
                f"Restored {len(update.batch.rows):,} cached scores{columns} "
                "from the project. Score again to finish or refresh them." + judge
            )

    def _end_restoring(self) -> None:
        """The opening's heuristic run is over (or replaced): the counts are true again."""
        if self._restoring_by_run:
            self._restoring_by_run = False
            self._score_after_flags = False
            self.restoring.emit(False)

    def _keep_heuristic_scores(self, start: int, signals) -> None:
        """The flags job computes the heuristic score too; keep it so no run recomputes it."""
        self._heuristic_scores[start : start + len(signals.score)] = signals.score
        self._heuristic_rows += len(signals.score)

    def _on_flags_done(self) -> None:
        if self._score_after_flags:
            self._score_after_flags = False
            if self.panel.model_value() == HEURISTIC and not self.controller.running:
                self._start(self.panel.settings())
            else:
                self._end_restoring()

    def _clear_judge_details(self) -> None:
        self.judge_details = ScoreTable(len(self.dataset) if self.dataset is not None else 0)

    def _keep_judge_details(self, update) -> None:
        if update.batch.entropy is not None and len(self.judge_details.scores) == update.total:
            self.judge_details.apply(update.batch)

    def _on_finished(self, summary: ScoreSummary) -> None:
        self.panel.set_running(False)
        judge = (
            judge_report(self.dataset, self.judge_details)
            if self.judge_details.entropy is not None and self.dataset is not None
            else None
        )
        self.panel.show_summary(summary, judge)
        self._end_restoring()
        self.scoring_finished.emit(summary)

    def _on_failed(self, what: str, exc: BaseException) -> None:
        self._restoring_by_run = False
        self.restoring.emit(False)
        self.panel.set_running(False)
        self.panel.show_stopped()
        self.panel.show_status(f"{what}: {failure_text(exc)}")
        report_failure(self, what.lower(), exc)
        self.scoring_failed.emit(exc)

    def _on_cancelled(self) -> None:
        self._end_restoring()
        self.panel.set_running(False)
        self.panel.show_stopped()
        done = int((~np.isnan(self.table_model.scores)).sum())
        self.panel.show_status(f"Cancelled. {done:,} scores are kept; Score resumes from there.")

    def _start_download(self, model: str) -> None:
        self.panel.set_downloading(True)
        self.download.start(model)

    def _cancel_download(self) -> None:
        self.download.cancel()
        self.panel.set_downloading(False)
        self.panel.show_status("Download stopped. Files fetched so far stay in the cache.")

    def _on_downloaded(self, model: str, folder: str) -> None:
        self.panel.set_downloading(False)
        if model == DEFAULT_MODEL:
            self._default_available = True
        self.panel.select_model(model)
        self.panel.show_status(f"{model} is ready ({folder}). Press Score to use it.")

    def _on_download_failed(self, exc: BaseException) -> None:
        self.panel.set_downloading(False)
        self.panel.show_status(f"Download failed: {log_failure('Download failed', exc)}")


def scorer_name(settings: ScoreConfig) -> str:
    """How a scorer is named to the curator: "heuristic", a model id, or a judge and its model."""
    if settings.heuristic:
        return "heuristic"
    if settings.judge:
        return f"judge {settings.judge_preset or 'prompt'} ({settings.model})"
    return settings.model
