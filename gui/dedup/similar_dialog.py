"""Find similar: the nearest rows to one row, side by side in the cluster view's style.

The row asked about comes first; each neighbour says its cosine similarity and duplicate role,
with the words that differ from the first row highlighted (the cluster view's diff).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.dataset import Dataset
from core.dedup.keep import ROLE_NAMES
from core.dedup.outcome import DuplicateTable
from core.dedup.similar import Neighbour
from gui.dedup.copy_strip import CopiesDialog


class SimilarDialog(CopiesDialog):
    """One row and its nearest neighbours by embedding."""

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(dataset, "Similar rows", parent)

    def show_neighbours(
        self,
        row: int,
        neighbours: list[Neighbour],
        table: DuplicateTable | None,
        threshold: float | None,
    ) -> None:
        """Show ``row`` first, then ``neighbours`` (most similar first)."""
        locations = self.dataset.locations
        similarities = {n.row: n.similarity for n in neighbours}

        def header(member: int) -> list[str]:
            parts = [f"line {int(locations[member]):,}"]
            if member == row:
                parts.append("the row you asked about")
            else:
                parts.append(f"cosine {similarities[member]:.3f}")
            if table is not None and table.size[member] > 1:
                parts.append(ROLE_NAMES[int(table.role[member])])
            return parts

        self.show_rows([row] + [n.row for n in neighbours], row, header)
        for view in self.views:
            view.keep_button.hide()
            view.set_selected(view.row == row, False)
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
