"""Several scorers in the app: a column each, the rule's scorer, the agreement view and queue."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from core.project import ProjectStore
from core.review.decisions import AUTO, DROP, KEEP
from core.review.score_columns import HEURISTIC_KEY
from core.scoring.run import cache_batch
from core.scoring.scored_batch import ScoredBatch
from gui.table.model import COLUMNS
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window

JUDGE = {
    "model": "SmolLM2-135M-Instruct-Q8_0.gguf",
    "kind": "judge",
    "prompt": {"name": "alpagasus-accuracy"},
}


def _judge_scores(dataset) -> np.ndarray:
    """Ratings 1-5 that follow the answer's length loosely (a judge does, a little)."""
    rng = np.random.default_rng(11)
    words = np.array([len(r.split()) for r in dataset.responses], dtype=float)
    return np.clip(
        np.round(
            1
            + 4 * (np.log1p(words) / np.log1p(words.max()))
            + rng.normal(scale=0.8, size=len(words))
        ),
        1,
        5,
    )


@pytest.fixture
def window(qtbot, isolated_projects):
    """The sample scored by the heuristics, then reopened with a judge's cached column."""
    first = open_window(qtbot, SAMPLE)
    dataset = first.dataset
    first.close()
    judge = _judge_scores(dataset)
    with ProjectStore(isolated_projects / (SAMPLE.name + ".thresher")) as store:
        sid = store.scorer_id("judge-key", JUDGE)
        rows = np.arange(len(dataset))
        cache_batch(
            store,
            sid,
            dataset,
            ScoredBatch(
                rows, judge.astype(np.float32), np.zeros(len(rows), bool), np.zeros(len(rows), bool)
            ),
        )
    from gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.scoring.flags_done, timeout=30_000):
        window.open_path(SAMPLE)
    session = window.review.controller.session
    qtbot.waitUntil(lambda: session.columns["judge-key"].scored == len(dataset), timeout=10_000)
    return window


def test_each_scorer_is_a_column_beside_score(qtbot, window):
    session = window.review.controller.session
    model = window.model
    assert model.score_column_keys() == (HEURISTIC_KEY, "judge-key")
    titles = [model.headerData(i, _horizontal()) for i in range(model.columnCount())]
    assert titles[len(COLUMNS) :] == ["heuristic", "judge:alpagasus-accuracy"]
    header = window.table.horizontalHeader()
    score_at = header.visualIndex(1)
    assert [header.visualIndex(len(COLUMNS) + i) for i in range(2)] == [score_at + 1, score_at + 2]
    # the judge column shows its ratings, and sorting by it orders the rows by them
    judge_column = len(COLUMNS) + 1
    model.sort(judge_column, _descending())
    shown = [model.source_row(r) for r in range(model.rowCount())]
    ratings = session.columns["judge-key"].scores[shown]
    assert (np.diff(ratings) <= 0).all()
    assert model.data(model.index(0, judge_column)) == f"{ratings[0]:.3f}"


def test_hide_rename_and_remove_from_the_header_menu(qtbot, window, isolated_projects):
    menu = window.review.column_menu
    session = window.review.controller.session
    assert menu.rename("judge-key", "accuracy")
    assert window.model.headerData(len(COLUMNS) + 1, _horizontal()) == "accuracy"
    assert menu.set_hidden(HEURISTIC_KEY, True)
    assert window.model.score_column_keys() == ("judge-key",)
    actions = [a.text() for a in menu.build_menu(len(COLUMNS)).actions() if a.text()]
    assert actions == ["Rename accuracy…", "Hide accuracy", "Remove accuracy…", "Show heuristic"]
    assert menu.remove("judge-key")
    assert "judge-key" not in session.columns and window.model.score_column_keys() == ()
    with ProjectStore(isolated_projects / (SAMPLE.name + ".thresher")) as store:
        assert any(key == "judge-key" for _, key, _ in store.scorer_list())  # cache kept
    # the column the rule reads cannot go; the curator hears why
    errors = []
    window.review.controller.failed.connect(lambda _what, exc: errors.append(str(exc)))
    assert not menu.remove(HEURISTIC_KEY)
    assert "the rule reads heuristic" in errors[-1]


def test_the_rule_reads_the_chosen_scorer_and_the_histogram_follows(qtbot, window):
    session = window.review.controller.session
    panel = window.review.panel
    index = panel.scorer.findData("judge-key")
    assert index > 0
    panel.min_score.setValue(4.0)
    panel.scorer.setCurrentIndex(index)
    assert session.rule.scorer == "judge-key"
    judge = session.columns["judge-key"].scores
    assert (session.rule_decision[judge >= 4] != DROP).all()
    window.plots.raise_()
    qtbot.waitUntil(lambda: window.plots.histogram.total == len(judge), timeout=5_000)
    counts, _ = np.histogram(judge, bins=window.plots.histogram.edges)
    np.testing.assert_array_equal(window.plots.histogram.counts, counts)
    window.review.controller.undo()
    assert session.rule.scorer == "" and panel.scorer.currentData() == ""


