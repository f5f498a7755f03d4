"""Read-only plain-text views with the words that differ from another copy highlighted.

Highlighting is applied with ``QTextCharFormat`` on a plain-text document: the dataset's text
is never interpreted as HTML.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.dedup.diff import changed_spans

CHANGED = QColor("#ffe08a")


def record_text(prompt: str, response: str) -> str:
    """How a record is shown in a comparison: the prompt, a divider, the response."""
    return f"{prompt}\n\n──── response ────\n\n{response}"


class DiffText(QPlainTextEdit):
    """Shows ``text``; words not found in ``base`` get a highlight."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    def show_text(self, text: str, base: str | None = None) -> None:
        """Show ``text``, highlighting where it differs from ``base`` (None: no highlight).

        Qt gives a new plain text the format at the old cursor: when that sat on a highlighted
        word, the whole next text came out "different". The format is reset first.
        """
        self.setCurrentCharFormat(QTextCharFormat())
        self.setPlainText(text)
        if base is None or base == text:
            return
        highlight = QTextCharFormat()
        highlight.setBackground(CHANGED)
        cursor = QTextCursor(self.document())
        spans = changed_spans(base, text)
        for start, end in spans:
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(highlight)
        self.moveCursor(QTextCursor.MoveOperation.Start)
        if spans:
            # Copies behind a long shared preamble differ far down: show the first difference.
            first = QTextCursor(self.document())
            first.setPosition(spans[0][0])
            self.setTextCursor(first)
            self.ensureCursorVisible()
        self.setCurrentCharFormat(QTextCharFormat())
