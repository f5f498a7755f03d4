"""Runs :func:`core.export.iter_export` on a worker thread and reports the result.

An export is cancelled only before its first file is replaced: after that it always runs to
the end, so closing the app can never leave the curated file new and the manifest old. Closing
asks it to stop (honoured only if nothing was written yet) and waits for this job's own worker.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from core.export import ExportOptions, iter_export
from core.review import ReviewSession
from gui.jobs import LatestJob

log = logging.getLogger(__name__)
#: Closing the app waits this long for an export that has started replacing files.
SHUTDOWN_WAIT_MS = 120_000


class ExportJob(LatestJob):
    """One export at a time, with progress; the review actions wait while it runs."""

    progressed = Signal(float)
    finished = Signal(object)   # ExportResult
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop_requested = threading.Event()

    def start(self, session: ReviewSession, options: ExportOptions, scorer: dict | None) -> None:
        """Export ``session`` as ``options`` say."""
        self._stop_requested = stop = threading.Event()
        self._launch(iter_export, session, options, scorer, stop.is_set,
                     yielded=self.progressed.emit, returned=self.finished.emit,
                     errored=lambda exc: self.failed.emit(str(exc)))

    def request_stop(self) -> None:
        """Stop the export if it has not replaced any file yet; otherwise let it finish."""
        self._stop_requested.set()

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Closing the app: stop an export that wrote nothing, wait for one that did."""
        if not self.running:
            return True
        self.request_stop()
        if not self.wait(timeout_ms):
            log.error("an export was still writing %d s after closing", timeout_ms // 1000)
            return False
        return True

    def _stop(self) -> None:
        """Never quit an export's worker between files (superqt's quit stops at any yield)."""
        self._worker = None


class CommitJob(LatestJob):
    """Commits one large change (backup + one transaction) on a worker thread."""

    def start(self, commit, returned, errored) -> None:
        """Run ``commit()``; ``returned`` or ``errored`` hears how it went."""
        self._launch(commit, returned=returned, errored=errored)
