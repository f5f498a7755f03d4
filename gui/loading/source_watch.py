"""Notices when the open dataset's file changes on disk, so the curator can reload it.

A ``QFileSystemWatcher`` reports a change at once where the platform supports it; a slow poll
of the file's size and modification time (one ``stat``) catches what it misses (an editor that
replaces the file, network folders). Exports hash the file as well (core.loading.freshness), so
even an unnoticed change never exports a stale copy.
"""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from core.dataset import Dataset
from core.loading.freshness import change_since_load

POLL_MS = 2_000


class SourceWatcher(QObject):
    """Watches one dataset's file; says once per opening that it changed."""

    changed = Signal(str)  # one line: which file, and how it changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dataset: Dataset | None = None
        self._reported = False
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self.check)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.check)

    def watch(self, dataset: Dataset | None) -> None:
        """Watch ``dataset``'s file from now on (None: nothing)."""
        self.stop()
        self._dataset, self._reported = dataset, False
        if dataset is None:
            return
        self._watcher.addPath(str(dataset.path))
        self._timer.start()

    def stop(self) -> None:
        """Watch nothing (the window is closing)."""
        self._timer.stop()
        paths = self._watcher.files()
        if paths:
            self._watcher.removePaths(paths)
        self._dataset = None

    def check(self, _path: str = "") -> None:
        """Compare the file with the copy read; report the first difference."""
        if self._dataset is None or self._reported:
            return
        change = change_since_load(self._dataset)
        if change is not None:
            self._reported = True
            self._timer.stop()
            self.changed.emit(change)