def test_agreement_view_matches_scipy_and_walks_the_disagreement_queue(qtbot, window, tmp_path):
    dock = window.agreement
    dock.raise_()
    dock.show()
    session = window.review.controller.session

    def settled():
        return (
            dock.result is not None
            and len(dock.result.names) == 2
            and not dock.job.running
            and not dock._timer.isActive()
        )

    qtbot.waitUntil(settled, timeout=10_000)
    heuristic = session.columns[HEURISTIC_KEY].scores
    judge = session.columns["judge-key"].scores
    expected = spearmanr(heuristic, judge).statistic
    assert dock.result.rho[0, 1] == pytest.approx(expected, abs=1e-9)
    assert dock.image is not None and dock.image.rows == len(judge)
    assert f"ρ = {expected:+.2f}" in dock.caption.text()
    dock.grab().save(str(tmp_path / "agreement.png"))
    dock.queue_button.click()
    queue = session.disagreement_rows(HEURISTIC_KEY, "judge-key")
    shown = [window.model.source_row(r) for r in range(window.model.rowCount())]
    assert shown == queue.tolist() and window.model.fixed_order
    assert "Disagreement Queue" in window.review.actions_by_name["queue"].text()
    window.review.decide_selected(DROP)
    assert session.manual[queue[0]] == DROP
    assert session.manual[queue[1:]].tolist() == [AUTO] * (len(queue) - 1)


def _agreement_settled(dock) -> bool:
    return (
        dock.result is not None
        and len(dock.result.names) == 2
        and not dock.job.running
        and not dock._timer.isActive()
    )


def test_agreement_view_follows_key_decisions_once_the_keys_stop(qtbot, window):
    """Decisions recolour the scatter exactly as a direct computation, after the keys stop.

    Nothing is recomputed while keys come (each run copies every score column and redraws on
    the GUI thread), and the heat map is not redrawn: decisions never change ρ.
    """
    from core.plots.scatter_density import scatter_density
    from gui.scoring.agreement_dock import _COLOURS

    dock = window.agreement
    dock.raise_()
    dock.show()
    session = window.review.controller.session
    qtbot.waitUntil(lambda: _agreement_settled(dock), timeout=10_000)
    labels = list(dock._cell_labels)
    results = []
    dock.job.done.connect(results.append)
    window.review.advance_action.setChecked(True)
    window.table.select_only(0)
    for i in range(25):  # ~0.75 s of keys: longer than the dock's refresh interval
        window.review.decide_selected(DROP if i % 2 else KEEP)
        qtbot.wait(30)
    assert (session.manual != AUTO).sum() == 25
    assert results == [] and not dock.job.running  # nothing computed while keys come
    qtbot.waitUntil(lambda: len(results) == 1 and _agreement_settled(dock), timeout=10_000)
    heuristic = session.columns[HEURISTIC_KEY].scores
    judge = session.columns["judge-key"].scores
    expected = scatter_density(heuristic, judge, session.final, _COLOURS)
    np.testing.assert_array_equal(dock.image.rgba, expected.rgba)
    assert dock.result.rho[0, 1] == pytest.approx(spearmanr(heuristic, judge).statistic, abs=1e-9)
    assert dock._cell_labels == labels  # the same ρ: the heat map was left as drawn


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _descending():
    from PySide6.QtCore import Qt

    return Qt.SortOrder.DescendingOrder


def test_the_curator_machine_walks_the_score_column_rules(qtbot, qtlog, tmp_path):
    """The state machine's score-column rules, in one fixed order, with its invariants."""
    from tests.gui.curator_machine import Stats, build_machine

    machine = build_machine(qtbot, qtlog, tmp_path, Stats())()
    try:
        machine.open_first(0)
        machine.check()
        steps = [
            lambda: machine.add_a_cached_scorer_and_reopen(1),
            lambda: machine.sort(len(COLUMNS) + 1, True),
            lambda: machine.choose_the_rule_scorer(2),
            lambda: machine.walk_the_disagreement_queue(0, 1),
            lambda: machine.decide_with_a_key(_key("K"), True),
            lambda: machine.toggle_queue(),
            lambda: machine.rename_a_score_column(1, "mine"),
            lambda: machine.hide_or_show_a_score_column(0, True),
            lambda: machine.hide_or_show_a_score_column(0, False),
            lambda: machine.choose_the_rule_scorer(0),
            lambda: machine.remove_a_score_column(1, False),
            lambda: machine.close_and_reopen(),
        ]
        for step in steps:
            step()
            machine.check()
    finally:
        machine.teardown()


def _key(name):
    from PySide6.QtCore import Qt

    return getattr(Qt.Key, f"Key_{name}")
