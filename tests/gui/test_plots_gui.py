"""The live plots in the app: streaming histogram, cutoff line, range filter, curves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.review.decisions import DROP, KEEP
from core.review.rule import Rule
from core.scoring import ScoreConfig, ScoreUpdate
from core.scoring.engine import ScoredBatch
from gui.plots.dock import MAX_REDRAWS_PER_SECOND, SETTLE_MS
from gui.plots.threshold_plot import UNSCORED, WAITING
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def window(qtbot):
    window = open_window(qtbot, SAMPLE)
    window.plots.raise_()
    # Drawn, and drawn from the scores that arrived (the first draw can be the empty one).
    qtbot.waitUntil(
        lambda: (
            window.plots.isVisible()
            and window.plots.histogram is not None
            and window.plots.histogram_plot.histogram is window.plots.histogram
        ),
        timeout=10_000,
    )
    return window


def drag_line(qtbot, line, value: float) -> None:
    """What pyqtgraph emits while a line is dragged to ``value`` and released."""
    line.moving = True
    line.setValue(value)
    line.sigDragged.emit(line)
    line.moving = False
    line.sigPositionChangeFinished.emit(line)


def shown_rows(window) -> np.ndarray:
    return np.array([window.model.source_row(r) for r in range(window.model.rowCount())])


def test_scores_stream_into_the_histogram_with_throttled_redraws(qtbot, window, tiny_model):
    dock = window.plots
    session = window.review.controller.session
    totals = []
    window.scoring.scores_arrived.connect(lambda _u: totals.append(dock.histogram.total))
    redraws_before = dock.redraws
    window.scoring.panel.select_model(str(tiny_model))
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=60_000):
        window.scoring.start_scoring(
            ScoreConfig(model=str(tiny_model), device="cpu", token_budget=2048)
        )
    qtbot.wait(200)
    assert len(totals) > 3 and totals == sorted(totals)  # filled in batch by batch
    assert dock.histogram.total == np.isfinite(session.scores).sum() == len(session.scores)
    counts, _ = np.histogram(session.scores, bins=dock.histogram.edges)
    np.testing.assert_array_equal(dock.histogram.counts, counts)
    assert dock.redraws > redraws_before


def test_a_burst_of_batches_is_one_redraw(qtbot, window):
    """Redraws are coalesced: however fast batches come, at most a few frames a second."""
    dock = window.plots
    rows = len(window.review.controller.session.scores)
    rng = np.random.default_rng(0)
    before = dock.redraws
    for start in range(0, rows, 3):  # ~100 batches with no event loop between
        batch_rows = np.arange(start, min(start + 3, rows))
        scores = rng.normal(size=len(batch_rows)).astype(np.float32)
        dock.on_scores_arrived(
            ScoreUpdate(
                ScoredBatch(
                    batch_rows,
                    scores,
                    np.zeros(len(batch_rows), bool),
                    np.zeros(len(batch_rows), bool),
                ),
                start,
                rows,
                cached=False,
            )
        )
    assert dock.redraws == before  # nothing drawn inside the burst
    qtbot.wait(3 * 1000 // MAX_REDRAWS_PER_SECOND)
    assert dock.redraws == before + 1
    assert dock.histogram.total == rows


def test_key_decisions_draw_one_frame_once_the_keys_stop(qtbot, window):
    """A run of key decisions draws no frame while keys are pressed, then one with every count.

    Each frame is O(rows) on the GUI thread; a curator pressing keys cannot follow them, and
    at 1M rows they were what froze the window every few keys.
    """
    dock = window.plots
    session = window.review.controller.session
    qtbot.wait(3 * 1000 // MAX_REDRAWS_PER_SECOND)  # the opening frames are drawn
    before = dock.redraws
    window.review.advance_action.setChecked(True)
    window.table.select_only(0)
    for i in range(12):  # ~0.4 s of keys: longer than the frame interval, with no pause
        window.review.decide_selected(DROP if i % 3 == 0 else KEEP)
        qtbot.wait(30)
    assert (session.manual != 0).sum() == 12
    assert dock.redraws == before  # nothing drawn while the keys come
    qtbot.waitUntil(lambda: dock.redraws == before + 1, timeout=5_000)
    qtbot.wait(SETTLE_MS + 2 * 1000 // MAX_REDRAWS_PER_SECOND)
    assert dock.redraws == before + 1  # one frame for the whole run
    kept, dropped = int((session.final == KEEP).sum()), int((session.final == DROP).sum())
    caption = dock.histogram_plot.caption.text()
    assert f"{kept:,} kept (green)" in caption and f"{dropped:,} dropped (red)" in caption
    kept_bars = dock.histogram_plot.bars["kept"].opts["height"]
    dropped_bars = dock.histogram_plot.bars["dropped"].opts["height"]
    scored = ~np.isnan(session.scores)
    assert int(np.sum(kept_bars)) == int((session.final[scored] == KEEP).sum())
    assert int(np.sum(dropped_bars)) == int((session.final[scored] == DROP).sum())
    # the threshold curve follows too: at the rule's cutoff it keeps what the summary keeps
    qtbot.waitUntil(
        lambda: f"{kept:,} records kept" in dock.threshold_plot.caption.text(), timeout=5_000
    )


def test_dragging_the_cutoff_line_moves_the_rule_and_the_counts(qtbot, window):
    session = window.review.controller.session
    scores = session.scores
    cutoff = float(np.quantile(scores, 0.6))
    drag_line(qtbot, window.plots.histogram_plot.line, cutoff)
    qtbot.waitUntil(lambda: session.rule.min_score == round(cutoff, 3), timeout=3_000)
    assert session.rule.mode == "threshold"
    assert window.review.panel.min_score.value() == pytest.approx(round(cutoff, 3))
    expected = int(np.count_nonzero((scores >= round(cutoff, 3)) & ~session.duplicate))
    assert session.summary().kept == expected
    assert window.review.panel.kept_label.text().startswith(f"{expected:,}")
    caption = window.plots.histogram_plot.caption
    qtbot.waitUntil(lambda: f"{expected:,} kept (green)" in caption.text(), timeout=3_000)
    # The kept bars add up to the kept rows.
    kept_bars = window.plots.histogram_plot.bars["kept"].opts["height"]
    assert int(np.sum(kept_bars)) == expected


def test_in_best_n_mode_the_line_sets_how_many_rows_to_keep(qtbot, window):
    session = window.review.controller.session
    window.review.apply_rule(Rule(mode="top_n", keep_top=10))
    cutoff = float(np.quantile(session.scores, 0.5))
    drag_line(qtbot, window.plots.threshold_plot.line, cutoff)
    expected = int(np.count_nonzero(session.scores >= cutoff))
    qtbot.waitUntil(lambda: session.rule.keep_top == expected, timeout=3_000)
    assert session.rule.mode == "top_n"
    assert window.review.panel.keep_top.value() == expected


def test_clicking_a_bar_or_dragging_a_range_filters_the_table(qtbot, window):
    session = window.review.controller.session
    scores = session.scores
    histogram = window.plots.histogram
    busiest = int(np.argmax(histogram.counts))
    middle = float(histogram.edges[busiest] + histogram.width / 2)
    with qtbot.waitSignal(window.review.filter_applied, timeout=5_000):
        window.plots.histogram_plot.view_box.clicked.emit(middle)
    low, high = histogram.bin_range(middle)
    last = busiest == histogram.bins - 1
    inside = np.flatnonzero((scores >= low) & ((scores <= high) if last else (scores < high)))
    assert sorted(shown_rows(window)) == list(inside)
    assert len(inside) == histogram.counts[busiest]
    assert float(window.filter_bar.score_min.text()) == pytest.approx(low)
    assert window.plots.histogram_plot.region.isVisible()

    # The offline score marks defects, so its values cluster at a few levels: drag from below
    # the lowest to halfway up, a range that holds some rows and leaves others out.
    finite = scores[np.isfinite(scores)]
    low, high = float(finite.min()) - 0.01, float((finite.min() + finite.max()) / 2)
    with qtbot.waitSignal(window.review.filter_applied, timeout=5_000):
        window.plots.histogram_plot.view_box.range_dragged.emit(low, high, True)
    shown = scores[shown_rows(window)]
    assert len(shown) and shown.min() >= low - 1e-6 and shown.max() <= high + 1e-6

    with qtbot.waitSignal(window.review.filter_applied, timeout=5_000):
        window.plots.histogram_plot.view_box.cleared.emit()
    assert window.model.rowCount() == len(scores)
    assert not window.plots.histogram_plot.region.isVisible()


def test_the_threshold_curve_agrees_with_the_summary(qtbot, window):
    session = window.review.controller.session
    window.review.apply_rule(Rule(mode="threshold", min_score=0.55))
    # Wait for the curve of the current scores, not one computed before they all arrived.
    qtbot.waitUntil(
        lambda: (
            window.plots.threshold_plot.curve is not None
            and not window.plots.curve_job.running
            and not window.plots._curve_dirty
            and "At cutoff 0.550" in window.plots.threshold_plot.caption.text()
        ),
        timeout=5_000,
    )
    summary = session.summary()
    assert window.plots.threshold_plot.curve.at(0.55) == (summary.kept, summary.kept_tokens)
    assert f"{summary.kept:,} records kept" in window.plots.threshold_plot.caption.text()


def test_score_vs_length_shows_the_sample_coloured_by_decision(qtbot, window):
    session = window.review.controller.session
    plot = window.plots.length_plot
    qtbot.waitUntil(lambda: "Spearman r" in plot.caption.text(), timeout=5_000)
    shown = sum(len(layer.getData()[0]) for layer in plot.layers.values())
    assert shown == len(session.scores)  # small dataset: every row, no sampling
    kept = session.final == KEEP
    green = sum(
        1
        for spot in plot.layers["keep"].points()
        if spot.brush().color().name() == plot._brushes["keep"].color().name()
    )
    assert green == kept.sum()
    dropped = plot.layers["drop"].getData()[0]
    assert len(dropped) == (session.final == DROP).sum()


def test_best_n_with_tied_scores_says_what_the_summary_says(qtbot, window):
    session = window.review.controller.session
    scores = session.scores
    values, counts = np.unique(scores[np.isfinite(scores)], return_counts=True)
    tied = values[counts > 1][-1]  # the highest score several rows share
    keep = int((scores > tied).sum()) + 1  # the cutoff falls inside the tie
    window.review.apply_rule(Rule(mode="top_n", keep_top=keep, drop_duplicates=False))
    qtbot.waitUntil(
        lambda: (
            window.plots.threshold_plot.curve is not None
            and not window.plots.curve_job.running
            and not window.plots._curve_dirty
        ),
        timeout=5_000,
    )
    qtbot.wait(300)
    summary = session.summary()
    caption = window.plots.threshold_plot.caption.text()
    assert summary.kept == keep
    assert f"{summary.kept:,} records kept" in caption
    ties = int((scores == tied).sum())
    note = f"{ties:,} rows score exactly {tied:.3f}; the 1 earliest in the file is kept"
    assert note in caption
    assert note in window.review.panel.kept_label.toolTip()


def curve_settled(window) -> bool:
    """The threshold curve of the current scores and decisions is drawn."""
    dock = window.plots
    return (
        dock.threshold_plot.curve is not None
        and not dock.curve_job.running
        and not (dock._curve_dirty)
    )


def test_another_file_shows_nothing_of_the_last_files_threshold_curve(qtbot, window, write):
    plot = window.plots.threshold_plot
    qtbot.waitUntil(lambda: "records kept" in plot.caption.text(), timeout=5_000)
    lines = "".join(json.dumps({"prompt": f"Question number {i}?"}) + "\n" for i in range(30))
    loaded = []
    window.dataset_loaded.connect(loaded.append)
    window.open_path(write("prompts.jsonl", lines))
    qtbot.waitUntil(lambda: bool(loaded), timeout=10_000)
    assert plot.curve is None
    assert plot.caption.text() == WAITING
    assert not plot.line.isVisible()
    qtbot.waitUntil(lambda: curve_settled(window), timeout=10_000)
    qtbot.wait(300)
    # Prompts without responses get no heuristic score: no curve, and no counts of any file.
    drawn, _ = plot.rows_curve.getData()
    assert drawn is None or not len(drawn)
    assert plot.caption.text() == UNSCORED  # not "waiting", not "decided by other means"
    histogram_caption = window.plots.histogram_plot.caption.text()
    assert histogram_caption == "This file has no responses, so there is nothing to score."
    assert not window.plots.histogram_plot.line.isVisible()
    assert not plot.line.isVisible()
    assert plot.token_view.viewRange()[1][1] <= 1
    assert plot.plot.getPlotItem().vb.viewRange()[1][1] <= 1  # not the last file's row count
    length = window.plots.length_plot.plot.getPlotItem().getViewBox().viewRange()
    assert length == [[0, 3], [0, 1]]  # 1 to 1,000 characters, scores 0 to 1: not the last file's
    histogram = window.plots.histogram_plot.plot.getPlotItem().vb.viewRange()
    assert histogram[1][1] <= 1 and histogram[0][0] < 0.1  # nor the last file's bars' axes
    # A scored file again: the length plot fits its points again, and until its scores are in
    # the threshold plot waits for them (it does not say the file has none).
    captions = []
    window.dataset_loaded.connect(lambda _d: captions.append(plot.caption.text()))
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(SAMPLE)
    assert captions[-1] == WAITING
    length_plot = window.plots.length_plot
    qtbot.waitUntil(lambda: "Score vs length" in length_plot.caption.text(), timeout=10_000)
    qtbot.wait(300)
    x, y = length_plot.layers["keep"].getData()
    (x_low, x_high), (y_low, y_high) = length_plot.plot.getPlotItem().getViewBox().viewRange()
    assert x_low <= x.min() and x.max() <= x_high and y_low <= y.min() and y.max() <= y_high
