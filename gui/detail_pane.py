"""The detail pane: one record in full, turn by turn, always as plain text.

Dataset text is untrusted, so it is only ever inserted with ``QTextCursor.insertText``, which
never interprets markup; the role headings are the app's own text with a character format.
Zero-width and bidi control characters are replaced by visible markers (:mod:`core.invisible`).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.invisible import has_invisible, marker, split_invisible
from core.schemas import Turn

HEADING_COLOUR = "#5b6b8c"
RESPONSE_COLOUR = "#2e7d4f"
#: Zero-width and bidi controls are shown as ``⟦U+202E …⟧`` in these colours, never applied.
INVISIBLE_COLOUR = "#b3261e"
INVISIBLE_BACKGROUND = "#fde7e4"


class DetailPane(QPlainTextEdit):
    """A read-only view of one record's turns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText("Select a row to read the record in full.")
        self._heading = QTextCharFormat()
        self._heading.setFontWeight(QFont.Weight.Bold)
        self._heading.setForeground(QColor(HEADING_COLOUR))
        self._response_heading = QTextCharFormat(self._heading)
        self._response_heading.setForeground(QColor(RESPONSE_COLOUR))
        self._body = QTextCharFormat()
        self._invisible = QTextCharFormat()
        self._invisible.setForeground(QColor(INVISIBLE_COLOUR))
        self._invisible.setBackground(QColor(INVISIBLE_BACKGROUND))

    def show_turns(self, turns: list[Turn], title: str = "") -> None:
        """Replace the pane's content with ``turns`` under an optional title line."""
        self.clear()
        cursor = QTextCursor(self.document())
        if title:
            cursor.insertText(title + "\n\n", self._heading)
        for i, turn in enumerate(turns):
            if i:
                cursor.insertText("\n\n", self._body)
            label = turn.role.upper() + ("  (response)" if turn.is_response else "")
            cursor.insertText(label + "\n",
                              self._response_heading if turn.is_response else self._heading)
            self._insert_text(cursor, turn.text if turn.text else "(empty)")
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def _insert_text(self, cursor: QTextCursor, text: str) -> None:
        """Insert ``text``; each zero-width or bidi control shows as a marked stand-in."""
        if not has_invisible(text):
            cursor.insertText(text, self._body)
            return
        for piece, hidden in split_invisible(text):
            cursor.insertText(marker(piece) if hidden else piece,
                              self._invisible if hidden else self._body)

