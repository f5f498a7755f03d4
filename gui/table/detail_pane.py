"""The detail pane: one record in full, turn by turn, always as plain text.

Dataset text is untrusted, so it is only ever inserted with ``QTextCursor.insertText``, which
never interprets markup; the role headings are the app's own text with a character format.
A row that overlaps a reference file also shows the matching reference record, with the words
the two share highlighted in both (a background colour on plain text, never HTML).
Zero-width and bidi control characters are replaced by visible markers (:mod:`core.invisible`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from core.invisible import has_invisible, marker, split_invisible
from core.schemas import Turn

if TYPE_CHECKING:
    from core.overlap.detail import OverlapDetail

HEADING_COLOUR = "#5b6b8c"
RESPONSE_COLOUR = "#2e7d4f"
OVERLAP_COLOUR = "#b3261e"
SHARED_BACKGROUND = "#ffd7d2"
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
        self._overlap_heading = QTextCharFormat(self._heading)
        self._overlap_heading.setForeground(QColor(OVERLAP_COLOUR))
        self._shared = QTextCharFormat()
        self._shared.setBackground(QColor(SHARED_BACKGROUND))
        self._turn_starts: list[tuple[int, str]] = []
        self._invisible = QTextCharFormat()
        self._invisible.setForeground(QColor(INVISIBLE_COLOUR))
        self._invisible.setBackground(QColor(INVISIBLE_BACKGROUND))

    def show_turns(self, turns: list[Turn], title: str = "") -> None:
        """Replace the pane's content with ``turns`` under an optional title line."""
        self.clear()
        self._turn_starts = []
        cursor = QTextCursor(self.document())
        if title:
            cursor.insertText(title + "\n\n", self._heading)
        for i, turn in enumerate(turns):
            if i:
                cursor.insertText("\n\n", self._body)
            label = turn.role.upper() + ("  (response)" if turn.is_response else "")
            cursor.insertText(
                label + "\n", self._response_heading if turn.is_response else self._heading
            )
            self._turn_starts.append((cursor.position(), turn.text))
            self._insert_text(cursor, turn.text if turn.text else "(empty)")
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def _insert_text(self, cursor: QTextCursor, text: str) -> None:
        """Insert ``text``; each zero-width or bidi control shows as a marked stand-in."""
        if not has_invisible(text):
            cursor.insertText(text, self._body)
            return
        for piece, hidden in split_invisible(text):
            cursor.insertText(
                marker(piece) if hidden else piece, self._invisible if hidden else self._body
            )

    def show_overlap(self, detail: OverlapDetail) -> None:
        """Append the matching reference record; highlight what it shares with the turns."""
        cursor = QTextCursor(self.document())
        for start, text in self._turn_starts:
            if not has_invisible(text):  # markers shift positions: no highlight there
                self._highlight(cursor, start, text, detail.spans_in(text))
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText("\n\n" + detail.title + "\n", self._overlap_heading)
        start = cursor.position()
        reference = detail.reference_text
        if reference and not has_invisible(reference):
            cursor.insertText(reference, self._body)
            self._highlight(cursor, start, reference, detail.reference_spans)
        elif reference:
            self._insert_text(cursor, reference)
        else:
            cursor.insertText("(the reference record is not available)", self._body)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def _highlight(
        self, cursor: QTextCursor, offset: int, text: str, spans: list[tuple[int, int]]
    ) -> None:
        """Highlight ``spans`` (Python string indices) of ``text``, inserted at ``offset``."""
        for begin, end in spans:
            # The document counts UTF-16 units: a character outside the BMP counts two.
            cursor.setPosition(offset + _utf16_length(text[:begin]))
            cursor.setPosition(offset + _utf16_length(text[:end]), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(self._shared)


def _utf16_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
