"""The cluster view: every copy of a duplicate cluster side by side, the kept one marked.

Differences from the kept copy are highlighted; K (or the button under a copy) makes the
selected copy the one the cluster keeps, which is saved in the project at once.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
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
from core.dedup.edges import KINDS
from core.dedup.keep import KEPT, ROLE_NAMES
from core.dedup.outcome import DuplicateTable
from gui.widgets.diff_text import DiffText, record_text
from gui.widgets.text_widgets import plain_label

#: Copies shown at once; a larger cluster says how many more it has.
MAX_SHOWN = 12
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


class ClusterDialog(QDialog):
    """All copies of one cluster; emits ``keep_requested(row)`` when the curator picks one."""

    keep_requested = Signal(int)

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Duplicate cluster")
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
        self.selected: int | None = None
        self._kept: int | None = None

    def show_cluster(self, table: DuplicateTable, row: int, scores: np.ndarray) -> None:
        """Show the cluster of ``row`` as ``table`` has it (called again after a change)."""
        members = table.clusters.members(int(table.cluster[row]))
        kept = int(table.kept[row])
        self._kept = kept
        if self.selected not in members.tolist():
            self.selected = row
        shown = members[:MAX_SHOWN]
        if kept not in shown.tolist():
            shown = np.concatenate(([kept], shown[: MAX_SHOWN - 1]))
        for view in self.views:
            view.deleteLater()
        self.views = []
        locations = self.dataset.locations
        kept_text = record_text(self.dataset.prompts[kept], self.dataset.responses[kept])
        for member in sorted(shown.tolist(), key=lambda r: (r != kept, r)):
            view = CopyView(member, self.strip)
            role = int(table.role[member])
            score = float(scores[member]) if len(scores) else float("nan")
            parts = [f"line {int(locations[member]):,}", ROLE_NAMES[role] or "unique"]
            if not np.isnan(score):
                parts.append(f"score {score:.3f}")
            if role != KEPT and table.match[member] >= 0:
                similarity = float(table.similarity[member])
                parts.append(
                    f"{KINDS[int(table.match[member])]} match"
                    + ("" if np.isnan(similarity) else f", {similarity:.3f} to kept")
                )
            view.header.setText("  ·  ".join(parts))
            text = record_text(self.dataset.prompts[member], self.dataset.responses[member])
            view.text.show_text(text, None if member == kept else kept_text)
            view.keep_button.setEnabled(member != kept)
            view.keep_clicked.connect(self.keep_requested)
            view.focused.connect(self._select)
            self.strip_layout.addWidget(view)
            self.views.append(view)
        more = len(members) - len(shown)
        self.summary.setText(
            f"{len(members):,} copies; the kept copy is first (green). Highlighted words differ "
            f"from it. Select a copy and press K to keep it instead."
            + (f" {more:,} more copies are not shown." if more > 0 else "")
        )
        self._paint()

    def _select(self, row: int) -> None:
        self.selected = row
        self._paint()

    def _paint(self) -> None:
        for view in self.views:
            view.set_selected(view.row == self.selected, view.row == self._kept)

    def _keep_selected(self) -> None:
        if self.selected is not None and self.selected != self._kept:
            self.keep_requested.emit(self.selected)

    def keyPressEvent(self, event) -> None:  # noqa: D102
        key = Qt.Key(event.key())
        plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
        if key == Qt.Key.Key_K and plain:
            self._keep_selected()
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and plain and self.views:
            rows = [v.row for v in self.views]
            index = rows.index(self.selected) if self.selected in rows else 0
            step = -1 if key == Qt.Key.Key_Left else 1
            self._select(rows[max(0, min(len(rows) - 1, index + step))])
            return
        super().keyPressEvent(event)
