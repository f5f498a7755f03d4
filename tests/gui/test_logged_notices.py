"""What the status bar says went wrong is in the log too (gui.error_hook.log_failure)."""

from __future__ import annotations

import logging

from tests.gui.conftest import open_window


def test_an_invalid_regex_reaches_the_log(qtbot, caplog, sample_copy):
    window = open_window(qtbot, sample_copy)
    caplog.set_level(logging.WARNING)
    bar = window.filter_bar
    bar.regex.setChecked(True)
    bar.search.setText("answer(")
    qtbot.waitUntil(lambda: bar.error.text() == "Invalid regex", timeout=5_000)
    assert "Filter not applied" in window.status_text.text()
    assert "Filter not applied" in caplog.text and "answer(" in caplog.text
    assert "Traceback" not in caplog.text


def test_the_open_file_deleted_reaches_the_log(qtbot, caplog, sample_copy):
    window = open_window(qtbot, sample_copy)
    caplog.set_level(logging.WARNING)
    with qtbot.waitSignal(window.source_watch.changed, timeout=10_000):
        sample_copy.unlink()
    assert "moved or deleted" in window.status_text.text()
    assert "moved or deleted" in caplog.text and str(sample_copy) in caplog.text
