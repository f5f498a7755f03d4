"""The LLM judge in the app: chosen in the Scoring dock, prompt shown, ratings stream in."""

from __future__ import annotations

import numpy as np
import pytest

from gui.table.model import COLUMN_INDEX
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window, score_in
from tests.judge.models import build_rating_judge


@pytest.fixture(scope="module")
def rating_judge(tmp_path_factory, sample):
    return build_rating_judge(tmp_path_factory.mktemp("gui-rating-judge"), sample)


def test_a_curator_picks_a_judge_sees_its_prompt_and_ratings_stream_in(
    qtbot, rating_judge, tmp_path
):
    window = open_window(qtbot, SAMPLE)
    panel = window.scoring.panel
    assert not panel.prompt_preview.isVisibleTo(panel)
    panel.judge_combo.setCurrentIndex(panel.judge_combo.findData("rubric-1-5"))
    panel.select_model(str(rating_judge))
    panel.device_combo.setCurrentText("cpu")
    assert panel.prompt_preview.isVisibleTo(panel)
    assert not panel.format_combo.isVisibleTo(panel)
    window.table.selectRow(3)
    row = window.model.source_row(3)
    preview = panel.prompt_preview.toPlainText()
    assert window.dataset.responses[row][:60] in preview and "1–5" in preview
    panel.grab().save(str(tmp_path / "judge_panel.png"))

    summary, updates = score_in(qtbot, window, timeout=240_000)
    assert summary.scorer["kind"] == "judge" and summary.computed == len(window.dataset)
    assert len(updates) > 1  # streamed batch by batch
    scores = window.model.scores
    rated = ~np.isnan(scores)
    assert rated.mean() > 0.8 and ((scores[rated] >= 1) & (scores[rated] <= 5)).all()
    cell = window.model.data(window.model.index(0, COLUMN_INDEX["score"]))
    assert cell and (cell == "—" or 1 <= float(cell) <= 5)
    assert "Judge:" in panel.status.text() and "rubric-1-5" in panel.status.text()
    window.grab().save(str(tmp_path / "judge_window.png"))
