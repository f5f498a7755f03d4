"""Scoring in the app, offscreen: scores stream into the table from the scoring thread."""

from __future__ import annotations

import numpy as np

from core.scoring import HEURISTIC, ScoreConfig
from core.scoring.reward_model import RewardModel
from gui.main_window import MainWindow
from gui.table.model import COLUMN_INDEX
from tests.conftest import SAMPLE
from tests.gui.conftest import score_in


def open_sample(qtbot, window):
    dock = window.scoring
    # Opening a file with no model installed runs the instant heuristic score.
    with qtbot.waitSignal(dock.scoring_finished, timeout=30_000):
        window.open_path(SAMPLE)
    return window.dataset


def score_with(qtbot, window, model, **settings):
    window.scoring.panel.select_model(str(model))
    config = ScoreConfig(model=str(model), device="cpu", **settings) if settings else None
    return score_in(qtbot, window, settings=config)


def score_cell(window, view_row):
    return window.model.data(window.model.index(view_row, COLUMN_INDEX["score"]))


def test_without_a_model_the_app_says_so_and_shows_heuristic_scores(qtbot, window):
    dataset = open_sample(qtbot, window)
    panel = window.scoring.panel
    assert panel.model_value() == HEURISTIC
    assert "No reward model was found" in panel.note.text()
    assert "not quality" in panel.note.text() and "a reward model or a judge" in panel.note.text()
    assert not np.isnan(window.model.scores).any()
    refusal = next(i for i, r in enumerate(dataset.responses) if "As an AI language model" in r)
    flags = window.model.data(window.model.index(refusal, COLUMN_INDEX["flags"]))
    assert "refusal" in flags and float(score_cell(window, refusal)) < 0.5


def test_reward_model_scores_stream_into_the_table_batch_by_batch(qtbot, window, tiny_model):
    dataset = open_sample(qtbot, window)
    summary, updates = score_with(qtbot, window, tiny_model, token_budget=2048)
    assert len(updates) > 3  # streamed, not all at the end
    assert summary.scored == len(dataset) and summary.scorer["model"] == str(tiny_model)
    assert not np.isnan(window.model.scores).any()
    assert score_cell(window, 0) == f"{window.model.scores[0]:.3f}"
    assert "pairs/s" in window.scoring.panel.progress.format()
    assert "Scored 294 of 294" in window.scoring.panel.status.text()


def test_sorting_by_score_orders_the_rows(qtbot, window, tiny_model):
    open_sample(qtbot, window)
    score_with(qtbot, window, tiny_model)
    from PySide6.QtCore import Qt

    window.table.sortByColumn(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
    shown = [float(score_cell(window, r)) for r in range(window.model.rowCount())]
    assert shown == sorted(shown, reverse=True)


def test_cancel_keeps_the_scores_and_score_resumes_from_the_cache(qtbot, window, tiny_model):
    dataset = open_sample(qtbot, window)
    dock = window.scoring
    settings = ScoreConfig(model=str(tiny_model), device="cpu", token_budget=600)
    first = []

    def cancel_after_two(update):
        first.append(update)
        if len(first) == 2:
            dock.controller.cancel()

    dock.controller.updated.connect(cancel_after_two)
    with qtbot.waitSignal(dock.controller.cancelled, timeout=60_000):
        dock.start_scoring(settings)
    dock.controller.updated.disconnect(cancel_after_two)
    kept = int((~np.isnan(window.model.scores)).sum())
    assert 0 < kept < len(dataset)
    assert "Cancelled" in dock.panel.status.text()

    summary, updates = score_with(qtbot, window, tiny_model, token_budget=600)
    assert updates[0].cached and summary.cached >= kept
    assert summary.computed == len(dataset) - summary.cached


def test_a_model_error_mid_run_is_reported_and_the_app_keeps_working(
    qtbot, window, tiny_model, monkeypatch
):
    open_sample(qtbot, window)
    real_forward = RewardModel.forward
    calls = []

    def flaky(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("CUDA error: device-side assert triggered")
        return real_forward(self, *args)

    monkeypatch.setattr(RewardModel, "forward", flaky)
    dock = window.scoring
    with qtbot.waitSignal(dock.scoring_failed, timeout=60_000) as failed:
        dock.start_scoring(ScoreConfig(model=str(tiny_model), device="cpu", token_budget=600))
    assert "device-side assert" in str(failed.args[0])
    assert "Scoring stopped" in dock.panel.status.text() and dock.panel.score_button.isEnabled()
    assert int((~np.isnan(window.model.scores)).sum()) > 0  # the first batches are kept
    monkeypatch.setattr(RewardModel, "forward", real_forward)
    summary, updates = score_with(qtbot, window, tiny_model, token_budget=600)
    assert updates[0].cached and summary.scored == len(window.dataset)


def test_reopening_a_scored_file_restores_scores_without_scoring(qtbot, window, tiny_model):
    open_sample(qtbot, window)
    score_with(qtbot, window, tiny_model)
    scores = window.model.scores.copy()
    dock = window.scoring
    with qtbot.waitSignal(dock.controller.restored, timeout=30_000) as restored:
        window.open_path(SAMPLE)
    settings, updates = restored.args  # one update per cached score column
    assert settings.model == str(tiny_model) and [u.cached for u in updates] == [True]
    np.testing.assert_array_equal(window.model.scores, scores)
    assert dock.panel.model_value() == str(tiny_model)
    assert "Restored 294 cached scores" in dock.panel.status.text()


def test_closing_the_window_while_scoring_stops_the_thread_cleanly(qtbot, tiny_model):
    window = MainWindow()
    window.show()
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(SAMPLE)
    with qtbot.waitSignal(window.scoring.controller.updated, timeout=60_000):
        window.scoring.start_scoring(
            ScoreConfig(model=str(tiny_model), device="cpu", token_budget=300)
        )
    window.close()
    assert window.scoring.controller.stopped


def test_the_no_model_note_shows_only_while_the_heuristics_are_chosen(qtbot, window, tiny_model):
    panel = window.scoring.panel
    assert panel.model_value() == HEURISTIC and panel.note.isVisibleTo(panel)
    panel.select_model(str(tiny_model))
    assert not panel.note.isVisibleTo(panel)
    panel.select_model(HEURISTIC)
    assert "No reward model was found" in panel.note.text()
    assert "not quality" in panel.note.text() and "a reward model or a judge" in panel.note.text()


def test_a_model_that_cannot_be_found_changes_no_score(qtbot, window, tmp_path):
    # Issue 17 item 4: every score was cleared before the run learnt its model was missing.
    open_sample(qtbot, window)
    session = window.review.controller.session
    before, kept = session.scores.copy(), session.summary().kept
    assert kept > 0
    with qtbot.waitSignal(window.scoring.scoring_failed, timeout=30_000):
        window.scoring.start_scoring(
            ScoreConfig(model=str(tmp_path / "no-such-model"), device="cpu")
        )
    assert np.array_equal(window.review.controller.session.scores, before)
    assert session.summary().kept == kept
    assert window.review.panel.kept_label.text().startswith(f"{kept:,}")
    assert score_cell(window, 0) == f"{before[window.model.source_row(0)]:.3f}"


def test_table_plots_and_session_read_one_array_of_scores(qtbot, window):
    open_sample(qtbot, window)
    session = window.review.controller.session
    assert window.model.scores is session.scores
    assert not hasattr(window.model, "apply_scores")
    session_row = int(np.argmax(session.scores))
    view_row = window.model.view_row(session_row)
    assert score_cell(window, view_row) == f"{session.scores[session_row]:.3f}"
