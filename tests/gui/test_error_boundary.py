"""The error boundary: a ThresherError reads as its message, a bug shows its type, both logged."""

from __future__ import annotations

import logging
import sqlite3
import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.errors import LoadError, ThresherError
from core.review import DROP
from core.review.rule import Rule
from core.scoring import ScoreConfig
from gui.error_hook import failure_text, report_failure
from gui.review.controller import NOT_SAVED
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


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


def test_the_same_failure_again_brings_back_its_box_instead_of_stacking_another(qtbot):
    # A failing job retried ten times used to leave ten identical boxes on top of each other.
    first = report_failure(None, "cannot export", ThresherError("the folder is read-only"))
    qtbot.addWidget(first)
    again = report_failure(None, "cannot export", ThresherError("the folder is read-only"))
    assert again is first
    assert first.text() == "the folder is read-only\n\n(This happened 2 times.)"
    other = report_failure(None, "cannot export", ThresherError("the disk is full"))
    qtbot.addWidget(other)
    assert other is not first and other.isVisible()
    first.close()  # once closed, the next failure opens a fresh box with no count
    fresh = report_failure(None, "cannot export", ThresherError("the folder is read-only"))
    qtbot.addWidget(fresh)
    assert fresh is not first and fresh.text() == "the folder is read-only"


# -- each family's real job: a bug shows its type and logs its traceback, a ThresherError reads
# plainly. The core function the job calls is replaced by one that raises.

#: A bug and a ThresherError, made afresh for each test (a raised exception keeps its traceback).
FAILURES = [
    pytest.param(lambda: RuntimeError("the index is out of step"), id="bug"),
    pytest.param(lambda: ThresherError("the project file is read-only"), id="thresher"),
]


def _raising(exc):
    """A stand-in for a core generator that fails at its first step."""

    def fail(*_args, **_kwargs):
        raise exc
        yield  # a generator, like the core functions it replaces

    return fail


def _fails(exc):
    """A stand-in for a core function that fails."""

    def fail(*_args, **_kwargs):
        raise exc

    return fail


def _boxes(monkeypatch):
    """Message boxes as shown (non-modal ``show`` and modal ``exec``): (title, text, icon)."""
    shown = []

    def record(box):
        shown.append((box.windowTitle(), box.text(), box.icon()))
        return 0

    monkeypatch.setattr(QMessageBox, "show", record)
    monkeypatch.setattr(QMessageBox, "exec", record)
    return shown


def _check_reached(shown, caplog, exc, title):
    """The one box ``title`` says ``exc`` as the boundary does; the log agrees."""
    [(box_title, text, icon)] = [b for b in shown if b[0] == f"Thresher: {title}"]
    assert box_title  # the box was found by its title
    if isinstance(exc, ThresherError):
        assert text.startswith(str(exc)) and "Error:" not in text.split("\n")[0]
        assert icon == QMessageBox.Icon.Warning
        assert str(exc) in caplog.text and "Traceback" not in caplog.text
    else:
        assert text.startswith(f"{type(exc).__name__}: {exc}")
        assert icon == QMessageBox.Icon.Critical
        assert "Traceback" in caplog.text and f"{type(exc).__name__}: {exc}" in caplog.text


@pytest.mark.parametrize("make", FAILURES)
def test_a_load_failure_reaches_the_box_and_the_log(qtbot, window, monkeypatch, caplog, make):
    exc = make()
    caplog.set_level(logging.WARNING)
    shown = _boxes(monkeypatch)
    monkeypatch.setattr("gui.loading.jobs.iter_load", _raising(exc))
    with qtbot.waitSignal(window.load_failed, timeout=10_000) as failed:
        window.open_path(SAMPLE)
    assert failed.args[0] is exc
    _check_reached(shown, caplog, exc, "cannot open the file")
    if not isinstance(exc, ThresherError):  # a bug names the file it met, outside the message
        assert str(SAMPLE) in shown[0][1]
    assert window.status_text.text() == f"Could not open {SAMPLE.name}."


