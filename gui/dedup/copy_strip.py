"""Rows side by side, each with its text and the words that differ from the first one marked.

The cluster view (every copy of one duplicate cluster) and Find similar (one row and its
nearest neighbours) show rows the same way; :class:`CopiesDialog` is that view once, and each
dialog says only what its headers read and what a copy's button does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset
from gui.widgets.diff_text import DiffText, record_text
from gui.widgets.text_widgets import plain_label

COPY_WIDTH = 360


class CopyView(QFrame):
    """One copy: where it is, its score and role, its text, and a button to keep it."""

    keep_clicked = Signal(int)
    focused = Signal(int)

    def __init__(self, row: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(COPY_WIDTH)
        self.header = plain_label("", self)
        self.header.setWordWrap(True)
        self.text = DiffText(self)
        self.text.installEventFilter(self)
        self.keep_button = QPushButton("Keep this copy (K)", self)
        self.keep_button.clicked.connect(lambda: self.keep_clicked.emit(self.row))
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.keep_button)

    def eventFilter(self, watched, event) -> bool:  # noqa: D102
        if event.type() == event.Type.FocusIn:
            self.focused.emit(self.row)
        return False

    def set_selected(self, selected: bool, kept: bool) -> None:
        """Frame colour: green for the kept copy, blue for the selected one."""
        colour = "#1f7a3f" if kept else ("#1d4f91" if selected else "#c9c9c9")
        width = 2 if kept or selected else 1
        self.setStyleSheet(f"CopyView {{ border: {width}px solid {colour}; border-radius: 4px; }}")


class CopiesDialog(QDialog):
    """A summary line over a scrolling strip of :class:`CopyView` s, and a Close button."""

    def __init__(self, dataset: Dataset, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(1200, 640)
        self.dataset = dataset
        self.summary = plain_label("", self)
        self.summary.setWordWrap(True)
        self.strip = QWidget(self)
        self.strip_layout = QHBoxLayout(self.strip)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.strip)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.views: list[CopyView] = []

    def show_rows(self, rows: list[int], base: int, header: Callable[[int], list[str]]) -> None:
        """Replace the strip with ``rows`` in order, each headed by ``header(row)``'s parts.

        Words that differ from row ``base`` are highlighted (``base`` itself is shown plain).
        """
        for view in self.views:
            view.deleteLater()
        self.views = []
        prompts, responses = self.dataset.prompts, self.dataset.responses
        base_text = record_text(prompts[base], responses[base])
        for row in rows:
            view = CopyView(row, self.strip)
            view.header.setText("  ·  ".join(header(row)))
            view.text.show_text(
                record_text(prompts[row], responses[row]), None if row == base else base_text
            )
            self.strip_layout.addWidget(view)
            self.views.append(view)
