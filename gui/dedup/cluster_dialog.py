"""The cluster view: every copy of a duplicate cluster side by side, the kept one marked.

Differences from the kept copy are highlighted; K (or the button under a copy) makes the
selected copy the one the cluster keeps, which is saved in the project at once.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from core.dataset import Dataset
from core.dedup.edges import KINDS
from core.dedup.keep import KEPT, ROLE_NAMES
from core.dedup.outcome import DuplicateTable
from gui.dedup.copy_strip import CopiesDialog

#: Copies shown at once; a larger cluster says how many more it has.
MAX_SHOWN = 12


class ClusterDialog(CopiesDialog):
    """All copies of one cluster; emits ``keep_requested(row)`` when the curator picks one."""

    keep_requested = Signal(int)

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(dataset, "Duplicate cluster", parent)
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
        locations = self.dataset.locations

        def header(member: int) -> list[str]:
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
            return parts

        self.show_rows(sorted(shown.tolist(), key=lambda r: (r != kept, r)), kept, header)
        for view in self.views:
            view.keep_button.setEnabled(view.row != kept)
            view.keep_clicked.connect(self.keep_requested)
            view.focused.connect(self._select)
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
