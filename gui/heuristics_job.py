"""Computes the offline heuristic flags of a freshly loaded dataset on a worker thread."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from core.dataset import Dataset
from core.scoring.heuristics import iter_signals


class HeuristicsJob(QObject):
    """Streams :class:`core.scoring.heuristics.HeuristicSignals` chunks; one dataset at a time."""

    computed = Signal(int, object)   # start row, HeuristicSignals
    done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None
        self._generation = 0

    @property
    def running(self) -> bool:
        """Whether flags are still being computed."""
        return self._worker is not None

    def start(self, dataset: Dataset) -> None:
        """Compute the signals of ``dataset``, abandoning any earlier computation."""
        self.cancel()
        generation = self._generation
        worker = create_worker(iter_signals, dataset.prompts, dataset.responses,
                               _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(partial(self._on_yielded, generation))
        worker.finished.connect(partial(self._on_finished, generation))
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        """Stop at the next chunk and ignore anything still in flight."""
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        self._generation += 1

    def _on_yielded(self, generation: int, item) -> None:
        if generation == self._generation:
            self.computed.emit(*item)

    def _on_finished(self, generation: int) -> None:
        if generation == self._generation:
            self._worker = None
            self.done.emit()
