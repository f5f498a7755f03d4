"""Reviewing in the app: keys, bulk actions with undo, filters, export and a restored session."""

from __future__ import annotations

import shutil

import numpy as np
import orjson
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.project import ProjectStore
from core.review import AUTO, DROP, KEEP, RowFilter
from gui.main_window import MainWindow
from gui.review.export_dialog import ExportDialog
from gui.table.model import COLUMN_INDEX
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def dataset_path(tmp_path):
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def _saved(isolated_projects, path) -> dict:
    with ProjectStore(isolated_projects / (path.name + ".thresher")) as store:
        return store.decisions()


def test_keys_decide_and_move_on_and_each_decision_is_saved(qtbot, dataset_path, isolated_projects):
    window = open_window(qtbot, dataset_path)
    window.table.selectRow(0)
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    assert window.table.currentIndex().row() == 1  # moved to the next row
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    session = window.review.controller.session
    assert session.final[:2].tolist() == [KEEP, DROP]
    assert window.model.data(window.model.index(1, COLUMN_INDEX["decision"])) == "drop"
    assert window.model.data(window.model.index(1, COLUMN_INDEX["decided_by"])) == "curator"
    assert sorted(d for d, _ in _saved(isolated_projects, dataset_path).values()) == [KEEP, DROP]
    assert window.table.currentIndex().row() == 2
    window.table.selectRow(1)
    assert "drop (curator)" in window.detail.toPlainText().splitlines()[0]


def test_bulk_action_over_a_filter_is_one_undoable_step(
    qtbot, dataset_path, isolated_projects, monkeypatch
):
    window = open_window(qtbot, dataset_path)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        window.filter_bar.search.setText("python")
    shown = window.model.rowCount()
    assert 0 < shown < 294
    window.review.drop_shown_action.trigger()
    assert len(_saved(isolated_projects, dataset_path)) == shown
    assert window.review.undo_action.text().startswith("&Undo drop")
    window.review.undo_action.trigger()
    assert _saved(isolated_projects, dataset_path) == {}
    window.review.redo_action.trigger()
    assert len(_saved(isolated_projects, dataset_path)) == shown


def test_a_key_on_a_large_selection_asks_first(qtbot, dataset_path, monkeypatch):
    # Ctrl+A then D dropped every row of the file at once, with nothing to say it would.
    window = open_window(qtbot, dataset_path)
    session = window.review.controller.session
    asked = []

    def cancel(box):
        asked.append(box.text())
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "exec", cancel)
    window.table.setFocus()
    window.table.selectAll()
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    assert asked and asked[0].startswith(f"Drop the {len(session.final):,} selected rows?")
    assert (session.manual == AUTO).all()  # cancelled: nothing decided
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    assert (session.manual == DROP).all()
    asked.clear()
    monkeypatch.setattr(QMessageBox, "exec", cancel)
    window.table.selectRow(3)
    row = window.current_source_row()
    qtbot.keyClick(window.table, Qt.Key.Key_K)  # one row: no question
    assert not asked and session.manual[row] == KEEP


def test_a_large_bulk_action_commits_in_the_background(
    qtbot, dataset_path, isolated_projects, monkeypatch
):
    monkeypatch.setattr("gui.review.controller.BACKGROUND_ROWS", 100)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    window = open_window(qtbot, dataset_path)
    with qtbot.waitSignals([window.review.controller.busy_changed] * 2, timeout=10_000):
        window.review.drop_shown_action.trigger()
    assert len(_saved(isolated_projects, dataset_path)) == 294
    assert window.review.controller.session.summary().dropped == 294
    assert window.review.actions_by_name["keep"].isEnabled()
    with qtbot.waitSignals([window.review.controller.busy_changed] * 2, timeout=10_000):
        window.review.undo_action.trigger()
    assert _saved(isolated_projects, dataset_path) == {}


