"""Choosing the embedder in the Duplicates dock: its own threshold, and notices in view."""

from __future__ import annotations

import pytest

from core.dedup.config import DedupConfig, DedupSettingsError
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from core.dedup.progress import DedupProgress
from gui.dedup.panel import DedupPanel


@pytest.fixture
def panel(qtbot):
    widget = DedupPanel()
    qtbot.addWidget(widget)
    widget.show()
    widget.semantic_check.setChecked(True)
    return widget


def test_fast_candidates_verified_by_minilm_is_the_default_at_minilms_threshold(panel):
    settings = panel.settings()
    assert settings.embedder == VERIFIED
    assert settings.semantic == pytest.approx(0.90)
    assert not panel.embedder_edit.isVisible()


def test_choosing_an_embedder_brings_its_calibrated_threshold(panel):
    panel.embedder_combo.setCurrentIndex(panel.embedder_combo.findData(BUNDLED))
    settings = panel.settings()
    assert settings.embedder == BUNDLED
    assert settings.semantic == pytest.approx(0.90)
    panel.embedder_combo.setCurrentIndex(panel.embedder_combo.findData(VERIFIED))
    settings = panel.settings()
    assert settings.embedder == VERIFIED
    assert settings.semantic == pytest.approx(0.90)  # MiniLM decides: MiniLM's threshold
    panel.embedder_combo.setCurrentIndex(panel.embedder_combo.findData(FAST))
    assert panel.settings().semantic == pytest.approx(default_threshold(FAST))


def test_another_model_must_be_named(panel, tmp_path):
    panel.embedder_combo.setCurrentIndex(panel.embedder_combo.count() - 1)
    assert panel.embedder_edit.isVisible() and panel.embedder_edit.isEnabled()
    with pytest.raises(DedupSettingsError, match="name the other embedder"):
        panel.settings()
    panel.embedder_edit.setText(str(tmp_path))
    assert panel.settings().embedder == str(tmp_path)


def test_a_saved_run_shows_its_embedder_and_threshold(panel, tmp_path):
    panel.show_settings(DedupConfig(semantic=0.95, embedder=BUNDLED))
    assert panel.embedder_combo.currentData() == BUNDLED
    assert panel.semantic_spin.value() == pytest.approx(0.95)  # not reset to the default
    panel.show_settings(DedupConfig(semantic=0.91, embedder=str(tmp_path)))
    assert panel.embedder_edit.text() == str(tmp_path)
    assert panel.settings().embedder == str(tmp_path)


def test_a_notice_stays_in_view_until_the_next_run(panel, tmp_path):
    panel.set_running(True)
    panel.show_progress(
        DedupProgress("building", 0, 10, notice="the cache was damaged; rebuilding it")
    )
    panel.show_progress(DedupProgress("embedding", 5, 10))
    assert panel.notice.isVisible() and "rebuilding" in panel.notice.text()
    panel.grab().save(str(tmp_path / "dedup_panel.png"))
    panel.set_running(False)
    assert panel.notice.isVisible()
    panel.set_running(True)
    assert not panel.notice.isVisible()
