"""Computes the offline heuristic flags of a freshly loaded dataset on a worker thread."""

from __future__ import annotations

from PySide6.QtCore import Signal

from core.dataset import Dataset
from core.scoring.heuristics import iter_signals
from gui.jobs import LatestJob


class HeuristicsJob(LatestJob):
    """Streams :class:`core.scoring.heuristics.HeuristicSignals` chunks; one dataset at a time."""

    computed = Signal(int, object)   # start row, HeuristicSignals
    done = Signal()

    def start(self, dataset: Dataset) -> None:
        """Compute the signals of ``dataset``, abandoning any earlier computation."""
        self._launch(iter_signals, dataset.prompts, dataset.responses,
                     yielded=lambda item: self.computed.emit(*item),
                     finished=self.done.emit)
