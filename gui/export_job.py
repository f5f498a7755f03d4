"""Runs :func:`core.export.iter_export` on a worker thread and reports the result."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from core.export import ExportOptions, iter_export
from core.review import ReviewSession


class ExportJob(QObject):
    """One export at a time, with progress; the review actions wait while it runs."""

    progressed = Signal(float)
    finished = Signal(object)   # ExportResult
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None

    @property
    def running(self) -> bool:
        """Whether an export is in progress."""
        return self._worker is not None

    def start(self, session: ReviewSession, options: ExportOptions, scorer: dict | None) -> None:
        """Export ``session`` as ``options`` say."""
        worker = create_worker(iter_export, session, options, scorer, _start_thread=False,
                               _ignore_errors=True)
        worker.yielded.connect(self.progressed.emit)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        self._worker = worker
        worker.start()

    def wait(self, timeout_ms: int = 5000) -> None:
        """Let a running export finish (closing the app): files are never left half-replaced."""
        if self._worker is not None:
            GeneratorWorker.await_workers(timeout_ms)

    def _on_returned(self, result) -> None:
        self._worker = None
        self.finished.emit(result)

    def _on_errored(self, exc: Exception) -> None:
        self._worker = None
        self.failed.emit(str(exc))
