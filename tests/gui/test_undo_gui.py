"""Undo in the app: the keys undo review steps wherever the focus is, and every change counts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.dedup.keep import DUPLICATE, KEPT
from core.project import ProjectStore
from core.review import DROP, Rule
from tests.conftest import SAMPLE
from tests.dedup.conftest import build_injected
from tests.gui.conftest import open_window


@pytest.fixture
def dataset_path(tmp_path):
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def _ctrl(qtbot, widget, key=Qt.Key.Key_Z, shift: bool = False) -> None:
    """Ctrl(+Shift)+key, then the modifiers released.

    QTest leaves Ctrl held in the application's modifier state when a shortcut takes the key,
    and a later selectRow would then toggle the row instead of selecting it.
    """
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(widget, key, modifiers)
    for modifier in (Qt.Key.Key_Control, Qt.Key.Key_Shift):
        QTest.keyRelease(widget, modifier)


def _focus(qtbot, widget) -> None:
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=5_000)


def test_ctrl_z_in_the_search_box_undoes_the_bulk_drop_not_the_typing(
    qtbot, dataset_path, isolated_projects, monkeypatch
):
    window = open_window(qtbot, dataset_path)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    session = window.review.controller.session
    _focus(qtbot, window.filter_bar.search)
    with qtbot.waitSignal(window.review.filter_job.done, timeout=10_000):
        qtbot.keyClicks(window.filter_bar.search, "python")
    shown = window.model.visible_rows()
    window.review.drop_shown_action.trigger()
    assert (session.manual[shown] == DROP).all()
    assert window.filter_bar.search.hasFocus()
    _ctrl(qtbot, window.filter_bar.search)
    assert not session.manual.any()  # the drop is undone …
    assert window.filter_bar.search.text() == "python"  # … and the typing stays
    with ProjectStore(isolated_projects / (dataset_path.name + ".thresher")) as store:
        assert store.decisions() == {}
    _focus(qtbot, window.review.panel.min_score)  # a spin box's editor too
    _ctrl(qtbot, window.review.panel.min_score, shift=True)
    assert (session.manual[shown] == DROP).all()  # redone


def test_a_typed_rule_edit_is_one_undo_step(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    session = window.review.controller.session
    before = session.rule
    spin = window.review.panel.min_score
    _focus(qtbot, spin)
    spin.selectAll()
    qtbot.keyClicks(spin, "0.75")
    assert session.rule == before  # nothing until the value is entered
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert session.rule.min_score == pytest.approx(0.75)
    assert window.review.undo_action.text().startswith("&Undo rule change (keep score ≥ 0.75")
    _ctrl(qtbot, spin)
    assert session.rule == before
    assert spin.value() == pytest.approx(before.min_score)  # the editor shows the rule again


def test_dragging_the_cutoff_is_one_undo_step(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    session = window.review.controller.session
    before = session.rule
    line = window.plots.histogram_plot.line
    line.moving = True
    for value in (0.2, 0.3, 0.4, 0.45):
        line.setValue(value)
        line.sigDragged.emit(line)
        qtbot.wait(120)  # the rule follows while dragging
    assert session.rule.min_score == pytest.approx(0.4, abs=0.051)
    line.moving = False
    line.sigPositionChangeFinished.emit(line)
    assert session.rule.min_score == pytest.approx(0.45)
    window.review.undo_action.trigger()
    assert session.rule == before and not session.can_undo
    assert window.review.panel.min_score.value() == pytest.approx(before.min_score)
    window.review.redo_action.trigger()
    assert session.rule.min_score == pytest.approx(0.45)


def test_keeping_another_copy_is_undone_from_the_cluster_view(qtbot, tmp_path):
    injected = build_injected(tmp_path)
    window = open_window(qtbot, injected.path)
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=30_000):
        window.dedup.panel.run_button.click()
    original, copy = injected.near[0]
    dropped = copy if window.dedup.table.role[copy] == DUPLICATE else original
    window.table.selectRow(window.model.view_row(dropped))
    window.cluster_action.trigger()
    dialog = window.dedup.cluster_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=10_000):
        window.dedup.keep_copy(dropped)
    assert window.dedup.table.role[dropped] == KEPT
    session = window.review.controller.session
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=10_000):
        _ctrl(qtbot, dialog)
    assert window.dedup.table.role[dropped] == DUPLICATE
    assert session.final[dropped] == DROP and not session.preferred.any()
    with ProjectStore(session.store.path) as store:
        assert store.kept_copies() == set()
    assert np.array_equal(window.dedup.preferred, session.preferred)


def test_rule_undo_is_refused_quietly_when_nothing_changed(qtbot, dataset_path):
    window = open_window(qtbot, dataset_path)
    window.review.apply_rule(Rule())  # the rule in force: no step
    assert not window.review.undo_action.isEnabled()


def test_restore_from_backup_lists_backups_and_reopens_from_the_chosen_one(
    qtbot, dataset_path, monkeypatch
):
    from core.project.backup import list_backups
    from gui.project.backup_dialog import BackupDialog

    window = open_window(qtbot, dataset_path)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    session = window.review.controller.session
    window.table.selectAll()
    window.review.actions_by_name["drop"].trigger()  # backed up first: nothing
    window.table.selectRow(3)
    kept = window.current_source_row()
    window.review.actions_by_name["keep"].trigger()
    assert session.manual[kept] == 1
    window.review.keep_shown_action.trigger()  # backed up: all dropped, one kept
    assert session.summary().kept == len(session.final)
    shown = []

    def choose(dialog):
        shown.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.list.setCurrentRow(0)  # the newest
        dialog.grab().save(str(dataset_path.parent / "backups.png"))
        return BackupDialog.DialogCode.Accepted

    monkeypatch.setattr(BackupDialog, "exec", choose)
    assert window.restore_action.isEnabled()
    with qtbot.waitSignal(window.scoring.controller.restored, timeout=30_000):
        window.restore_action.trigger()
    assert len(shown[0]) == 2 and "·  before keep 29" in shown[0][0]  # newest first
    restored = window.review.controller.session
    assert restored is not session
    assert restored.manual[kept] == 1 and (restored.manual != 0).sum() == len(restored.final)
    assert "Restored the backup of" in window.notice_text.text()
    backups = list_backups(restored.store.path)
    assert backups[-1].reason == "before-restore"
    assert not window.review.undo_action.isEnabled()  # a new history starts


def test_restoring_a_backup_shows_no_count_until_the_restored_state_is_in(
    qtbot, dataset_path, monkeypatch
):
    # Issue 17: after a restore the summary read "Kept 0" (and before that the replaced
    # state's counts) for seconds on a big file, while the backup's state was still being read.
    from PySide6.QtCore import QTimer

    from core.project.backup import back_up
    from gui.project.backup_dialog import BackupDialog

    window = open_window(qtbot, dataset_path)
    back_up(window.review.controller.session.store, "test")
    window.table.selectRow(1)
    window.review.actions_by_name["drop"].trigger()
    monkeypatch.setattr(BackupDialog, "exec", lambda dialog: BackupDialog.DialogCode.Accepted)
    panel = window.review.panel
    seen: list[tuple[str, bool]] = []

    def look() -> None:
        shown = (panel.kept_label.text(), window.review.export_action.isEnabled())
        if not seen or seen[-1] != shown:
            seen.append(shown)

    timer = QTimer(interval=1)
    timer.timeout.connect(look)
    window.restore_action.trigger()
    look()
    timer.start()
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        pass
    qtbot.wait(50)
    timer.stop()
    look()
    summary = window.review.controller.session.summary()
    assert summary.kept > 0
    final = (f"{summary.kept:,}  ({summary.kept / summary.rows:.1%})", True)
    assert seen[-1] == final
    assert set(seen[:-1]) == {("restoring…", False)}, seen


def test_the_undo_filter_follows_the_focus_and_leaves_table_keys_alone(
    qtbot, dataset_path, monkeypatch
):
    """Decision keys in the table reach no Python filter.

    Under a busy worker each filtered event waits for the interpreter, and an application-wide
    filter saw every event.
    """
    from gui.undo_keys import ReviewUndoKeys

    window = open_window(qtbot, dataset_path)
    seen = []
    original = ReviewUndoKeys.eventFilter
    monkeypatch.setattr(
        ReviewUndoKeys,
        "eventFilter",
        lambda self, watched, event: seen.append(watched) or original(self, watched, event),
    )
    _focus(qtbot, window.table)
    assert window.undo_keys.watched is None
    window.table.select_only(0)
    qtbot.keyClick(window.table, Qt.Key.Key_D)
    assert window.review.controller.session.manual[0] == DROP
    assert seen == []
    _focus(qtbot, window.filter_bar.search)
    assert window.undo_keys.watched is window.filter_bar.search
    _ctrl(qtbot, window.filter_bar.search)
    assert not window.review.controller.session.manual.any()  # the search box let Undo have it
    assert set(seen) == {window.filter_bar.search}


def test_each_window_s_undo_filter_stays_on_its_own_text_boxes(qtbot, dataset_path, tmp_path):
    """A filter that followed the focus into another window's text box crashed the app there."""
    from gui.scoring.panel import ScoringPanel

    window = open_window(qtbot, dataset_path)
    _focus(qtbot, window.filter_bar.search)
    assert window.undo_keys.watched is window.filter_bar.search
    other = ScoringPanel([])  # a top-level window of its own, with text boxes
    qtbot.addWidget(other)
    other.show()
    other.judge_combo.setCurrentIndex(other.judge_combo.findData("alpagasus-accuracy"))
    where = other.judge_where
    where.where_combo.setCurrentIndex(where.where_combo.findData("server"))
    box = where.url_edit
    _focus(qtbot, box)
    assert window.undo_keys.watched is None
    qtbot.keyClicks(box, "http://x")
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.text() == ""  # its own typing is undone there, as in any text box
