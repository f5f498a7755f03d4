"""The learned scorer in the app: it learns as the curator decides and never decides for them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from core.learned.model import MIN_EACH
from core.loading import load
from core.review import AUTO, DROP, KEEP
from tests.conftest import SAMPLE, fast_embedder_in
from tests.gui.conftest import open_window

LEARN_MS = 600_000  # embedding the sample on a loaded 2-core machine, then fitting


@pytest.fixture
def dataset_path(tmp_path, fast_embedder_build):
    fast_embedder_in(tmp_path / "data", fast_embedder_build[0])
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def _decide(window, rows, decision):
    window.review.controller.decide(np.asarray(rows), decision)


def test_enough_decisions_start_learning_and_fill_only_undecided_rows(
    qtbot, dataset_path, tmp_path
):
    window = open_window(qtbot, dataset_path)
    learned = window.review.learned
    session = window.review.controller.session
    order = np.argsort(session.scores, kind="stable")
    _decide(window, order[-MIN_EACH:], KEEP)
    _decide(window, order[: MIN_EACH - 1], DROP)
    assert not learned.job.running
    assert "now 20 and 19" in window.review.panel.learned_label.text()
    with qtbot.waitSignal(learned.predictions_changed, timeout=LEARN_MS):
        _decide(window, order[MIN_EACH - 1 : MIN_EACH], DROP)  # the 20th drop starts it
    label = window.review.panel.learned_label.text()
    assert label.startswith(f"Learned from {2 * MIN_EACH} of your decisions, AUC "), label
    manual = session.manual != AUTO
    assert np.isnan(learned.probabilities[manual]).all()
    assert np.isfinite(learned.probabilities[~manual]).all()
    assert session.manual[order[-MIN_EACH:]].tolist() == [KEEP] * MIN_EACH  # theirs stand
    # The keep-probability is a score column of its own, beside the others, not the rule's.
    column = session.columns["learned"]
    assert column.name == "learned" and session.score_key != "learned"
    np.testing.assert_array_equal(np.isnan(column.scores), manual)
    assert "learned" in window.model.score_column_keys()
    # The least-sure queue walks undecided rows nearest 0.5 first.
    window.review.least_sure_action.setChecked(True)
    window.review.actions_by_name["queue"].setChecked(True)
    queue = window.review._queue
    assert len(queue) == (~manual).sum()
    distance = np.abs(learned.probabilities[queue] - 0.5)
    assert np.all(np.diff(distance) >= 0)
    window.review.grab().save(str(tmp_path / "learned.png"))


def test_learn_from_files_action(qtbot, dataset_path, tmp_path, monkeypatch):
    window = open_window(qtbot, dataset_path)
    lines = SAMPLE.read_text().splitlines(keepends=True)
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    kept.write_text("".join(lines[:120]))
    dropped.write_text("".join(lines[120:240]))
    answers = iter([(str(kept), ""), (str(dropped), "")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: next(answers))
    learned = window.review.learned
    with qtbot.waitSignal(learned.predictions_changed, timeout=LEARN_MS):
        window.review.learn_files_action.trigger()
    label = window.review.panel.learned_label.text()
    counts = len(load(kept)), len(load(dropped))  # the sample holds a few bad lines
    assert label.startswith(
        f"Learned from {counts[0]} kept and {counts[1]} dropped examples "
        "and 0 of your decisions, AUC "
    ), label
    assert np.isfinite(learned.probabilities).all()
    assert (window.review.controller.session.manual == AUTO).all()


def test_a_saved_learned_scorer_is_read_on_a_worker_and_export_waits_for_it(
    qtbot, tmp_path, isolated_projects
):
    """Re-opening restores the learned column without the window reading it on its thread.

    Finding 1M rows' cached keep-probabilities by fingerprint is seconds of Python: it runs on
    a worker now, and until it is in the summary reads "restoring…" and Export waits (an
    export would otherwise miss the column in its sidecar).
    """
    from core.learned import storage
    from core.learned.model import LearnedModel
    from core.project import ProjectStore
    from gui.main_window import MainWindow

    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    dataset = load(path)
    rows = np.arange(len(dataset))
    cached = np.linspace(0.05, 0.95, len(dataset)).astype(np.float32)
    model = LearnedModel(
        ("log_prompt_chars",), np.zeros(4, np.float32), np.zeros(4, np.float32),
        np.zeros(1, np.float32), 0.0, "fast", 25, 25, 0.8, 0.05,
    )  # fmt: skip
    with ProjectStore(isolated_projects / "sample.jsonl.thresher") as store:
        storage.save(store, dataset, model, "decisions", rows, cached)
    window = MainWindow()
    qtbot.addWidget(window)
    review, learned = window.review, window.review.learned
    seen = []
    learned.restoring.connect(
        lambda on: seen.append(
            (on, review.export_action.isEnabled(), review.panel.summary_box.title())
        )
    )
    window.show()
    with qtbot.waitSignal(window.dataset_loaded, timeout=60_000):
        window.open_path(path)
    qtbot.waitUntil(
        lambda: not learned.restore_job.running and not review._restoring, timeout=30_000
    )
    assert seen[0] == (True, False, "Curated set (restoring…)")
    assert seen[-1][0] is False
    column = window.review.controller.session.columns["learned"]
    np.testing.assert_allclose(column.scores, cached)
    assert "(saved)" in review.panel.learned_label.text()
    assert review.export_action.isEnabled()
