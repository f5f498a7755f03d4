"""The server judge in the app: chosen in the Scoring dock, ratings stream in, restored on reopen.

Against the real llama.cpp server (see ``tests/judge/judge_server.py``); the key stays out of
the app's settings.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from core.scoring import ScoreConfig
from gui.scoring.panel import ScoringPanel
from tests.gui.conftest import (  # noqa: F401 - fixtures
    isolated_projects,
    isolated_settings,
    open_window,
    score_in,
)
from tests.judge.judge_server import MODEL_NAME
from tests.judge.test_endpoint import SHORT_TEXT, short_rows


def test_a_key_that_cannot_be_kept_is_said_and_logged_but_never_written(
    qtbot, monkeypatch, caplog, tmp_path
):
    keyring = pytest.importorskip("keyring")
    from keyring.backends.fail import Keyring as NoKeyring

    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())  # a machine with no keyring backend, as on a bare Linux
    key = "sk-unkept-0123456789abcdef"
    panel = ScoringPanel([])
    qtbot.addWidget(panel)
    where = panel.judge_where
    where.url_edit.setText("http://127.0.0.1:9999/v1")
    monkeypatch.setattr(
        "gui.scoring.judge_server_fields.QInputDialog.getText", lambda *a, **k: (key, True)
    )
    caplog.set_level(logging.WARNING)
    try:
        where.keep_key()
    finally:
        keyring.set_keyring(before)
    assert "no usable OS keyring" in where.key_label.text()
    assert "no usable OS keyring" in caplog.text and key not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_the_panel_offers_a_judge_server_and_round_trips_its_settings(qtbot, monkeypatch, tmp_path):
    key = "sk-panel-test-abcdef0123456789"
    monkeypatch.setenv("THRESHER_JUDGE_API_KEY", key)
    panel = ScoringPanel([])
    qtbot.addWidget(panel)
    panel.show()
    panel.judge_combo.setCurrentIndex(panel.judge_combo.findData("alpagasus-accuracy"))
    where = panel.judge_where
    assert where.where_combo.isVisibleTo(panel) and not where.server_box.isVisibleTo(panel)
    where.where_combo.setCurrentIndex(where.where_combo.findData("server"))
    assert where.server_box.isVisibleTo(panel)
    assert not panel.model_combo.isVisibleTo(panel) and not panel.device_combo.isVisibleTo(panel)
    where.url_edit.setText("http://127.0.0.1:9999/v1")
    where.model_edit.setText("qwen2.5-7b-instruct")
    where.concurrency_spin.setValue(8)
    where.rpm_spin.setValue(600)
    where.url_edit.editingFinished.emit()
    assert "THRESHER_JUDGE_API_KEY" in where.key_label.text() and key not in where.key_label.text()
    settings = panel.settings()
    assert settings == ScoreConfig(
        model="qwen2.5-7b-instruct",
        judge_preset="alpagasus-accuracy",
        judge_endpoint="http://127.0.0.1:9999/v1",
        judge_concurrency=8,
        judge_rpm=600,
    )
    panel.grab().save(str(tmp_path / "server_panel.png"))
    other = ScoringPanel([])
    qtbot.addWidget(other)
    other.set_settings(settings)
    assert other.settings() == settings
    QSettings().sync()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_a_curator_scores_with_a_judge_server_and_reopening_restores_entropies(
    qtbot, llama_server, tmp_path, monkeypatch
):
    from gui.main_window import MainWindow

    data = tmp_path / "rows.jsonl"
    data.write_bytes(short_rows(10))
    window = open_window(qtbot, data)
    dock = window.scoring
    panel = dock.panel
    prompt = tmp_path / "short.txt"
    prompt.write_text(SHORT_TEXT)
    panel.judge_combo.setCurrentIndex(panel.judge_combo.findData("custom"))
    panel.judge_prompt_edit.setText(str(prompt))
    panel.judge_scale_edit.setText("1-5")
    where = panel.judge_where
    where.where_combo.setCurrentIndex(where.where_combo.findData("server"))
    where.url_edit.setText(llama_server.url)
    where.model_edit.setText(MODEL_NAME)
    statuses = []
    dock.controller.status.connect(statuses.append)
    summary, updates = score_in(qtbot, window, timeout=240_000)
    assert summary.scorer["kind"] == "judge-endpoint" and summary.computed == 10
    assert len(updates) > 1 and any("requests/s" in s for s in statuses)
    scores = window.model.scores
    rated = ~np.isnan(scores)
    assert rated.sum() >= 3 and ((scores[rated] >= 1) & (scores[rated] <= 5)).all()
    assert "Length bias" in panel.status.text() and "entropy" in panel.status.text()
    entropy = dock.judge_details.entropy.copy()
    assert np.isfinite(entropy).sum() == rated.sum()
    window.grab().save(str(tmp_path / "server_window.png"))
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(
        again.scoring.restoring, timeout=30_000, check_params_cb=lambda busy: not busy
    ):
        again.open_path(data)
    restored = again.scoring
    assert restored.panel.judge_where.on_server()
    assert restored.panel.judge_where.url_edit.text() == llama_server.url
    np.testing.assert_array_equal(restored.judge_details.entropy, entropy)
    assert "Length bias" in restored.panel.status.text()
