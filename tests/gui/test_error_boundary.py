"""The error boundary: a ThresherError reads as its message, a bug shows its type, both logged."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QApplication, QMessageBox

from core.errors import LoadError
from gui.error_hook import report_failure


def test_a_thresher_error_is_shown_as_its_own_message(qtbot, caplog):
    caplog.set_level(logging.WARNING)
    box = report_failure(
        None, "cannot open the file", LoadError("data.jsonl", "not valid JSON", line=3)
    )
    qtbot.addWidget(box)
    assert box in QApplication.topLevelWidgets() and box.isVisible()
    assert box.text() == "data.jsonl, line 3: not valid JSON"
    assert box.icon() == QMessageBox.Icon.Warning
    assert "data.jsonl, line 3" in caplog.text and "Traceback" not in caplog.text


def test_an_unexpected_error_names_its_type_and_logs_the_traceback(qtbot, caplog):
    caplog.set_level(logging.WARNING)
    try:
        {}["missing"]
    except KeyError as exc:
        box = report_failure(None, "unexpected error", exc, note="Your work is saved.")
    qtbot.addWidget(box)
    assert box.isVisible()
    assert box.text() == "KeyError: 'missing'\n\nYour work is saved."
    assert box.icon() == QMessageBox.Icon.Critical
    assert "Traceback" in caplog.text and "KeyError" in caplog.text
