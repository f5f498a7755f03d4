"""Moving between rows with the review keys selects exactly one row, and Ctrl+Y redoes."""

from __future__ import annotations

import numpy as np
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


def test_ctrl_end_selects_the_row_it_moves_to_so_k_decides_the_row_shown(qtbot):
    """Ctrl+End, Ctrl+Home and Ctrl+arrows move the selection with the current row.

    Qt moves only the current row on them: after Ctrl+End the detail pane showed the last row
    while K decided the row selected before (found by the state machine's selection rule).
    Ctrl+Shift still extends the selection.
    """
    window = open_window(qtbot, SAMPLE)
    window.table.setFocus()
    window.review.view.select_only(10)
    last = window.model.rowCount() - 1
    column = window.table.currentIndex().column()
    for key, row in ((Qt.Key.Key_End, last), (Qt.Key.Key_Home, 0), (Qt.Key.Key_Down, 1)):
        _press(qtbot, window.table, key, Qt.KeyboardModifier.ControlModifier)
        assert window.table.currentIndex().row() == row
        assert window.table.currentIndex().column() == column  # # and Decision stay in view
        assert _selected_rows(window) == [row]
        assert window._detail_shown[0] == window.model.source_row(row)
    _press(qtbot, window.table, Qt.Key.Key_K)
    session = window.review.controller.session
    assert np.flatnonzero(session.manual != AUTO).tolist() == [window.model.source_row(1)]
    row = window.table.currentIndex().row()  # K moved on, or not
    both = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    _press(qtbot, window.table, Qt.Key.Key_Down, both)
    assert _selected_rows(window) == [row, row + 1]


def test_shift_down_extends_from_the_row_shown_after_shift_j(qtbot):
    """With Shift held, Shift+J (previous row) then Down selects the row shown and the next.

    The keys moved the current row through the selection model alone, so the view kept its
    old anchor: Shift+Down after Shift+J, Shift+J selected from the row where Shift+Down had
    begun, a row the detail pane no longer showed.
    """
    window = open_window(qtbot, SAMPLE)
    window.table.setFocus()
    window.review.view.select_only(20)
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.table, Qt.Key.Key_Down, shift)  # Shift stays held throughout
    assert _selected_rows(window) == [20, 21]
    for _ in range(3):
        qtbot.keyClick(window.table, Qt.Key.Key_J, shift)
    assert _selected_rows(window) == [18]
    _press(qtbot, window.table, Qt.Key.Key_Down, shift)
    assert _selected_rows(window) == [18, 19]


def test_unselecting_the_row_shown_shows_a_row_the_keys_decide(qtbot):
    """Ctrl+Space (or Ctrl+click) on the row shown moves the pane to a row still selected.

    Before, the pane kept showing the unselected row and D dropped the other rows: an
    independent tester clicked row 1, Shift+Down, Ctrl+Space, and D dropped line 1 while the
    pane showed line 2.
    """
    window = open_window(qtbot, SAMPLE)
    window.table.setFocus()
    window.review.view.select_only(1)
    _press(qtbot, window.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    _press(qtbot, window.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert _selected_rows(window) == [1]
    assert window.table.currentIndex().row() == 1
    assert window._detail_shown[0] == window.model.source_row(1)
    _press(qtbot, window.table, Qt.Key.Key_D)
    session = window.review.controller.session
    assert np.flatnonzero(session.manual != AUTO).tolist() == [window.model.source_row(1)]
    # The last selected row unselected: it stays shown, and the keys decide it.
    window.review.view.select_only(5)
    _press(qtbot, window.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert _selected_rows(window) == []
    assert window.review.selected_rows().tolist() == [window.model.source_row(5)]
