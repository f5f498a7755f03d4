"""Runs :func:`core.loading.iter_load` on a worker thread, one load at a time.

Results carry a generation number; a load that was superseded or cancelled is ignored when it
reports back, so a slow old load can never overwrite a newer one.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from core.dataset import Dataset, LoadProgress
from core.loading import iter_load
from core.schemas import ColumnMapping


class LoadJob(QObject):
    """Starts, cancels and reports dataset loads."""

    progressed = Signal(object)  # LoadProgress
    loaded = Signal(object)  # Dataset
    failed = Signal(object, object)  # path, exception
    cancelled = Signal(object)  # path

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None
        self._generation = 0
        self._path: Path | None = None

    @property
    def running(self) -> bool:
        """Whether a load is in progress."""
        return self._worker is not None

    def start(self, path: str | Path, mapping: ColumnMapping | None = None) -> None:
        """Load ``path``, cancelling any load in progress."""
        self.cancel(quiet=True)
        self._generation += 1
        self._path = Path(path)
        # Errors are handled by _on_errored; without _ignore_errors superqt would re-raise them.
        worker = create_worker(iter_load, self._path, mapping, _start_thread=False,
                               _ignore_errors=True)
        generation = self._generation
        worker.yielded.connect(partial(self._on_progress, generation))
        worker.returned.connect(partial(self._on_returned, generation))
        worker.errored.connect(partial(self._on_errored, generation))
        worker.aborted.connect(partial(self._on_aborted, generation))
        self._worker = worker
        worker.start()

    def cancel(self, quiet: bool = False) -> None:
        """Stop the load in progress (it stops at its next progress report)."""
        if self._worker is None:
            return
        self._worker.quit()
        self._worker = None
        if not quiet and self._path is not None:
            self.cancelled.emit(self._path)
        self._generation += 1

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _on_progress(self, generation: int, progress: LoadProgress) -> None:
        if self._current(generation):
            self.progressed.emit(progress)

    def _on_returned(self, generation: int, dataset: Dataset) -> None:
        if self._current(generation):
            self._worker = None
            self.loaded.emit(dataset)

    def _on_errored(self, generation: int, exc: Exception) -> None:
        if self._current(generation):
            self._worker = None
            self.failed.emit(self._path, exc)

    def _on_aborted(self, generation: int) -> None:
        if self._current(generation):
            self._worker = None
