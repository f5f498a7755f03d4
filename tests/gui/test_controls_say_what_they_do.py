"""Controls that do what they say: enabled when they can act, counts that move, no lost keys."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from core.review import AUTO, DROP, KEEP
from gui.main_window import MainWindow
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def dataset_path(tmp_path):
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def test_score_and_find_duplicates_wait_for_a_dataset(qtbot, dataset_path):
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.scoring.panel.score_button.isEnabled()
    assert not window.dedup.panel.run_button.isEnabled()
    window.show()
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(dataset_path)
    assert window.scoring.panel.score_button.isEnabled()
    assert window.dedup.panel.run_button.isEnabled()


def test_a_prompt_only_file_cannot_be_scored(qtbot, shared_data):
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dataset_loaded, timeout=30_000):
        window.open_path(shared_data / "koala_test_set.jsonl")
    assert not window.scoring.panel.score_button.isEnabled()


def test_cancel_clears_the_speed_and_eta(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    panel = window.scoring.panel
    panel.select_model("some/model")  # speed and ETA are shown for a model's run
    panel.set_running(True)
    panel.show_progress(120, 294, 35.0, 5.0)
    assert "pairs/s · ETA" in panel.progress.format()
    window.scoring._on_cancelled()
    assert panel.progress.format() == "120 / 294"
    assert "Cancelled" in panel.status.text()


def _queue_left(window) -> str:
    return window.review.actions_by_name["queue"].text()


def test_the_borderline_queue_counts_down_as_rows_are_decided(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    review = window.review
    review.actions_by_name["queue"].setChecked(True)
    total = len(review._queue)
    assert total > 2
    assert _queue_left(window) == f"&Borderline Queue ({total:,} left)"
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    assert _queue_left(window) == f"&Borderline Queue ({total - 2:,} left)"
    review.actions_by_name["queue"].setChecked(False)
    assert _queue_left(window) == "&Borderline Queue"


def test_a_key_pressed_during_a_large_save_is_queued_and_said(qtbot, dataset_path, monkeypatch):
    monkeypatch.setattr("gui.review.controller.BACKGROUND_ROWS", 50)
    window = open_window(qtbot, dataset_path)
    review, session = window.review, window.review.controller.session
    messages = []
    review.status.connect(messages.append)
    everything = np.arange(len(session.final))
    review.controller.decide(everything, DROP, label="drop all")  # saved on a worker
    assert review.controller.busy
    window.table.selectRow(3)
    review.actions_by_name["keep"].trigger()
    assert any("is queued" in m for m in messages)
    qtbot.waitUntil(lambda: not review.controller.busy, timeout=10_000)
    assert session.manual[3] == KEEP and session.manual[4] == DROP
    assert (session.manual != AUTO).all()


def test_the_reason_dialog_has_room_for_a_sentence(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    dialog = window.review.reason_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.findChild(QLineEdit)
    sentence = "duplicate of the row above with a wrong final answer"
    assert field.width() >= field.fontMetrics().horizontalAdvance(sentence)


def test_hidden_characters_show_as_markers_and_flag_the_row(qtbot, tmp_path):
    from gui.table.model import COLUMN_INDEX

    path = tmp_path / "hidden.jsonl"
    path.write_text(
        '{"instruction": "Rename the file", "output": "Call it \\u202eexe.txt '
        'please"}\n{"instruction": "Plain", "output": "Nothing hidden here"}\n',
        encoding="utf-8",
    )
    window = open_window(qtbot, path)
    window.table.selectRow(0)
    text = window.detail.toPlainText()
    assert "Call it ⟦RLO U+202E⟧exe.txt please" in text
    assert "\u202e" not in text
    flags = window.model.data(window.model.index(0, COLUMN_INDEX["flags"]))
    assert "invisible" in flags
    assert "invisible" not in (
        window.model.data(window.model.index(1, COLUMN_INDEX["flags"])) or ""
    )
