"""Applies a :class:`core.review.RowFilter` off the GUI thread, one filter at a time.

Structural criteria are NumPy masks and run at once; a text search walks every row, so it runs
on a worker thread, and a newer filter supersedes an older one still searching.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from core.review import RowFilter
from core.review.filters import FilterInputs


class FilterJob(QObject):
    """Computes filter masks and reports the newest one."""

    done = Signal(object, object)   # RowFilter, mask (numpy bool array)
    progressed = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None
        self._generation = 0

    @property
    def running(self) -> bool:
        """Whether a search is in progress."""
        return self._worker is not None

    def start(self, row_filter: RowFilter, inputs: FilterInputs) -> None:
        """Compute ``row_filter`` over ``inputs``, replacing any search in progress."""
        self.cancel()
        self._generation += 1
        if not row_filter.search:
            self.done.emit(row_filter, row_filter.structural_mask(inputs))
            return
        worker = create_worker(row_filter.iter_mask, inputs, _start_thread=False,
                               _ignore_errors=True)
        generation = self._generation
        worker.yielded.connect(partial(self._on_progress, generation))
        worker.returned.connect(partial(self._on_returned, generation, row_filter))
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        """Drop the search in progress."""
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        self._generation += 1

    def _on_progress(self, generation: int, fraction: float) -> None:
        if generation == self._generation:
            self.progressed.emit(fraction)

    def _on_returned(self, generation: int, row_filter: RowFilter, mask) -> None:
        if generation == self._generation:
            self._worker = None
            self.done.emit(row_filter, mask)
