"""IFD in the app: chosen next to the judge in the Scoring dock, scores stream in, flags counted."""

from __future__ import annotations

import numpy as np
import pytest

from gui.scoring.panel import IFD_CHOICE
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window, score_in
from tests.judge.models import build_causal_lm


@pytest.fixture(scope="module")
def ifd_model(tmp_path_factory, sample):
    return build_causal_lm(
        tmp_path_factory.mktemp("gui-ifd-llama"), sample.prompts + sample.responses, seed=5
    )


def test_a_curator_scores_with_ifd_and_rows_above_1_are_left_unranked(qtbot, ifd_model, tmp_path):
    window = open_window(qtbot, SAMPLE)
    panel = window.scoring.panel
    panel.judge_combo.setCurrentIndex(panel.judge_combo.findData(IFD_CHOICE))
    panel.select_model(str(ifd_model))
    panel.device_combo.setCurrentText("cpu")
    assert panel.settings().ifd and not panel.settings().judge
    assert not panel.prompt_preview.isVisibleTo(panel)  # no judge prompt to show
    assert not panel.format_combo.isVisibleTo(panel)

    summary, updates = score_in(qtbot, window, timeout=600_000)
    assert summary.scorer["kind"] == "ifd" and summary.computed == len(window.dataset)
    assert len(updates) > 1  # streamed batch by batch
    above = np.zeros(len(window.dataset), dtype=bool)
    ifd = np.full(len(window.dataset), np.nan)
    for update in updates:
        above[update.batch.rows] = update.batch.extra["ifd_above_1"]
        ifd[update.batch.rows] = update.batch.extra["ifd"]
    scores = window.model.scores
    assert summary.ifd_above_1 == above.sum() > 0
    assert np.isnan(scores[above]).all()  # flagged rows are never ranked
    ranked = ~np.isnan(scores)
    assert ranked.any() and np.allclose(scores[ranked], ifd[ranked])
    assert (scores[ranked] <= 1).all()
    assert "IFD:" in panel.status.text() and "IFD > 1" in panel.status.text()
    panel.grab().save(str(tmp_path / "ifd_panel.png"))
    window.grab().save(str(tmp_path / "ifd_window.png"))

    # A project's restored settings show IFD again (and a reward model is not mistaken for it).
    restored = panel.settings()
    panel.judge_combo.setCurrentIndex(0)
    panel.set_settings(restored)
    assert panel.judge_choice() == IFD_CHOICE and panel.settings() == restored