@pytest.mark.parametrize("make", FAILURES)
def test_a_scoring_failure_reaches_the_box_and_the_log(qtbot, monkeypatch, caplog, make):
    exc = make()
    window = open_window(qtbot, SAMPLE)
    caplog.set_level(logging.WARNING)
    shown = _boxes(monkeypatch)
    monkeypatch.setattr("gui.scoring.controller.make_scorer", _fails(exc))
    with qtbot.waitSignal(window.scoring.scoring_failed, timeout=30_000) as failed:
        window.scoring.start_scoring(ScoreConfig(model="any-model", device="cpu"))
    assert failed.args[0] is exc
    _check_reached(shown, caplog, exc, "scoring stopped")
    assert window.scoring.panel.status.text() == f"Scoring stopped: {failure_text(exc)}"


@pytest.mark.parametrize(
    "code, expected, plain",
    [
        ("import sys; sys.exit('error: no such model on the hub')", "no such model", True),
        ("raise KeyError('snapshot')", "RuntimeError: the download process failed", False),
    ],
    ids=["refusal", "crash"],
)
def test_a_failed_download_is_said_and_logged(
    qtbot, window, monkeypatch, caplog, code, expected, plain
):
    """A real child process that fails: its refusal reads plainly, its crash logs its traceback."""
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(
        "gui.scoring.model_download.download_command",
        lambda model: (sys.executable, ["-c", code]),
    )
    with qtbot.waitSignal(window.scoring.download.failed, timeout=30_000) as failed:
        window.scoring.download.start("some/model")
    assert isinstance(failed.args[0], ThresherError) == plain
    status = window.scoring.panel.status.text()
    assert status.startswith("Download failed: ") and expected in status
    assert expected in caplog.text
    if not plain:  # the child's own traceback reaches the log, not the status line
        assert 'File "<string>", line 1' in caplog.text and "Traceback" not in status


@pytest.mark.parametrize("make", FAILURES)
def test_an_export_failure_reaches_the_box_and_the_log(qtbot, monkeypatch, caplog, tmp_path, make):
    exc = make()
    from gui.review.export_dialog import ExportDialog

    window = open_window(qtbot, SAMPLE)
    caplog.set_level(logging.WARNING)
    shown = _boxes(monkeypatch)
    monkeypatch.setattr(ExportDialog, "exec", lambda self: ExportDialog.DialogCode.Accepted)
    monkeypatch.setattr("gui.review.export_dialog.default_output", lambda s: tmp_path / "o.jsonl")
    monkeypatch.setattr("gui.review.jobs.iter_export", _raising(exc))
    with qtbot.waitSignal(window.review.export_job.failed, timeout=20_000) as failed:
        window.review.export_action.trigger()
    assert failed.args[0] is exc
    _check_reached(shown, caplog, exc, "export failed")
    assert window.review.export_action.isEnabled()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: sqlite3.OperationalError("disk I/O error"), id="sqlite"),
        FAILURES[1],
    ],
)
def test_a_decision_that_cannot_be_saved_reaches_the_box_and_the_log(
    qtbot, monkeypatch, caplog, make
):
    exc = make()
    window = open_window(qtbot, SAMPLE)
    caplog.set_level(logging.WARNING)
    shown = _boxes(monkeypatch)
    monkeypatch.setattr(window.review.controller.session, "decide", _fails(exc))
    assert not window.review.controller.decide([0], DROP)
    _check_reached(shown, caplog, exc, NOT_SAVED)
    assert window.status_text.text() == f"{NOT_SAVED}: {failure_text(exc)}"


@pytest.mark.parametrize("make", FAILURES)
def test_a_placement_failure_reaches_the_simulator_and_the_log(qtbot, monkeypatch, caplog, make):
    """The simulator says it in its "Your data" line (no box: it places again on each change)."""
    exc = make()
    window = open_window(qtbot, SAMPLE)
    window.simulator.raise_()
    qtbot.waitUntil(window.simulator.isVisible, timeout=5_000)
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr("gui.simulator.jobs.place_your_data", _raising(exc))
    window.review.apply_rule(Rule(mode="top_fraction", keep_fraction=0.6))
    label = window.simulator.panel.your_data
    qtbot.waitUntil(lambda: label.text().startswith("Could not place"), timeout=10_000)
    assert label.text() == f"Could not place your data: {failure_text(exc)}"
    assert ("Traceback" in caplog.text) != isinstance(exc, ThresherError)
    assert failure_text(exc) in caplog.text
