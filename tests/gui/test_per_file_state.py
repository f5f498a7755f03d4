"""Opening another file: nothing the previous file showed survives in a per-file view."""

from __future__ import annotations

import numpy as np
import orjson

from core.dedup.progress import DedupProgress
from core.review.decisions import NAMES
from core.review.score_columns import HEURISTIC_KEY
from core.scoring import ScoreConfig
from tests.gui.conftest import open_window


def _write(path, records) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def _records(topic: str, n: int) -> list[dict]:
    return [
        {
            "prompt": f"Explain {topic} number {i} in a few sentences for a curious reader.",
            "response": f"Here is a careful answer about {topic} {i}: it works step by step, "
            f"and each step follows from the previous one, so {topic} {i} is clear."
            + " Another detail helps." * (i % 7)
            + ("" if i % 3 else " ok ok ok ok ok ok ok ok"),
        }
        for i in range(n)
    ]


def test_opening_another_file_clears_the_overlap_in_the_detail_pane(qtbot, tmp_path):
    first, reference, second = tmp_path / "a.jsonl", tmp_path / "cur.jsonl", tmp_path / "b.jsonl"
    _write(first, _records("tides", 6))
    _write(reference, _records("tides", 6) + _records("comets", 1))
    _write(second, _records("volcanoes", 4))
    window = open_window(qtbot, second)
    # B keeps every row: its decisions are known the moment it opens, no score changes them.
    session = window.review.controller.session
    window.review.apply_rule(session.rule.with_changes(mode="all"))
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(first)
    window.overlap.panel.set_paths([str(reference)])
    window.overlap.panel.near.setChecked(False)
    with qtbot.waitSignal(window.overlap.check.done, timeout=60_000):
        window.overlap.panel.run_button.click()
    window.table.selectRow(0)
    assert "OVERLAP (exact" in window.detail.toPlainText()

    window.open_path(second)
    qtbot.waitUntil(lambda: window.dataset.path == second, timeout=30_000)
    qtbot.wait(500)  # the restored scores and overlap check (none) arrive
    text = window.detail.toPlainText()
    assert "volcanoes 0" in text
    assert "OVERLAP" not in text and "cur.jsonl" not in text
    session = window.review.controller.session
    row = window.current_source_row()
    heading = text.splitlines()[0]  # the new session's decision, not the old file's
    assert heading.startswith(f"Line {int(window.dataset.locations[row])}  ·  ")
    assert f"·  {NAMES[int(session.final[row])]} (" in heading


def test_reopening_a_scored_file_draws_its_restored_scores(qtbot, tmp_path, sample_copy):
    first, second = sample_copy, tmp_path / "b.jsonl"
    _write(second, _records("volcanoes", 12))
    window = open_window(qtbot, first)
    window.plots.raise_()
    session = window.review.controller.session
    window.review.apply_rule(session.rule.with_changes(scorer=HEURISTIC_KEY))  # Review › Scorer
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(second)
    window.open_path(first)
    qtbot.waitUntil(lambda: window.dataset.path == first, timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            window.review.controller.session is not None
            and np.isfinite(window.review.controller.session.scores).all()
        ),
        timeout=30_000,
    )
    qtbot.wait(800)  # the plots redraw at most a few times a second
    assert "No scores yet" not in window.plots.histogram_plot.caption.text()
    assert "294 of 294 records scored" in window.plots.histogram_plot.caption.text()
    assert "not enough scored rows" not in window.plots.length_plot.caption.text()


def test_the_scoring_bar_forgets_the_previous_files_count(qtbot, tmp_path, sample_copy):
    second = tmp_path / "b.jsonl"
    _write(second, _records("volcanoes", 12))
    window = open_window(qtbot, sample_copy)
    assert window.scoring.panel.progress.format() == "294 / 294"
    # A model with nothing cached for the next file: no run starts there, nothing is restored.
    window.scoring.panel.select_model("/nonexistent/model")
    window.open_path(second)
    qtbot.waitUntil(lambda: window.dataset.path == second, timeout=30_000)
    qtbot.waitUntil(lambda: not window.scoring.controller.running, timeout=30_000)
    qtbot.wait(300)
    assert "294" not in window.scoring.panel.progress.format()
    assert window.scoring.panel.progress.value() == 0


def test_a_cancelled_overlap_check_leaves_no_stage_behind(qtbot, tmp_path, sample_copy):
    reference = tmp_path / "cur.jsonl"
    _write(reference, _records("tides", 6))
    window = open_window(qtbot, sample_copy)
    panel = window.overlap.panel
    panel.set_paths([str(reference)])
    with qtbot.waitSignal(window.overlap.check.cancelled, timeout=30_000):
        panel.run_button.click()
        panel.show_progress(DedupProgress("semantic duplicates: embedding", 3, 10))
        panel.cancel_button.click()
    assert "embedding" not in panel.stage.text()
    assert "cancelled" in panel.stage.text().lower()


def test_the_plots_keep_the_shown_column_when_another_scorer_runs(qtbot, sample_copy, tiny_model):
    window = open_window(qtbot, sample_copy)
    window.plots.raise_()
    session = window.review.controller.session
    window.review.apply_rule(session.rule.with_changes(scorer=HEURISTIC_KEY))  # Review › Scorer
    window.scoring.panel.select_model(str(tiny_model))
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=60_000):
        window.scoring.start_scoring(
            ScoreConfig(model=str(tiny_model), device="cpu", token_budget=2048)
        )
    qtbot.wait(800)  # the plots redraw at most a few times a second
    shown = session.criterion_scores()  # the heuristic column, all 294 rows
    assert np.isfinite(shown).sum() == 294
    assert window.plots.histogram.total == 294
    assert "294 of 294 records scored" in window.plots.histogram_plot.caption.text()
    assert "not enough scored rows" not in window.plots.length_plot.caption.text()
