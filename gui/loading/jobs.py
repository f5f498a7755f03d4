"""Runs :func:`core.loading.iter_load` on a worker thread, one load at a time.

Results carry a generation number (:class:`gui.jobs.LatestJob`); a load that was
superseded or cancelled is ignored when it reports back, so a slow old load can never overwrite
a newer one.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.dataset import Dataset, LoadProgress
from core.loading import iter_load
from core.schemas import ColumnMapping
from gui.jobs import LatestJob


def _load(path: Path, mapping: ColumnMapping | None) -> Generator[LoadProgress, None, Dataset]:
    """Load ``path``, then compute here, off the GUI thread, what opening its session needs.

    The rows' occurrence counts (part of every decision key) take one sort of every
    fingerprint: about half a second at 1M rows, which the window once spent frozen.
    """
    dataset = yield from iter_load(path, mapping)
    dataset.occurrences  # noqa: B018 - computed and kept by the dataset
    return dataset


class LoadJob(LatestJob):
    """Starts, cancels and reports dataset loads."""

    progressed = Signal(object)  # LoadProgress
    loaded = Signal(object)  # Dataset
    failed = Signal(object, object)  # path, exception
    cancelled = Signal(object)  # path

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path: Path | None = None

    def start(self, path: str | Path, mapping: ColumnMapping | None = None) -> None:
        """Load ``path``, cancelling any load in progress."""
        self.cancel(quiet=True)
        self._path = path = Path(path)
        self._launch(
            _load,
            path,
            mapping,
            yielded=self.progressed.emit,
            returned=self.loaded.emit,
            errored=lambda exc: self.failed.emit(path, exc),
        )

    def cancel(self, quiet: bool = False) -> None:
        """Stop the load in progress (it stops at its next progress report)."""
        was_running = self.running
        super().cancel()
        if was_running and not quiet and self._path is not None:
            self.cancelled.emit(self._path)