def test_filter_then_export_writes_the_kept_records(qtbot, dataset_path, tmp_path, monkeypatch):
    window = open_window(qtbot, dataset_path)
    out = tmp_path / "curated.jsonl"
    window.review.controller.decide([0, 1, 2], DROP)
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        window.filter_bar.set_filter(RowFilter(decisions=("drop",)), emit=True)
    assert window.model.rowCount() == window.review.controller.session.summary().dropped
    monkeypatch.setattr(ExportDialog, "exec", lambda self: ExportDialog.DialogCode.Accepted)
    monkeypatch.setattr("gui.review.export_dialog.default_output", lambda source: out)
    with qtbot.waitSignal(window.review.export_job.finished, timeout=20_000) as blocker:
        window.review.export_action.trigger()
    result = blocker.args[0]
    session = window.review.controller.session
    lines = out.read_bytes().splitlines()
    assert len(lines) == result.kept == session.summary().kept
    assert lines[0] == session.dataset.originals[int(np.flatnonzero(session.final == KEEP)[0])]
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    assert manifest["counts"]["manual_overrides"] == 3
    assert "Exported" in window.status_text.text()


def test_reopening_restores_decisions_filter_and_place_and_says_so(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    window.review.controller.decide([7], DROP, "<b>not bold</b>")
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        window.filter_bar.set_filter(RowFilter(score_min=0.5), emit=True)
    view_row = window.model.view_row(20)
    window.table.selectRow(view_row)
    window.close()

    again = open_window(qtbot, dataset_path)
    qtbot.waitUntil(lambda: again.model.rowCount() < 294, timeout=10_000)
    session = again.review.controller.session
    assert session.manual[7] == DROP and session.reasons[7] == "<b>not bold</b>"
    assert again.filter_bar.score_min.text() == "0.5"
    assert again.model.source_row(again.table.currentIndex().row()) == 20
    notice = again.notice_text.text()
    assert "Restored 1 decision" in notice and "filters" in notice and "your place" in notice
    cell = again.model.index(again.model.view_row(7), COLUMN_INDEX["decided_by"])
    tooltip = again.model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "<qt>&lt;b&gt;not bold&lt;/b&gt;</qt>"  # shown as typed, not as HTML


def test_the_borderline_queue_walks_rows_nearest_the_threshold(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    window.review.actions_by_name["queue"].setChecked(True)
    session = window.review.controller.session
    first = window.model.source_row(0)
    distances = np.abs(session.scores[[window.model.source_row(r) for r in range(10)]] - 0.5)
    assert (np.diff(distances) >= 0).all()
    assert window.model.source_row(window.table.currentIndex().row()) == first
    window.review.actions_by_name["keep"].trigger()
    assert session.manual[first] == KEEP
    assert window.table.currentIndex().row() == 1


def test_a_changed_rule_redecides_automatic_rows_only(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    controller = window.review.controller
    controller.decide([0], DROP)
    window.review.panel.mode.setCurrentIndex(0)  # keep all
    session = controller.session
    assert session.summary().dropped == 1 and session.final[0] == DROP
    assert window.review.panel.kept_label.text().startswith(f"{len(session.final) - 1:,}")


def _detail_location(window) -> int:
    heading = window.detail.toPlainText().splitlines()[0]
    return int(heading.split()[1])


def test_filter_then_sort_keeps_current_row_detail_and_key_on_one_record(qtbot, dataset_path):
    # Issue 17 item 2: clicking a header under a filter raised IndexError mid layout change.
    window = open_window(qtbot, dataset_path)
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        window.filter_bar.search.setText("python")
    assert 0 < window.model.rowCount() < 294
    window.table.selectRow(2)
    held = window.model.source_row(window.table.currentIndex().row())
    window.review.advance_action.setChecked(False)
    for column in ("prompt_chars", "score", "location"):
        window.table.sortByColumn(COLUMN_INDEX[column], Qt.SortOrder.DescendingOrder)
        current = window.model.source_row(window.table.currentIndex().row())
        assert current == held
        location = int(window.review.controller.session.dataset.locations[held])
        assert _detail_location(window) == location
    window.review.actions_by_name["drop"].trigger()
    assert window.review.controller.session.manual[held] == DROP


def test_a_saved_sort_by_score_is_applied_once_the_scores_arrive(qtbot, dataset_path):
    # Issue 17 item 7: the header said sorted by score, the rows stayed in file order.
    window = open_window(qtbot, dataset_path)
    window.table.sortByColumn(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
    window.close()

    again = open_window(qtbot, dataset_path)
    header = again.table.horizontalHeader()
    assert header.sortIndicatorSection() == COLUMN_INDEX["score"]
    scores = again.review.controller.session.scores

    def in_score_order() -> bool:
        shown = scores[again.model.visible_rows()]
        return bool(np.all(shown[:-1] >= shown[1:]))

    qtbot.waitUntil(in_score_order, timeout=5_000)
    assert again.model.visible_rows().tolist() != list(range(294))


def test_until_cached_scores_are_in_export_waits_and_the_summary_says_restoring(
    qtbot, dataset_path, tiny_model
):
    from core.scoring import ScoreConfig

    window = open_window(qtbot, dataset_path)
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=60_000):
        window.scoring.start_scoring(ScoreConfig(model=str(tiny_model), device="cpu"))
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    seen = []
    again.dataset_loaded.connect(
        lambda _d: seen.append(
            (again.review.export_action.isEnabled(), again.review.panel.kept_label.text())
        )
    )
    with qtbot.waitSignal(
        again.scoring.restoring, timeout=30_000, check_params_cb=lambda on: not on
    ):
        again.open_path(dataset_path)
    assert seen == [(False, "restoring…")]
    assert again.review.export_action.isEnabled()
    summary = again.review.controller.session.summary()
    assert summary.undecided == 0
    assert again.review.panel.kept_label.text().startswith(f"{summary.kept:,}")


def test_closing_during_an_export_leaves_all_of_its_files_or_none(
    qtbot, dataset_path, tmp_path, monkeypatch
):
    window = open_window(qtbot, dataset_path)
    out = tmp_path / "curated.jsonl"
    monkeypatch.setattr(ExportDialog, "exec", lambda self: ExportDialog.DialogCode.Accepted)
    monkeypatch.setattr("gui.review.export_dialog.default_output", lambda source: out)
    window.review.export_action.trigger()
    window.close()  # at once, while the export runs
    assert not window.review.export_job.running or window.review.export_job.wait(0)
    manifest = tmp_path / "curated.manifest.json"
    if out.exists():
        written = orjson.loads(manifest.read_bytes())["outputs"]["curated"]
        assert written["records"] == len(out.read_bytes().splitlines())
    else:
        assert not manifest.exists()


def test_the_export_dialog_asks_before_replacing_an_existing_file(qtbot, dataset_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from core.review.session import Summary
    from gui.review.export_dialog import default_output

    existing = default_output(dataset_path)
    existing.write_text('{"an": "earlier export"}\n')
    summary = Summary(rows=1, kept=1, dropped=0, undecided=0, manual=0, kept_tokens=0)
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []

    def answer(box):
        asked.append(box.text())
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    dialog = ExportDialog(dataset_path, summary)
    qtbot.addWidget(dialog)
    dialog.accept()  # "No": the dialog stays open
    assert dialog.result() != ExportDialog.DialogCode.Accepted
    assert str(existing) in asked[0]
    dialog.accept()  # "Yes"
    assert dialog.result() == ExportDialog.DialogCode.Accepted
    # A name the save dialog confirmed is not asked about again; a new name is not asked about.
    dialog = ExportDialog(dataset_path, summary)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(existing), ""))
    )
    dialog._browse()
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted and len(asked) == 2
    dialog = ExportDialog(dataset_path, summary)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(dataset_path.with_name("fresh.jsonl")))
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted and len(asked) == 2


@pytest.mark.parametrize(
    ("dropped", "undecided", "says"),
    [
        (1, 0, "1 dropped row is left out."),
        (2, 0, "2 dropped rows are left out."),
        (0, 1, "0 dropped and 1 undecided row is left out."),
        (1, 2, "1 dropped and 2 undecided rows are left out."),
    ],
)
def test_the_export_dialog_counts_what_it_leaves_out_in_words(
    qtbot, tmp_path, dropped, undecided, says
):
    from PySide6.QtWidgets import QLabel

    from core.review.session import Summary

    rows = 3 + dropped + undecided
    summary = Summary(
        rows=rows, kept=3, dropped=dropped, undecided=undecided, manual=0, kept_tokens=0
    )
    dialog = ExportDialog(tmp_path / "data.jsonl", summary)
    qtbot.addWidget(dialog)
    assert any(says in label.text() for label in dialog.findChildren(QLabel))
