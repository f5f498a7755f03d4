"""Find similar: the nearest rows to one row, side by side in the cluster view's style.

The row asked about comes first; each neighbour says its cosine similarity and duplicate role,
with the words that differ from the first row highlighted (the cluster view's diff).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.dataset import Dataset
from core.dedup.keep import ROLE_NAMES
from core.dedup.outcome import DuplicateTable
from core.dedup.similar import Neighbour
from gui.dedup.cluster_dialog import CopyView
from gui.widgets.diff_text import record_text
from gui.widgets.text_widgets import plain_label


class SimilarDialog(QDialog):
    """One row and its nearest neighbours by embedding."""

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Similar rows")
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

    def show_neighbours(
        self,
        row: int,
        neighbours: list[Neighbour],
        table: DuplicateTable | None,
        threshold: float | None,
    ) -> None:
        """Show ``row`` first, then ``neighbours`` (most similar first)."""
        for view in self.views:
            view.deleteLater()
        self.views = []
        prompts, responses = self.dataset.prompts, self.dataset.responses
        locations = self.dataset.locations
        base = record_text(prompts[row], responses[row])
        for member, similarity in [(row, None)] + [(n.row, n.similarity) for n in neighbours]:
            view = CopyView(member, self.strip)
            parts = [f"line {int(locations[member]):,}"]
            if similarity is None:
                parts.append("the row you asked about")
            else:
                parts.append(f"cosine {similarity:.3f}")
            if table is not None and table.size[member] > 1:
                parts.append(ROLE_NAMES[int(table.role[member])])
            view.header.setText("  ·  ".join(parts))
            view.text.show_text(
                record_text(prompts[member], responses[member]), None if member == row else base
            )
            view.keep_button.hide()
            view.set_selected(member == row, False)
            self.strip_layout.addWidget(view)
            self.views.append(view)
        above = sum(
            1 for n in neighbours if threshold is not None and n.similarity >= threshold - 1e-6
        )
        self.summary.setText(
            f"The {len(neighbours):,} rows nearest to line {int(locations[row]):,} by the last "
            f"semantic run's embeddings"
            + (
                f"; {above:,} at or above the semantic threshold {threshold:.2f}"
                if threshold is not None
                else ""
            )
            + ". Highlighted words differ from the first row."
        )
