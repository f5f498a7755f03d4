"""Computes the offline heuristic flags of a freshly loaded dataset on a worker thread."""

from __future__ import annotations

from PySide6.QtCore import Signal

from core.dataset import Dataset
from core.scoring.heuristics import iter_signals
from gui.jobs import LatestJob

#: The signals arrive in about this many batches whatever the size of the file. Each batch
#: re-applies the rule and repaints the table and plots over every row on the GUI thread, so
#: fixed 256-row batches were quadratic: 3,900 of them at 1M rows.
BATCHES = 100
MIN_BATCH_ROWS = 256


class HeuristicsJob(LatestJob):
    """Streams :class:`core.scoring.heuristics.HeuristicSignals` chunks; one dataset at a time."""

    computed = Signal(int, object)  # start row, HeuristicSignals
    done = Signal()

    def start(self, dataset: Dataset) -> None:
        """Compute the signals of ``dataset``, abandoning any earlier computation."""
        rows = max(MIN_BATCH_ROWS, -(-len(dataset) // BATCHES))
        self._launch(
            iter_signals,
            dataset.prompts,
            dataset.responses,
            rows,
            yielded=lambda item: self.computed.emit(*item),
            finished=self.done.emit,
        )
