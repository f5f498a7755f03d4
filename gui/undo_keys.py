"""Undo and Redo keys mean the review's undo wherever the focus is.

Qt lets a focused text box claim Ctrl+Z for its own typing: a ``QLineEdit`` (the search box,
the score boxes, a spin box's editor) accepts the ``ShortcutOverride`` event for the standard
undo/redo keys, and the window's Undo action never fires. Then Ctrl+Z in the search box undoes
the typing, the table changes (so it looks undone) and the bulk drop stays.

The choice: in Thresher, the undo keys always undo the last *review* step (a decision, a rule
change, a kept copy), as the Edit menu says. The review's Undo/Redo actions are
application-wide shortcuts (so they also work from the cluster view and a floating dock), and
this filter declines the text boxes' claim to those keys while no modal dialog is open. A modal
dialog (a reason prompt, the export dialog) keeps ordinary text undo: there the review actions
are blocked anyway. Nothing else about typing changes; a search is cleared with its clear button
or the Clear button.

The filter sits on the focused text box only, moved as the focus moves, never on the whole
application: an application filter is a Python call for every event of every widget. While a
worker runs Python, each such call waits up to a GIL switch interval for the interpreter; an
application filter made 23 of the 347 Python calls of a decision key at 100k rows.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: Pressed by most curators for Redo, but Qt binds it only on some desktops (Linux without a
#: desktop theme has Ctrl+Shift+Z alone), so it is added wherever it is missing.
CTRL_Y = QKeySequence("Ctrl+Y")

#: The widgets whose Qt code claims the undo keys for their own text (a combo box and a spin
#: box through their line edit).
TEXT_BOXES = (QLineEdit, QAbstractSpinBox, QComboBox, QTextEdit, QPlainTextEdit)


def redo_sequences() -> list[QKeySequence]:
    """Every platform binding of Redo, plus Ctrl+Y."""
    keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
    return keys if CTRL_Y in keys else [*keys, CTRL_Y]


def _is_undo_key(event: QKeyEvent) -> bool:
    if event.matches(QKeySequence.StandardKey.Undo):
        return True
    return QKeySequence(event.keyCombination()) in redo_sequences()


class ReviewUndoKeys(QObject):
    """An event filter on the focused text box that leaves the undo keys to the review's actions."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._watched: QWidget | None = None

    def follow_focus(self, app: QApplication) -> None:
        """Sit on whichever text box has the focus, from now on."""
        app.focusChanged.connect(self._on_focus_changed)
        self._on_focus_changed(None, app.focusWidget())

    @property
    def watched(self) -> QWidget | None:
        """The text box the filter sits on (None while the focus is elsewhere)."""
        return self._watched

    # A Qt slot, so the connection ends with this object: a plain Python callable outlived a
    # closed window's filter, which then sat on another window's text boxes and crashed there.
    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None and shiboken6.isValid(self._watched):
            self._watched.removeEventFilter(self)
        mine = isinstance(new, TEXT_BOXES) and self._belongs(new)
        self._watched = new if mine else None
        if self._watched is not None:
            self._watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: D102
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not _is_undo_key(event):
            return False
        if QApplication.activeModalWidget() is not None or not self._belongs(watched):
            return False
        event.ignore()  # not claimed: the shortcut map gives the key to Undo/Redo
        return True

    def _belongs(self, watched: QObject) -> bool:
        """Whether ``watched`` is in the main window or one of its own windows (dialogs, docks)."""
        widget = watched if isinstance(watched, QWidget) else None
        while widget is not None:
            if widget is self._window:
                return True
            widget = widget.parentWidget()
        return False
