"""Applies a :class:`core.review.RowFilter` off the GUI thread, one filter at a time.

Structural criteria are NumPy masks and run at once; a text search walks every row, so it runs
on a worker thread, and a newer filter supersedes an older one still searching.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from core.review import RowFilter
from core.review.filters import FilterInputs
from gui.jobs import LatestJob


class FilterJob(LatestJob):
    """Computes filter masks and reports the newest one."""

    done = Signal(object, object)  # RowFilter, mask (numpy bool array)
    progressed = Signal(float)

    def start(self, row_filter: RowFilter, inputs: FilterInputs) -> None:
        """Compute ``row_filter`` over ``inputs``, replacing any search in progress."""
        if not row_filter.search:
            self.cancel()
            self.done.emit(row_filter, row_filter.structural_mask(inputs))
            return
        self._launch(
            row_filter.iter_mask,
            inputs,
            yielded=self.progressed.emit,
            returned=lambda mask: self.done.emit(row_filter, mask),
        )
