"""Moving between rows with the review keys selects exactly one row, and Ctrl+Y redoes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from core.review import AUTO, KEEP
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


def _press(qtbot, widget, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """``key`` with ``modifiers``, then the modifiers released.

    QTest leaves them held in the application's state when a shortcut takes the key, which
    would leak into later tests.
    """
    qtbot.keyClick(widget, key, modifiers)
    for modifier in (Qt.Key.Key_Control, Qt.Key.Key_Shift):
        QTest.keyRelease(widget, modifier)


def _selected_rows(window) -> list[int]:
    return sorted({i.row() for i in window.table.selectionModel().selectedRows()})


def test_previous_row_with_shift_moves_rather_than_extending_the_selection(qtbot):
    window = open_window(qtbot, SAMPLE)
    window.table.setFocus()
    window.review.view.select_only(10)
    _press(qtbot, window.table, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    assert window.table.currentIndex().row() == 9
    assert _selected_rows(window) == [9]  # the row the detail pane shows, alone
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    session = window.review.controller.session
    source = window.model.source_row(9)
    assert session.manual[source] == KEEP
    assert int((session.manual != AUTO).sum()) == 1


def test_ctrl_y_redoes_wherever_the_platform_binds_redo(qtbot):
    window = open_window(qtbot, SAMPLE)
    assert QKeySequence("Ctrl+Y") in window.review.redo_action.shortcuts()
    window.table.setFocus()
    window.review.view.select_only(3)
    source = window.model.source_row(3)
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    session = window.review.controller.session
    assert session.manual[source] == KEEP
    _press(qtbot, window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.manual[source] == AUTO
    window.filter_bar.search.setFocus()  # a text box must not take it for its typing
    _press(qtbot, window.filter_bar.search, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert session.manual[source] == KEEP
